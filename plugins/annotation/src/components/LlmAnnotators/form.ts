import {
  ConfigIssue,
  LlmAnnotatorConfig,
  LlmConfidenceMethod,
  LlmOutputMode,
  LlmRole,
  parseLlmAnnotatorConfig,
  parseTemplate,
  ProjectConfig,
  QuestionConfig,
  validateAnswer,
} from '@chorus/plugin-annotation-common';
import { compact, issuesFromMessage, num } from '../NewProjectPage/form';

/*
 * The LLM annotator form as the page edits it (text as typed), its
 * conversion to a config, and its checks: the shared
 * `parseLlmAnnotatorConfig` (the backend's own), the template syntax and
 * fixed examples' answers. Whether a template's fields exist in the items
 * only the backend can tell (it reads them); its issues come back by path.
 */

type FewShot = LlmAnnotatorConfig['fewShot'];

export interface LlmDraft {
  name: string;
  provider: string;
  /** Empty: the provider's default model. */
  model: string;
  systemPrompt: string;
  promptTemplate: string;
  fewShotSource: FewShot['source'];
  /** Fixed examples as JSON text: `[{ "data": {…}, "answer": {…} }]`. */
  fewShotExamples: string;
  fewShotCount: string;
  fewShotSelection: FewShot['selection'];
  output: LlmOutputMode;
  temperature: string;
  samples: string;
  confidence: LlmConfidenceMethod;
  role: LlmRole;
  autoAcceptThreshold: string;
  autoAcceptAuditRate: string;
  prelabelInBlind: boolean;
  maxRepairs: string;
  maxOutputTokens: string;
}

/**
 * Each input's config path (as the parser names it; the API's are the same
 * below `config.`) and its label, shared by the form and the version diff.
 */
export const LLM_FIELDS: Record<
  keyof LlmDraft,
  { path: string; label: string }
> = {
  name: { path: 'name', label: 'Name' },
  provider: { path: 'provider', label: 'Provider' },
  model: { path: 'model', label: 'Model' },
  systemPrompt: { path: 'systemPrompt', label: 'System prompt' },
  promptTemplate: { path: 'promptTemplate', label: 'Prompt template' },
  fewShotSource: { path: 'fewShot.source', label: 'Few-shot examples' },
  fewShotExamples: { path: 'fewShot.examples', label: 'Fixed examples' },
  fewShotCount: { path: 'fewShot.count', label: 'Gold examples per prompt' },
  fewShotSelection: { path: 'fewShot.selection', label: 'Gold selection' },
  output: { path: 'output', label: 'Output mode' },
  temperature: { path: 'temperature', label: 'Temperature' },
  samples: { path: 'samples', label: 'Samples' },
  confidence: { path: 'confidence', label: 'Confidence' },
  role: { path: 'role', label: 'Role' },
  autoAcceptThreshold: {
    path: 'autoAccept.threshold',
    label: 'Auto-accept threshold',
  },
  autoAcceptAuditRate: {
    path: 'autoAccept.auditRate',
    label: 'Audit rate',
  },
  prelabelInBlind: {
    path: 'prelabelInBlind',
    label: 'Prelabel in blind projects',
  },
  maxRepairs: { path: 'maxRepairs', label: 'Max repairs' },
  maxOutputTokens: { path: 'maxOutputTokens', label: 'Max output tokens' },
};

/** Config objects a version may set or drop as a whole. */
const GROUPS = [
  { path: 'autoAccept', label: 'Auto-accept settings' },
  { path: 'fewShot', label: 'Few-shot' },
];

/** A config path's label: its field's, and the rest of the path after it. */
export function fieldLabel(path: string): string {
  let best: { path: string; label: string } | undefined;
  for (const f of [...Object.values(LLM_FIELDS), ...GROUPS]) {
    const under =
      path === f.path ||
      path.startsWith(`${f.path}.`) ||
      path.startsWith(`${f.path}[`);
    if (under && (!best || f.path.length > best.path.length)) {
      best = f;
    }
  }
  if (!best) {
    return path;
  }
  const rest = path.slice(best.path.length).replace(/^\./, '');
  return rest ? `${best.label} ${rest}` : best.label;
}

/** A template that reads the whole item and the questions: a start. */
export const DEFAULT_PROMPT_TEMPLATE = `{{ instructions }}

The item:
{{ data }}

Answer these questions:
{{ questions }}`;

export function newLlmDraft(provider = ''): LlmDraft {
  return draftFromConfig('', {
    provider,
    systemPrompt: '',
    promptTemplate: DEFAULT_PROMPT_TEMPLATE,
    fewShot: { source: 'none', examples: [], count: 3, selection: 'random' },
    output: 'json_schema',
    temperature: 0,
    samples: 1,
    confidence: 'logprobs',
    role: 'vote',
    prelabelInBlind: false,
    maxRepairs: 1,
    maxOutputTokens: 512,
  });
}

/** The form showing a saved config. */
export function draftFromConfig(name: string, c: LlmAnnotatorConfig): LlmDraft {
  return {
    name,
    provider: c.provider,
    model: c.model ?? '',
    systemPrompt: c.systemPrompt,
    promptTemplate: c.promptTemplate,
    fewShotSource: c.fewShot.source,
    fewShotExamples: c.fewShot.examples.length
      ? JSON.stringify(c.fewShot.examples, null, 2)
      : '',
    fewShotCount: String(c.fewShot.count),
    fewShotSelection: c.fewShot.selection,
    output: c.output,
    temperature: String(c.temperature),
    samples: String(c.samples),
    confidence: c.confidence,
    role: c.role,
    autoAcceptThreshold:
      c.autoAccept === undefined ? '' : String(c.autoAccept.threshold),
    autoAcceptAuditRate: String(c.autoAccept?.auditRate ?? 0.05),
    prelabelInBlind: c.prelabelInBlind,
    maxRepairs: String(c.maxRepairs),
    maxOutputTokens: String(c.maxOutputTokens),
  };
}

/**
 * The config the form describes (unvalidated), and the issue of fixed
 * examples that are not JSON. Examples go only with the fixed source, the
 * auto-accept settings and prelabels in blind projects only with their
 * roles, so a version never keeps settings that do nothing.
 */
export function draftToConfig(d: LlmDraft): {
  input: Record<string, unknown>;
  issues: ConfigIssue[];
} {
  const issues: ConfigIssue[] = [];
  let examples: unknown = [];
  if (d.fewShotSource === 'fixed' && d.fewShotExamples.trim()) {
    try {
      examples = JSON.parse(d.fewShotExamples);
    } catch (error) {
      issues.push({
        path: LLM_FIELDS.fewShotExamples.path,
        message: `not valid JSON (${
          (error as Error).message
        }); a list of { "data": {…}, "answer": {…} } expected`,
      });
    }
  }
  const input = compact({
    provider: d.provider,
    model: d.model.trim() || undefined,
    systemPrompt: d.systemPrompt,
    promptTemplate: d.promptTemplate,
    fewShot: compact({
      source: d.fewShotSource,
      examples,
      count: num(d.fewShotCount),
      selection: d.fewShotSelection,
    }),
    output: d.output,
    temperature: num(d.temperature),
    samples: num(d.samples),
    confidence: d.confidence,
    role: d.role,
    autoAccept:
      d.role === 'auto-accept'
        ? compact({
            threshold: num(d.autoAcceptThreshold),
            auditRate: num(d.autoAcceptAuditRate),
          })
        : undefined,
    prelabelInBlind: d.role === 'prelabel' && d.prelabelInBlind,
    maxRepairs: num(d.maxRepairs),
    maxOutputTokens: num(d.maxOutputTokens),
  });
  return { input, issues };
}

/** As the API's `name` (unique in the project, e.g. first-pass). */
const NAME = /^[a-z][a-z0-9-]{0,62}$/;

export type LlmDraftCheck =
  | { ok: true; config: LlmAnnotatorConfig }
  | { ok: false; issues: ConfigIssue[] };

/**
 * Checks the form as the backend would, save what needs the items: the
 * name (when creating), the config's shape, the templates' syntax and the
 * fixed examples' answers against the project's questions.
 */
export function checkLlmDraft(
  d: LlmDraft,
  options: { creating: boolean; project?: ProjectConfig },
): LlmDraftCheck {
  const issues: ConfigIssue[] = [];
  if (options.creating && !NAME.test(d.name)) {
    issues.push({
      path: 'name',
      message:
        'a name of lowercase letters, digits and dashes, starting with a letter, expected (e.g. first-pass)',
    });
  }
  const { input, issues: jsonIssues } = draftToConfig(d);
  issues.push(...jsonIssues);
  const parsed = parseLlmAnnotatorConfig(input);
  if (!parsed.success) {
    // examples that are not JSON need no "at least 1 example" besides
    issues.push(
      ...parsed.issues.filter(i => !jsonIssues.some(j => j.path === i.path)),
    );
  }
  issues.push(
    ...parseTemplate(d.systemPrompt, 'systemPrompt').issues,
    ...parseTemplate(d.promptTemplate).issues,
  );
  if (parsed.success && options.project) {
    const project = options.project;
    parsed.config.fewShot.examples.forEach((example, i) =>
      issues.push(
        ...validateAnswer(
          project,
          example.data,
          example.answer,
          `fewShot.examples[${i}].answer`,
        ),
      ),
    );
  }
  return parsed.success && !issues.length
    ? { ok: true, config: parsed.config }
    : { ok: false, issues };
}

/**
 * A server refusal as issues by config path: the API names config fields
 * `config.promptTemplate`, the form `promptTemplate`.
 */
export function serverIssues(message: string): ConfigIssue[] {
  return issuesFromMessage(message).map(i => ({
    ...i,
    path: i.path === 'config' ? '' : i.path.replace(/^config\./, ''),
  }));
}

/** The data fields the questions read (the template's `data.<field>`s). */
export function questionFields(project: ProjectConfig): string[] {
  const fields = new Set<string>();
  for (const q of project.questions) {
    fields.add(q.field);
    if ('durationField' in q && q.durationField) {
      fields.add(q.durationField);
    }
  }
  return [...fields];
}

/**
 * An item for the local preview: each question field holds its own name
 * (`‹track_title›`), dotted fields nested as in real data.
 */
export function sampleItem(project: ProjectConfig): {
  externalId: string;
  data: Record<string, unknown>;
} {
  const data: Record<string, unknown> = {};
  for (const field of questionFields(project)) {
    const parts = field.split('.');
    let at = data;
    parts.slice(0, -1).forEach(part => {
      if (typeof at[part] !== 'object' || at[part] === null) {
        at[part] = {};
      }
      at = at[part] as Record<string, unknown>;
    });
    at[parts[parts.length - 1]] = `‹${field}›`;
  }
  return { externalId: 'sample-item', data };
}

function sampleAnswer(q: QuestionConfig): unknown {
  switch (q.type) {
    case 'single-choice':
      return q.labels[0].value;
    case 'multiple-choice':
      return [q.labels[0].value];
    case 'ordinal-rating':
      return q.min;
    case 'free-text':
      return '…';
    default:
      return [];
  }
}

/** What a fixed example looks like for this project (a placeholder). */
export function exampleOfExamples(project: ProjectConfig): string {
  const item = sampleItem(project);
  return JSON.stringify([
    {
      data: item.data,
      answer: Object.fromEntries(
        project.questions.map(q => [q.id, sampleAnswer(q)]),
      ),
    },
  ]);
}
