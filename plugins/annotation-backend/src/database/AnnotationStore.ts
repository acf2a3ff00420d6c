import { ConflictError, NotFoundError } from '@backstage/errors';
import { Knex } from 'knex';
import { addToCounters } from './counters';
import { lockItem } from './slots';
import { isUniqueViolation, parseJson, toNumber } from './util';

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
}

export interface SubmitResult {
  annotation: AnnotationRecord;
  /** `created`, `edited`, or `replayed` (same idempotency key seen before). */
  outcome: 'created' | 'edited' | 'replayed';
  /** True when this answer completed the item. */
  itemCompleted: boolean;
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

export class KnexAnnotationStore implements AnnotationStore {
  constructor(private readonly knex: Knex) {}

  async submit(options: SubmitOptions): Promise<SubmitResult> {
    try {
      return await this.knex.transaction(tx => this.submitIn(tx, options));
    } catch (error) {
      // a concurrent retry with the same key won the race: answer as it did
      if (options.idempotencyKey && isUniqueViolation(error)) {
        const replay = await this.byKey(this.knex, options);
        if (replay) {
          return {
            annotation: replay,
            outcome: 'replayed',
            itemCompleted: false,
          };
        }
      }
      throw error;
    }
  }

  private async byKey(tx: Knex | Knex.Transaction, o: SubmitOptions) {
    const row = await tx<AnnotationRow>('annotations')
      .where({
        project_id: o.projectId,
        annotator: o.annotator,
        idempotency_key: o.idempotencyKey!,
      })
      .first();
    return row ? fromRow(row) : undefined;
  }

  private async submitIn(
    tx: Knex.Transaction,
    o: SubmitOptions,
  ): Promise<SubmitResult> {
    // lock the item first: every writer of an item locks it before the rows
    // that reference it. Concurrent retries of one submit queue here, and
    // each later one then sees the first one's answer (a replay).
    const item = await lockItem(tx, o.itemId);
    if (o.idempotencyKey) {
      const replay = await this.byKey(tx, o);
      if (replay) {
        if (replay.itemId !== o.itemId) {
          throw new ConflictError(
            `idempotencyKey: already used for item ${replay.itemId}`,
          );
        }
        return {
          annotation: replay,
          outcome: 'replayed',
          itemCompleted: false,
        };
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
      await tx('annotations')
        .where({ id: own.id })
        .update({
          answer: JSON.stringify(o.answer),
          config_version: o.configVersion,
          idempotency_key: o.idempotencyKey ?? own.idempotency_key,
          updated_at: now,
        });
      const edited = await tx<AnnotationRow>('annotations')
        .where({ id: own.id })
        .first();
      return {
        annotation: fromRow(edited!),
        outcome: 'edited',
        itemCompleted: false,
      };
    }

    if (!item) {
      throw new NotFoundError(`item ${o.itemId} not found`);
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
    const [{ id }] = await tx('annotations')
      .insert({
        project_id: o.projectId,
        item_id: o.itemId,
        annotator: o.annotator,
        config_version: o.configVersion,
        answer: JSON.stringify(o.answer),
        idempotency_key: o.idempotencyKey ?? null,
        time_spent_ms: o.timeSpentMs,
        created_at: now,
        updated_at: now,
      })
      .returning('id');

    const answers = item.answer_count + 1;
    const completes = answers >= o.overlap && item.state !== 'complete';
    await tx('items')
      .where({ id: o.itemId })
      .update({
        answer_count: answers,
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
    const created = await tx<AnnotationRow>('annotations')
      .where({ id: typeof id === 'object' ? (id as { id: number }).id : id })
      .first();
    return {
      annotation: fromRow(created!),
      outcome: 'created',
      itemCompleted: completes,
    };
  }

  async listForItem(
    projectId: string,
    itemId: string,
  ): Promise<AnnotationRecord[]> {
    const rows = await this.knex<AnnotationRow>('annotations')
      .where({ project_id: projectId, item_id: itemId })
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
