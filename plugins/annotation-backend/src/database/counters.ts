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
  // honeypots: imported with a gold answer, never in the regular pool
  | 'items.gold'
  | 'annotations'
  | 'skips'
  // items by quality status (item_outcomes.status); items not evaluated yet
  // have no outcome and are in none of these
  | 'quality.pending'
  | 'quality.resolved'
  | 'quality.escalated'
  | 'quality.qa-resolved';

/** The shard row a writer adds to: any, spread at random. */
export function counterShard(): number {
  return Math.floor(Math.random() * SHARDS);
}

/** The rows to add, non-zero, in the one order every writer uses. */
export function counterRows(
  projectId: string,
  deltas: Partial<Record<CounterName, number>>,
) {
  const shard = counterShard();
  return Object.entries(deltas)
    .filter(([, delta]) => delta)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => ({ project_id: projectId, name, shard, value }));
}

/** The upsert of one counter row, for SQL written by hand. */
export const ADD_TO_COUNTER_SQL = `INSERT INTO project_counters
  (project_id, name, shard, value) VALUES (:project_id, :name, :shard, :value)
  ON CONFLICT (project_id, name, shard)
  DO UPDATE SET value = project_counters.value + excluded.value`;

/** Adds the deltas (within the caller's transaction). */
export async function addToCounters(
  tx: Knex | Knex.Transaction,
  projectId: string,
  deltas: Partial<Record<CounterName, number>>,
): Promise<void> {
  // one statement, rows in one order for every writer, so two transactions
  // never wait on each other
  const rows = counterRows(projectId, deltas);
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
    'items.gold': 0,
    annotations: 0,
    skips: 0,
    'quality.pending': 0,
    'quality.resolved': 0,
    'quality.escalated': 0,
    'quality.qa-resolved': 0,
  };
  for (const row of rows as Array<{ name: string; total: unknown }>) {
    counters[row.name as CounterName] = toNumber(row.total);
  }
  return counters;
}
