import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { Knex } from 'knex';
import request from 'supertest';
import { choiceConfig, newProject } from '../__testUtils__/fixtures';
import { startAnnotationApi } from '../__testUtils__/startApi';
import {
  applyDatabaseMigrations,
  INTERRUPTED_IMPORT_MESSAGE,
  KnexItemStore,
  KnexProjectStore,
} from '../database';
import { DEFAULT_STALE_IMPORT_MS, readStaleImportMs } from './importSweep';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

describe('readStaleImportMs', () => {
  it('reads a duration, defaults to two minutes, refuses zero', () => {
    const read = (staleAfter?: unknown) =>
      readStaleImportMs(
        new ConfigReader(
          staleAfter === undefined
            ? {}
            : { annotation: { import: { staleAfter } } },
        ),
      );
    expect(read()).toBe(DEFAULT_STALE_IMPORT_MS);
    expect(read('30s')).toBe(30_000);
    expect(read({ minutes: 5 })).toBe(300_000);
    expect(() => read('0s')).toThrow(
      'annotation.import.staleAfter: a duration longer than zero expected',
    );
  });
});

describe.each(databases.eachSupportedId())('stale import sweep on %s', id => {
  async function setup() {
    const knex = await databases.init(id);
    await applyDatabaseMigrations(knex);
    const project = await new KnexProjectStore(knex).create(
      newProject(),
      choiceConfig(),
      'user:default/jonas.berg',
    );
    return { knex, project, items: new KnexItemStore(knex) };
  }

  /** An import row whose last batch was `ageMs` ago. */
  async function importRow(
    knex: Knex,
    projectId: string,
    rowId: string,
    status: string,
    ageMs: number,
  ) {
    const at = Date.now() - ageMs;
    await knex('imports').insert({
      id: rowId,
      project_id: projectId,
      created_by: 'user:default/jonas.berg',
      status,
      started_at: at - 1000,
      updated_at: at,
    });
  }

  const statuses = async (knex: Knex) =>
    Object.fromEntries(
      (await knex('imports').select('id', 'status')).map(r => [r.id, r.status]),
    );

  it('marks running imports with an old last batch interrupted, and only those', async () => {
    const { knex, project, items } = await setup();
    await importRow(knex, project.id, 'dead', 'running', 10 * 60_000);
    await importRow(knex, project.id, 'alive', 'running', 5_000);
    await importRow(knex, project.id, 'finished', 'done', 10 * 60_000);

    expect(await items.sweepStaleImports(2 * 60_000)).toBe(1);
    expect(await statuses(knex)).toEqual({
      dead: 'interrupted',
      alive: 'running',
      finished: 'done',
    });
    const dead = await knex('imports').where({ id: 'dead' }).first();
    expect(JSON.parse(dead.summary)).toEqual({
      error: INTERRUPTED_IMPORT_MESSAGE,
    });
    expect(Number(dead.finished_at)).toBeGreaterThan(Date.now() - 60_000);
    // a second sweep (another replica) changes nothing
    expect(await items.sweepStaleImports(2 * 60_000)).toBe(0);
  });

  it('keeps an import alive while its batches are stored', async () => {
    const { knex, project, items } = await setup();
    const importId = await items.startImport(project.id, 'user:default/x');
    await knex('imports')
      .where({ id: importId })
      .update({ updated_at: Date.now() - 10 * 60_000 });
    await items.importBatch(
      project.id,
      [
        {
          line: 1,
          externalId: 'a',
          dataJson: JSON.stringify({ track_title: 'A' }),
          priority: 0,
          uncertainty: 0,
          contentHash: 'a',
        },
      ],
      importId,
    );
    expect(await items.sweepStaleImports(60_000)).toBe(0);
    expect((await statuses(knex))[importId]).toBe('running');
  });

  it('sweeps at plugin start and lists the status to managers', async () => {
    const { knex, project } = await setup();
    await importRow(knex, project.id, 'dead', 'running', 90_000);
    await importRow(knex, project.id, 'alive', 'running', 1_000);
    const server = await startAnnotationApi({
      knex,
      annotation: { import: { staleAfter: '1m' } },
    });
    const list = (who: string) =>
      request(server)
        .get(`/api/annotation/projects/${project.id}/imports`)
        .set('Authorization', mockCredentials.user.header(who));

    const res = await list('user:default/jonas.berg');
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(
      res.body.items.map((i: { id: string }) => [i.id, i]),
    );
    expect(byId.dead).toMatchObject({
      status: 'interrupted',
      createdBy: 'user:default/jonas.berg',
      summary: { error: INTERRUPTED_IMPORT_MESSAGE },
    });
    expect(byId.dead.finishedAt).toEqual(expect.any(String));
    expect(byId.alive.status).toBe('running');
    expect(byId.alive.finishedAt).toBeUndefined();

    // annotators may not import, so they do not see imports either
    const annotator = await list('user:default/amara.okafor');
    expect(annotator.status).toBe(403);
    expect(annotator.body.error.message).toMatch(/annotation\.item\.import/);
  });
});
