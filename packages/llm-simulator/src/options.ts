/**
 * The simulator's options, their defaults and their checks. Everything the
 * simulator decides comes from these plus the request, so the same options
 * and the same requests give the same answers.
 */

/** The faults the simulator injects, in the order their rates are stacked. */
export const FAULT_KINDS = [
  'rateLimit',
  'serverError',
  'timeout',
  'malformedJson',
  'refusal',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Probability that an answer is the true one: overall, or per true label. */
export interface AccuracyOptions {
  overall: number;
  /** By the true value of the field (its label), e.g. `{ cat: 0.92 }`. */
  perClass?: Record<string, number>;
}

/**
 * Reported confidence of a scored value (a label, a rating):
 * clip(base + gain·[correct] + N(0, noise), min, max).
 */
export interface ConfidenceOptions {
  base: number;
  gain: number;
  noise: number;
  min: number;
  max: number;
}

/** The true answer of one item, by field name (a dotted path when nested). */
export type TruthEntry = Record<string, unknown>;

export interface LlmSimulatorOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Seed of every random draw; default 0. */
  seed?: number | string;
  /** When set, /v1 requests need `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Model ids listed by GET /v1/models; any model is answered and echoed. */
  models?: string[];
  /** Per chat request: a fixed delay, or uniform in [min, max]; default 0. */
  latencyMs?: number | [number, number];
  /** Default 0.85 overall (B7's figure). */
  accuracy?: number | AccuracyOptions;
  /** Default B7's: base 0.55, gain 0.4, noise 0.15, clipped to [0.34, 0.999]. */
  confidence?: Partial<ConfidenceOptions>;
  /** Item key → true answer per field. Items without an entry get hashed answers. */
  truth?: Record<string, TruthEntry>;
  /**
   * Finds the item key in the last user message that matches (the last match
   * there, so few-shot examples before the item do not count); group 1 is the
   * key. Default: a line `item: <key>` or `id: <key>`.
   */
  itemKeyPattern?: string | RegExp;
  /**
   * Finds the text that span answers point into (group 1); default a line
   * `text: <text>`, else the whole last user message.
   */
  spanTextPattern?: string | RegExp;
  /** Total fault rate, split equally over the five kinds. */
  faultRate?: number;
  /** Per-kind rates; override the share `faultRate` gives that kind. */
  faults?: Partial<Record<FaultKind, number>>;
  /** What a 429 asks the client to wait (retry-after-ms; retry-after in whole seconds). Default 1000. */
  retryAfterMs?: number;
  /** How long a timeout fault holds the response; default (null) until the client gives up. */
  timeoutHoldMs?: number | null;
  /** Batch processing speed; default 2000 lines per second. */
  batchLinesPerSecond?: number;
  /** Tokenizer; default by model name (cl100k for gpt-4 / gpt-3.5, else o200k). */
  encoding?: 'o200k_base' | 'cl100k_base';
}

export interface ResolvedOptions {
  port: number;
  seed: string;
  apiKey?: string;
  models: string[];
  latencyMs: [number, number];
  accuracy: AccuracyOptions;
  confidence: ConfidenceOptions;
  truth: Record<string, TruthEntry>;
  itemKeyPattern: RegExp;
  spanTextPattern: RegExp;
  faults: Record<FaultKind, number>;
  retryAfterMs: number;
  timeoutHoldMs: number | null;
  batchLinesPerSecond: number;
  encoding?: 'o200k_base' | 'cl100k_base';
}

/** B7's confidence model (docs/BENCHMARKS.md). */
export const B7_CONFIDENCE: ConfidenceOptions = {
  base: 0.55,
  gain: 0.4,
  noise: 0.15,
  min: 0.34,
  max: 0.999,
};

/**
 * B7's simulated LLM: correct with probability 0.92 / 0.80 / 0.60 on its
 * three classes (0.85 overall at the prior 0.6 / 0.3 / 0.1), with B7's
 * confidence model. `labels` names the classes in that order.
 */
export function b7Preset(
  labels: readonly [string, string, string] = ['0', '1', '2'],
): Pick<LlmSimulatorOptions, 'accuracy' | 'confidence'> {
  return {
    accuracy: {
      overall: 0.85,
      perClass: { [labels[0]]: 0.92, [labels[1]]: 0.8, [labels[2]]: 0.6 },
    },
    confidence: { ...B7_CONFIDENCE },
  };
}

export const DEFAULT_MODELS = ['chorus-sim-1'];
const DEFAULT_ITEM_KEY = /^[ \t]*(?:item|id)[ \t]*:[ \t]*(\S+)/gim;
const DEFAULT_SPAN_TEXT = /^[ \t]*text[ \t]*:[ \t]?(.*)$/gim;

function fail(option: string, expected: string, got: unknown): never {
  throw new Error(
    `LLM simulator option ${option}: ${expected} expected, got ${JSON.stringify(
      got,
    )}`,
  );
}

function probability(option: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    fail(option, 'a number from 0 to 1', value);
  }
  return value;
}

function nonNegative(option: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0)) {
    fail(option, 'a number ≥ 0', value);
  }
  return value;
}

/** A global regular expression with a capture group (global: we want the last match). */
function pattern(option: string, value: string | RegExp): RegExp {
  let regex: RegExp;
  try {
    regex =
      typeof value === 'string'
        ? new RegExp(value, 'gim')
        : new RegExp(
            value.source,
            value.flags.includes('g') ? value.flags : `${value.flags}g`,
          );
  } catch {
    return fail(option, 'a valid regular expression', String(value));
  }
  if (new RegExp(`${regex.source}|`).exec('')!.length < 2) {
    fail(option, 'a regular expression with a capture group', String(value));
  }
  return regex;
}

/** Checks the options (a clear error naming the option) and fills the defaults. */
export function resolveOptions(options: LlmSimulatorOptions): ResolvedOptions {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    fail('port', 'an integer from 0 to 65535', port);
  }

  const latency = options.latencyMs ?? 0;
  const latencyMs: [number, number] = Array.isArray(latency)
    ? [
        nonNegative('latencyMs[0]', latency[0]),
        nonNegative('latencyMs[1]', latency[1]),
      ]
    : [nonNegative('latencyMs', latency), latency];
  if (latencyMs[0] > latencyMs[1]) {
    fail('latencyMs', '[min, max] with min ≤ max', latency);
  }

  const accuracyOption = options.accuracy ?? 0.85;
  const accuracy: AccuracyOptions =
    typeof accuracyOption === 'number'
      ? { overall: probability('accuracy', accuracyOption) }
      : {
          overall: probability(
            'accuracy.overall',
            accuracyOption.overall ?? 0.85,
          ),
          perClass: Object.fromEntries(
            Object.entries(accuracyOption.perClass ?? {}).map(([k, v]) => [
              k,
              probability(`accuracy.perClass.${k}`, v),
            ]),
          ),
        };

  const confidence = { ...B7_CONFIDENCE, ...options.confidence };
  probability('confidence.min', confidence.min);
  probability('confidence.max', confidence.max);
  nonNegative('confidence.noise', confidence.noise);
  if (confidence.min <= 0 || confidence.min > confidence.max) {
    fail('confidence', 'min > 0 and min ≤ max', confidence);
  }
  for (const key of ['base', 'gain'] as const) {
    if (!Number.isFinite(confidence[key])) {
      fail(`confidence.${key}`, 'a number', confidence[key]);
    }
  }

  const share = probability('faultRate', options.faultRate ?? 0) / 5;
  const faults = Object.fromEntries(
    FAULT_KINDS.map(kind => [
      kind,
      probability(`faults.${kind}`, options.faults?.[kind] ?? share),
    ]),
  ) as Record<FaultKind, number>;
  for (const kind of Object.keys(options.faults ?? {})) {
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) {
      fail('faults', `only ${FAULT_KINDS.join(', ')}`, kind);
    }
  }
  const total = FAULT_KINDS.reduce((sum, kind) => sum + faults[kind], 0);
  if (total > 1 + 1e-9) {
    fail('faults', 'rates summing to at most 1', faults);
  }

  const timeoutHoldMs = options.timeoutHoldMs ?? null;
  if (timeoutHoldMs !== null) nonNegative('timeoutHoldMs', timeoutHoldMs);
  const batchLinesPerSecond = options.batchLinesPerSecond ?? 2000;
  if (!(batchLinesPerSecond > 0)) {
    fail('batchLinesPerSecond', 'a number > 0', batchLinesPerSecond);
  }
  const models = options.models ?? DEFAULT_MODELS;
  if (
    !Array.isArray(models) ||
    models.length === 0 ||
    models.some(m => typeof m !== 'string' || !m)
  ) {
    fail('models', 'a non-empty list of model ids', models);
  }
  if (
    options.encoding !== undefined &&
    !['o200k_base', 'cl100k_base'].includes(options.encoding)
  ) {
    fail('encoding', 'o200k_base or cl100k_base', options.encoding);
  }
  if (options.truth !== undefined && typeof options.truth !== 'object') {
    fail('truth', 'an object of item key → answer', options.truth);
  }

  return {
    port,
    seed: String(options.seed ?? 0),
    apiKey: options.apiKey || undefined,
    models,
    latencyMs,
    accuracy,
    confidence,
    truth: options.truth ?? {},
    itemKeyPattern: options.itemKeyPattern
      ? pattern('itemKeyPattern', options.itemKeyPattern)
      : DEFAULT_ITEM_KEY,
    spanTextPattern: options.spanTextPattern
      ? pattern('spanTextPattern', options.spanTextPattern)
      : DEFAULT_SPAN_TEXT,
    faults,
    retryAfterMs: nonNegative('retryAfterMs', options.retryAfterMs ?? 1000),
    timeoutHoldMs,
    batchLinesPerSecond,
    encoding: options.encoding,
  };
}
