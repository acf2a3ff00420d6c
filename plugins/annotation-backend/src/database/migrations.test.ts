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
    expect(await knex.schema.hasColumn('items', 'extra_slots')).toBe(true);
    expect(await knex.schema.hasColumn('leases', 'gold')).toBe(true);
    expect(await knex.schema.hasColumn('annotations', 'gold_correct')).toBe(
      true,
    );
    for (const column of ['label_agreement', 'annotators', 'signature']) {
      expect(await knex.schema.hasColumn('quality_fits', column)).toBe(true);
    }
    const [, pending] = await knex.migrate.list(config);
    expect(pending).toEqual([]);
    const confidenceType = async () =>
      databaseId.startsWith('POSTGRES')
        ? (
            await knex('information_schema.columns')
              .where({ table_name: 'item_outcomes', column_name: 'confidence' })
              .first('data_type')
          ).data_type
        : 'double precision'; // SQLite's REAL is always 8 bytes
    expect(await confidenceType()).toBe('double precision');

    // the last five (quality, gold, LLM) migrations go down and up again,
    // keeping the items
    // (on SQLite dropping a column rebuilds the table)
    const projectId = '00000000-0000-4000-8000-000000000001';
    await knex('projects').insert({
      id: projectId,
      namespace: 'default',
      name: 'p',
      title: 'P',
      owner: 'group:default/o',
      lifecycle: 'experimental',
      model_ref: 'resource:default/m',
      dataset_ref: 'resource:default/d',
      workforce: '{}',
      task_type: 'single-choice',
      questions: '[]',
      status: 'draft',
      created_at: new Date(),
      updated_at: new Date(),
    });
    await knex('items').insert({
      project_id: projectId,
      external_id: 'x',
      data: '{}',
      gold: '{"belongs":"yes"}',
      random_key: 1,
      content_hash: 'h',
      created_at: 0,
      updated_at: 0,
    });
    // the request key goes first; a version saved before it gets its own
    await knex.migrate.down(config);
    expect(
      await knex.schema.hasColumn('llm_annotator_versions', 'request_key'),
    ).toBe(false);
    const annotatorId = '00000000-0000-4000-8000-000000000002';
    await knex('llm_annotators').insert({
      id: annotatorId,
      project_id: projectId,
      name: 'first-pass',
      current_version: 1,
      created_at: 0,
      updated_at: 0,
    });
    await knex('llm_annotator_versions').insert({
      annotator_id: annotatorId,
      version: 1,
      config: '{}',
      created_by: 'user:default/a',
      created_at: 0,
    });
    await knex.migrate.up(config);
    expect(await knex('llm_annotator_versions').select('request_key')).toEqual([
      { request_key: `v:${annotatorId}:1` },
    ]);
    await knex.migrate.down(config);
    // then the LLM job runner's columns, then the LLM annotator's tables
    expect(await knex.schema.hasColumn('llm_jobs', 'reserved_cost')).toBe(true);
    await knex.migrate.down(config);
    expect(await knex.schema.hasColumn('llm_jobs', 'reserved_cost')).toBe(
      false,
    );
    expect(await knex.schema.hasColumn('llm_answers', 'cached_from')).toBe(
      false,
    );
    expect(await knex.schema.hasColumn('llm_job_items', 'reason')).toBe(false);
    await knex.migrate.down(config);
    expect(await knex.schema.hasTable('llm_annotators')).toBe(false);
    expect(await knex.schema.hasTable('llm_answers')).toBe(false);
    // the fit details alone
    await knex.migrate.down(config);
    expect(await knex.schema.hasColumn('quality_fits', 'annotators')).toBe(
      false,
    );
    expect(await knex.schema.hasTable('quality_fits')).toBe(true);
    // the gold migration, keeping leases and answers
    await knex.migrate.down(config);
    expect(await knex.schema.hasColumn('leases', 'gold')).toBe(false);
    expect(await knex.schema.hasColumn('annotations', 'gold_correct')).toBe(
      false,
    );
    await knex.migrate.down(config); // confidences in double precision
    expect(await confidenceType()).toBe(
      databaseId.startsWith('POSTGRES') ? 'real' : 'double precision',
    );
    await knex.migrate.down(config);
    expect(await knex.schema.hasTable('item_outcomes')).toBe(false);
    expect(await knex.schema.hasColumn('items', 'extra_slots')).toBe(false);
    expect(Number((await knex('items').count({ n: '*' }))[0].n)).toBe(1);
    const indexes = databaseId.startsWith('SQLITE')
      ? await knex('sqlite_master')
          .where({ type: 'index', tbl_name: 'items' })
          .pluck('name')
      : await knex('pg_indexes')
          .where({ tablename: 'items' })
          .pluck('indexname');
    expect(indexes).toEqual(
      expect.arrayContaining([
        'items_next_priority',
        'items_next_random',
        'items_next_uncertainty',
      ]),
    );
    expect(indexes).not.toContain('items_gold_idx');
    await knex.migrate.up(config);
    expect((await knex('items').first()).extra_slots).toBe(0);
    await knex.migrate.up(config);
    expect(await confidenceType()).toBe('double precision');
    await knex.migrate.up(config);
    await knex.migrate.up(config);
    expect(await knex.schema.hasColumn('quality_fits', 'signature')).toBe(true);
    await knex.migrate.up(config);
    expect(await knex.schema.hasTable('llm_answers')).toBe(true);
    await knex.migrate.up(config);
    expect(await knex.schema.hasColumn('llm_answers', 'cached_from')).toBe(
      true,
    );
    await knex('items').delete();
    await knex('projects').delete();

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
