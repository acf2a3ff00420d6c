import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import { createHash } from 'crypto';
import {
  LlmAnnotatorConfig,
  LlmJobInfo,
  LlmJobProgressInfo,
} from '@chorus/plugin-annotation-common';
import { Knex } from 'knex';
import { v4 as uuid } from 'uuid';
import { ItemState } from './ItemStore';
import { audit } from './ProjectStore';
import { isPostgres } from './slots';
import { sqliteWrite } from './sqlite';
import { isItemId, parseJson, toNumber } from './util';

/*
 * LLM annotator jobs: an annotator version run over a scope of items. The
 * job's items are rows of `llm_job_items` that runners in any replica claim
 * in batches with a lease (a killed runner's items return when it
 * expires); each result is recorded once, with the job's counters, in one
 * transaction; before each request a runner reserves its maximum cost on
 * the job row, atomically against the budget.
 */

export const LLM_JOB_STATUSES = [
  'running',
  'paused',
  'cancelled',
  'completed',
] as const;
export type LlmJobStatus = (typeof LLM_JOB_STATUSES)[number];
export type LlmJobMode = 'online' | 'batch';
/** Why a job stopped: all items done, the budget, a cancel, an error. */
export type LlmJobStopReason = 'done' | 'budget' | 'cancelled' | 'error';

/** The states a `filter` scope may name. */
const FILTER_STATES: readonly ItemState[] = [
  'open',
  'full',
  'complete',
  'gold',
];
/** Item ids an `items` scope may list (larger sets: a filter). */
export const MAX_SCOPE_IDS = 10_000;

/**
 * Which items a job covers. `missing`: the project's regular (not gold)
 * items without an answer of this annotator version; `sample`: `size`
 * regular items drawn by `seed` (the same seed draws the same items);
 * `items`: these item ids, gold ones included; `filter`: regular items in
 * `states` (gold too when listed) with priority at least `minPriority`.
 */
export type LlmJobScope =
  | { kind: 'missing' }
  | { kind: 'sample'; size: number; seed: number }
  | { kind: 'items'; ids: string[] }
  | { kind: 'filter'; states?: ItemState[]; minPriority?: number };

export interface NewLlmJob {
  projectId: string;
  annotatorId: string;
  version: number;
  scope: LlmJobScope;
  mode?: LlmJobMode;
  /** In the provider's currency; never exceeded. */
  budgetCost?: number;
  /** Prompt and completion tokens together; never exceeded. */
  budgetTokens?: number;
  actor: string;
}

/** A job as stored; its fields are the API's (`LlmJobInfo`). */
export interface LlmJobRecord extends Omit<LlmJobInfo, 'scope'> {
  scope: LlmJobScope;
  status: LlmJobStatus;
}

export interface LlmJobProgress extends Omit<LlmJobProgressInfo, 'job'> {
  job: LlmJobRecord;
}

/** An item a runner claimed, with its data as stored. */
export interface ClaimedLlmItem {
  itemId: string;
  externalId: string;
  dataText: string;
  /** How often it was claimed, this time included. */
  claims: number;
}

/** A stored answer the cache can serve. */
export interface CachedLlmAnswer {
  answerId: string;
  answer: Record<string, unknown>;
  rawOutput?: string;
  confidence?: number;
  samples: number;
  model?: string;
  simulated: boolean;
}

/** What a runner records for one item it claimed. */
export interface LlmItemOutcome {
  itemId: string;
  contentHash: string;
  status: 'done' | 'failed';
  /** Served by the cache: the answer it copies. */
  cachedFrom?: string;
  /** What the model said, when it said anything (refusals included). */
  answer?: {
    status: 'answered' | 'refused' | 'invalid';
    answer?: Record<string, unknown>;
    rawOutput?: string;
    confidence?: number;
    samples: number;
    model?: string;
    simulated: boolean;
  };
  /** What the item's requests used and cost (0 from the cache). */
  tokensIn: number;
  tokensOut: number;
  cost: number;
  latencyMs: number;
  /** Why it failed (`refusal`, `invalid-output`, `timeout`, ...). */
  reason?: string;
  error?: string;
}

export type ReserveResult =
  /** Reserved: send the request. */
  | 'reserved'
  /** Does not fit while other requests hold reservations: try again. */
  | 'wait'
  /** Does not fit and nothing else holds any: the budget is spent. */
  | 'exhausted'
  /** The job is not running (paused, cancelled, completed). */
  | 'stopped'
  /** This runner's claim on the item is gone (it expired and was taken). */
  | 'lost';

/** What a job needs to know about itself to record answers. */
export type LlmJobRef = Pick<
  LlmJobRecord,
  'id' | 'projectId' | 'annotatorId' | 'version'
>;

export interface LlmItemAnswer {
  annotatorId: string;
  name: string;
  version: number;
  config: LlmAnnotatorConfig;
  answer: Record<string, unknown>;
  confidence?: number;
  /** Answered by a simulator. */
  simulated: boolean;
}

/**
 * The LLM answers to the item `:itemId`, in no order (`newestLlmAnswers`).
 * Shared with the item's evaluation, which reads them under its lock.
 * Subqueries rather than joins: SQLite compiles such a join anew on every
 * run (see `sqlite.ts`).
 */
export const LLM_ITEM_ANSWERS_SQL = `SELECT a.annotator_id,
    (SELECT n.name FROM llm_annotators n WHERE n.id = a.annotator_id)
      AS name,
    a.version,
    (SELECT v.config FROM llm_annotator_versions v
     WHERE v.annotator_id = a.annotator_id AND v.version = a.version)
      AS config,
    a.answer, a.confidence, a.simulated
  FROM llm_answers a
  WHERE a.item_id = :itemId AND a.status = 'answered'`;

export interface LlmItemAnswerRow {
  annotator_id: string;
  /** Null (as `config`) when its subquery finds no row. */
  name: string | null;
  version: number | string;
  config: string | null;
  answer: string;
  confidence: number | string | null;
  simulated: boolean | number;
}

/**
 * Each annotator's newest answer, by annotator id, from
 * `LLM_ITEM_ANSWERS_SQL`'s rows (in any order: a sort in SQLite costs more
 * than the read).
 */
export function newestLlmAnswers(rows: LlmItemAnswerRow[]): LlmItemAnswer[] {
  const newest = new Map<string, LlmItemAnswer>();
  for (const row of rows) {
    if (row.name === null || row.config === null) {
      continue; // no such annotator or version: as a join would leave out
    }
    const seen = newest.get(row.annotator_id);
    if (!seen || seen.version < toNumber(row.version)) {
      newest.set(row.annotator_id, {
        annotatorId: row.annotator_id,
        name: row.name,
        version: toNumber(row.version),
        config: parseJson(row.config),
        answer: parseJson(row.answer),
        ...(row.confidence !== null
          ? { confidence: Number(row.confidence) }
          : {}),
        simulated: Boolean(row.simulated),
      });
    }
  }
  return [...newest.values()].sort((a, b) =>
    a.annotatorId < b.annotatorId ? -1 : Number(a.annotatorId > b.annotatorId),
  );
}

export interface LlmEvaluationRow {
  status: 'answered' | 'refused' | 'invalid';
  answer?: Record<string, unknown>;
  confidence?: number;
  cost: number;
  gold?: Record<string, unknown>;
  /** The humans' (or QA's) consensus, when they settled the item. */
  consensus?: Record<string, unknown>;
}

export interface FewShotRow {
  id: string;
  externalId: string;
  dataText: string;
  goldText: string;
}

export interface LlmJobStore {
  /**
   * Creates a running job over the scope, its items inserted by the
   * database (`INSERT … SELECT`), in one transaction.
   */
  createJob(input: NewLlmJob): Promise<LlmJobRecord>;
  get(projectId: string, jobId: string): Promise<LlmJobRecord>;
  /** A job by id alone (for runners and events, not for callers). */
  find(jobId: string): Promise<LlmJobRecord | undefined>;
  /** A project's jobs, newest first. */
  list(projectId: string, limit?: number): Promise<LlmJobRecord[]>;
  /** running → paused; a paused job again is a no-op. Audited. */
  pause(projectId: string, jobId: string, actor: string): Promise<LlmJobRecord>;
  /** paused → running; a running job again is a no-op. Audited. */
  resume(
    projectId: string,
    jobId: string,
    actor: string,
  ): Promise<LlmJobRecord>;
  /**
   * running or paused → cancelled, for good: no request starts after it
   * (those in flight are recorded). Audited.
   */
  cancel(
    projectId: string,
    jobId: string,
    actor: string,
  ): Promise<LlmJobRecord>;
  progress(projectId: string, jobId: string): Promise<LlmJobProgress>;

  /** Jobs of a mode that runners should work on. */
  runnableJobs(mode: LlmJobMode): Promise<LlmJobRecord[]>;
  /** The jobs' statuses now (jobs gone are left out). */
  statuses(jobIds: string[]): Promise<Map<string, LlmJobStatus>>;
  /**
   * Claims up to `limit` items of a running job for `runnerId`: expired
   * claims first (their stale reservations given back), then pending ones.
   */
  claim(
    jobId: string,
    runnerId: string,
    limit: number,
    leaseMs: number,
  ): Promise<ClaimedLlmItem[]>;
  /** Extends every live claim of the runner on the job. */
  extendClaims(
    jobId: string,
    runnerId: string,
    leaseMs: number,
  ): Promise<number>;
  /** Gives unstarted claimed items back to the job (and their reservations). */
  release(jobId: string, runnerId: string, itemIds: string[]): Promise<number>;
  /** Reserves a request's maximum cost and tokens, if the budget covers it. */
  reserve(
    jobId: string,
    runnerId: string,
    itemId: string,
    reservation: { cost: number; tokens: number },
  ): Promise<ReserveResult>;
  /**
   * Answered answers by content hash, of the version or of any version that
   * sends the same requests (see `llmRequestConfig`).
   */
  cachedAnswers(
    annotatorId: string,
    version: number,
    contentHashes: string[],
  ): Promise<Map<string, CachedLlmAnswer>>;
  /**
   * Records results in one transaction: each claimed item moves to done or
   * failed once, counted on the job with its tokens and cost, its
   * reservation given back, its answer stored. A result recorded again
   * counts nothing; one whose claim was lost to another runner (both paid)
   * adds its spend only. Completes the job when no item is left.
   */
  record(
    job: LlmJobRef,
    runnerId: string,
    outcomes: LlmItemOutcome[],
  ): Promise<{ finished: boolean }>;
  /** Completes a running job with no pending or claimed item left. */
  finishIfDone(jobId: string): Promise<boolean>;
  /** Stops a running job as completed, for the budget or an error. */
  stop(
    jobId: string,
    reason: 'budget' | 'error',
    error?: string,
  ): Promise<boolean>;
  /** Gold and QA-resolved items of a project, for few-shot examples. */
  fewShotRows(projectId: string, limit: number): Promise<FewShotRow[]>;
  /**
   * An item's LLM answers, one per annotator (its newest version that
   * answered), with that version's config: what the roles act on.
   */
  answersForItem(itemId: string): Promise<LlmItemAnswer[]>;
  /**
   * A version's answers on the items whose answer is known (gold, QA
   * resolutions) or that humans settled by consensus: what its evaluation
   * compares. Versions that send the same requests share their answers,
   * one per item.
   */
  evaluationRows(
    annotatorId: string,
    version: number,
  ): Promise<LlmEvaluationRow[]>;

  /** The items a claimant holds now, with their data. */
  claimedItems(jobId: string, runnerId: string): Promise<ClaimedLlmItem[]>;
  /** Batch mode: takes the job's submission turn (or a stale one). */
  beginBatchSubmit(jobId: string, staleAfterMs: number): Promise<boolean>;
  /** Batch mode: the provider batch now running (null: none). */
  setProviderBatch(jobId: string, batchId: string | null): Promise<void>;
  /** Batch mode: jobs with a provider batch to follow. */
  batchesInFlight(): Promise<LlmJobRecord[]>;
}

interface JobRow {
  id: string;
  project_id: string;
  annotator_id: string;
  version: number;
  scope: string;
  status: LlmJobStatus;
  mode: LlmJobMode;
  budget_cost: number | null;
  budget_tokens: number | string | null;
  items_total: number | string;
  items_done: number | string;
  items_failed: number | string;
  items_cached: number | string;
  tokens_in: number | string;
  tokens_out: number | string;
  cost: number | string;
  reserved_cost: number | string;
  reserved_tokens: number | string;
  stop_reason: LlmJobStopReason | null;
  provider_batch_id: string | null;
  error: string | null;
  created_by: string;
  created_at: number | string;
  updated_at: number | string;
  finished_at: number | string | null;
}

const iso = (ms: unknown) => new Date(toNumber(ms)).toISOString();

function claimedFromRow(r: {
  item_id: number | string;
  attempts: number | string;
  external_id: string;
  data: string;
}): ClaimedLlmItem {
  return {
    itemId: String(r.item_id),
    externalId: r.external_id,
    dataText: r.data,
    claims: toNumber(r.attempts),
  };
}

function jobFromRow(row: JobRow): LlmJobRecord {
  return {
    id: row.id,
    projectId: row.project_id,
    annotatorId: row.annotator_id,
    version: toNumber(row.version),
    scope: parseJson(row.scope),
    status: row.status,
    mode: row.mode,
    ...(row.budget_cost !== null
      ? { budgetCost: toNumber(row.budget_cost) }
      : {}),
    ...(row.budget_tokens !== null
      ? { budgetTokens: toNumber(row.budget_tokens) }
      : {}),
    itemsTotal: toNumber(row.items_total),
    itemsDone: toNumber(row.items_done),
    itemsFailed: toNumber(row.items_failed),
    itemsCached: toNumber(row.items_cached),
    tokensIn: toNumber(row.tokens_in),
    tokensOut: toNumber(row.tokens_out),
    cost: toNumber(row.cost),
    reservedCost: toNumber(row.reserved_cost),
    reservedTokens: toNumber(row.reserved_tokens),
    ...(row.stop_reason ? { stopReason: row.stop_reason } : {}),
    ...(row.provider_batch_id
      ? { providerBatchId: row.provider_batch_id }
      : {}),
    ...(row.error ? { error: row.error } : {}),
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    ...(row.finished_at !== null ? { finishedAt: iso(row.finished_at) } : {}),
  };
}

/** Checks a scope as given by a caller; issues name the field. */
export function checkScope(scope: unknown): LlmJobScope {
  const s = scope as Record<string, unknown>;
  const wholeNumber = (value: unknown, field: string, min: number) => {
    if (!Number.isInteger(value) || (value as number) < min) {
      throw new InputError(
        `scope.${field}: a whole number of at least ${min} expected`,
      );
    }
    return value as number;
  };
  switch (s?.kind) {
    case 'missing':
      return { kind: 'missing' };
    case 'sample':
      return {
        kind: 'sample',
        size: wholeNumber(s.size, 'size', 1),
        seed: wholeNumber(s.seed ?? 0, 'seed', 0),
      };
    case 'items': {
      const ids = s.ids;
      if (
        !Array.isArray(ids) ||
        ids.length === 0 ||
        ids.some(id => typeof id !== 'string' || !isItemId(id))
      ) {
        throw new InputError(
          'scope.ids: a non-empty list of item ids expected',
        );
      }
      if (ids.length > MAX_SCOPE_IDS) {
        throw new InputError(
          `scope.ids: at most ${MAX_SCOPE_IDS} ids expected (use a filter scope for more)`,
        );
      }
      return { kind: 'items', ids: [...new Set(ids as string[])] };
    }
    case 'filter': {
      const states = s.states;
      if (
        states !== undefined &&
        (!Array.isArray(states) ||
          states.length === 0 ||
          states.some(x => !FILTER_STATES.includes(x)))
      ) {
        throw new InputError(
          `scope.states: a non-empty list of ${FILTER_STATES.join(
            ', ',
          )} expected`,
        );
      }
      const minPriority = s.minPriority;
      if (minPriority !== undefined && !Number.isInteger(minPriority)) {
        throw new InputError('scope.minPriority: a whole number expected');
      }
      return {
        kind: 'filter',
        ...(states ? { states: states as ItemState[] } : {}),
        ...(minPriority !== undefined
          ? { minPriority: minPriority as number }
          : {}),
      };
    }
    default:
      throw new InputError(
        'scope.kind: one of missing, sample, items, filter expected',
      );
  }
}

function checkBudget(value: number | undefined, field: string) {
  if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
    throw new InputError(`${field}: a positive number expected`);
  }
}

// 2^31 - 1, a prime: (key · a + b) mod P reorders the random keys per seed
const P = 2_147_483_647;
function sampleOrder(seed: number): [number, number] {
  const h = createHash('sha256').update(`sample:${seed}`).digest();
  return [1 + (h.readUInt32BE(0) % (P - 1)), h.readUInt32BE(4) % P];
}

/** The WHERE of a scope over `items i`, with positional bindings. */
function scopeWhere(
  scope: LlmJobScope,
  job: { projectId: string; annotatorId: string; version: number },
): { sql: string; bindings: Knex.Value[]; order?: string; limit?: number } {
  switch (scope.kind) {
    case 'missing':
      return {
        sql: `i.project_id = ? AND i.state <> 'gold' AND NOT EXISTS (
                SELECT 1 FROM llm_answers a WHERE a.annotator_id = ?
                AND a.version = ? AND a.item_id = i.id AND a.status = 'answered')`,
        bindings: [job.projectId, job.annotatorId, job.version],
      };
    case 'sample': {
      const [a, b] = sampleOrder(scope.seed);
      return {
        sql: `i.project_id = ? AND i.state <> 'gold'`,
        bindings: [job.projectId],
        order: `(CAST(i.random_key AS BIGINT) * ${a} + ${b}) % ${P}, i.id`,
        limit: scope.size,
      };
    }
    case 'items':
      return {
        sql: `i.project_id = ? AND i.id IN (${scope.ids
          .map(() => '?')
          .join(', ')})`,
        bindings: [job.projectId, ...scope.ids],
      };
    default: {
      const states = scope.states ?? ['open', 'full', 'complete'];
      const { minPriority } = scope;
      return {
        sql: `i.project_id = ? AND i.state IN (${states
          .map(() => '?')
          .join(', ')})${
          minPriority !== undefined ? ' AND i.priority >= ?' : ''
        }`,
        bindings: [
          job.projectId,
          ...states,
          ...(minPriority !== undefined ? [minPriority] : []),
        ],
      };
    }
  }
}

const ANSWER_COLUMNS = `project_id, item_id, annotator_id, version, content_hash,
  status, answer, raw_output, confidence, samples, model, simulated,
  tokens_in, tokens_out, cost, latency_ms, job_id, created_at, cached_from`;
// an answer is never replaced; a refusal or invalid output is, by a later one
const ANSWER_UPSERT = `ON CONFLICT (annotator_id, version, item_id) DO UPDATE SET
  content_hash = excluded.content_hash, status = excluded.status,
  answer = excluded.answer, raw_output = excluded.raw_output,
  confidence = excluded.confidence, samples = excluded.samples,
  model = excluded.model, simulated = excluded.simulated,
  tokens_in = excluded.tokens_in, tokens_out = excluded.tokens_out,
  cost = excluded.cost, latency_ms = excluded.latency_ms,
  job_id = excluded.job_id, created_at = excluded.created_at,
  cached_from = excluded.cached_from
  WHERE llm_answers.status <> 'answered'`;

/** An outcome as the columns of its answer row (after project/item/…). */
function answerFields(o: LlmItemOutcome) {
  const a = o.answer!;
  return {
    content_hash: o.contentHash,
    answer_status: a.status,
    answer: a.answer ? JSON.stringify(a.answer) : null,
    raw_output: a.rawOutput ?? null,
    confidence: a.confidence ?? null,
    samples: a.samples,
    model: a.model ?? null,
    simulated: a.simulated,
    tokens_in: o.tokensIn,
    tokens_out: o.tokensOut,
    cost: o.cost,
    latency_ms: Math.round(o.latencyMs),
    cached_from: o.cachedFrom ?? null,
  };
}

/**
 * The job's reservation after giving some back: none left once its tokens
 * are all given back (integers, exact), so sums of doubles leave no dust.
 */
function releasedCost(
  cost: string,
  tokens: string,
  max: 'GREATEST' | 'MAX',
  table = '',
) {
  return `CASE WHEN ${table}reserved_tokens <= ${tokens} THEN 0
    ELSE ${max}(0, ${table}reserved_cost - ${cost}) END`;
}

const DONE = `status IN ('done', 'failed')`;

/** The marker of a batch being prepared and uploaded. */
export const SUBMITTING = 'submitting';

export class KnexLlmJobStore implements LlmJobStore {
  constructor(private readonly knex: Knex) {}

  async createJob(input: NewLlmJob): Promise<LlmJobRecord> {
    const scope = checkScope(input.scope);
    checkBudget(input.budgetCost, 'budgetCost');
    checkBudget(input.budgetTokens, 'budgetTokens');
    if (
      input.budgetTokens !== undefined &&
      !Number.isInteger(input.budgetTokens)
    ) {
      throw new InputError('budgetTokens: a whole number expected');
    }
    const mode = input.mode ?? 'online';
    if (mode !== 'online' && mode !== 'batch') {
      throw new InputError('mode: online or batch expected');
    }
    const id = uuid();
    const now = Date.now();
    await this.knex.transaction(async tx => {
      const version = await tx('llm_annotator_versions as v')
        .join('llm_annotators as a', 'a.id', 'v.annotator_id')
        .where({
          'a.id': input.annotatorId,
          'a.project_id': input.projectId,
          'v.version': input.version,
        })
        .first('v.version');
      if (!version) {
        throw new NotFoundError(
          `LLM annotator ${input.annotatorId} has no version ${input.version} in this project`,
        );
      }
      if (scope.kind === 'items') {
        const found = new Set<string>();
        for (let i = 0; i < scope.ids.length; i += 500) {
          const rows = await tx('items')
            .where({ project_id: input.projectId })
            .whereIn('id', scope.ids.slice(i, i + 500))
            .pluck('id');
          rows.forEach(r => found.add(String(r)));
        }
        const unknown = scope.ids.filter(x => !found.has(x));
        if (unknown.length) {
          throw new InputError(
            `scope.ids: ${unknown.length} not items of this project (${unknown
              .slice(0, 5)
              .join(', ')}${unknown.length > 5 ? ', …' : ''})`,
          );
        }
      }
      await tx('llm_jobs').insert({
        id,
        project_id: input.projectId,
        annotator_id: input.annotatorId,
        version: input.version,
        scope: JSON.stringify(scope),
        status: 'running',
        mode,
        budget_cost: input.budgetCost ?? null,
        budget_tokens: input.budgetTokens ?? null,
        created_by: input.actor,
        created_at: now,
        updated_at: now,
      });
      const where = scopeWhere(scope, input);
      // the database copies the ids: nothing per item passes through here
      await tx.raw(
        `INSERT INTO llm_job_items (job_id, item_id, status, attempts, updated_at)
         SELECT ?, i.id, 'pending', 0, ? FROM items i WHERE ${where.sql}
         ${where.order ? `ORDER BY ${where.order}` : ''}
         ${where.limit ? `LIMIT ${Number(where.limit)}` : ''}`,
        [id, now, ...where.bindings],
      );
      const [{ n }] = await tx('llm_job_items')
        .where({ job_id: id })
        .count({ n: '*' });
      const total = toNumber(n);
      await tx('llm_jobs')
        .where({ id })
        .update({
          items_total: total,
          ...(total === 0
            ? { status: 'completed', stop_reason: 'done', finished_at: now }
            : {}),
        });
      await audit(tx, input.projectId, input.actor, 'llm.job.create', {
        id,
        annotatorId: input.annotatorId,
        version: input.version,
        scope,
        mode,
        items: total,
      });
    });
    return this.get(input.projectId, id);
  }

  async get(projectId: string, jobId: string): Promise<LlmJobRecord> {
    const row = await this.knex('llm_jobs')
      .where({ id: jobId, project_id: projectId })
      .first();
    if (!row) {
      throw new NotFoundError(`LLM job ${jobId} not found in this project`);
    }
    return jobFromRow(row);
  }

  async find(jobId: string): Promise<LlmJobRecord | undefined> {
    const row = await this.knex('llm_jobs').where({ id: jobId }).first();
    return row ? jobFromRow(row) : undefined;
  }

  async list(projectId: string, limit = 100): Promise<LlmJobRecord[]> {
    const rows = await this.knex('llm_jobs')
      .where({ project_id: projectId })
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(limit);
    return rows.map(jobFromRow);
  }

  private async transition(
    projectId: string,
    jobId: string,
    actor: string,
    from: LlmJobStatus[],
    to: LlmJobStatus,
    action: string,
  ): Promise<LlmJobRecord> {
    await this.knex.transaction(async tx => {
      const row = await tx('llm_jobs')
        .where({ id: jobId, project_id: projectId })
        .forUpdate()
        .first('status');
      if (!row) {
        throw new NotFoundError(`LLM job ${jobId} not found in this project`);
      }
      if (row.status === to) {
        return; // asked again: already so
      }
      if (!from.includes(row.status)) {
        throw new ConflictError(
          `the job is ${row.status}; only a ${from.join(' or ')} job can be ${
            to === 'running' ? 'resumed' : to
          }`,
        );
      }
      const now = Date.now();
      await tx('llm_jobs')
        .where({ id: jobId })
        .update({
          status: to,
          updated_at: now,
          ...(to === 'cancelled'
            ? { stop_reason: 'cancelled', finished_at: now }
            : {}),
        });
      await audit(tx, projectId, actor, action, { id: jobId });
    });
    return this.get(projectId, jobId);
  }

  pause(projectId: string, jobId: string, actor: string) {
    return this.transition(
      projectId,
      jobId,
      actor,
      ['running'],
      'paused',
      'llm.job.pause',
    );
  }

  resume(projectId: string, jobId: string, actor: string) {
    return this.transition(
      projectId,
      jobId,
      actor,
      ['paused'],
      'running',
      'llm.job.resume',
    );
  }

  cancel(projectId: string, jobId: string, actor: string) {
    return this.transition(
      projectId,
      jobId,
      actor,
      ['running', 'paused'],
      'cancelled',
      'llm.job.cancel',
    );
  }

  async progress(projectId: string, jobId: string): Promise<LlmJobProgress> {
    const job = await this.get(projectId, jobId);
    const [{ n: claimed }] = await this.knex('llm_job_items')
      .where({ job_id: jobId, status: 'claimed' })
      .count({ n: '*' });
    const failures = await this.knex('llm_job_items')
      .where({ job_id: jobId, status: 'failed' })
      .groupBy('reason')
      .select('reason', this.knex.raw('count(*) as n'));
    const errors: Record<string, number> = {};
    for (const f of failures) {
      errors[f.reason ?? 'unknown'] = toNumber(f.n);
    }
    // nearest-rank percentiles, read through the (job, latency) index
    const own = () =>
      this.knex('llm_answers')
        .where({ job_id: jobId })
        .whereNull('cached_from');
    const [{ n }] = await own().count({ n: '*' });
    const count = toNumber(n);
    const at = async (p: number) => {
      const row = await own()
        .orderBy('latency_ms')
        .offset(Math.max(0, Math.ceil(p * count) - 1))
        .first('latency_ms');
      return toNumber(row.latency_ms);
    };
    return {
      job,
      pending: job.itemsTotal - job.itemsDone - job.itemsFailed,
      inFlight: toNumber(claimed),
      errors,
      latencyMs: count
        ? { count, p50: await at(0.5), p95: await at(0.95) }
        : { count },
    };
  }

  async runnableJobs(mode: LlmJobMode): Promise<LlmJobRecord[]> {
    const rows = await this.knex('llm_jobs')
      .where({ status: 'running', mode })
      .orderBy('created_at');
    return rows.map(jobFromRow);
  }

  async statuses(jobIds: string[]): Promise<Map<string, LlmJobStatus>> {
    const rows = jobIds.length
      ? await this.knex('llm_jobs').whereIn('id', jobIds).select('id', 'status')
      : [];
    return new Map(rows.map(r => [r.id, r.status]));
  }

  async claim(
    jobId: string,
    runnerId: string,
    limit: number,
    leaseMs: number,
  ): Promise<ClaimedLlmItem[]> {
    const now = Date.now();
    const params = {
      job: jobId,
      runner: runnerId,
      limit,
      now,
      expires: now + leaseMs,
    };
    if (isPostgres(this.knex)) {
      // one statement: concurrent runners skip each other's rows; expired
      // claims first, their stale reservations given back to the job
      const { rows } = await this.knex.raw(
        `WITH job AS (
           SELECT id FROM llm_jobs WHERE id = :job AND status = 'running'
         ), expired AS (
           SELECT item_id, reserved_cost, reserved_tokens FROM llm_job_items
           WHERE job_id = :job AND status = 'claimed' AND claim_expires_at < :now
             AND EXISTS (SELECT 1 FROM job)
           ORDER BY item_id LIMIT :limit FOR UPDATE SKIP LOCKED
         ), fresh AS (
           SELECT item_id, reserved_cost, reserved_tokens FROM llm_job_items
           WHERE job_id = :job AND status = 'pending'
             AND EXISTS (SELECT 1 FROM job)
           ORDER BY item_id LIMIT :limit FOR UPDATE SKIP LOCKED
         ), candidate AS (
           SELECT * FROM (SELECT * FROM expired UNION ALL SELECT * FROM fresh) c
           LIMIT :limit
         ), claimed AS (
           UPDATE llm_job_items ji SET status = 'claimed', claimed_by = :runner,
             claim_expires_at = :expires, attempts = ji.attempts + 1,
             reserved_cost = 0, reserved_tokens = 0, updated_at = :now
           FROM candidate c WHERE ji.job_id = :job AND ji.item_id = c.item_id
           RETURNING ji.item_id, ji.attempts, c.reserved_cost, c.reserved_tokens
         ), stale AS (
           UPDATE llm_jobs SET
             reserved_cost = ${releasedCost('s.cost', 's.tokens', 'GREATEST')},
             reserved_tokens = GREATEST(0, reserved_tokens - s.tokens)
           FROM (SELECT coalesce(sum(reserved_cost), 0) AS cost,
                   coalesce(sum(reserved_tokens), 0) AS tokens FROM claimed) s
           WHERE id = :job AND s.tokens > 0
         )
         SELECT c.item_id, c.attempts, i.external_id, i.data
         FROM claimed c JOIN items i ON i.id = c.item_id ORDER BY c.item_id`,
        params,
      );
      return rows.map(claimedFromRow);
    }
    return sqliteWrite(this.knex, db => {
      const job = db
        .prepare(`SELECT status FROM llm_jobs WHERE id = :job`)
        .get(params);
      if (job?.status !== 'running') {
        return [];
      }
      const expired = db
        .prepare(
          `SELECT item_id, reserved_cost, reserved_tokens FROM llm_job_items
           WHERE job_id = :job AND status = 'claimed' AND claim_expires_at < :now
           ORDER BY item_id LIMIT :limit`,
        )
        .all(params);
      const fresh =
        expired.length < limit
          ? db
              .prepare(
                `SELECT item_id, reserved_cost, reserved_tokens FROM llm_job_items
                 WHERE job_id = :job AND status = 'pending'
                 ORDER BY item_id LIMIT :limit`,
              )
              .all({ ...params, limit: limit - expired.length })
          : [];
      const update = db.prepare(
        `UPDATE llm_job_items SET status = 'claimed', claimed_by = :runner,
           claim_expires_at = :expires, attempts = attempts + 1,
           reserved_cost = 0, reserved_tokens = 0, updated_at = :now
         WHERE job_id = :job AND item_id = :item RETURNING attempts`,
      );
      const item = db.prepare(
        `SELECT external_id, data FROM items WHERE id = :item`,
      );
      let staleCost = 0;
      let staleTokens = 0;
      const claimed: ClaimedLlmItem[] = [];
      for (const row of [...expired, ...fresh]) {
        staleCost += toNumber(row.reserved_cost);
        staleTokens += toNumber(row.reserved_tokens);
        const { attempts } = update.get({ ...params, item: row.item_id });
        const data = item.get({ item: row.item_id });
        claimed.push(claimedFromRow({ ...row, ...data, attempts }));
      }
      if (staleTokens > 0) {
        releaseOnJob(db, jobId, staleCost, staleTokens);
      }
      return claimed.sort((a, b) => Number(a.itemId) - Number(b.itemId));
    });
  }

  async extendClaims(
    jobId: string,
    runnerId: string,
    leaseMs: number,
  ): Promise<number> {
    return this.knex('llm_job_items')
      .where({ job_id: jobId, status: 'claimed', claimed_by: runnerId })
      .update({ claim_expires_at: Date.now() + leaseMs });
  }

  async release(
    jobId: string,
    runnerId: string,
    itemIds: string[],
  ): Promise<number> {
    if (itemIds.length === 0) {
      return 0;
    }
    const now = Date.now();
    if (isPostgres(this.knex)) {
      const { rows } = await this.knex.raw(
        `WITH old AS (
           SELECT item_id, reserved_cost, reserved_tokens FROM llm_job_items
           WHERE job_id = :job AND status = 'claimed' AND claimed_by = :runner
             AND item_id = ANY(CAST(:ids AS bigint[]))
           FOR UPDATE
         ), freed AS (
           UPDATE llm_job_items ji SET status = 'pending', claimed_by = NULL,
             claim_expires_at = NULL, attempts = GREATEST(0, ji.attempts - 1),
             reserved_cost = 0, reserved_tokens = 0, updated_at = :now
           FROM old WHERE ji.job_id = :job AND ji.item_id = old.item_id
           RETURNING old.reserved_cost, old.reserved_tokens
         ), job AS (
           UPDATE llm_jobs SET
             reserved_cost = ${releasedCost('s.cost', 's.tokens', 'GREATEST')},
             reserved_tokens = GREATEST(0, reserved_tokens - s.tokens)
           FROM (SELECT coalesce(sum(reserved_cost), 0) AS cost,
                   coalesce(sum(reserved_tokens), 0) AS tokens FROM freed) s
           WHERE id = :job AND s.tokens > 0
         )
         SELECT count(*) AS n FROM freed`,
        { job: jobId, runner: runnerId, ids: itemIds, now },
      );
      return toNumber(rows[0].n);
    }
    return sqliteWrite(this.knex, db => {
      const old = db.prepare(
        `SELECT reserved_cost, reserved_tokens FROM llm_job_items
         WHERE job_id = :job AND item_id = :item AND status = 'claimed'
           AND claimed_by = :runner`,
      );
      const free = db.prepare(
        `UPDATE llm_job_items SET status = 'pending', claimed_by = NULL,
           claim_expires_at = NULL, attempts = MAX(0, attempts - 1),
           reserved_cost = 0, reserved_tokens = 0, updated_at = :now
         WHERE job_id = :job AND item_id = :item`,
      );
      let freed = 0;
      let cost = 0;
      let tokens = 0;
      for (const item of itemIds) {
        const params = { job: jobId, item, runner: runnerId, now };
        const row = old.get(params);
        if (row) {
          free.run(params);
          freed++;
          cost += toNumber(row.reserved_cost);
          tokens += toNumber(row.reserved_tokens);
        }
      }
      if (tokens > 0) {
        releaseOnJob(db, jobId, cost, tokens);
      }
      return freed;
    });
  }

  async reserve(
    jobId: string,
    runnerId: string,
    itemId: string,
    reservation: { cost: number; tokens: number },
  ): Promise<ReserveResult> {
    const params = {
      job: jobId,
      runner: runnerId,
      item: itemId,
      cost: reservation.cost,
      tokens: Math.ceil(reservation.tokens),
    };
    const fits = (job: Record<string, unknown>) =>
      (job.budget_cost === null ||
        toNumber(job.cost) + toNumber(job.reserved_cost) + params.cost <=
          toNumber(job.budget_cost)) &&
      (job.budget_tokens === null ||
        toNumber(job.tokens_in) +
          toNumber(job.tokens_out) +
          toNumber(job.reserved_tokens) +
          params.tokens <=
          toNumber(job.budget_tokens));
    const decide = (row: {
      reserved: unknown;
      mine: unknown;
      status: string;
      reserved_tokens: unknown;
    }): ReserveResult => {
      if (toNumber(row.reserved) > 0) {
        return 'reserved';
      }
      if (row.status !== 'running') {
        return 'stopped';
      }
      if (toNumber(row.mine) === 0) {
        return 'lost';
      }
      return toNumber(row.reserved_tokens) > 0 ? 'wait' : 'exhausted';
    };
    if (isPostgres(this.knex)) {
      // the job row's lock orders concurrent reservations; each sees the
      // ones committed before it (the UPDATE re-checks the budget)
      const { rows } = await this.knex.raw(
        `WITH mine AS (
           SELECT item_id FROM llm_job_items
           WHERE job_id = :job AND item_id = :item AND status = 'claimed'
             AND claimed_by = :runner
           FOR UPDATE
         ), job AS (
           UPDATE llm_jobs SET reserved_cost = reserved_cost + :cost,
             reserved_tokens = reserved_tokens + :tokens
           WHERE id = :job AND status = 'running' AND EXISTS (SELECT 1 FROM mine)
             AND (budget_cost IS NULL OR cost + reserved_cost + :cost <= budget_cost)
             AND (budget_tokens IS NULL OR
                  tokens_in + tokens_out + reserved_tokens + :tokens <= budget_tokens)
           RETURNING id
         ), item AS (
           UPDATE llm_job_items SET reserved_cost = reserved_cost + :cost,
             reserved_tokens = reserved_tokens + :tokens
           WHERE job_id = :job AND item_id = :item AND EXISTS (SELECT 1 FROM job)
           RETURNING item_id
         )
         SELECT count(*) AS reserved FROM item`,
        params,
      );
      if (toNumber(rows[0].reserved) > 0) {
        return 'reserved';
      }
      // why not, as things stand now (the statement saw an older snapshot,
      // and reservations may have been given back since)
      const job = await this.knex('llm_jobs').where({ id: jobId }).first();
      const mine = await this.knex('llm_job_items')
        .where({
          job_id: jobId,
          item_id: itemId,
          status: 'claimed',
          claimed_by: runnerId,
        })
        .first('item_id');
      if (!job) {
        return 'stopped';
      }
      const verdict = decide({ ...job, reserved: 0, mine: mine ? 1 : 0 });
      // it fits now: ask again
      return verdict === 'exhausted' && fits(job) ? 'wait' : verdict;
    }
    return sqliteWrite(this.knex, db => {
      const job = db
        .prepare(
          `SELECT status, cost, reserved_cost, reserved_tokens, budget_cost,
             budget_tokens, tokens_in, tokens_out FROM llm_jobs WHERE id = :job`,
        )
        .get(params);
      if (!job) {
        return 'stopped';
      }
      const mine = db
        .prepare(
          `SELECT 1 AS n FROM llm_job_items WHERE job_id = :job AND item_id = :item
             AND status = 'claimed' AND claimed_by = :runner`,
        )
        .get(params);
      const reserved = job.status === 'running' && mine && fits(job);
      if (reserved) {
        db.prepare(
          `UPDATE llm_jobs SET reserved_cost = reserved_cost + :cost,
             reserved_tokens = reserved_tokens + :tokens WHERE id = :job`,
        ).run(params);
        db.prepare(
          `UPDATE llm_job_items SET reserved_cost = reserved_cost + :cost,
             reserved_tokens = reserved_tokens + :tokens
           WHERE job_id = :job AND item_id = :item`,
        ).run(params);
      }
      return decide({ ...job, reserved: reserved ? 1 : 0, mine: mine ? 1 : 0 });
    });
  }

  async cachedAnswers(
    annotatorId: string,
    version: number,
    contentHashes: string[],
  ): Promise<Map<string, CachedLlmAnswer>> {
    const found = new Map<string, CachedLlmAnswer>();
    const hashes = [...new Set(contentHashes)];
    const versions = await this.sameRequestVersions(annotatorId, version);
    for (let i = 0; i < hashes.length; i += 500) {
      const rows = await this.knex('llm_answers')
        .where({ annotator_id: annotatorId, status: 'answered' })
        .whereIn('version', versions)
        .whereIn('content_hash', hashes.slice(i, i + 500))
        .orderBy('id')
        .select(
          'id',
          'content_hash',
          'answer',
          'raw_output',
          'confidence',
          'samples',
          'model',
          'simulated',
        );
      for (const row of rows) {
        if (!found.has(row.content_hash)) {
          found.set(row.content_hash, {
            // the original, not a copy of it
            answerId: String(row.id),
            answer: parseJson(row.answer),
            ...(row.raw_output !== null ? { rawOutput: row.raw_output } : {}),
            ...(row.confidence !== null
              ? { confidence: toNumber(row.confidence) }
              : {}),
            samples: toNumber(row.samples),
            ...(row.model ? { model: row.model } : {}),
            simulated: Boolean(row.simulated),
          });
        }
      }
    }
    return found;
  }

  async record(
    job: LlmJobRef,
    runnerId: string,
    outcomes: LlmItemOutcome[],
  ): Promise<{ finished: boolean }> {
    if (outcomes.length === 0) {
      return { finished: false };
    }
    const now = Date.now();
    if (isPostgres(this.knex)) {
      const input = outcomes.map(o => ({
        ...(o.answer ? answerFields(o) : { answer_status: null }),
        item_id: o.itemId,
        content_hash: o.contentHash,
        final: o.status,
        cached: o.cachedFrom !== undefined,
        reason: o.reason ?? null,
        error: o.error ?? null,
        tokens_in: o.tokensIn,
        tokens_out: o.tokensOut,
        cost: o.cost,
      }));
      const { rows } = await this.knex.raw(
        `WITH input AS (
           SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS x(
             item_id bigint, final text, cached boolean, reason text, error text,
             content_hash text, answer_status text, answer text, raw_output text,
             confidence double precision, samples integer, model text,
             simulated boolean, tokens_in integer, tokens_out integer,
             cost double precision, latency_ms integer, cached_from bigint)
         ), old AS (
           SELECT ji.item_id, ji.status, ji.claimed_by, ji.reserved_cost,
             ji.reserved_tokens
           FROM llm_job_items ji JOIN input i ON i.item_id = ji.item_id
           WHERE ji.job_id = :job
           FOR UPDATE OF ji
         ), moved AS (
           UPDATE llm_job_items ji SET status = i.final, reason = i.reason,
             error = i.error, claim_expires_at = NULL, reserved_cost = 0,
             reserved_tokens = 0, updated_at = :now
           FROM old o, input i
           WHERE ji.job_id = :job AND ji.item_id = o.item_id
             AND i.item_id = o.item_id AND o.status = 'claimed'
             AND o.claimed_by = :runner
           RETURNING ji.item_id, i.final, i.cached, o.reserved_cost,
             o.reserved_tokens
         ), paid AS (
           SELECT i.* FROM input i JOIN old o ON o.item_id = i.item_id
           WHERE NOT (o.${DONE} AND o.claimed_by = :runner)
         ), answers AS (
           INSERT INTO llm_answers (${ANSWER_COLUMNS})
           SELECT :project, item_id, :annotator, :version, content_hash,
             answer_status, answer, raw_output, confidence, samples, model,
             simulated, tokens_in, tokens_out, cost, latency_ms, :job, :now,
             cached_from
           FROM paid WHERE answer_status IS NOT NULL
           ${ANSWER_UPSERT}
         ), totals AS (
           SELECT
             (SELECT count(*) FROM moved WHERE final = 'done') AS done,
             (SELECT count(*) FROM moved WHERE final = 'done' AND cached) AS cached,
             (SELECT count(*) FROM moved WHERE final = 'failed') AS failed,
             (SELECT coalesce(sum(reserved_cost), 0) FROM moved) AS r_cost,
             (SELECT coalesce(sum(reserved_tokens), 0) FROM moved) AS r_tokens,
             (SELECT coalesce(sum(tokens_in), 0) FROM paid) AS t_in,
             (SELECT coalesce(sum(tokens_out), 0) FROM paid) AS t_out,
             (SELECT coalesce(sum(cost), 0) FROM paid) AS spent
         )
         UPDATE llm_jobs j SET
           items_done = j.items_done + t.done,
           items_cached = j.items_cached + t.cached,
           items_failed = j.items_failed + t.failed,
           tokens_in = j.tokens_in + t.t_in,
           tokens_out = j.tokens_out + t.t_out,
           cost = j.cost + t.spent,
           reserved_cost = ${releasedCost(
             't.r_cost',
             't.r_tokens',
             'GREATEST',
             'j.',
           )},
           reserved_tokens = GREATEST(0, j.reserved_tokens - t.r_tokens),
           updated_at = :now
         FROM totals t WHERE j.id = :job
         RETURNING j.status`,
        {
          rows: JSON.stringify(input),
          job: job.id,
          runner: runnerId,
          project: job.projectId,
          annotator: job.annotatorId,
          version: job.version,
          now,
        },
      );
      if (!rows.length) {
        return { finished: false };
      }
      return { finished: await this.finishIfDone(job.id) };
    }
    const finished = await sqliteWrite(this.knex, db => {
      const old = db.prepare(
        `SELECT status, claimed_by, reserved_cost, reserved_tokens
         FROM llm_job_items WHERE job_id = :job AND item_id = :item`,
      );
      const move = db.prepare(
        `UPDATE llm_job_items SET status = :final, reason = :reason,
           error = :error, claim_expires_at = NULL, reserved_cost = 0,
           reserved_tokens = 0, updated_at = :now
         WHERE job_id = :job AND item_id = :item`,
      );
      const insert = db.prepare(
        `INSERT INTO llm_answers (${ANSWER_COLUMNS}) VALUES (:project, :item,
           :annotator, :version, :content_hash, :answer_status, :answer,
           :raw_output, :confidence, :samples, :model, :simulated, :tokens_in,
           :tokens_out, :cost, :latency_ms, :job, :now, :cached_from)
         ${ANSWER_UPSERT}`,
      );
      const t = { done: 0, cached: 0, failed: 0, rCost: 0, rTokens: 0 };
      const spend = { tokensIn: 0, tokensOut: 0, cost: 0 };
      for (const o of outcomes) {
        const base = { job: job.id, item: o.itemId, now };
        const row = old.get(base);
        if (!row) {
          continue;
        }
        const mine = row.claimed_by === runnerId;
        if (mine && (row.status === 'done' || row.status === 'failed')) {
          continue; // recorded already
        }
        if (mine && row.status === 'claimed') {
          move.run({
            ...base,
            final: o.status,
            reason: o.reason ?? null,
            error: o.error ?? null,
          });
          t[o.status === 'done' ? 'done' : 'failed']++;
          t.cached += o.status === 'done' && o.cachedFrom ? 1 : 0;
          t.rCost += toNumber(row.reserved_cost);
          t.rTokens += toNumber(row.reserved_tokens);
        }
        spend.tokensIn += o.tokensIn;
        spend.tokensOut += o.tokensOut;
        spend.cost += o.cost;
        if (o.answer) {
          const fields = answerFields(o);
          insert.run({
            ...base,
            ...fields,
            simulated: fields.simulated ? 1 : 0,
            project: job.projectId,
            annotator: job.annotatorId,
            version: job.version,
          });
        }
      }
      db.prepare(
        `UPDATE llm_jobs SET items_done = items_done + :done,
           items_cached = items_cached + :cached,
           items_failed = items_failed + :failed,
           tokens_in = tokens_in + :tokensIn,
           tokens_out = tokens_out + :tokensOut, cost = cost + :cost,
           reserved_cost = ${releasedCost(':rCost', ':rTokens', 'MAX')},
           reserved_tokens = MAX(0, reserved_tokens - :rTokens),
           updated_at = :now
         WHERE id = :job`,
      ).run({ ...t, ...spend, job: job.id, now });
      return finishJob(db, job.id, now);
    });
    return { finished };
  }

  async finishIfDone(jobId: string): Promise<boolean> {
    const now = Date.now();
    if (isPostgres(this.knex)) {
      const { rowCount } = await this.knex.raw(
        `UPDATE llm_jobs SET status = 'completed', stop_reason = 'done',
           finished_at = :now, updated_at = :now
         WHERE id = :job AND status = 'running' AND NOT EXISTS (
           SELECT 1 FROM llm_job_items WHERE job_id = :job
             AND status IN ('pending', 'claimed'))`,
        { job: jobId, now },
      );
      return rowCount > 0;
    }
    return sqliteWrite(this.knex, db => finishJob(db, jobId, now));
  }

  async stop(
    jobId: string,
    reason: 'budget' | 'error',
    error?: string,
  ): Promise<boolean> {
    const now = Date.now();
    const changed = await this.knex('llm_jobs')
      .where({ id: jobId, status: 'running' })
      .update({
        status: 'completed',
        stop_reason: reason,
        error: error ?? null,
        finished_at: now,
        updated_at: now,
      });
    return changed > 0;
  }

  async answersForItem(itemId: string): Promise<LlmItemAnswer[]> {
    const rows = await this.knex.raw(LLM_ITEM_ANSWERS_SQL, {
      itemId,
    });
    return newestLlmAnswers(isPostgres(this.knex) ? rows.rows : rows);
  }

  /** The versions that send the same requests as this one, itself included. */
  private async sameRequestVersions(
    annotatorId: string,
    version: number,
  ): Promise<number[]> {
    const rows = await this.knex('llm_annotator_versions as v')
      .join('llm_annotator_versions as same', join =>
        join
          .on('same.annotator_id', 'v.annotator_id')
          .andOn('same.request_key', 'v.request_key'),
      )
      .where({ 'v.annotator_id': annotatorId, 'v.version': version })
      .select('same.version');
    return [version, ...rows.map(r => toNumber(r.version))];
  }

  async evaluationRows(
    annotatorId: string,
    version: number,
  ): Promise<LlmEvaluationRow[]> {
    const versions = await this.sameRequestVersions(annotatorId, version);
    const rows = await this.knex('llm_answers as a')
      .join('items as i', 'i.id', 'a.item_id')
      .leftJoin('item_outcomes as o', join =>
        join
          .on('o.item_id', 'a.item_id')
          .andOnIn('o.status', ['resolved', 'qa-resolved'])
          .andOn(q => q.onNull('o.method').orOnVal('o.method', '<>', 'llm')),
      )
      .where({ 'a.annotator_id': annotatorId })
      .whereIn('a.version', versions)
      .andWhere(q => q.whereNotNull('i.gold').orWhereNotNull('o.item_id'))
      .select(
        'a.item_id',
        'a.version',
        'a.cached_from',
        'a.status',
        'a.answer',
        'a.confidence',
        'a.cost',
        'i.gold',
        'o.answer as consensus',
      );
    // one answer per item: the paid one (its true cost), else this version's
    const rank = (r: (typeof rows)[number]) =>
      (r.cached_from === null ? 0 : 2) +
      (Number(r.version) === version ? 0 : 1);
    const best = new Map<string, (typeof rows)[number]>();
    for (const row of rows) {
      const key = String(row.item_id);
      const held = best.get(key);
      if (!held || rank(row) < rank(held)) {
        best.set(key, row);
      }
    }
    return [...best.values()].map(row => ({
      status: row.status,
      ...(row.answer ? { answer: parseJson(row.answer) } : {}),
      ...(row.confidence !== null
        ? { confidence: Number(row.confidence) }
        : {}),
      cost: Number(row.cost),
      ...(row.gold ? { gold: parseJson(row.gold) } : {}),
      ...(row.consensus ? { consensus: parseJson(row.consensus) } : {}),
    }));
  }

  async fewShotRows(projectId: string, limit: number): Promise<FewShotRow[]> {
    // the partial gold index, newest first: QA resolutions join over time
    const rows = await this.knex('items')
      .where({ project_id: projectId })
      .whereNotNull('gold')
      .orderBy('id', 'desc')
      .limit(limit)
      .select('id', 'external_id', 'data', 'gold');
    return rows.map(r => ({
      id: String(r.id),
      externalId: r.external_id,
      dataText: r.data,
      goldText: r.gold,
    }));
  }

  async claimedItems(
    jobId: string,
    runnerId: string,
  ): Promise<ClaimedLlmItem[]> {
    const rows = await this.knex('llm_job_items as ji')
      .join('items as i', 'i.id', 'ji.item_id')
      .where({ 'ji.job_id': jobId, 'ji.status': 'claimed' })
      .where('ji.claimed_by', runnerId)
      .orderBy('ji.item_id')
      .select('ji.item_id', 'ji.attempts', 'i.external_id', 'i.data');
    return rows.map(claimedFromRow);
  }

  async beginBatchSubmit(
    jobId: string,
    staleAfterMs: number,
  ): Promise<boolean> {
    const now = Date.now();
    const changed = await this.knex('llm_jobs')
      .where({ id: jobId, status: 'running', mode: 'batch' })
      .where(q =>
        q
          .whereNull('provider_batch_id')
          .orWhere(stale =>
            stale
              .where({ provider_batch_id: SUBMITTING })
              .where('batch_submitted_at', '<', now - staleAfterMs),
          ),
      )
      .update({
        provider_batch_id: SUBMITTING,
        batch_submitted_at: now,
        updated_at: now,
      });
    return changed > 0;
  }

  async setProviderBatch(jobId: string, batchId: string | null): Promise<void> {
    const now = Date.now();
    await this.knex('llm_jobs')
      .where({ id: jobId })
      .update({
        provider_batch_id: batchId,
        batch_submitted_at: batchId ? now : null,
        updated_at: now,
      });
  }

  async batchesInFlight(): Promise<LlmJobRecord[]> {
    const rows = await this.knex('llm_jobs')
      .where({ mode: 'batch' })
      .whereIn('status', ['running', 'paused', 'cancelled'])
      .whereNotNull('provider_batch_id')
      .whereNot({ provider_batch_id: SUBMITTING });
    return rows.map(jobFromRow);
  }
}

function releaseOnJob(
  db: { prepare(sql: string): { run(params?: object): unknown } },
  jobId: string,
  cost: number,
  tokens: number,
) {
  db.prepare(
    `UPDATE llm_jobs SET reserved_cost = ${releasedCost(
      ':cost',
      ':tokens',
      'MAX',
    )},
       reserved_tokens = MAX(0, reserved_tokens - :tokens) WHERE id = :job`,
  ).run({ job: jobId, cost, tokens });
}

function finishJob(
  db: { prepare(sql: string): { run(params?: object): { changes: number } } },
  jobId: string,
  now: number,
): boolean {
  return (
    db
      .prepare(
        `UPDATE llm_jobs SET status = 'completed', stop_reason = 'done',
           finished_at = :now, updated_at = :now
         WHERE id = :job AND status = 'running' AND NOT EXISTS (
           SELECT 1 FROM llm_job_items WHERE job_id = :job
             AND status IN ('pending', 'claimed'))`,
      )
      .run({ job: jobId, now }).changes > 0
  );
}
