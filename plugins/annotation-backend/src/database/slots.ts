import { Knex } from 'knex';
import { addToCounters } from './counters';

/*
 * An item has `overlap` slots, plus `extra_slots` granted when its answers
 * disagree. A live lease or an answer takes one. These helpers move an item
 * between the states `open` (a slot is free), `full` and `complete`,
 * keeping the counters in step, inside the caller's transaction. Gold
 * items (state `gold`, and QA resolutions once complete) are leased
 * without a slot: a lease with `gold` set frees none.
 */

export function isPostgres(knex: Knex): boolean {
  return knex.client.config.client === 'pg';
}

/**
 * Reads an item's row for update: on PostgreSQL it stays locked until the
 * transaction ends, so read-then-write cannot lose a concurrent change (on
 * SQLite a write transaction already runs alone). Lock the item before
 * touching rows that reference it, so transactions lock in one order.
 */
export async function lockItem(
  tx: Knex.Transaction,
  itemId: string | number,
): Promise<
  | {
      project_id: string;
      state: string;
      slots_taken: number;
      answer_count: number;
      /** Annotators granted beyond the overlap (quality escalation). */
      extra_slots: number;
      external_id: string;
    }
  | undefined
> {
  let query = tx('items')
    .where({ id: itemId })
    .first(
      'project_id',
      'state',
      'slots_taken',
      'answer_count',
      'extra_slots',
      'external_id',
    );
  if (isPostgres(tx)) {
    // NO KEY UPDATE: serialises writers of the row without blocking the key
    // share locks that inserts referencing the item take
    query = query.forNoKeyUpdate();
  }
  const row = await query;
  return row
    ? {
        project_id: row.project_id,
        state: row.state,
        slots_taken: Number(row.slots_taken),
        answer_count: Number(row.answer_count),
        extra_slots: Number(row.extra_slots),
        external_id: row.external_id,
      }
    : undefined;
}

/** Gives a leased slot back (lease released, skipped or expired). */
export async function freeSlot(
  tx: Knex.Transaction,
  projectId: string,
  itemId: string | number,
): Promise<void> {
  const before = await lockItem(tx, itemId);
  if (!before) {
    return;
  }
  await tx('items')
    .where({ id: itemId })
    .update({
      slots_taken: tx.raw(
        'CASE WHEN slots_taken > 0 THEN slots_taken - 1 ELSE 0 END',
      ),
      state: tx.raw(`CASE WHEN state = 'full' THEN 'open' ELSE state END`),
      updated_at: Date.now(),
    });
  if (before.state === 'full') {
    await addToCounters(tx, projectId, { 'items.full': -1, 'items.open': 1 });
  }
}

/**
 * Gives back the slots of leases that expired, at most `limit` at a time.
 * Each expired lease is deleted by exactly one caller (the DELETE decides),
 * so replicas sweeping at once never free a slot twice.
 */
export async function expireLeases(
  tx: Knex.Transaction,
  projectId: string,
  now: number,
  limit = 100,
): Promise<number> {
  const stale = await tx('leases')
    .where('project_id', projectId)
    .andWhere('expires_at', '<=', now)
    .limit(limit)
    .select('item_id', 'annotator', 'gold');
  let freed = 0;
  for (const lease of stale) {
    await lockItem(tx, lease.item_id); // item before lease, as every writer
    const deleted = await tx('leases')
      .where({ item_id: lease.item_id, annotator: lease.annotator })
      .andWhere('expires_at', '<=', now)
      .delete();
    if (deleted) {
      // a gold lease held no slot
      if (!lease.gold) {
        await freeSlot(tx, projectId, lease.item_id);
      }
      freed += 1;
    }
  }
  return freed;
}
