import { Knex } from 'knex';

/** Every Chorus table: what a refused or bad request must leave unchanged. */
export const CHORUS_TABLES = [
  'projects',
  'project_config_versions',
  'items',
  'leases',
  'annotations',
  'skips',
  'imports',
  'project_counters',
  'annotator_stats',
  'audit_log',
  'item_outcomes',
  'escalations',
  'annotator_gold_stats',
  'quality_fits',
  // project-scoped: their versions and job items move with these rows
  'llm_annotators',
  'llm_jobs',
  'llm_answers',
] as const;

/**
 * The rows of every Chorus table (only the given project's, when one is
 * named), as one comparable string. Rows are sorted as text, so the order the
 * engine returns them in does not matter.
 */
export async function snapshotTables(
  knex: Knex,
  projectId?: string,
  tables: readonly string[] = CHORUS_TABLES,
): Promise<string> {
  const rows: Record<string, string[]> = {};
  for (const table of tables) {
    let query = knex(table);
    if (projectId) {
      query = query.where(
        table === 'projects' ? 'id' : 'project_id',
        projectId,
      );
    }
    rows[table] = (await query).map(r => JSON.stringify(r)).sort();
  }
  return JSON.stringify(rows, null, 1);
}
