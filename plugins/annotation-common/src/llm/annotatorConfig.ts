import { z } from 'zod';
import { ConfigIssue, configIssues, ProjectConfig } from '../config';
import { validateAnswer } from '../items';
import { checkTemplate } from './template';

/*
 * An LLM annotator of a project: which provider and model, how the prompt
 * is built, how its answer is read and how much it is trusted. Every saved
 * change is a new immutable version; every LLM answer records the version
 * that produced it.
 */

export const LLM_ROLES = ['vote', 'prelabel', 'auto-accept'] as const;
export type LlmRole = (typeof LLM_ROLES)[number];

export const LLM_OUTPUT_MODES = [
  'json_schema',
  'tools',
  'json_object',
] as const;
export type LlmOutputMode = (typeof LLM_OUTPUT_MODES)[number];

export const LLM_CONFIDENCE_METHODS = [
  'logprobs',
  'self-consistency',
  'none',
] as const;
export type LlmConfidenceMethod = (typeof LLM_CONFIDENCE_METHODS)[number];

const share = (what: string) =>
  z
    .number({ error: `${what} between 0 and 1 expected` })
    .min(0, { error: `${what} between 0 and 1 expected` })
    .max(1, { error: `${what} between 0 and 1 expected` });

const int = (min: number, max: number) =>
  z
    .int({ error: `a whole number from ${min} to ${max} expected` })
    .min(min, { error: `a whole number from ${min} to ${max} expected` })
    .max(max, { error: `a whole number from ${min} to ${max} expected` });

const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `one of ${values.join(', ')} expected` });

const fewShotExample = z.strictObject({
  data: z.record(z.string(), z.unknown(), {
    error: "an item's data (an object) expected",
  }),
  answer: z.record(z.string(), z.unknown(), {
    error: 'an answer ({ questionId: value }) expected',
  }),
});

const fewShot = z
  .strictObject({
    /**
     * `fixed`: the `examples` given here; `gold`: drawn from the project's
     * gold and QA-resolved items at run time; `none`.
     */
    source: oneOf(['none', 'fixed', 'gold'] as const).default('none'),
    examples: z
      .array(fewShotExample, { error: 'a list of examples expected' })
      .max(20, { error: 'at most 20 examples expected' })
      .default([]),
    /** How many gold examples per prompt. */
    count: int(0, 20).default(3),
    /** Gold examples: at random, or the most similar by text. */
    selection: oneOf(['random', 'similar'] as const).default('random'),
  })
  .default({ source: 'none', examples: [], count: 3, selection: 'random' });

const autoAccept = z.strictObject({
  /** Confidence at or above which its answer resolves the item. */
  threshold: share('a confidence'),
  /** Share of auto-acceptable items still sent to humans, as an audit. */
  auditRate: share('a share').default(0.05),
});

const llmAnnotatorConfigSchema = z
  .strictObject({
    /** A provider id from `annotation.llm.providers` in app-config. */
    provider: z
      .string({ error: 'a provider id expected' })
      .regex(/^[a-z][a-z0-9_-]{0,62}$/, {
        error: 'a provider id expected (as in annotation.llm.providers)',
      }),
    /** Empty: the provider's default model. */
    model: z
      .string({ error: 'a model name expected' })
      .max(200, { error: 'at most 200 characters expected' })
      .optional(),
    systemPrompt: z
      .string({ error: 'text expected' })
      .max(20_000, { error: 'at most 20000 characters expected' })
      .default(''),
    /** `{{ data.field }}` placeholders over the item (see template.ts). */
    promptTemplate: z
      .string({ error: 'text expected' })
      .min(1, { error: 'a prompt template expected' })
      .max(50_000, { error: 'at most 50000 characters expected' }),
    fewShot,
    output: oneOf(LLM_OUTPUT_MODES).default('json_schema'),
    temperature: z
      .number({ error: 'a number from 0 to 2 expected' })
      .min(0, { error: 'a number from 0 to 2 expected' })
      .max(2, { error: 'a number from 0 to 2 expected' })
      .default(0),
    /** Completions per item (self-consistency needs two or more). */
    samples: int(1, 20).default(1),
    confidence: oneOf(LLM_CONFIDENCE_METHODS).default('logprobs'),
    role: oneOf(LLM_ROLES).default('vote'),
    autoAccept: autoAccept.optional(),
    /** Show the prelabel in blind projects too (pre-selected never). */
    prelabelInBlind: z
      .boolean({ error: 'true or false expected' })
      .default(false),
    /** Attempts to repair an invalid output by telling the model why. */
    maxRepairs: int(0, 3).default(1),
    maxOutputTokens: int(16, 8192).default(512),
  })
  .superRefine((c, ctx) => {
    if (c.role === 'auto-accept' && !c.autoAccept) {
      ctx.addIssue({
        code: 'custom',
        path: ['autoAccept'],
        message: 'is required for role auto-accept ({ threshold, auditRate })',
      });
    }
    if (c.confidence === 'self-consistency' && c.samples < 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['samples'],
        message: 'at least 2 samples expected for self-consistency',
      });
    }
    if (c.fewShot.source === 'fixed' && c.fewShot.examples.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['fewShot', 'examples'],
        message: 'at least 1 example expected for fixed few-shot',
      });
    }
  });

export type LlmAnnotatorConfigInput = z.input<typeof llmAnnotatorConfigSchema>;
/** A validated LLM annotator config with its defaults filled in. */
export type LlmAnnotatorConfig = z.output<typeof llmAnnotatorConfigSchema>;

/**
 * What shapes the requests a version sends: everything but how its answers
 * are used. Versions that differ only in role, auto-accept threshold or
 * audit rate, or prelabel display send the same requests, so they share
 * answers (the cache) and their evaluation.
 */
export function llmRequestConfig(
  config: LlmAnnotatorConfig,
): Omit<LlmAnnotatorConfig, 'role' | 'autoAccept' | 'prelabelInBlind'> {
  const { role, autoAccept: accept, prelabelInBlind, ...request } = config;
  return request;
}

export type LlmConfigParseResult =
  | { success: true; config: LlmAnnotatorConfig }
  | { success: false; issues: ConfigIssue[] };

/**
 * Checks the shape of an LLM annotator config. What depends on the project
 * (template fields, fixed examples' answers) is `checkLlmAnnotatorConfig`.
 */
export function parseLlmAnnotatorConfig(input: unknown): LlmConfigParseResult {
  const result = llmAnnotatorConfigSchema.safeParse(input, {
    reportInput: true,
  });
  return result.success
    ? { success: true, config: result.data }
    : { success: false, issues: configIssues(result.error) };
}

/**
 * What depends on the project, checked when a config is saved so nothing
 * fails while a job runs: the templates read only placeholders and fields
 * the items have (the questions' fields, and those of `sampleData`), and
 * fixed few-shot examples answer the questions as an annotator must.
 */
export function checkLlmAnnotatorConfig(
  config: LlmAnnotatorConfig,
  project: ProjectConfig,
  sampleData: readonly unknown[],
): ConfigIssue[] {
  return [
    ...checkTemplate(config.systemPrompt, project, sampleData, 'systemPrompt'),
    ...checkTemplate(config.promptTemplate, project, sampleData),
    ...config.fewShot.examples.flatMap((example, i) =>
      validateAnswer(
        project,
        example.data,
        example.answer,
        `fewShot.examples[${i}].answer`,
      ),
    ),
  ];
}

/** A provider as the API shows it (never its key). */
export interface LlmProviderInfo {
  id: string;
  title: string;
  defaultModel: string;
  models: string[];
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  /** A simulator: its answers are shown as simulated. */
  simulated: boolean;
}

/** An LLM annotator of a project, with its current config version. */
export interface LlmAnnotatorRecord {
  id: string;
  projectId: string;
  name: string;
  version: number;
  config: LlmAnnotatorConfig;
  createdAt: string;
  updatedAt: string;
}

export interface LlmAnnotatorVersion {
  version: number;
  config: LlmAnnotatorConfig;
  createdBy: string;
  createdAt: string;
}

/** What a job covers. */
export type LlmJobScope =
  | { kind: 'missing' }
  | { kind: 'sample'; size: number; seed: number }
  | { kind: 'items'; ids: string[] }
  | { kind: 'filter'; states?: string[]; minPriority?: number };

/** An LLM job as the API returns it. */
export interface LlmJobInfo {
  id: string;
  projectId: string;
  annotatorId: string;
  version: number;
  scope: LlmJobScope;
  status: 'running' | 'paused' | 'cancelled' | 'completed';
  mode: 'online' | 'batch';
  budgetCost?: number;
  budgetTokens?: number;
  itemsTotal: number;
  itemsDone: number;
  itemsFailed: number;
  itemsCached: number;
  tokensIn: number;
  tokensOut: number;
  cost: number;
  reservedCost: number;
  reservedTokens: number;
  stopReason?: 'done' | 'budget' | 'cancelled' | 'error';
  providerBatchId?: string;
  error?: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
}

export interface LlmJobProgressInfo {
  job: LlmJobInfo;
  pending: number;
  inFlight: number;
  errors: Record<string, number>;
  latencyMs: { count: number; p50?: number; p95?: number };
}

/** One item of a dry run: the prompt as sent and what came back. */
export interface LlmDryRunItem {
  itemId: string;
  externalId: string;
  messages: { role: 'system' | 'user' | 'assistant'; content: string }[];
  result: {
    status: 'answered' | 'refused' | 'invalid' | 'error';
    answer?: Record<string, unknown>;
    rawOutput?: string;
    confidence?: number;
    samples: number;
    model: string;
    simulated: boolean;
    tokensIn: number;
    tokensOut: number;
    cost: number;
    latencyMs: number;
    attempts: number;
    reason?: string;
    error?: string;
  };
}
