import {
  AssignmentOrder,
  ConfigIssue,
  NewAnnotationProject,
  parseNewProject,
  QuestionType,
} from '@chorus/plugin-annotation-common';

/*
 * The new-project form as the page edits it (text as typed), and its
 * conversion to the API's project. Validation is the shared
 * `parseNewProject`, so the page and the backend report the same issues
 * with the same paths (`config.questions[0].labels`).
 */

export interface QuestionDraft {
  /** React key: stays with the question when others are removed. */
  key: number;
  type: QuestionType;
  id: string;
  title: string;
  field: string;
  required: boolean;
  /** One label per line: `value` or `value = Title`. */
  labels: string;
  minSelected: string;
  maxSelected: string;
  allowOverlap: boolean;
  durationField: string;
  minLength: string;
  maxLength: string;
  min: string;
  max: string;
  minLabel: string;
  maxLabel: string;
}

export interface ProjectDraft {
  name: string;
  title: string;
  description: string;
  owner: string;
  lifecycle: string;
  model: string;
  dataset: string;
  /** Group refs, separated by commas, spaces or lines. */
  annotators: string;
  qualityAnalysts: string;
  managers: string;
  overlap: string;
  ordering: AssignmentOrder;
  /** `default`: on when overlap > 1. */
  blind: 'default' | 'on' | 'off';
  leaseTtlSeconds: string;
  /** The quality policy; empty means the default. */
  agreementThreshold: string;
  minConfidence: string;
  extraAnnotatorCap: string;
  goldRate: string;
  minGoldAccuracy: string;
  qaSeesAnnotators: boolean;
  instructions: string;
  questions: QuestionDraft[];
}

let keys = 0;

/** Spans are exclusive by default, audio and video segments may overlap. */
export function defaultAllowOverlap(type: QuestionType): boolean {
  return type === 'audio-segments' || type === 'video-segments';
}

export function newQuestion(index: number): QuestionDraft {
  return {
    key: ++keys,
    type: 'single-choice',
    id: `q${index + 1}`,
    title: '',
    field: '',
    required: true,
    labels: '',
    minSelected: '',
    maxSelected: '',
    allowOverlap: false,
    durationField: '',
    minLength: '',
    maxLength: '',
    min: '1',
    max: '5',
    minLabel: '',
    maxLabel: '',
  };
}

export function emptyDraft(): ProjectDraft {
  return {
    name: '',
    title: '',
    description: '',
    owner: '',
    lifecycle: 'experimental',
    model: '',
    dataset: '',
    annotators: '',
    qualityAnalysts: '',
    managers: '',
    overlap: '1',
    ordering: 'priority',
    blind: 'default',
    leaseTtlSeconds: '600',
    agreementThreshold: '0.6',
    minConfidence: '0.7',
    extraAnnotatorCap: '2',
    goldRate: '0',
    minGoldAccuracy: '0',
    qaSeesAnnotators: true,
    instructions: '',
    questions: [newQuestion(0)],
  };
}

/** A catalogue entity name from a title: `Track placement` → `track-placement`. */
export function nameFromTitle(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}

/** Empty means "use the default"; anything else goes as a number (or NaN). */
export function num(text: string): number | undefined {
  return text.trim() === '' ? undefined : Number(text.trim());
}

function optionalText(text: string): string | undefined {
  return text.trim() === '' ? undefined : text.trim();
}

function refs(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

/** `yes = Yes, it belongs` → `{ value: 'yes', title: 'Yes, it belongs' }`. */
export function parseLabels(text: string) {
  return text
    .split('\n')
    .map(line => line.trim())
    .filter(Boolean)
    .map(line => {
      const at = line.indexOf('=');
      if (at < 0) {
        return line;
      }
      const value = line.slice(0, at).trim();
      const title = line.slice(at + 1).trim();
      return title ? { value, title } : value;
    });
}

function toQuestion(d: QuestionDraft): Record<string, unknown> {
  const base = {
    id: d.id.trim(),
    type: d.type,
    title: d.title.trim(),
    field: d.field.trim(),
    required: d.required,
  };
  switch (d.type) {
    case 'single-choice':
      return { ...base, labels: parseLabels(d.labels) };
    case 'multiple-choice':
      return {
        ...base,
        labels: parseLabels(d.labels),
        minSelected: num(d.minSelected),
        maxSelected: num(d.maxSelected),
      };
    case 'text-spans':
      return {
        ...base,
        labels: parseLabels(d.labels),
        allowOverlap: d.allowOverlap,
      };
    case 'audio-segments':
    case 'video-segments':
      return {
        ...base,
        labels: parseLabels(d.labels),
        durationField: optionalText(d.durationField),
        allowOverlap: d.allowOverlap,
      };
    case 'free-text':
      return {
        ...base,
        minLength: num(d.minLength),
        maxLength: num(d.maxLength),
      };
    case 'ordinal-rating':
    default:
      return {
        ...base,
        min: num(d.min),
        max: num(d.max),
        minLabel: optionalText(d.minLabel),
        maxLabel: optionalText(d.maxLabel),
      };
  }
}

/** Drops undefined fields: "not given" must not read as a wrong type. */
export function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(
    Object.entries(o).filter(([, v]) => v !== undefined),
  ) as T;
}

/** The project the form describes, as the API takes it (unvalidated). */
export function draftToProject(d: ProjectDraft): Record<string, unknown> {
  return compact({
    name: d.name.trim(),
    title: d.title.trim(),
    description: optionalText(d.description),
    owner: d.owner.trim(),
    lifecycle: d.lifecycle.trim(),
    model: d.model.trim(),
    dataset: d.dataset.trim(),
    config: compact({
      questions: d.questions.map(q => compact(toQuestion(q))),
      instructions: d.instructions,
      overlap: num(d.overlap),
      ordering: d.ordering,
      blind: d.blind === 'default' ? undefined : d.blind === 'on',
      leaseTtlSeconds: num(d.leaseTtlSeconds),
      quality: compact({
        agreementThreshold: num(d.agreementThreshold),
        minConfidence: num(d.minConfidence),
        extraAnnotatorCap: num(d.extraAnnotatorCap),
        goldRate: num(d.goldRate),
        minGoldAccuracy: num(d.minGoldAccuracy),
        qaSeesAnnotators: d.qaSeesAnnotators,
      }),
      workforce: {
        annotators: refs(d.annotators),
        qualityAnalysts: refs(d.qualityAnalysts),
        managers: refs(d.managers),
      },
    }),
  });
}

export type DraftCheck =
  | { ok: true; project: NewAnnotationProject }
  | { ok: false; issues: ConfigIssue[] };

/**
 * Validates the form with the backend's own parser. The project sent is
 * the parsed one: the config with its defaults filled in (blind mode
 * included), exactly what the page showed as valid.
 */
export function checkDraft(d: ProjectDraft): DraftCheck {
  const parsed = parseNewProject(draftToProject(d));
  if (!parsed.success) {
    return { ok: false, issues: parsed.issues };
  }
  return { ok: true, project: { ...parsed.project, config: parsed.config } };
}

/**
 * A server's `field: what was expected; field: …` message (Backstage
 * error shape, as `describeConfigIssues` writes it) as issues by path.
 */
export function issuesFromMessage(message: string): ConfigIssue[] {
  return message
    .split('; ')
    .map(part => /^([A-Za-z][\w.[\]]*): (.+)$/s.exec(part))
    .filter((m): m is RegExpExecArray => m !== null)
    .map(m => ({ path: m[1], message: m[2] }));
}

/**
 * The form field an issue belongs to: the longest of `fields` that is the
 * issue's path or a prefix of it (`config.questions[0].labels[1].value`
 * belongs to `config.questions[0].labels`); undefined when none is.
 */
export function fieldOfIssue(
  path: string,
  fields: Iterable<string>,
): string | undefined {
  let best: string | undefined;
  for (const f of fields) {
    const matches =
      path === f || path.startsWith(`${f}.`) || path.startsWith(`${f}[`);
    if (matches && (!best || f.length > best.length)) {
      best = f;
    }
  }
  return best;
}

/**
 * Issues placed at their form fields (see `fieldOfIssue`): the messages by
 * field, a deeper path named before its message; the rest unplaced.
 */
export function placeIssues(
  issues: readonly ConfigIssue[],
  fields: Iterable<string>,
): { byField: Map<string, string[]>; unplaced: ConfigIssue[] } {
  const list = [...fields];
  const byField = new Map<string, string[]>();
  const unplaced: ConfigIssue[] = [];
  for (const issue of issues) {
    const field = fieldOfIssue(issue.path, list);
    if (field) {
      const rest = issue.path.slice(field.length).replace(/^\./, '');
      byField.set(field, [
        ...(byField.get(field) ?? []),
        rest ? `${rest}: ${issue.message}` : issue.message,
      ]);
    } else {
      unplaced.push(issue);
    }
  }
  return { byField, unplaced };
}

/** A DOM id for the input of a form path (labels and helper texts need one). */
export function inputId(path: string, form = 'new'): string {
  return `chorus-${form}-${path.replace(/[^A-Za-z0-9]+/g, '-')}`;
}
