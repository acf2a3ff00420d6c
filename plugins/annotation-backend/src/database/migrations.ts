import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';

const migrationsDir = resolvePackagePath(
  '@chorus/plugin-annotation-backend',
  'migrations',
);

/** Brings the Chorus schema up to date. Safe to run from several replicas. */
export async function applyDatabaseMigrations(knex: Knex): Promise<void> {
  await knex.migrate.latest({ directory: migrationsDir });
}

/** The folder of the shipped migrations (for tests that step through them). */
export const MIGRATIONS_DIRECTORY = migrationsDir;
