import { Knex } from 'knex';
import { toNumber } from './util';

/*
 * Project counters kept in step with writes, so counts stay fast at millions
 * of items. Each counter is spread over a few shard rows: concurrent writers
 * mostly touch different rows instead of queueing on one.
 */

const SHARDS = 8;

export type CounterName =
  | 'items.open'
  | 'items.full'
  | 'items.complete'
  | 'annotations'
  | 'skips';

/** Adds the deltas (within the caller's transaction). */
export async function addToCounters(
  tx: Knex | Knex.Transaction,
  projectId: string,
  deltas: Partial<Record<CounterName, number>>,
): Promise<void> {
  const shard = Math.floor(Math.random() * SHARDS);
  // one statement, rows in one order for every writer, so two transactions
  // never wait on each other
  const rows = Object.entries(deltas)
    .filter(([, delta]) => delta)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => ({ project_id: projectId, name, shard, value }));
  if (!rows.length) {
    return;
  }
  await tx('project_counters')
    .insert(rows)
    .onConflict(['project_id', 'name', 'shard'])
    .merge({ value: tx.raw('project_counters.value + excluded.value') });
}

/** All counters of a project, summed over shards (0 when never touched). */
export async function readCounters(
  knex: Knex,
  projectId: string,
): Promise<Record<CounterName, number>> {
  const rows = await knex('project_counters')
    .where({ project_id: projectId })
    .select('name')
    .sum({ total: 'value' })
    .groupBy('name');
  const counters: Record<CounterName, number> = {
    'items.open': 0,
    'items.full': 0,
    'items.complete': 0,
    annotations: 0,
    skips: 0,
  };
  for (const row of rows as Array<{ name: string; total: unknown }>) {
    counters[row.name as CounterName] = toNumber(row.total);
  }
  return counters;
}
