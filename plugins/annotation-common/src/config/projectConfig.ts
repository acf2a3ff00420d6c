import { z } from 'zod';
import { ANNOTATION_PROJECT_STATUSES, QUESTION_TYPES } from '../kinds';

/*
 * The whole configuration of an annotation project. Every saved change makes
 * a new immutable config version; annotations record the version they
 * answered. Parsing returns precise errors naming the path and what was
 * expected, e.g. `questions[2].labels: at least 2 labels expected`.
 */

const identifier = z
  .string({ error: 'a string expected' })
  .regex(/^[a-z][a-z0-9_-]{0,62}$/, {
    error:
      'an identifier expected (lower-case letter, then letters, digits, _ or -, at most 63)',
  });

/** A dotted path into an item's `data`, e.g. `transcript` or `audio.url`. */
const fieldPath = z
  .string({ error: 'a data field name expected' })
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, {
    error: 'a data field name expected, e.g. "text" or "audio.url"',
  });

const labelObject = z.strictObject({
  value: z
    .string({ error: 'a string expected' })
    .min(1, { error: 'must not be empty' })
    .max(100, { error: 'at most 100 characters expected' }),
  title: z.string({ error: 'a string expected' }).optional(),
});

/** A label: `"yes"` or `{ value: "yes", title: "Yes, it belongs" }`. */
const label = z
  .union(
    [z.string({ error: 'a string or { value, title } expected' }), labelObject],
    {
      error: 'a string or { value, title } expected',
    },
  )
  .transform(l => (typeof l === 'string' ? { value: l } : l))
  .pipe(labelObject);

export type QuestionLabel = z.infer<typeof labelObject>;

function labels(min: number) {
  return z
    .array(label, { error: 'a list of labels expected' })
    .min(min, {
      error: `at least ${min} label${min === 1 ? '' : 's'} expected`,
    })
    .max(200, { error: 'at most 200 labels expected' })
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((l, i) => {
        if (seen.has(l.value)) {
          ctx.addIssue({
            code: 'custom',
            path: [i, 'value'],
            message: `duplicate label "${l.value}"`,
          });
        }
        seen.add(l.value);
      });
    });
}

const questionBase = {
  id: identifier,
  title: z
    .string({ error: 'a string expected' })
    .min(1, { error: 'must not be empty' }),
  description: z.string({ error: 'a string expected' }).optional(),
  /** The item data field the question is about. */
  field: fieldPath,
  required: z.boolean({ error: 'true or false expected' }).default(true),
};

const singleChoice = z.strictObject({
  ...questionBase,
  type: z.literal('single-choice'),
  labels: labels(2),
});

const multipleChoice = z.strictObject({
  ...questionBase,
  type: z.literal('multiple-choice'),
  labels: labels(2),
  minSelected: z.int({ error: 'an integer expected' }).min(0).optional(),
  maxSelected: z.int({ error: 'an integer expected' }).min(1).optional(),
});

const textSpans = z.strictObject({
  ...questionBase,
  type: z.literal('text-spans'),
  labels: labels(1),
  allowOverlap: z.boolean({ error: 'true or false expected' }).default(false),
});

const segmentsBase = {
  ...questionBase,
  labels: labels(1),
  /** Optional item field holding the media duration in seconds. */
  durationField: fieldPath.optional(),
  allowOverlap: z.boolean({ error: 'true or false expected' }).default(true),
};
const audioSegments = z.strictObject({
  ...segmentsBase,
  type: z.literal('audio-segments'),
});
const videoSegments = z.strictObject({
  ...segmentsBase,
  type: z.literal('video-segments'),
});

const freeText = z.strictObject({
  ...questionBase,
  type: z.literal('free-text'),
  minLength: z.int({ error: 'an integer expected' }).min(0).default(0),
  maxLength: z
    .int({ error: 'an integer expected' })
    .min(1)
    .max(100_000)
    .default(10_000),
});

const ordinalRating = z.strictObject({
  ...questionBase,
  type: z.literal('ordinal-rating'),
  min: z.int({ error: 'an integer expected' }).default(1),
  max: z.int({ error: 'an integer expected' }).default(5),
  /** Optional words for the ends of the scale. */
  minLabel: z.string().optional(),
  maxLabel: z.string().optional(),
});

const question = z.discriminatedUnion(
  'type',
  [
    singleChoice,
    multipleChoice,
    textSpans,
    audioSegments,
    videoSegments,
    freeText,
    ordinalRating,
  ],
  { error: `a question type expected: one of ${QUESTION_TYPES.join(', ')}` },
);

export type QuestionConfig = z.infer<typeof question>;

const groupRefs = z
  .array(z.string({ error: 'a group reference expected' }).min(1), {
    error: 'a list of group references expected',
  })
  .min(1, { error: 'at least 1 group expected' });

export const ASSIGNMENT_ORDERS = ['priority', 'random', 'uncertainty'] as const;
export type AssignmentOrder = (typeof ASSIGNMENT_ORDERS)[number];

/**
 * How an item's agreement is measured on one question, in O(answers of the
 * item): `percent` (pairwise percent agreement: choices and ratings),
 * `span-f1` (mean pairwise F1 of units matched by IoU: text spans, audio
 * and video segments), `none` (not gated: free text).
 */
export const AGREEMENT_MEASURES = ['percent', 'span-f1', 'none'] as const;
export type AgreementMeasure = (typeof AGREEMENT_MEASURES)[number];

/** The measure a question gets unless the config says otherwise. */
export function defaultAgreementMeasure(
  type: QuestionConfig['type'],
): AgreementMeasure {
  switch (type) {
    case 'text-spans':
    case 'audio-segments':
    case 'video-segments':
      return 'span-f1';
    case 'free-text':
      return 'none';
    default:
      return 'percent';
  }
}

const share = (what: string) =>
  z
    .number({ error: `${what} between 0 and 1 expected` })
    .min(0, { error: `${what} between 0 and 1 expected` })
    .max(1, { error: `${what} between 0 and 1 expected` });

const questionQuality = z.strictObject({
  measure: z
    .enum(AGREEMENT_MEASURES, {
      error: `one of ${AGREEMENT_MEASURES.join(', ')} expected`,
    })
    .optional(),
  threshold: share('a share').optional(),
  /** Spans and segments: the IoU at which two units match; 0.5. */
  iouThreshold: share('an IoU').optional(),
});

/**
 * The escalation policy. A complete item whose agreement (per question) or
 * consensus confidence falls short first gets up to `extraAnnotatorCap`
 * more annotators, then goes to the quality analysts. Every field has a
 * default, so configs written before it stay valid.
 */
const qualityPolicy = z
  .strictObject({
    /** Threshold of every gated question unless `questions` says otherwise. */
    agreementThreshold: share('a share').default(0.6),
    /** Per question id: its measure and threshold. */
    questions: z
      .record(z.string(), questionQuality, {
        error: 'an object keyed by question id expected',
      })
      .default({}),
    /** Consensus confidence below which an item is not resolved. */
    minConfidence: share('a probability').default(0.7),
    extraAnnotatorCap: z
      .int({ error: 'an integer expected' })
      .min(0, { error: 'at least 0 expected' })
      .max(10, { error: 'at most 10 expected' })
      .default(2),
    /**
     * Gold accuracy below which an annotator's answers stop counting toward
     * consensus (and the manager is told); 0 turns it off.
     */
    minGoldAccuracy: share('a share').default(0),
    /** Share of gold items mixed into annotators' queues. */
    goldRate: z
      .number({ error: 'a share between 0 and 0.5 expected' })
      .min(0, { error: 'a share between 0 and 0.5 expected' })
      .max(0.5, { error: 'a share between 0 and 0.5 expected' })
      .default(0),
    /** Whether quality analysts see who gave each answer. */
    qaSeesAnnotators: z
      .boolean({ error: 'true or false expected' })
      .default(true),
  })
  .default({
    agreementThreshold: 0.6,
    questions: {},
    minConfidence: 0.7,
    extraAnnotatorCap: 2,
    minGoldAccuracy: 0,
    goldRate: 0,
    qaSeesAnnotators: true,
  });

/** The escalation policy with its defaults filled in. */
export type QualityPolicy = z.output<typeof qualityPolicy>;

const projectConfigSchema = z
  .strictObject({
    questions: z
      .array(question, { error: 'a list of questions expected' })
      .min(1, { error: 'at least 1 question expected' }),
    instructions: z.string({ error: 'markdown text expected' }).default(''),
    /** Annotations wanted per item. */
    overlap: z
      .int({ error: 'an integer expected' })
      .min(1, { error: 'at least 1 expected' })
      .max(25, { error: 'at most 25 expected' })
      .default(1),
    ordering: z
      .enum(ASSIGNMENT_ORDERS, {
        error: `one of ${ASSIGNMENT_ORDERS.join(', ')} expected`,
      })
      .default('priority'),
    /** Hide other answers from annotators; defaults to on when overlap > 1. */
    blind: z.boolean({ error: 'true or false expected' }).optional(),
    leaseTtlSeconds: z
      .int({ error: 'an integer expected' })
      .min(30, { error: 'at least 30 seconds expected' })
      .max(86_400, { error: 'at most 86400 seconds (a day) expected' })
      .default(600),
    /** May annotators change their own answer until the item is resolved? */
    allowEditUntilResolved: z
      .boolean({ error: 'true or false expected' })
      .default(true),
    workforce: z.strictObject(
      {
        annotators: groupRefs,
        qualityAnalysts: groupRefs,
        managers: groupRefs,
      },
      {
        error:
          'an object with annotators, qualityAnalysts and managers expected',
      },
    ),
    quality: qualityPolicy,
  })
  .superRefine((config, ctx) => {
    const ids = new Set<string>();
    config.questions.forEach((q, i) => {
      if (ids.has(q.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['questions', i, 'id'],
          message: `duplicate question id "${q.id}"`,
        });
      }
      ids.add(q.id);
      if (q.type === 'ordinal-rating' && q.min >= q.max) {
        ctx.addIssue({
          code: 'custom',
          path: ['questions', i, 'max'],
          message: `greater than min (${q.min}) expected`,
        });
      }
      if (
        q.type === 'multiple-choice' &&
        q.maxSelected !== undefined &&
        (q.maxSelected > q.labels.length ||
          (q.minSelected ?? 0) > q.maxSelected)
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['questions', i, 'maxSelected'],
          message: `between minSelected and the number of labels (${q.labels.length}) expected`,
        });
      }
      if (q.type === 'free-text' && q.minLength > q.maxLength) {
        ctx.addIssue({
          code: 'custom',
          path: ['questions', i, 'minLength'],
          message: `at most maxLength (${q.maxLength}) expected`,
        });
      }
    });
    if (
      config.quality.goldRate > 0 &&
      config.questions.every(q => q.type === 'free-text')
    ) {
      // gold answers score choices, ratings, spans and segments only
      ctx.addIssue({
        code: 'custom',
        path: ['quality', 'goldRate'],
        message:
          '0 expected: free-text answers cannot be scored against gold; add a question of another type',
      });
    }
    const types = new Map(config.questions.map(q => [q.id, q.type]));
    for (const [id, policy] of Object.entries(config.quality.questions)) {
      const type = types.get(id);
      if (!type) {
        ctx.addIssue({
          code: 'custom',
          path: ['quality', 'questions', id],
          message: `a question id expected; there is no question "${id}"`,
        });
      } else if (
        policy.measure &&
        policy.measure !== 'none' &&
        policy.measure !== defaultAgreementMeasure(type)
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['quality', 'questions', id, 'measure'],
          message: `${defaultAgreementMeasure(
            type,
          )} or none expected for a ${type} question`,
        });
      }
    }
  })
  .transform(config => ({
    ...config,
    blind: config.blind ?? config.overlap > 1,
  }));

/** A project configuration as written (defaults may be left out). */
export type ProjectConfigInput = z.input<typeof projectConfigSchema>;
/** A validated project configuration with every default filled in. */
export type ProjectConfig = z.output<typeof projectConfigSchema>;

/** One problem with a config, naming its path. */
export interface ConfigIssue {
  /** e.g. `questions[2].labels` (empty for the whole document) */
  path: string;
  message: string;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map(p => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys
      .map(k => `"${k}"`)
      .join(', ')}`;
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return `is required (${issue.message})`;
  }
  return issue.message;
}

export type ConfigParseResult =
  | { success: true; config: ProjectConfig }
  | { success: false; issues: ConfigIssue[] };

/** Validates a project config, filling in defaults. */
export function parseProjectConfig(input: unknown): ConfigParseResult {
  // reportInput tells a missing field (input undefined) from a wrong one
  const result = projectConfigSchema.safeParse(input, { reportInput: true });
  if (result.success) {
    return { success: true, config: result.data };
  }
  return { success: false, issues: configIssues(result.error) };
}

/** A zod error as issues naming their paths (parse with `reportInput`). */
export function configIssues(error: z.core.$ZodError): ConfigIssue[] {
  return error.issues.map(issue => ({
    path: formatPath(issue.path),
    message: issueMessage(issue),
  }));
}

/** `questions[2].labels: at least 2 labels expected; overlap: ...` */
export function describeConfigIssues(issues: ConfigIssue[]): string {
  return issues
    .map(i => (i.path ? `${i.path}: ${i.message}` : i.message))
    .join('; ');
}

export const PROJECT_STATUSES = ANNOTATION_PROJECT_STATUSES;

/** A question's agreement measure and threshold, defaults applied. */
export function questionQualityPolicy(
  config: ProjectConfig,
  q: QuestionConfig,
): { measure: AgreementMeasure; threshold: number } {
  const own = config.quality.questions[q.id] ?? {};
  return {
    measure: own.measure ?? defaultAgreementMeasure(q.type),
    threshold: own.threshold ?? config.quality.agreementThreshold,
  };
}
