import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  DawidSkeneModel,
  EscalationReason,
  EscalationStatus,
  LabelAgreement,
  Measure,
} from '@chorus/plugin-annotation-common';
import { Knex } from 'knex';
import { v4 as uuid } from 'uuid';
import {
  ADD_TO_COUNTER_SQL,
  addToCounters,
  CounterName,
  counterRows,
  readCounters,
} from './counters';
import {
  LlmItemAnswer,
  LlmItemAnswerRow,
  LLM_ITEM_ANSWERS_SQL,
  newestLlmAnswers,
} from './LlmJobStore';
import { PgRun, PgStatement, pgTransaction } from './postgres';
import { isPostgres, lockItem } from './slots';
import { SqliteConnection, sqliteWrite } from './sqlite';
import { isItemId, parseJson, toNumber } from './util';

/*
 * The quality aggregate of a project: each item's outcome (consensus or
 * escalation), the QA queue, gold scores and the scheduled fits. Writers
 * lock the item row first, as every engine writer does, and keep the
 * `quality.*` counters in step in the same transaction.
 */

export type QualityStatus =
  | 'pending'
  | 'resolved'
  | 'escalated'
  | 'qa-resolved';
export type ConsensusMethod = 'majority' | 'dawid-skene' | 'qa' | 'llm';

/** Why an item is not resolved by consensus (shared with the API). */
export type { EscalationReason };

interface OutcomeFields {
  configVersion: number;
  /** Consensus answer per question id, when there is one. */
  answer?: Record<string, unknown>;
  method?: ConsensusMethod;
  confidence?: number;
  /** Per question id: the item's agreement, or why it has none. */
  agreement?: Record<string, Measure>;
  reasons?: EscalationReason[];
}

/** What the per-submit evaluation decides for an item. */
export type OutcomeInput = OutcomeFields &
  (
    | { status: 'resolved' }
    | {
        /** Waiting for more annotators (low agreement, under the cap). */
        status: 'pending';
        /** Annotators granted beyond the overlap, in total (never lowered). */
        extraAnnotators: number;
        /** The project's overlap, to tell the item's new slot state. */
        overlap: number;
      }
  );

/** A decision that sends the item to the QA queue. */
export type EscalationInput = OutcomeFields & { reasons: EscalationReason[] };

/** What an item's evaluation decides to write. */
export type DecisionInput =
  | OutcomeInput
  | (EscalationInput & { status: 'escalated' });

/** What an item's evaluation reads of it, under the item's lock. */
export interface EvaluationInputs {
  /** The item's slot state: only a complete item has answers to decide. */
  state: string;
  before?: ItemOutcome;
  /** Its human answers, oldest first. */
  answers: Array<{ annotator: string; answer: Record<string, unknown> }>;
  /** Each LLM annotator's newest answer to it. */
  llm: LlmItemAnswer[];
}

/** What `evaluateItem` wrote: the outcome and, for an escalation, it. */
export interface WrittenDecision {
  outcome?: ItemOutcome;
  escalation?: { escalation: Escalation; created: boolean };
}

export interface ItemOutcome {
  itemId: string;
  projectId: string;
  status: QualityStatus;
  configVersion: number;
  answer?: Record<string, unknown>;
  method?: ConsensusMethod;
  confidence?: number;
  agreement: Record<string, Measure>;
  reasons: EscalationReason[];
  /** What QA asked for when it sent the item back. */
  guidance?: string;
  /** Annotators granted beyond the overlap. */
  extraAnnotators: number;
  updatedAt: string;
}

export interface Escalation {
  id: string;
  projectId: string;
  itemId: string;
  reasons: EscalationReason[];
  createdAt: string;
  resolution?: 'resolved' | 'sent-back';
  resolvedAt?: string;
  resolvedBy?: string;
  answer?: Record<string, unknown>;
  note?: string;
}

/** An escalation held by one analyst until `expiresAt`. */
export interface QaClaim {
  token: string;
  analyst: string;
  expiresAt: string;
  escalation: Escalation;
}

/** An analyst's claim, named by its token within its project. */
export interface QaDecision {
  projectId: string;
  token: string;
  analyst: string;
}

/** An escalation in a backlog list: its item's external id, its live claim. */
export interface EscalationEntry extends Escalation {
  externalId: string;
  claimedBy?: string;
  claimExpiresAt?: string;
}

export interface EscalationListOptions {
  /** `resolved`: decided ones, resolved or sent back. */
  status: EscalationStatus;
  limit: number;
  /** From the previous page's `nextCursor`. */
  cursor?: string;
}

/** What the scheduled job computes per project and config version. */
export interface QualityFit {
  projectId: string;
  configVersion: number;
  /** Per question id (categorical questions): the Dawid-Skene model. */
  models: Record<string, DawidSkeneModel>;
  /** Per question id: project-level measures, by measure name. */
  agreement: Record<string, Record<string, Measure>>;
  /** Per question id: each label's agreement against the rest. */
  labelAgreement?: Record<string, LabelAgreement[]>;
  /**
   * Per annotator (voting LLM annotators too, by rater id): their answers
   * read (absent in fits stored before it was counted), their answers
   * compared with the item's consensus (items resolved or QA-resolved, one
   * per question), and how many of them equal it.
   */
  annotators?: Record<
    string,
    { answers?: number; compared: number; agreed: number }
  >;
  /** What the fit read; an unchanged signature needs no new fit. */
  signature?: string;
  itemsUsed: number;
  answersUsed: number;
  fittedAt: string;
}

export interface GoldStats {
  annotator: string;
  answered: number;
  correct: number;
  accuracy: number;
}

export interface QualityStore {
  /**
   * Records the consensus outcome of an item (`resolved`) or that it waits
   * for `extraAnnotators` more answers (`pending`, which reopens the item).
   * Idempotent: the same outcome twice moves nothing twice. An escalated or
   * QA-resolved item is QA's to decide: ConflictError.
   */
  recordOutcome(itemId: string, outcome: OutcomeInput): Promise<ItemOutcome>;
  outcome(itemId: string): Promise<ItemOutcome | undefined>;
  /**
   * Sends an item to the QA queue with its reasons. While it has an open
   * escalation, asking again returns that one (`created: false`).
   */
  escalate(
    itemId: string,
    escalation: EscalationInput,
  ): Promise<{ escalation: Escalation; created: boolean }>;
  /**
   * An item's evaluation as one step under the item's lock: reads its
   * answers and outcome, asks `decide` (synchronous; nothing is written when
   * it returns undefined) and writes the decision as `recordOutcome` or
   * `escalate` would. Undefined when the item is not in the project. Three
   * statements on PostgreSQL, one synchronous transaction on SQLite.
   */
  evaluateItem(
    projectId: string,
    itemId: string,
    decide: (inputs: EvaluationInputs) => DecisionInput | undefined,
  ): Promise<WrittenDecision | undefined>;
  /**
   * The analyst's next escalation, oldest first: the live claim they hold,
   * else a newly claimed one. Never one another analyst holds live.
   */
  claimQa(
    projectId: string,
    analyst: string,
    ttlMs: number,
  ): Promise<QaClaim | undefined>;
  /** Extends the analyst's live claim to `ttlMs` from now. */
  heartbeatQa(claim: QaDecision, ttlMs: number): Promise<{ expiresAt: string }>;
  /** Gives the escalation back to the queue, undecided. */
  releaseQa(claim: QaDecision): Promise<void>;
  /** The escalation the analyst's claim names, decided or not. */
  heldEscalation(claim: QaDecision): Promise<Escalation | undefined>;
  /**
   * The backlog: open escalations oldest first (the order analysts get
   * them), decided or all newest first; pages by cursor.
   */
  listEscalations(
    projectId: string,
    options: EscalationListOptions,
  ): Promise<{ items: EscalationEntry[]; nextCursor?: string }>;
  /** Open escalations of the project (from its counters). */
  openEscalations(projectId: string): Promise<number>;
  /**
   * Final: the item becomes `qa-resolved` with this answer, and gold (unless
   * it had imported gold). Audited. The same resolution again is a replay.
   */
  resolveQa(
    decision: QaDecision & { answer: Record<string, unknown>; note?: string },
  ): Promise<{ escalation: Escalation; replayed: boolean }>;
  /**
   * Back to annotators with guidance: the escalation closes, the item is
   * `pending` with one more slot. Audited.
   */
  sendBack(
    decision: QaDecision & { guidance: string; overlap: number },
  ): Promise<{ escalation: Escalation; replayed: boolean }>;
  saveFit(
    projectId: string,
    configVersion: number,
    fit: Omit<QualityFit, 'projectId' | 'configVersion' | 'fittedAt'> & {
      fittedAt?: string;
    },
  ): Promise<void>;
  /** The fit of that config version, else of the highest version fitted. */
  latestFit(
    projectId: string,
    configVersion?: number,
  ): Promise<QualityFit | undefined>;
  /**
   * Counts one answer to a gold item. Submits of honeypot answers count
   * theirs in their own transaction (`addGoldAnswer`), so a replay or an
   * edit never counts twice.
   */
  recordGoldAnswer(
    projectId: string,
    annotator: string,
    correct: boolean,
  ): Promise<void>;
  goldStats(projectId: string): Promise<GoldStats[]>;
  /**
   * Resolves items with LLM answers (their annotator's role is
   * auto-accept), in one transaction: only open items no one has answered
   * or leased, which then leave the annotators' pool (`complete`). Items
   * humans got to first, or decided already, are left alone; accepting
   * again changes nothing. Returns the ids accepted.
   */
  acceptLlmAnswers(
    projectId: string,
    configVersion: number,
    accepted: LlmAcceptance[],
  ): Promise<string[]>;
  /**
   * Complete items left undecided (no outcome, or `pending` though complete)
   * whose last change is older than `before` (ms): what a process killed
   * between a submit and its evaluation leaves behind.
   */
  undecidedItems(
    projectId: string,
    before: number,
    limit: number,
  ): Promise<string[]>;
  /**
   * The annotators whose gold accuracy is below `minAccuracy`, once they
   * answered at least `minAnswered` gold items (fewer say too little);
   * consensus leaves their answers out.
   */
  lowGoldAnnotators(
    projectId: string,
    minAccuracy: number,
    minAnswered?: number,
  ): Promise<GoldStats[]>;
}

/** Gold items an annotator must answer before their accuracy counts. */
export const MIN_GOLD_ANSWERED = 5;

/**
 * Adds to an annotator's gold counts (within the caller's transaction,
 * where the answer is stored).
 */
export async function addGoldAnswer(
  db: Knex | Knex.Transaction,
  projectId: string,
  annotator: string,
  delta: { answered: number; correct: number },
): Promise<void> {
  const now = Date.now();
  await db('annotator_gold_stats')
    .insert({
      project_id: projectId,
      annotator,
      answered: delta.answered,
      correct: delta.correct,
      updated_at: now,
    })
    .onConflict(['project_id', 'annotator'])
    .merge({
      answered: db.raw('annotator_gold_stats.answered + ?', [delta.answered]),
      correct: db.raw('annotator_gold_stats.correct + ?', [delta.correct]),
      updated_at: now,
    });
}

function goldStatsFromRow(row: {
  annotator: string;
  answered: number | string;
  correct: number | string;
}): GoldStats {
  const answered = toNumber(row.answered);
  const correct = toNumber(row.correct);
  return {
    annotator: row.annotator,
    answered,
    correct,
    accuracy: answered ? correct / answered : 0,
  };
}

/** An auto-accepting LLM's answer to settle an item with. */
export interface LlmAcceptance {
  itemId: string;
  answer: Record<string, unknown>;
  confidence: number;
}

interface OutcomeRow {
  item_id: number | string;
  project_id: string;
  status: QualityStatus;
  answer: string | null;
  method: ConsensusMethod | null;
  confidence: number | null;
  agreement: string | null;
  reasons: string | null;
  guidance: string | null;
  config_version: number;
  updated_at: number | string;
}

interface EscalationRow {
  id: number | string;
  project_id: string;
  item_id: number | string;
  reasons: string;
  created_at: number | string;
  claimed_by: string | null;
  claim_token: string | null;
  claim_expires_at: number | string | null;
  resolved_at: number | string | null;
  resolved_by: string | null;
  resolution: 'resolved' | 'sent-back' | null;
  answer: string | null;
  note: string | null;
}

const iso = (ms: number | string) => new Date(toNumber(ms)).toISOString();

function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

function escalationFromRow(row: EscalationRow): Escalation {
  return {
    id: String(row.id),
    projectId: row.project_id,
    itemId: String(row.item_id),
    reasons: parseJson(row.reasons),
    createdAt: iso(row.created_at),
    ...(row.resolution ? { resolution: row.resolution } : {}),
    ...(row.resolved_at !== null ? { resolvedAt: iso(row.resolved_at) } : {}),
    ...(row.resolved_by ? { resolvedBy: row.resolved_by } : {}),
    ...(row.answer ? { answer: parseJson(row.answer) } : {}),
    ...(row.note !== null ? { note: row.note } : {}),
  };
}

function claimFromRow(row: EscalationRow): QaClaim {
  return {
    token: row.claim_token!,
    analyst: row.claimed_by!,
    expiresAt: iso(row.claim_expires_at!),
    escalation: escalationFromRow(row),
  };
}

function slotState(
  item: { answer_count: number; slots_taken: number },
  capacity: number,
): 'open' | 'full' | 'complete' {
  if (item.answer_count >= capacity) {
    return 'complete';
  }
  return item.slots_taken >= capacity ? 'full' : 'open';
}

/** Moves one item between two counters (nothing when they are the same). */
function move(
  from: string | undefined,
  to: string,
): Partial<Record<CounterName, number>> {
  if (from === to) {
    return {};
  }
  return {
    ...(from ? { [from]: -1 } : {}),
    [to]: 1,
  } as Partial<Record<CounterName, number>>;
}

/** The row a claim names: its token, in its project, held by the analyst. */
function claimOf(claim: QaDecision) {
  return {
    claim_token: claim.token,
    project_id: claim.projectId,
    claimed_by: claim.analyst,
  };
}

function claimNotFound(token: string) {
  return new NotFoundError(`QA claim ${token} not found`);
}

function claimExpired(token: string, expiresAt: number | string) {
  return new ConflictError(
    `QA claim ${token} expired at ${iso(expiresAt)}; claim the item again`,
  );
}

function alreadyDecided(row: EscalationRow) {
  return new ConflictError(
    `escalation ${row.id} was already ${row.resolution} by ${row.resolved_by}; a decision is final`,
  );
}

/** Backlog pages: after the (created_at, id) of the last row shown. */
function encodeCursor(row: EscalationRow): string {
  return `${toNumber(row.created_at)}-${row.id}`;
}

function decodeCursor(cursor: string): [number, number] {
  const m = /^(\d{1,16})-(\d{1,18})$/.exec(cursor);
  if (!m) {
    throw new InputError('cursor: a cursor from a previous page expected');
  }
  return [Number(m[1]), Number(m[2])];
}

/**
 * The first open escalation no one holds live, oldest first (an expired
 * claim is claimable again). Named bindings: projectId, now.
 */
function queueSql(extra: { where?: string; lock?: string } = {}) {
  return `SELECT id FROM escalations
    WHERE project_id = :projectId AND resolved_at IS NULL
      AND (claim_expires_at IS NULL OR claim_expires_at <= :now)
      ${extra.where ?? ''}
    ORDER BY created_at, id LIMIT 1 ${extra.lock ?? ''}`;
}

/** A live claim the analyst holds. Named bindings: projectId, analyst, now. */
const HELD_SQL = `SELECT * FROM escalations
  WHERE project_id = :projectId AND resolved_at IS NULL
    AND claimed_by = :analyst AND claim_expires_at > :now
  ORDER BY created_at, id LIMIT 1`;

export class KnexQualityStore implements QualityStore {
  constructor(private readonly knex: Knex) {}

  async recordOutcome(
    itemId: string,
    outcome: OutcomeInput,
  ): Promise<ItemOutcome> {
    const written = await this.writeDecision(itemId, {}, () => outcome);
    return written!.outcome!;
  }

  async outcome(itemId: string): Promise<ItemOutcome | undefined> {
    return this.readOutcome(this.knex, itemId);
  }

  async escalate(
    itemId: string,
    escalation: EscalationInput,
  ): Promise<{ escalation: Escalation; created: boolean }> {
    const written = await this.writeDecision(itemId, {}, () => ({
      ...escalation,
      status: 'escalated',
    }));
    return written!.escalation!;
  }

  async evaluateItem(
    projectId: string,
    itemId: string,
    decide: (inputs: EvaluationInputs) => DecisionInput | undefined,
  ): Promise<WrittenDecision | undefined> {
    return this.writeDecision(
      itemId,
      { projectId, answers: true },
      ({ item, before, answers, llm }) =>
        decide({
          state: item.state,
          ...(before
            ? { before: outcomeFromRow(before, item.extra_slots) }
            : {}),
          answers: answers ?? [],
          llm: llm ?? [],
        }),
    );
  }

  /**
   * The one write path of an item's outcome: lock the item, read what
   * `decide` needs, write its decision (a statement each on PostgreSQL); on
   * SQLite all in one synchronous transaction. A missing
   * item, or one of another project than `projectId`: NotFoundError, or
   * undefined when evaluating.
   */
  private async writeDecision(
    itemId: string,
    options: { projectId?: string; answers?: boolean },
    decide: (locked: LockedForDecision) => DecisionInput | undefined,
  ): Promise<WrittenDecision | undefined> {
    const work = (locked: LockedForDecision | undefined) => {
      if (
        !locked ||
        (options.projectId && locked.item.project_id !== options.projectId)
      ) {
        if (options.projectId) {
          return undefined;
        }
        throw new NotFoundError(`item ${itemId} not found`);
      }
      const decision = decide(locked);
      return decision && planDecision(itemId, locked, decision);
    };
    if (isPostgres(this.knex)) {
      if (!isItemId(itemId)) {
        // no such item (PostgreSQL would refuse the value as a bigint)
        work(undefined);
        return undefined;
      }
      return pgTransaction(
        this.knex,
        lockForDecisionPg(itemId, options),
        async (rows, run) => {
          const plan = work(lockedFromPg(rows, options));
          return plan && (await writePlanPg(run, plan));
        },
      );
    }
    return sqliteWrite(this.knex, db => {
      const plan = work(lockForDecisionSqlite(db, itemId, options));
      return plan && writePlanSqlite(db, plan);
    });
  }

  async claimQa(
    projectId: string,
    analyst: string,
    ttlMs: number,
  ): Promise<QaClaim | undefined> {
    const now = Date.now();
    const params = {
      projectId,
      analyst,
      now,
      token: uuid(),
      expiresAt: now + ttlMs,
    };
    if (isPostgres(this.knex)) {
      // one statement; concurrent analysts and replicas skip the rows a
      // claim in flight holds, and an expired claim is claimable again.
      // One analyst's own requests queue on a lock for the two of them:
      // each statement's snapshot would miss a claim the other is making
      // (a double click would otherwise hold two).
      const row = await this.knex.transaction(async tx => {
        await tx.raw(
          'SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))',
          { key: `chorus-qa:${projectId}:${analyst}` },
        );
        const { rows } = await tx.raw(
          `WITH held AS (${HELD_SQL}),
         candidate AS (
           ${queueSql({
             where: 'AND NOT EXISTS (SELECT 1 FROM held)',
             lock: 'FOR UPDATE SKIP LOCKED',
           })}
         ),
         claimed AS (
           UPDATE escalations e SET claimed_by = :analyst,
             claim_token = :token, claim_expires_at = :expiresAt
           FROM candidate WHERE e.id = candidate.id
           RETURNING e.*
         )
         SELECT * FROM held UNION ALL SELECT * FROM claimed`,
          params,
        );
        return rows[0] as EscalationRow | undefined;
      });
      return row ? claimFromRow(row) : undefined;
    }
    // SQLite runs one write transaction at a time: plain steps are atomic
    return sqliteWrite(this.knex, db => {
      const held = db.prepare(HELD_SQL).get(params);
      if (held) {
        return claimFromRow(held);
      }
      const claimed = db
        .prepare(
          `UPDATE escalations SET claimed_by = :analyst, claim_token = :token,
             claim_expires_at = :expiresAt
           WHERE id = (${queueSql()}) RETURNING *`,
        )
        .get(params);
      return claimed ? claimFromRow(claimed) : undefined;
    });
  }

  async resolveQa(
    decision: QaDecision & { answer: Record<string, unknown>; note?: string },
  ): Promise<{ escalation: Escalation; replayed: boolean }> {
    const { answer, note } = decision;
    return this.decide(decision, 'resolved', { answer, note }, async ctx => {
      const { tx, row, now } = ctx;
      const before = await this.outcomeRow(tx, String(row.item_id));
      await this.writeOutcome(tx, row.project_id, String(row.item_id), before, {
        status: 'qa-resolved',
        config_version: before?.config_version ?? 0,
        answer: JSON.stringify(answer),
        method: 'qa',
        confidence: 1,
        agreement: before?.agreement ?? '{}',
        reasons: before?.reasons ?? row.reasons,
        guidance: null,
      });
      // the resolution joins the gold set; imported gold stays as it was
      await tx('items')
        .where({ id: row.item_id })
        .whereNull('gold')
        .update({ gold: JSON.stringify(answer), updated_at: now });
      return move(before && `quality.${before.status}`, 'quality.qa-resolved');
    });
  }

  async sendBack(
    decision: QaDecision & { guidance: string; overlap: number },
  ): Promise<{ escalation: Escalation; replayed: boolean }> {
    const { guidance, overlap } = decision;
    return this.decide(
      decision,
      'sent-back',
      { note: guidance },
      async ({ tx, row, item }) => {
        const itemId = String(row.item_id);
        const before = await this.outcomeRow(tx, itemId);
        await this.writeOutcome(tx, row.project_id, itemId, before, {
          status: 'pending',
          config_version: before?.config_version ?? 0,
          answer: before?.answer ?? null,
          method: before?.method ?? null,
          confidence: before?.confidence ?? null,
          agreement: before?.agreement ?? '{}',
          reasons: before?.reasons ?? row.reasons,
          guidance,
        });
        return {
          ...move(before && `quality.${before.status}`, 'quality.pending'),
          ...(await this.grantSlots(
            tx,
            itemId,
            item,
            item.extra_slots + 1,
            overlap,
          )),
        };
      },
    );
  }

  /**
   * The shared path of a QA decision: find the claim, lock the item, then
   * the escalation; a replay of the same decision returns it unchanged;
   * otherwise the claim must be live. `apply` writes the outcome and returns
   * the counter moves; the escalation closes and the audit row is written.
   */
  private async decide(
    decision: QaDecision,
    resolution: 'resolved' | 'sent-back',
    result: { answer?: Record<string, unknown>; note?: string },
    apply: (ctx: {
      tx: Knex.Transaction;
      row: EscalationRow;
      item: LockedItem;
      now: number;
    }) => Promise<Partial<Record<CounterName, number>>>,
  ): Promise<{ escalation: Escalation; replayed: boolean }> {
    const { token, analyst } = decision;
    return this.knex.transaction(async tx => {
      const found: EscalationRow | undefined = await tx('escalations')
        .where(claimOf(decision))
        .first();
      if (!found) {
        throw claimNotFound(token);
      }
      const item = await this.lockItemRow(tx, String(found.item_id));
      let query = tx('escalations').where({ id: found.id }).first();
      if (isPostgres(tx)) {
        query = query.forUpdate();
      }
      const row: EscalationRow = await query;
      if (row.claim_token !== token) {
        throw claimNotFound(token);
      }
      if (row.resolution) {
        const same =
          row.resolution === resolution &&
          row.answer === json(result.answer) &&
          (row.note ?? undefined) === result.note;
        if (!same) {
          throw alreadyDecided(row);
        }
        return { escalation: escalationFromRow(row), replayed: true };
      }
      const now = Date.now();
      if (toNumber(row.claim_expires_at) <= now) {
        throw claimExpired(token, row.claim_expires_at!);
      }
      const deltas = await apply({ tx, row, item, now });
      const closed = {
        resolved_at: now,
        resolved_by: analyst,
        resolution,
        answer: json(result.answer),
        note: result.note ?? null,
      };
      await tx('escalations').where({ id: row.id }).update(closed);
      await addToCounters(tx, row.project_id, deltas);
      await tx('audit_log').insert({
        project_id: row.project_id,
        actor: analyst,
        action: resolution === 'resolved' ? 'qa.resolve' : 'qa.send-back',
        details: JSON.stringify({
          itemId: String(row.item_id),
          escalationId: String(row.id),
          reasons: parseJson(row.reasons),
          ...result,
        }),
        created_at: now,
      });
      return {
        escalation: escalationFromRow({ ...row, ...closed }),
        replayed: false,
      };
    });
  }

  async heartbeatQa(
    claim: QaDecision,
    ttlMs: number,
  ): Promise<{ expiresAt: string }> {
    const now = Date.now();
    const expiresAt = now + ttlMs;
    // only while live: an expired claim may be another analyst's by now
    const extended = await this.knex('escalations')
      .where(claimOf(claim))
      .whereNull('resolved_at')
      .andWhere('claim_expires_at', '>', now)
      .update({ claim_expires_at: expiresAt });
    if (!extended) {
      await this.explainLostClaim(claim);
    }
    return { expiresAt: iso(expiresAt) };
  }

  async releaseQa(claim: QaDecision): Promise<void> {
    // an expired claim no one took since is released all the same
    const released = await this.knex('escalations')
      .where(claimOf(claim))
      .whereNull('resolved_at')
      .update({ claimed_by: null, claim_token: null, claim_expires_at: null });
    if (!released) {
      await this.explainLostClaim(claim);
    }
  }

  async heldEscalation(claim: QaDecision): Promise<Escalation | undefined> {
    const row = await this.knex('escalations').where(claimOf(claim)).first();
    return row ? escalationFromRow(row) : undefined;
  }

  /** Throws why a claim could not be extended or released. */
  private async explainLostClaim(claim: QaDecision): Promise<never> {
    const row: EscalationRow | undefined = await this.knex('escalations')
      .where(claimOf(claim))
      .first();
    if (!row) {
      throw claimNotFound(claim.token);
    }
    if (row.resolution) {
      throw alreadyDecided(row);
    }
    throw claimExpired(claim.token, row.claim_expires_at!);
  }

  async listEscalations(
    projectId: string,
    options: EscalationListOptions,
  ): Promise<{ items: EscalationEntry[]; nextCursor?: string }> {
    const { status, limit, cursor } = options;
    // the open queue as analysts get it; history newest first
    const order = status === 'open' ? 'asc' : 'desc';
    let query = this.knex('escalations as e')
      .join('items as i', 'i.id', 'e.item_id')
      .where('e.project_id', projectId)
      .select('e.*', 'i.external_id');
    if (status === 'open') {
      query = query.whereNull('e.resolved_at');
    } else if (status === 'resolved') {
      query = query.whereNotNull('e.resolved_at');
    }
    if (cursor) {
      query = query.whereRaw(
        `(e.created_at, e.id) ${order === 'asc' ? '>' : '<'} (?, ?)`,
        decodeCursor(cursor),
      );
    }
    const rows: Array<EscalationRow & { external_id: string }> = await query
      .orderBy([
        { column: 'e.created_at', order },
        { column: 'e.id', order },
      ])
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const now = Date.now();
    return {
      items: page.map(row => ({
        ...escalationFromRow(row),
        externalId: row.external_id,
        ...(!row.resolution &&
        row.claimed_by &&
        toNumber(row.claim_expires_at) > now
          ? {
              claimedBy: row.claimed_by,
              claimExpiresAt: iso(row.claim_expires_at!),
            }
          : {}),
      })),
      ...(rows.length > limit
        ? { nextCursor: encodeCursor(page[page.length - 1]) }
        : {}),
    };
  }

  async openEscalations(projectId: string): Promise<number> {
    return (await readCounters(this.knex, projectId))['quality.escalated'];
  }

  async saveFit(
    projectId: string,
    configVersion: number,
    fit: Omit<QualityFit, 'projectId' | 'configVersion' | 'fittedAt'> & {
      fittedAt?: string;
    },
  ): Promise<void> {
    const row = {
      project_id: projectId,
      config_version: configVersion,
      models: JSON.stringify(fit.models),
      agreement: JSON.stringify(fit.agreement),
      label_agreement: json(fit.labelAgreement),
      annotators: json(fit.annotators),
      signature: fit.signature ?? null,
      items_used: fit.itemsUsed,
      answers_used: fit.answersUsed,
      fitted_at: fit.fittedAt ? Date.parse(fit.fittedAt) : Date.now(),
    };
    // a fit replaces the one before; an older fit finishing late loses
    await this.knex('quality_fits')
      .insert(row)
      .onConflict(['project_id', 'config_version'])
      .merge()
      .where('quality_fits.fitted_at', '<=', row.fitted_at);
  }

  async latestFit(
    projectId: string,
    configVersion?: number,
  ): Promise<QualityFit | undefined> {
    let query = this.knex('quality_fits').where({ project_id: projectId });
    if (configVersion !== undefined) {
      query = query.andWhere({ config_version: configVersion });
    }
    const row = await query.orderBy('config_version', 'desc').first();
    return row
      ? {
          projectId,
          configVersion: toNumber(row.config_version),
          models: parseJson(row.models),
          agreement: parseJson(row.agreement),
          ...(row.label_agreement
            ? { labelAgreement: parseJson(row.label_agreement) }
            : {}),
          ...(row.annotators ? { annotators: parseJson(row.annotators) } : {}),
          ...(row.signature ? { signature: row.signature } : {}),
          itemsUsed: toNumber(row.items_used),
          answersUsed: toNumber(row.answers_used),
          fittedAt: iso(row.fitted_at),
        }
      : undefined;
  }

  async recordGoldAnswer(
    projectId: string,
    annotator: string,
    correct: boolean,
  ): Promise<void> {
    await addGoldAnswer(this.knex, projectId, annotator, {
      answered: 1,
      correct: correct ? 1 : 0,
    });
  }

  async goldStats(projectId: string): Promise<GoldStats[]> {
    const rows = await this.knex('annotator_gold_stats')
      .where({ project_id: projectId })
      .orderBy('annotator');
    return rows.map(goldStatsFromRow);
  }

  async lowGoldAnnotators(
    projectId: string,
    minAccuracy: number,
    minAnswered = MIN_GOLD_ANSWERED,
  ): Promise<GoldStats[]> {
    // the accuracy as goldStats computes it (answered is at least 1 here)
    const rows = await this.knex('annotator_gold_stats')
      .where({ project_id: projectId })
      .andWhere('answered', '>=', Math.max(1, minAnswered))
      .andWhereRaw('CAST(correct AS DOUBLE PRECISION) / answered < ?', [
        minAccuracy,
      ])
      .orderBy('annotator');
    return rows.map(goldStatsFromRow);
  }

  async acceptLlmAnswers(
    projectId: string,
    configVersion: number,
    accepted: LlmAcceptance[],
  ): Promise<string[]> {
    if (!accepted.length) {
      return [];
    }
    const byId = new Map(accepted.map(a => [String(a.itemId), a]));
    return this.knex.transaction(async tx => {
      const taken: string[] = [];
      const ids = [...byId.keys()];
      for (let i = 0; i < ids.length; i += 500) {
        let query = tx('items as i')
          .where('i.project_id', projectId)
          .whereIn('i.id', ids.slice(i, i + 500))
          .andWhere({ 'i.state': 'open', 'i.answer_count': 0 })
          .andWhere('i.slots_taken', 0)
          .whereNotExists(
            tx('item_outcomes as o').whereRaw('o.item_id = i.id').select(1),
          )
          // in id order: two replicas' batches never wait on each other
          // in a cycle
          .orderBy('i.id')
          .pluck('i.id');
        if (isPostgres(tx)) {
          query = query.forNoKeyUpdate();
        }
        const open: string[] = (await query).map(String);
        if (!open.length) {
          continue;
        }
        const now = Date.now();
        await tx('items')
          .whereIn('id', open)
          .update({ state: 'complete', updated_at: now });
        await tx('item_outcomes').insert(
          open.map(id => ({
            item_id: id,
            project_id: projectId,
            status: 'resolved',
            config_version: configVersion,
            answer: JSON.stringify(byId.get(id)!.answer),
            method: 'llm',
            confidence: byId.get(id)!.confidence,
            agreement: '{}',
            reasons: '[]',
            guidance: null,
            updated_at: now,
          })),
        );
        await addToCounters(tx, projectId, {
          'items.open': -open.length,
          'items.complete': open.length,
          'quality.resolved': open.length,
        });
        taken.push(...open);
      }
      return taken;
    });
  }

  async undecidedItems(
    projectId: string,
    before: number,
    limit: number,
  ): Promise<string[]> {
    const ids = await this.knex('items as i')
      .leftJoin('item_outcomes as o', 'o.item_id', 'i.id')
      .where({ 'i.project_id': projectId, 'i.state': 'complete' })
      .andWhere('i.updated_at', '<', before)
      .andWhere(q => q.whereNull('o.item_id').orWhere('o.status', 'pending'))
      .orderBy('i.id')
      .limit(limit)
      .pluck('i.id');
    return ids.map(String);
  }

  private async lockItemRow(
    tx: Knex.Transaction,
    itemId: string,
  ): Promise<LockedItem> {
    const locked = await lockItem(tx, itemId);
    if (!locked) {
      throw new NotFoundError(`item ${itemId} not found`);
    }
    return locked;
  }

  /**
   * Raises the item's extra slots to `total` and moves it to the state its
   * answers and slots give under `overlap + total` (a complete item
   * reopens); returns the counter moves.
   */
  private async grantSlots(
    tx: Knex.Transaction,
    itemId: string,
    item: LockedItem,
    total: number,
    overlap: number,
  ): Promise<Partial<Record<CounterName, number>>> {
    const state = slotState(item, overlap + total);
    await tx('items')
      .where({ id: itemId })
      .update({ extra_slots: total, state, updated_at: Date.now() });
    return move(`items.${item.state}`, `items.${state}`);
  }

  private async outcomeRow(
    tx: Knex | Knex.Transaction,
    itemId: string,
  ): Promise<OutcomeRow | undefined> {
    return tx('item_outcomes').where({ item_id: itemId }).first();
  }

  private async writeOutcome(
    tx: Knex.Transaction,
    projectId: string,
    itemId: string,
    before: OutcomeRow | undefined,
    fields: Omit<OutcomeRow, 'item_id' | 'project_id' | 'updated_at'>,
  ): Promise<OutcomeRow> {
    const row = { ...fields, updated_at: Date.now() };
    const [written] = before
      ? await tx('item_outcomes')
          .where({ item_id: itemId })
          .update(row)
          .returning('*')
      : await tx('item_outcomes')
          .insert({ ...row, item_id: itemId, project_id: projectId })
          .returning('*');
    return written;
  }

  private async readOutcome(
    db: Knex | Knex.Transaction,
    itemId: string,
  ): Promise<ItemOutcome | undefined> {
    const row: (OutcomeRow & { extra_slots: number | string }) | undefined =
      await db('item_outcomes as o')
        .join('items as i', 'i.id', 'o.item_id')
        .where('o.item_id', itemId)
        .first('o.*', 'i.extra_slots');
    return row ? outcomeFromRow(row, toNumber(row.extra_slots)) : undefined;
  }
}

function outcomeFromRow(row: OutcomeRow, extraSlots: number): ItemOutcome {
  return {
    itemId: String(row.item_id),
    projectId: row.project_id,
    status: row.status,
    configVersion: toNumber(row.config_version),
    ...(row.answer ? { answer: parseJson(row.answer) } : {}),
    ...(row.method ? { method: row.method } : {}),
    ...(row.confidence !== null
      ? { confidence: toNumber(row.confidence) }
      : {}),
    agreement: row.agreement ? parseJson(row.agreement) : {},
    reasons: row.reasons ? parseJson(row.reasons) : [],
    ...(row.guidance !== null ? { guidance: row.guidance } : {}),
    extraAnnotators: extraSlots,
    updatedAt: iso(row.updated_at),
  };
}

interface LockedItem {
  project_id: string;
  state: string;
  slots_taken: number;
  answer_count: number;
  extra_slots: number;
}

/** The item and what a decision about it reads, under its lock. */
interface LockedForDecision {
  item: LockedItem;
  before?: OutcomeRow;
  /** Its open escalation, if any: a second one is never opened. */
  open?: EscalationRow;
  /** Read for an evaluation only. */
  answers?: Array<{ annotator: string; answer: Record<string, unknown> }>;
  llm?: LlmItemAnswer[];
}

/** The rows a decision writes, worked out from what is locked. */
interface DecisionPlan {
  projectId: string;
  itemId: string;
  /** The outcome row's new fields; none when an open escalation stands. */
  outcome?: Omit<OutcomeRow, 'item_id' | 'project_id' | 'updated_at'>;
  /** Extra slots granted: the item's new total and slot state. */
  slots?: { extra_slots: number; state: string };
  /** A new escalation, with these reasons (JSON). */
  escalate?: string;
  deltas: Partial<Record<CounterName, number>>;
  /** The extra slots the outcome reports. */
  extraSlots: number;
  /** The open escalation that stands instead of a new one. */
  open?: EscalationRow;
}

/**
 * What a decision writes, or why it may not: an escalated or QA-resolved
 * item is QA's to decide, and a QA resolution is final.
 */
function planDecision(
  itemId: string,
  { item, before, open }: LockedForDecision,
  decision: DecisionInput,
): DecisionPlan {
  const base = { projectId: item.project_id, itemId };
  const fields = {
    config_version: decision.configVersion,
    answer: json(decision.answer),
    method: decision.method ?? null,
    confidence: decision.confidence ?? null,
    agreement: json(decision.agreement ?? {}),
    reasons: json(decision.reasons ?? []),
  };
  const from = before && `quality.${before.status}`;
  if (decision.status === 'escalated') {
    if (open) {
      return { ...base, open, deltas: {}, extraSlots: item.extra_slots };
    }
    if (before?.status === 'qa-resolved') {
      throw new ConflictError(
        `item ${itemId} was resolved by a quality analyst; a resolution is final`,
      );
    }
    return {
      ...base,
      outcome: { ...fields, status: 'escalated', guidance: null },
      escalate: JSON.stringify(decision.reasons),
      deltas: move(from, 'quality.escalated'),
      extraSlots: item.extra_slots,
    };
  }
  if (before?.status === 'escalated' || before?.status === 'qa-resolved') {
    throw new ConflictError(
      `item ${itemId} is ${before.status}: quality analysts decide it`,
    );
  }
  const deltas = move(from, `quality.${decision.status}`);
  const outcome = {
    ...fields,
    status: decision.status,
    guidance: decision.status === 'pending' ? before?.guidance ?? null : null,
  };
  if (
    decision.status === 'pending' &&
    decision.extraAnnotators > item.extra_slots
  ) {
    const state = slotState(item, decision.overlap + decision.extraAnnotators);
    return {
      ...base,
      outcome,
      slots: { extra_slots: decision.extraAnnotators, state },
      deltas: { ...deltas, ...move(`items.${item.state}`, `items.${state}`) },
      extraSlots: decision.extraAnnotators,
    };
  }
  return { ...base, outcome, deltas, extraSlots: item.extra_slots };
}

function writtenDecision(
  plan: DecisionPlan,
  outcome: OutcomeRow | undefined,
  escalation: EscalationRow | undefined,
): WrittenDecision {
  const open = escalation ?? plan.open;
  return {
    ...(outcome ? { outcome: outcomeFromRow(outcome, plan.extraSlots) } : {}),
    ...(open
      ? {
          escalation: {
            escalation: escalationFromRow(open),
            created: Boolean(escalation),
          },
        }
      : {}),
  };
}

const LOCKED_ITEM_COLUMNS =
  'project_id, state, slots_taken, answer_count, extra_slots';
// Reads of one item's rows carry no ORDER BY: a sort in SQLite opens a
// temporary b-tree, several times the cost of the read itself.
/** At most one row: escalations_open_uniq. */
const OPEN_ESCALATION_SQL = `SELECT * FROM escalations e
  WHERE e.item_id = :itemId AND e.resolved_at IS NULL`;
/** Unordered: SQLite's reader sorts (`inAnswerOrder`), PostgreSQL's `json_agg`. */
const ANSWERS_SQL = `SELECT a.id, a.annotator, a.answer FROM annotations a
  WHERE a.item_id = :itemId`;
/** Insert or replace: the item's lock is held, so `before` is current. */
const WRITE_OUTCOME_SQL = `INSERT INTO item_outcomes (item_id, project_id,
    status, config_version, answer, method, confidence, agreement, reasons,
    guidance, updated_at)
  VALUES (:itemId, :projectId, :status, :config_version, :answer, :method,
    :confidence, :agreement, :reasons, :guidance, :now)
  ON CONFLICT (item_id) DO UPDATE SET status = excluded.status,
    config_version = excluded.config_version, answer = excluded.answer,
    method = excluded.method, confidence = excluded.confidence,
    agreement = excluded.agreement, reasons = excluded.reasons,
    guidance = excluded.guidance, updated_at = excluded.updated_at
  RETURNING *`;

function lockedItem(row: {
  project_id: string;
  state: string;
  slots_taken: number | string;
  answer_count: number | string;
  extra_slots: number | string;
}): LockedItem {
  return {
    project_id: row.project_id,
    state: row.state,
    slots_taken: toNumber(row.slots_taken),
    answer_count: toNumber(row.answer_count),
    extra_slots: toNumber(row.extra_slots),
  };
}

/**
 * The transaction's opening: lock the item, then read its outcome, open
 * escalation and (for an evaluation) answers in one more statement. They
 * are separate statements, sent together: a statement that waited for the
 * lock reads the other tables as they were before it waited, so what the
 * lock's holder wrote would be missed.
 */
function lockForDecisionPg(
  itemId: string,
  options: { answers?: boolean },
): PgStatement[] {
  const bindings = { itemId };
  const inputs = options.answers
    ? `, (SELECT json_agg(x ORDER BY x.id) FROM (${ANSWERS_SQL}) x)
           AS answers,
         (SELECT json_agg(x) FROM (${LLM_ITEM_ANSWERS_SQL}) x) AS llm`
    : '';
  return [
    {
      sql: `SELECT ${LOCKED_ITEM_COLUMNS} FROM items WHERE id = :itemId
            FOR NO KEY UPDATE`,
      bindings,
    },
    {
      sql: `SELECT (SELECT row_to_json(o) FROM item_outcomes o
                    WHERE o.item_id = :itemId) AS outcome,
              (SELECT row_to_json(e) FROM (${OPEN_ESCALATION_SQL}) e)
                AS open_escalation
              ${inputs}`,
      bindings,
    },
  ];
}

/** What the opening returned: undefined when there is no such item. */
function lockedFromPg(
  [items, reads]: any[][],
  options: { answers?: boolean },
): LockedForDecision | undefined {
  const [item] = items;
  if (!item) {
    return undefined;
  }
  const [row] = reads;
  return {
    item: lockedItem(item),
    ...(row.outcome ? { before: row.outcome } : {}),
    ...(row.open_escalation ? { open: row.open_escalation } : {}),
    ...(options.answers
      ? {
          answers: (row.answers ?? []).map(answerFromRow),
          llm: newestLlmAnswers(row.llm ?? []),
        }
      : {}),
  };
}

/** One statement: the slots, the outcome, the escalation, the counters. */
async function writePlanPg(
  run: PgRun,
  plan: DecisionPlan,
): Promise<WrittenDecision> {
  if (!plan.outcome) {
    return writtenDecision(plan, undefined, undefined);
  }
  const slots = plan.slots
    ? `slots AS (
         UPDATE items SET extra_slots = :extra_slots, state = :state,
           updated_at = :now
         WHERE id = :itemId
       ),`
    : '';
  const escalation = plan.escalate
    ? `escalation AS (
         INSERT INTO escalations (project_id, item_id, reasons, created_at)
         VALUES (:projectId, :itemId, :escalate, :now)
         RETURNING *
       ),`
    : '';
  const rows = counterRows(plan.projectId, plan.deltas);
  const written = await run(
    `WITH ${slots} ${escalation}
     counted AS (
       INSERT INTO project_counters (project_id, name, shard, value)
       SELECT c.project_id, c.name, c.shard, c.value
       FROM json_to_recordset(:counters::json)
         AS c(project_id text, name text, shard integer, value integer)
       ON CONFLICT (project_id, name, shard)
       DO UPDATE SET value = project_counters.value + excluded.value
     ),
     outcome AS (${WRITE_OUTCOME_SQL})
     SELECT row_to_json(o) AS outcome,
       ${plan.escalate ? '(SELECT row_to_json(e) FROM escalation e)' : 'NULL'}
         AS escalation
     FROM outcome o`,
    {
      ...plan.outcome,
      ...plan.slots,
      projectId: plan.projectId,
      itemId: plan.itemId,
      escalate: plan.escalate ?? null,
      counters: JSON.stringify(rows),
      now: Date.now(),
    },
  );
  return writtenDecision(
    plan,
    written[0].outcome,
    written[0].escalation ?? undefined,
  );
}

function lockForDecisionSqlite(
  db: SqliteConnection,
  itemId: string,
  options: { answers?: boolean },
): LockedForDecision | undefined {
  const params = { itemId };
  const item = db
    .prepare(`SELECT ${LOCKED_ITEM_COLUMNS} FROM items WHERE id = :itemId`)
    .get(params);
  if (!item) {
    return undefined;
  }
  const before = db
    .prepare('SELECT * FROM item_outcomes WHERE item_id = :itemId')
    .get(params);
  const open = db.prepare(OPEN_ESCALATION_SQL).get(params);
  return {
    item: lockedItem(item),
    ...(before ? { before } : {}),
    ...(open ? { open } : {}),
    ...(options.answers
      ? {
          answers: db
            .prepare(ANSWERS_SQL)
            .all(params)
            .sort(inAnswerOrder)
            .map(answerFromRow),
          llm: newestLlmAnswers(
            db.prepare(LLM_ITEM_ANSWERS_SQL).all(params) as LlmItemAnswerRow[],
          ),
        }
      : {}),
  };
}

function writePlanSqlite(
  db: SqliteConnection,
  plan: DecisionPlan,
): WrittenDecision {
  if (!plan.outcome) {
    return writtenDecision(plan, undefined, undefined);
  }
  const now = Date.now();
  const params = { projectId: plan.projectId, itemId: plan.itemId, now };
  if (plan.slots) {
    db.prepare(
      `UPDATE items SET extra_slots = :extra_slots, state = :state,
         updated_at = :now
       WHERE id = :itemId`,
    ).run({ ...params, ...plan.slots });
  }
  const outcome = db
    .prepare(WRITE_OUTCOME_SQL)
    .get({ ...params, ...plan.outcome });
  const escalation = plan.escalate
    ? db
        .prepare(
          `INSERT INTO escalations (project_id, item_id, reasons, created_at)
           VALUES (:projectId, :itemId, :escalate, :now)
           RETURNING *`,
        )
        .get({ ...params, escalate: plan.escalate })
    : undefined;
  const counter = db.prepare(ADD_TO_COUNTER_SQL);
  for (const row of counterRows(plan.projectId, plan.deltas)) {
    counter.run(row);
  }
  return writtenDecision(plan, outcome, escalation);
}

/** The order answers were given in. */
function inAnswerOrder(a: { id: number }, b: { id: number }): number {
  return a.id - b.id;
}

function answerFromRow(row: { annotator: string; answer: string }) {
  return {
    annotator: row.annotator,
    answer: parseJson<Record<string, unknown>>(row.answer),
  };
}
