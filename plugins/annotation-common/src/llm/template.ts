import { ConfigIssue, ProjectConfig } from '../config';
import { readField } from '../items';

/*
 * The prompt template language: text with `{{ placeholder }}`s and nothing
 * else (no conditions, no loops), so a template cannot run code or fail
 * half-way through a job. Placeholders:
 *
 * - `{{ data.some.field }}`: a field of the item's data (text as is,
 *   anything else as JSON);
 * - `{{ data }}`: the whole data as JSON;
 * - `{{ externalId }}`, `{{ instructions }}` (the project's, markdown);
 * - `{{ questions }}`: the questions with their labels or ranges, one per
 *   line.
 *
 * Unknown placeholders and fields are errors when the config is saved,
 * never while a job runs.
 */

type Part = { text: string } | { placeholder: string; at: number };

export interface ParsedTemplate {
  parts: Part[];
  /** Data field paths the template reads (`data.a.b` → `a.b`). */
  fields: string[];
}

const PLACEHOLDER =
  /^(data(\.[A-Za-z_][A-Za-z0-9_]*)*|externalId|instructions|questions)$/;

/** Splits a template into text and placeholders; issues name the position. */
export function parseTemplate(
  template: string,
  path = 'promptTemplate',
): { template: ParsedTemplate; issues: ConfigIssue[] } {
  const parts: Part[] = [];
  const fields = new Set<string>();
  const issues: ConfigIssue[] = [];
  let from = 0;
  while (from < template.length) {
    const open = template.indexOf('{{', from);
    if (open < 0) {
      parts.push({ text: template.slice(from) });
      break;
    }
    if (open > from) {
      parts.push({ text: template.slice(from, open) });
    }
    const close = template.indexOf('}}', open + 2);
    if (close < 0) {
      issues.push({
        path,
        message: `"{{" at character ${open + 1} is never closed with "}}"`,
      });
      break;
    }
    const name = template.slice(open + 2, close).trim();
    if (!PLACEHOLDER.test(name)) {
      issues.push({
        path,
        message: `unknown placeholder {{ ${name} }} at character ${
          open + 1
        } (data.<field>, data, externalId, instructions or questions expected)`,
      });
    } else if (name.startsWith('data.')) {
      fields.add(name.slice('data.'.length));
    }
    parts.push({ placeholder: name, at: open });
    from = close + 2;
  }
  return { template: { parts, fields: [...fields] }, issues };
}

/** Every dotted path of an item's data, nested objects included. */
export function dataFieldPaths(data: unknown, prefix = ''): string[] {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return [];
  }
  return Object.entries(data).flatMap(([key, value]) => {
    const here = `${prefix}${key}`;
    return [here, ...dataFieldPaths(value, `${here}.`)];
  });
}

/**
 * Checks the template against the project: every data field it reads must
 * be one the questions read or one present in the sample items' data.
 */
export function checkTemplate(
  template: string,
  project: ProjectConfig,
  sampleData: readonly unknown[],
  path = 'promptTemplate',
): ConfigIssue[] {
  const parsed = parseTemplate(template, path);
  if (parsed.issues.length) {
    return parsed.issues;
  }
  const known = new Set<string>();
  for (const q of project.questions) {
    known.add(q.field);
    if ('durationField' in q && q.durationField) {
      known.add(q.durationField);
    }
  }
  for (const data of sampleData) {
    dataFieldPaths(data).forEach(f => known.add(f));
  }
  return parsed.template.fields
    .filter(f => !known.has(f))
    .map(f => ({
      path,
      message: `{{ data.${f} }}: not a field of this project's items (known: ${
        [...known].sort().join(', ') || 'none'
      })`,
    }));
}

/** The questions as the `{{ questions }}` placeholder writes them. */
export function describeQuestions(project: ProjectConfig): string {
  return project.questions
    .map(q => {
      const what = (() => {
        switch (q.type) {
          case 'single-choice':
            return `one of: ${q.labels.map(l => l.value).join(', ')}`;
          case 'multiple-choice':
            return `any of: ${q.labels.map(l => l.value).join(', ')}`;
          case 'ordinal-rating':
            return `a whole number from ${q.min} to ${q.max}`;
          case 'free-text':
            return 'free text';
          case 'text-spans':
            return `character spans of "${q.field}" labelled ${q.labels
              .map(l => l.value)
              .join(', ')}`;
          default:
            return `time segments in seconds labelled ${q.labels
              .map(l => l.value)
              .join(', ')}`;
        }
      })();
      return `- ${q.id}: ${q.title} (${what}${q.required ? '' : ', optional'})`;
    })
    .join('\n');
}

function asText(value: unknown): string {
  if (value === undefined || value === null) {
    return '';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Renders a parsed template for one item. */
export function renderTemplate(
  template: ParsedTemplate,
  item: { externalId: string; data: unknown },
  project: ProjectConfig,
): string {
  return template.parts
    .map(part => {
      if ('text' in part) {
        return part.text;
      }
      switch (part.placeholder) {
        case 'data':
          return JSON.stringify(item.data);
        case 'externalId':
          return item.externalId;
        case 'instructions':
          return project.instructions;
        case 'questions':
          return describeQuestions(project);
        default:
          return asText(
            readField(item.data, part.placeholder.slice('data.'.length)),
          );
      }
    })
    .join('');
}
