import { ConflictError, NotFoundError } from '@backstage/errors';
import { AssignmentOrder } from '@chorus/plugin-annotation-common';
import { Knex } from 'knex';
import { v4 as uuid } from 'uuid';
import { addToCounters } from './counters';
import { itemFromRow, ItemRecord } from './ItemStore';
import { expireLeases, freeSlot, isPostgres, lockItem } from './slots';
import { toNumber } from './util';

/** An item handed to one annotator until `expiresAt`. */
export interface Lease {
  token: string;
  projectId: string;
  annotator: string;
  expiresAt: string;
  item: ItemRecord;
}

export interface ClaimOptions {
  projectId: string;
  annotator: string;
  overlap: number;
  ordering: AssignmentOrder;
  ttlMs: number;
  /** How many live leases one annotator may hold (current + prefetched). */
  maxHeld: number;
  /** Tokens the caller already holds: never returned again by `next`. */
  exclude?: string[];
}

/** Work distribution: who holds which item, until when. */
export interface LeaseStore {
  /**
   * The caller's next item: a live lease they hold and did not exclude, or
   * a newly claimed one. Never beyond an item's overlap, never an item the
   * annotator answered, skipped or holds. Undefined when nothing is left.
   */
  next(options: ClaimOptions): Promise<Lease | undefined>;
  /** Extends a live lease; a ConflictError once it has expired. */
  heartbeat(
    projectId: string,
    token: string,
    annotator: string,
    ttlMs: number,
  ): Promise<{ expiresAt: string }>;
  release(projectId: string, token: string, annotator: string): Promise<void>;
  skip(
    projectId: string,
    token: string,
    annotator: string,
    reason: string,
  ): Promise<void>;
  /** Frees the slots of expired leases (also done on every claim). */
  expire(projectId: string): Promise<number>;
}

const ORDER: Record<AssignmentOrder, Array<[string, 'asc' | 'desc']>> = {
  priority: [
    ['priority', 'desc'],
    ['id', 'asc'],
  ],
  random: [
    ['random_key', 'asc'],
    ['id', 'asc'],
  ],
  uncertainty: [
    ['uncertainty', 'desc'],
    ['id', 'asc'],
  ],
};

interface LeaseRow {
  item_id: number | string;
  annotator: string;
  project_id: string;
  token: string;
  expires_at: number | string;
}

export class KnexLeaseStore implements LeaseStore {
  constructor(private readonly knex: Knex) {}

  async next(options: ClaimOptions): Promise<Lease | undefined> {
    const { projectId, annotator } = options;
    return this.knex.transaction(async tx => {
      const now = Date.now();
      await expireLeases(tx, projectId, now);

      const held: LeaseRow[] = await tx('leases')
        .where({ project_id: projectId, annotator })
        .andWhere('expires_at', '>', now)
        .orderBy('created_at');
      const resumable = held.find(l => !options.exclude?.includes(l.token));
      if (resumable) {
        return this.toLease(tx, resumable);
      }
      if (held.length >= options.maxHeld) {
        throw new ConflictError(
          `you already hold ${held.length} items of this project; submit, skip or release one first`,
        );
      }

      const itemId = await this.claim(tx, options, now);
      if (itemId === undefined) {
        return undefined;
      }
      const row: LeaseRow = {
        item_id: itemId,
        annotator,
        project_id: projectId,
        token: uuid(),
        expires_at: now + options.ttlMs,
      };
      await tx('leases').insert({ ...row, created_at: now });
      return this.toLease(tx, row);
    });
  }

  /** Takes a slot of the first eligible item; the conditional update decides. */
  private async claim(
    tx: Knex.Transaction,
    options: ClaimOptions,
    now: number,
  ): Promise<number | string | undefined> {
    const { projectId, annotator, overlap } = options;
    for (let attempt = 0; attempt < 5; attempt++) {
      let query = tx('items as i')
        .select('i.id', 'i.state', 'i.slots_taken')
        .where('i.project_id', projectId)
        .andWhere('i.state', 'open')
        .whereNotExists(
          tx('annotations as a')
            .select(tx.raw('1'))
            .whereRaw('a.item_id = i.id')
            .andWhere('a.annotator', annotator),
        )
        .whereNotExists(
          tx('skips as s')
            .select(tx.raw('1'))
            .whereRaw('s.item_id = i.id')
            .andWhere('s.annotator', annotator),
        )
        .whereNotExists(
          tx('leases as l')
            .select(tx.raw('1'))
            .whereRaw('l.item_id = i.id')
            .andWhere('l.annotator', annotator),
        )
        .orderBy(
          ORDER[options.ordering].map(([c, o]) => ({
            column: `i.${c}`,
            order: o,
          })),
        )
        .limit(1);
      if (isPostgres(tx)) {
        // replicas and concurrent requests skip rows another claim holds
        query = query.forNoKeyUpdate().skipLocked();
      }
      const candidate = await query.first();
      if (!candidate) {
        return undefined;
      }
      const taken = toNumber(candidate.slots_taken) + 1;
      const full = taken >= overlap;
      const updated = await tx('items')
        .where({ id: candidate.id, state: 'open' })
        .andWhere('slots_taken', '<', overlap)
        .update({
          slots_taken: tx.raw('slots_taken + 1'),
          state: full ? 'full' : 'open',
          updated_at: now,
        });
      if (updated === 1) {
        if (full) {
          await addToCounters(tx, projectId, {
            'items.open': -1,
            'items.full': 1,
          });
        }
        return candidate.id;
      }
      // someone took the last slot between our read and write: try the next
    }
    return undefined;
  }

  private async toLease(tx: Knex.Transaction, row: LeaseRow): Promise<Lease> {
    const item = await tx('items').where({ id: row.item_id }).first();
    return {
      token: row.token,
      projectId: row.project_id,
      annotator: row.annotator,
      expiresAt: new Date(toNumber(row.expires_at)).toISOString(),
      item: itemFromRow(item),
    };
  }

  private async liveLease(
    tx: Knex | Knex.Transaction,
    projectId: string,
    token: string,
    annotator: string,
  ): Promise<LeaseRow> {
    const row: LeaseRow | undefined = await tx('leases')
      .where({ project_id: projectId, token })
      .first();
    if (!row || row.annotator !== annotator) {
      throw new NotFoundError(`lease ${token} not found`);
    }
    if (toNumber(row.expires_at) <= Date.now()) {
      throw new ConflictError(
        `lease ${token} expired at ${new Date(
          toNumber(row.expires_at),
        ).toISOString()}; ask for the next item again`,
      );
    }
    return row;
  }

  async heartbeat(
    projectId: string,
    token: string,
    annotator: string,
    ttlMs: number,
  ): Promise<{ expiresAt: string }> {
    return this.knex.transaction(async tx => {
      await this.liveLease(tx, projectId, token, annotator);
      const expiresAt = Date.now() + ttlMs;
      // only while still live: an expiry sweep may have won meanwhile
      const updated = await tx('leases')
        .where({ token })
        .andWhere('expires_at', '>', Date.now())
        .update({ expires_at: expiresAt });
      if (!updated) {
        throw new ConflictError(
          `lease ${token} expired; ask for the next item again`,
        );
      }
      return { expiresAt: new Date(expiresAt).toISOString() };
    });
  }

  async release(
    projectId: string,
    token: string,
    annotator: string,
  ): Promise<void> {
    await this.knex.transaction(async tx => {
      const lease = await this.liveLease(tx, projectId, token, annotator);
      await lockItem(tx, lease.item_id); // item before lease, as every writer
      const deleted = await tx('leases').where({ token }).delete();
      if (deleted) {
        await freeSlot(tx, projectId, lease.item_id);
      }
    });
  }

  async skip(
    projectId: string,
    token: string,
    annotator: string,
    reason: string,
  ): Promise<void> {
    await this.knex.transaction(async tx => {
      const lease = await this.liveLease(tx, projectId, token, annotator);
      await lockItem(tx, lease.item_id); // item before lease, as every writer
      const deleted = await tx('leases').where({ token }).delete();
      if (!deleted) {
        throw new ConflictError(`lease ${token} was already used`);
      }
      const now = Date.now();
      await tx('skips').insert({
        item_id: lease.item_id,
        annotator,
        project_id: projectId,
        reason,
        created_at: now,
      });
      await freeSlot(tx, projectId, lease.item_id);
      await addToCounters(tx, projectId, { skips: 1 });
      await tx('annotator_stats')
        .insert({ project_id: projectId, annotator, skips: 1, last_at: now })
        .onConflict(['project_id', 'annotator'])
        .merge({ skips: tx.raw('annotator_stats.skips + 1'), last_at: now });
    });
  }

  async expire(projectId: string): Promise<number> {
    return this.knex.transaction(tx =>
      expireLeases(tx, projectId, Date.now(), 1000),
    );
  }
}
