import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';

const migrationsDir = resolvePackagePath(
  '@chorus/plugin-annotation-backend',
  'migrations',
);

/**
 * Brings the Chorus schema up to date. Replicas starting together race on
 * knex's own bookkeeping tables and lock; the loser retries after a pause and
 * then finds the work done.
 */
export async function applyDatabaseMigrations(
  knex: Knex,
  attempts = 10,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await knex.migrate.latest({ directory: migrationsDir });
      return;
    } catch (error) {
      if (attempt >= attempts) {
        throw error;
      }
      // the other replica may need seconds on a busy machine
      await new Promise(r =>
        setTimeout(r, Math.min(2000, 250 * attempt) + Math.random() * 300),
      );
    }
  }
}

/** The folder of the shipped migrations (for tests that step through them). */
export const MIGRATIONS_DIRECTORY = migrationsDir;
