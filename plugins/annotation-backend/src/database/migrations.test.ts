import { TestDatabases } from '@backstage/backend-test-utils';
import fs from 'fs';
import { CHORUS_TABLES } from '../__testUtils__/snapshot';
import { applyDatabaseMigrations, MIGRATIONS_DIRECTORY } from './migrations';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const migrationFiles = fs
  .readdirSync(MIGRATIONS_DIRECTORY)
  .filter(f => f.endsWith('.js'))
  .sort();

describe.each(databases.eachSupportedId())('migrations on %s', databaseId => {
  it('go all the way up and back down, one step at a time', async () => {
    const knex = await databases.init(databaseId);
    const config = { directory: MIGRATIONS_DIRECTORY };

    for (const _file of migrationFiles) {
      await knex.migrate.up(config);
    }
    for (const table of CHORUS_TABLES) {
      expect(await knex.schema.hasTable(table)).toBe(true);
    }
    expect(await knex.schema.hasColumn('projects', 'config_version')).toBe(
      true,
    );
    expect(await knex.schema.hasColumn('imports', 'updated_at')).toBe(true);
    const [, pending] = await knex.migrate.list(config);
    expect(pending).toEqual([]);

    for (const _file of migrationFiles) {
      await knex.migrate.down(config);
    }
    expect(await knex.schema.hasTable('items')).toBe(false);
    expect(await knex.schema.hasTable('projects')).toBe(false);

    // and up again: down left nothing behind that blocks a re-run
    await knex.migrate.latest(config);
    expect(await knex.schema.hasTable('projects')).toBe(true);
    await knex.destroy();
  });

  it('lets two replicas migrate a fresh database at once', async () => {
    const knex = await databases.init(databaseId);
    await Promise.all([
      applyDatabaseMigrations(knex),
      applyDatabaseMigrations(knex),
    ]);
    expect(await knex.schema.hasTable('items')).toBe(true);
    const [, pending] = await knex.migrate.list({
      directory: MIGRATIONS_DIRECTORY,
    });
    expect(pending).toEqual([]);
  });
});
