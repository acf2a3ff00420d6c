import {
  backendConfig,
  freePort,
  killed,
  postgresDatabase,
  sqliteDatabase,
  startBackend,
} from '@chorus/plugin-annotation-backend/testUtils';
import { randomBytes } from 'crypto';
import { Readable } from 'stream';

jest.setTimeout(120_000);

/*
 * R2 (import): a backend killed with SIGKILL in the middle of a large
 * import, then restarted; re-running the import must give exactly the
 * file's items, and the killed import's row must read `interrupted`. The
 * backend is a real process on SQLite and on PostgreSQL.
 */

/** `annotation.import.staleAfter` here: the restart comes later than this. */
const STALE_AFTER_MS = 2000;

const ITEMS = 60_000;
const token = randomBytes(24).toString('hex');

function line(n: number) {
  return `${JSON.stringify({
    externalId: `track-${n}`,
    data: { track_title: `Track number ${n}` },
    priority: n % 7,
    predictions: { belongs: { label: n % 2 ? 'yes' : 'no', score: 0.75 } },
  })}\n`;
}

/** The file, produced line by line so the request streams. */
function file(): Readable {
  return Readable.from(
    (function* lines() {
      for (let n = 0; n < ITEMS; n++) {
        yield line(n);
      }
    })(),
  );
}

describe.each([
  ['SQLite', sqliteDatabase],
  ['PostgreSQL', postgresDatabase],
])('R2 import killed on %s', (_name, makeDb) => {
  it('re-running the import after a SIGKILL gives exactly the file', async () => {
    const db = makeDb();
    const port = await freePort();
    const configFile = backendConfig(
      port,
      db,
      { import: { staleAfter: { milliseconds: STALE_AFTER_MS } } },
      {
        auth: {
          externalAccess: [
            { type: 'static', options: { token, subject: 'r2-test' } },
          ],
        },
      },
    );
    let child = await startBackend(configFile, port);
    const knex = db.open();
    let projectId = '';
    const api = (p: string, init: RequestInit = {}) =>
      fetch(`http://localhost:${port}/api/annotation${p}`, {
        ...init,
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/json',
          ...(init.headers as Record<string, string>),
        },
      });
    const importFile = () =>
      api(`/projects/${projectId}/items/import`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-ndjson' },
        body: Readable.toWeb(file()) as ReadableStream,
        duplex: 'half',
      } as RequestInit);

    try {
      const created = await api('/projects', {
        method: 'POST',
        body: JSON.stringify({
          name: 'r2-import',
          title: 'R2 import',
          owner: 'group:default/cu-ml-engineering',
          lifecycle: 'experimental',
          model: 'resource:m',
          dataset: 'resource:d',
          config: {
            workforce: {
              annotators: ['group:default/cu-annotators'],
              qualityAnalysts: ['group:default/cu-quality-analysts'],
              managers: ['group:default/cu-project-managers'],
            },
            questions: [
              {
                id: 'belongs',
                type: 'single-choice',
                title: 'Belongs?',
                field: 'track_title',
                labels: ['yes', 'no'],
              },
            ],
          },
        }),
      });
      const body = await created.json();
      expect({ status: created.status, body }).toMatchObject({ status: 201 });
      projectId = body.id;

      // kill it once some batches are in and the rest is still coming
      const interrupted = importFile().catch(error => error);
      const count = async () =>
        Number(
          (
            await knex('items')
              .where({ project_id: projectId })
              .count({ n: '*' })
          )[0].n,
        );
      let before = 0;
      while (before === 0) {
        await new Promise(r => setTimeout(r, 20));
        before = await count().catch(() => 0);
      }
      await killed(child);
      expect((await interrupted)?.status).toBeUndefined(); // no response came
      before = await count();
      expect(before).toBeGreaterThan(0);
      expect(before).toBeLessThan(ITEMS);
      const [killedImport] = await knex('imports').where({
        project_id: projectId,
      });
      expect(killedImport.status).toBe('running');

      // older than staleAfter by the time the new backend sweeps at start
      await new Promise(r => setTimeout(r, STALE_AFTER_MS + 200));
      child = await startBackend(configFile, port);
      const imports = await (
        await api(`/projects/${projectId}/imports`)
      ).json();
      expect(imports.items).toEqual([
        expect.objectContaining({
          id: killedImport.id,
          status: 'interrupted',
          summary: { error: expect.stringMatching(/re-run it/) },
        }),
      ]);
      const rerun = await importFile();
      expect(rerun.status).toBe(200);
      const summary = await rerun.json();
      expect(summary).toMatchObject({
        inserted: ITEMS - before,
        unchanged: before,
        updated: 0,
        rejected: 0,
      });

      const [stats] = await knex('items')
        .where({ project_id: projectId })
        .select(
          knex.raw('count(*) as n'),
          knex.raw('count(distinct external_id) as ids'),
          knex.raw('sum(priority) as priorities'),
        );
      expect(Number(stats.n)).toBe(ITEMS);
      expect(Number(stats.ids)).toBe(ITEMS);
      let priorities = 0;
      for (let n = 0; n < ITEMS; n++) {
        priorities += n % 7;
      }
      expect(Number(stats.priorities)).toBe(priorities);
      const progress = await (
        await api(`/projects/${projectId}/progress`)
      ).json();
      expect(progress.items).toMatchObject({ total: ITEMS, open: ITEMS });
    } finally {
      await killed(child);
      await knex.destroy();
      await db.cleanup();
    }
  });
});
