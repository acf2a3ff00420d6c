import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  goldAgreement,
  QuestionConfig,
} from '@chorus/plugin-annotation-common';
import { Knex } from 'knex';
import {
  ADD_TO_COUNTER_SQL,
  addToCounters,
  counterRows,
  counterShard,
} from './counters';
import { addGoldAnswer } from './QualityStore';
import { pgPrepared } from './postgres';
import { isPostgres, lockItem } from './slots';
import { sqliteWrite } from './sqlite';
import { isItemId, isUniqueViolation, parseJson, toNumber } from './util';

export interface AnnotationRecord {
  id: string;
  projectId: string;
  itemId: string;
  annotator: string;
  configVersion: number;
  answer: unknown;
  timeSpentMs: number;
  createdAt: string;
  updatedAt: string;
}

export interface SubmitOptions {
  projectId: string;
  annotator: string;
  itemId: string;
  /** The lease the answer is for; not needed to edit one's own answer. */
  token?: string;
  answer: unknown;
  configVersion: number;
  overlap: number;
  timeSpentMs: number;
  /** A retried submit with the same key stores nothing new. */
  idempotencyKey?: string;
  allowEdit: boolean;
  /** The project's questions: they score an answer to a gold item. */
  questions: readonly QuestionConfig[];
}

export interface SubmitResult {
  annotation: AnnotationRecord;
  /** `created`, `edited`, or `replayed` (same idempotency key seen before). */
  outcome: 'created' | 'edited' | 'replayed';
  /** True when this answer completed the item. */
  itemCompleted: boolean;
  /**
   * True when this was an edit of an answer to a complete item: its
   * (undecided) outcome may change. An incomplete item has nothing to
   * decide yet.
   */
  completeItemEdited?: boolean;
  /** The completed item's external id, for the event that tells it. */
  externalId?: string;
  /**
   * Set when the answer is to a gold item (a honeypot, leased at the gold
   * rate): scored against the gold, counted in the annotator's gold stats,
   * never part of a consensus. For the backend only: never shown to the
   * annotator.
   */
  honeypot?: { correct: boolean };
}

/** Storage of annotators' answers. */
export interface AnnotationStore {
  /**
   * Stores an answer: with a live lease of the caller on the item, or as an
   * edit of the caller's own earlier answer (when allowed). Idempotent by
   * `idempotencyKey`.
   */
  submit(options: SubmitOptions): Promise<SubmitResult>;
  /** Answers to one item; for QA and managers, never for blind annotators. */
  listForItem(projectId: string, itemId: string): Promise<AnnotationRecord[]>;
  getOwn(
    projectId: string,
    itemId: string,
    annotator: string,
  ): Promise<AnnotationRecord | undefined>;
}

interface AnnotationRow {
  id: number | string;
  project_id: string;
  item_id: number | string;
  annotator: string;
  config_version: number;
  answer: string;
  idempotency_key: string | null;
  time_spent_ms: number | string;
  created_at: number | string;
  updated_at: number | string;
  /** An answer to a gold item: whether it matched (0/1 on SQLite). */
  gold_correct: boolean | number | null;
}

/** The result's honeypot part, from the stored answer. */
function honeypotOf(row: AnnotationRow): Pick<SubmitResult, 'honeypot'> {
  return row.gold_correct === null
    ? {}
    : { honeypot: { correct: Boolean(row.gold_correct) } };
}

function fromRow(row: AnnotationRow): AnnotationRecord {
  return {
    id: String(row.id),
    projectId: row.project_id,
    itemId: String(row.item_id),
    annotator: row.annotator,
    configVersion: toNumber(row.config_version),
    answer: parseJson(row.answer),
    timeSpentMs: toNumber(row.time_spent_ms),
    createdAt: new Date(toNumber(row.created_at)).toISOString(),
    updatedAt: new Date(toNumber(row.updated_at)).toISOString(),
  };
}

function annotationRow(o: SubmitOptions, now: number) {
  return {
    project_id: o.projectId,
    item_id: o.itemId,
    annotator: o.annotator,
    config_version: o.configVersion,
    answer: JSON.stringify(o.answer),
    idempotency_key: o.idempotencyKey ?? null,
    time_spent_ms: o.timeSpentMs,
    created_at: now,
    updated_at: now,
  };
}

export class KnexAnnotationStore implements AnnotationStore {
  constructor(private readonly knex: Knex) {}

  async submit(options: SubmitOptions): Promise<SubmitResult> {
    if (!isItemId(options.itemId)) {
      throw new NotFoundError(
        `item ${options.itemId} not found in this project`,
      );
    }
    try {
      // the common case, an answer on a live lease, in as few statements
      // as each database allows; anything else takes the careful path
      const fast = await this.submitOnLease(options);
      if (fast) {
        return fast;
      }
      return await this.knex.transaction(tx => this.submitIn(tx, options));
    } catch (error) {
      // the key is taken: a concurrent retry won the race, or the key was
      // used before; answer as the stored answer did
      if (options.idempotencyKey && isUniqueViolation(error)) {
        const replay = await this.byKey(this.knex, options);
        if (replay) {
          return this.replayed(replay, options);
        }
      }
      throw error;
    }
  }

  private replayed(replay: AnnotationRow, o: SubmitOptions): SubmitResult {
    if (String(replay.item_id) !== o.itemId) {
      throw new ConflictError(
        `idempotencyKey: already used for item ${replay.item_id}`,
      );
    }
    return {
      annotation: fromRow(replay),
      outcome: 'replayed',
      itemCompleted: false,
      ...honeypotOf(replay),
    };
  }

  /**
   * Stores the answer if the caller holds a live lease on the item (the
   * lease's slot becomes the answer's slot). Undefined when they do not:
   * the careful path then tells an edit, a replay and a dead lease apart,
   * and scores an answer on a gold lease (a few in a hundred at most).
   */
  private async submitOnLease(
    o: SubmitOptions,
  ): Promise<SubmitResult | undefined> {
    if (!o.token) {
      return undefined;
    }
    const now = Date.now();
    const row = annotationRow(o, now);
    if (isPostgres(this.knex)) {
      // one statement, one round trip; the item is locked first, as by
      // every writer of an item
      const rows = await pgPrepared(
        this.knex,
        `WITH it AS (
           SELECT id, state AS old_state, external_id FROM items
           WHERE id = :item_id AND project_id = :project_id
           FOR NO KEY UPDATE
         ),
         lease AS (
           DELETE FROM leases l USING it
           WHERE l.token = :token AND l.project_id = :project_id
             AND l.annotator = :annotator AND l.item_id = it.id
             AND l.expires_at > :now AND NOT l.gold
           RETURNING l.item_id
         ),
         ins AS (
           INSERT INTO annotations (project_id, item_id, annotator,
             config_version, answer, idempotency_key, time_spent_ms,
             created_at, updated_at)
           SELECT :project_id, item_id, :annotator, :config_version, :answer,
             :idempotency_key, :time_spent_ms, :now, :now
           FROM lease
           RETURNING *
         ),
         upd AS (
           UPDATE items SET
             answer_count = items.answer_count + 1,
             state = CASE WHEN items.answer_count + 1
                       >= :overlap + items.extra_slots
                     THEN 'complete' ELSE items.state END,
             updated_at = :now
           FROM ins, it WHERE items.id = ins.item_id
           RETURNING items.state AS new_state, it.old_state, it.external_id
         ),
         counted AS (
           INSERT INTO project_counters (project_id, name, shard, value)
           SELECT :project_id, n.name, :shard, n.value
           FROM upd CROSS JOIN LATERAL (VALUES
             ('annotations', 1),
             ('items.complete', CASE WHEN upd.new_state = 'complete'
               AND upd.old_state <> 'complete' THEN 1 ELSE 0 END),
             ('items.' || upd.old_state, CASE WHEN upd.new_state = 'complete'
               AND upd.old_state <> 'complete' THEN -1 ELSE 0 END)
           ) AS n(name, value)
           WHERE n.value <> 0
           ON CONFLICT (project_id, name, shard)
           DO UPDATE SET value = project_counters.value + excluded.value
         ),
         stats AS (
           INSERT INTO annotator_stats (project_id, annotator, annotations,
             time_spent_ms, last_at)
           SELECT :project_id, :annotator, 1, :time_spent_ms, :now FROM ins
           ON CONFLICT (project_id, annotator) DO UPDATE SET
             annotations = annotator_stats.annotations + 1,
             time_spent_ms = annotator_stats.time_spent_ms
               + excluded.time_spent_ms,
             last_at = excluded.last_at
         )
         SELECT ins.*, upd.new_state, upd.old_state,
           upd.external_id AS item_external_id
         FROM ins, upd`,
        {
          ...row,
          token: o.token,
          now,
          overlap: o.overlap,
          shard: counterShard(),
        },
      );
      const stored = rows[0];
      if (!stored) {
        return undefined;
      }
      const itemCompleted =
        stored.new_state === 'complete' && stored.old_state !== 'complete';
      return {
        annotation: fromRow(stored),
        outcome: 'created',
        itemCompleted,
        ...(itemCompleted ? { externalId: stored.item_external_id } : {}),
      };
    }

    // SQLite runs one write transaction at a time: plain steps are atomic
    return sqliteWrite(this.knex, db => {
      const params = { ...row, token: o.token, now, overlap: o.overlap };
      const deleted = db
        .prepare(
          `DELETE FROM leases WHERE token = :token
             AND project_id = :project_id AND annotator = :annotator
             AND item_id = :item_id AND expires_at > :now AND NOT gold`,
        )
        .run(params);
      if (!deleted.changes) {
        return undefined;
      }
      const item = db
        .prepare(
          `SELECT state, answer_count, extra_slots, external_id FROM items
           WHERE id = :item_id`,
        )
        .get(params);
      const stored = db
        .prepare(
          `INSERT INTO annotations (project_id, item_id, annotator,
             config_version, answer, idempotency_key, time_spent_ms,
             created_at, updated_at)
           VALUES (:project_id, :item_id, :annotator, :config_version,
             :answer, :idempotency_key, :time_spent_ms, :now, :now)
           RETURNING *`,
        )
        .get(params);
      const completes =
        item.answer_count + 1 >= o.overlap + item.extra_slots &&
        item.state !== 'complete';
      // `state` only when it changes: writing it rewrites the item's
      // entries in the ordering indexes, even with the same value
      db.prepare(
        completes
          ? `UPDATE items SET answer_count = answer_count + 1,
               state = 'complete', updated_at = :now
             WHERE id = :item_id`
          : `UPDATE items SET answer_count = answer_count + 1,
               updated_at = :now
             WHERE id = :item_id`,
      ).run(params);
      const counter = db.prepare(ADD_TO_COUNTER_SQL);
      for (const delta of counterRows(o.projectId, {
        annotations: 1,
        ...(completes
          ? { [`items.${item.state}`]: -1, 'items.complete': 1 }
          : {}),
      })) {
        counter.run(delta);
      }
      db.prepare(
        `INSERT INTO annotator_stats
           (project_id, annotator, annotations, time_spent_ms, last_at)
         VALUES (:project_id, :annotator, 1, :time_spent_ms, :now)
         ON CONFLICT (project_id, annotator) DO UPDATE SET
           annotations = annotator_stats.annotations + 1,
           time_spent_ms = annotator_stats.time_spent_ms
             + excluded.time_spent_ms,
           last_at = excluded.last_at`,
      ).run(params);
      return {
        annotation: fromRow(stored),
        outcome: 'created' as const,
        itemCompleted: completes,
        ...(completes ? { externalId: item.external_id } : {}),
      };
    });
  }

  /** The item's answer count, the project counters, the annotator's stats. */
  private async countAnswer(
    tx: Knex.Transaction,
    o: SubmitOptions,
    item: { state: string; answer_count: number },
    completes: boolean,
    now: number,
  ) {
    await tx('items')
      .where({ id: o.itemId })
      .update({
        answer_count: item.answer_count + 1,
        ...(completes ? { state: 'complete' } : {}),
        updated_at: now,
      });
    await addToCounters(tx, o.projectId, {
      annotations: 1,
      ...(completes
        ? { [`items.${item.state}`]: -1, 'items.complete': 1 }
        : {}),
    });
    await tx('annotator_stats')
      .insert({
        project_id: o.projectId,
        annotator: o.annotator,
        annotations: 1,
        time_spent_ms: o.timeSpentMs,
        last_at: now,
      })
      .onConflict(['project_id', 'annotator'])
      .merge({
        annotations: tx.raw('annotator_stats.annotations + 1'),
        time_spent_ms: tx.raw('annotator_stats.time_spent_ms + ?', [
          o.timeSpentMs,
        ]),
        last_at: now,
      });
  }

  private async byKey(
    tx: Knex | Knex.Transaction,
    o: SubmitOptions,
  ): Promise<AnnotationRow | undefined> {
    return tx<AnnotationRow>('annotations')
      .where({
        project_id: o.projectId,
        annotator: o.annotator,
        idempotency_key: o.idempotencyKey!,
      })
      .first();
  }

  /** Whether the answer matches the item's gold (the item is locked). */
  private async scoreGold(
    tx: Knex.Transaction,
    o: SubmitOptions,
  ): Promise<boolean> {
    const { gold } = await tx('items').where({ id: o.itemId }).first('gold');
    return goldAgreement(o, o.answer, parseJson(gold)).correct;
  }

  private async submitIn(
    tx: Knex.Transaction,
    o: SubmitOptions,
  ): Promise<SubmitResult> {
    // lock the item first: every writer of an item locks it before the rows
    // that reference it, and a concurrent retry waits here, then sees the
    // answer its twin committed
    const item = await lockItem(tx, o.itemId);
    if (!item || item.project_id !== o.projectId) {
      throw new NotFoundError(`item ${o.itemId} not found in this project`);
    }
    if (o.idempotencyKey) {
      const replay = await this.byKey(tx, o);
      if (replay) {
        return this.replayed(replay, o);
      }
    }
    const now = Date.now();
    const own = await tx<AnnotationRow>('annotations')
      .where({
        item_id: o.itemId,
        annotator: o.annotator,
        project_id: o.projectId,
      })
      .first();
    if (own) {
      if (!o.allowEdit) {
        throw new ConflictError(
          `you already answered item ${o.itemId}, and this project does not allow edits`,
        );
      }
      // answers stay editable only until the item is decided
      const decided = await tx('item_outcomes')
        .where({ item_id: o.itemId })
        .whereIn('status', ['resolved', 'escalated', 'qa-resolved'])
        .first('status');
      if (decided) {
        throw new ConflictError(
          `item ${o.itemId} is ${decided.status}; its answers can no longer change`,
        );
      }
      // an edited answer to a gold item is scored again, not counted again
      const goldCorrect =
        own.gold_correct === null ? null : await this.scoreGold(tx, o);
      await tx('annotations')
        .where({ id: own.id })
        .update({
          answer: JSON.stringify(o.answer),
          config_version: o.configVersion,
          idempotency_key: o.idempotencyKey ?? own.idempotency_key,
          gold_correct: goldCorrect,
          updated_at: now,
        });
      if (goldCorrect !== null && goldCorrect !== Boolean(own.gold_correct)) {
        await addGoldAnswer(tx, o.projectId, o.annotator, {
          answered: 0,
          correct: goldCorrect ? 1 : -1,
        });
      }
      const edited = await tx<AnnotationRow>('annotations')
        .where({ id: own.id })
        .first();
      return {
        annotation: fromRow(edited!),
        outcome: 'edited',
        itemCompleted: false,
        completeItemEdited: item.state === 'complete',
        ...honeypotOf(edited!),
      };
    }

    if (!o.token) {
      throw new ConflictError(
        `token: a lease on item ${o.itemId} expected; ask for the next item first`,
      );
    }
    const lease = await tx('leases')
      .where({ token: o.token, project_id: o.projectId })
      .first();
    if (
      !lease ||
      lease.annotator !== o.annotator ||
      String(lease.item_id) !== o.itemId
    ) {
      throw new NotFoundError(`lease ${o.token} on item ${o.itemId} not found`);
    }
    if (toNumber(lease.expires_at) <= now) {
      throw new ConflictError(
        `lease ${o.token} expired at ${new Date(
          toNumber(lease.expires_at),
        ).toISOString()}; ask for the next item again`,
      );
    }
    // the lease's slot becomes the answer's slot
    const deleted = await tx('leases')
      .where({ token: o.token })
      .andWhere('expires_at', '>', now)
      .delete();
    if (!deleted) {
      throw new ConflictError(
        `lease ${o.token} expired; ask for the next item again`,
      );
    }
    if (lease.gold) {
      // a honeypot: the answer is stored and scored, the item stays as it
      // is (gold leases take no slot, gold items never complete)
      const correct = await this.scoreGold(tx, o);
      const [scored] = await tx('annotations')
        .insert({ ...annotationRow(o, now), gold_correct: correct })
        .returning('*');
      await this.countAnswer(tx, o, item, false, now);
      await addGoldAnswer(tx, o.projectId, o.annotator, {
        answered: 1,
        correct: correct ? 1 : 0,
      });
      return {
        annotation: fromRow(scored),
        outcome: 'created',
        itemCompleted: false,
        honeypot: { correct },
      };
    }
    const [stored] = await tx('annotations')
      .insert(annotationRow(o, now))
      .returning('*');
    const completes =
      item.answer_count + 1 >= o.overlap + item.extra_slots &&
      item.state !== 'complete';
    await this.countAnswer(tx, o, item, completes, now);
    return {
      annotation: fromRow(stored),
      outcome: 'created',
      itemCompleted: completes,
      ...(completes ? { externalId: item.external_id } : {}),
    };
  }

  async listForItem(
    projectId: string,
    itemId: string,
  ): Promise<AnnotationRecord[]> {
    // by the item's own index: with `project_id` beside it, SQLite's planner
    // walked every answer of the project instead
    const rows = await this.knex<AnnotationRow>('annotations')
      .where(
        'item_id',
        this.knex('items')
          .where({ id: itemId, project_id: projectId })
          .select('id'),
      )
      .orderBy('id');
    return rows.map(fromRow);
  }

  async getOwn(
    projectId: string,
    itemId: string,
    annotator: string,
  ): Promise<AnnotationRecord | undefined> {
    const row = await this.knex<AnnotationRow>('annotations')
      .where({ project_id: projectId, item_id: itemId, annotator })
      .first();
    return row ? fromRow(row) : undefined;
  }
}
