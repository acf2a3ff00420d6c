import { mockServices } from '@backstage/backend-test-utils';
import fs from 'fs';
import knexFactory, { Knex } from 'knex';
import os from 'os';
import path from 'path';
import { tuneSqlite } from './sqlite';
import { startWalCheckpoints, WalCheckpoints } from './walCheckpoints';

jest.setTimeout(30_000);

/** SQLite on a file, as the portal runs it: checkpoints need a real log. */
describe('SQLite checkpoints in a worker thread', () => {
  let dir: string;
  let knex: Knex;
  let checkpoints: WalCheckpoints | undefined;
  const file = () => path.join(dir, 'annotation.sqlite');

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-wal-'));
    knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: file() },
      useNullAsDefault: true,
    });
    await tuneSqlite(knex);
    await knex.schema.createTable('rows', t => {
      t.increments('id');
      t.text('body');
    });
  });

  afterEach(async () => {
    await checkpoints?.stop();
    checkpoints = undefined;
    await knex.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** About 2,000 pages of log, more than SQLite's own 1,000-page trigger. */
  async function writeLog() {
    for (let batch = 0; batch < 40; batch++) {
      await knex('rows').insert(
        Array.from({ length: 50 }, () => ({ body: 'x'.repeat(4000) })),
      );
    }
  }

  /** Waits up to ten seconds for the database file to grow by `bytes`. */
  async function grownBy(before: number, bytes: number) {
    for (let waited = 0; waited < 10_000; waited += 50) {
      if (fs.statSync(file()).size > before + bytes) {
        return true;
      }
      await new Promise(resolve => setTimeout(resolve, 50));
    }
    return false;
  }

  const pragma = async (name: string) =>
    Object.values((await knex.raw(`PRAGMA ${name}`))[0])[0];

  it('copies the log into the database file while the backend only writes', async () => {
    checkpoints = await startWalCheckpoints(knex, mockServices.logger.mock());
    expect(await pragma('wal_autocheckpoint')).toBe(10_000);
    const before = fs.statSync(file()).size;

    await writeLog();

    // the backend's connection no longer checkpoints at 1,000 pages, so the
    // database file grows only through the worker
    expect(await grownBy(before, 5_000_000)).toBe(true);
    expect(await knex('rows').count({ n: '*' })).toEqual([{ n: 2000 }]);
  });

  it('gives checkpoints back to SQLite when stopped', async () => {
    checkpoints = await startWalCheckpoints(knex, mockServices.logger.mock());
    await checkpoints.stop();
    expect(await pragma('wal_autocheckpoint')).toBe(1000);
    const before = fs.statSync(file()).size;
    await writeLog();
    expect(fs.statSync(file()).size).toBeGreaterThan(before + 3_000_000);
  });

  it('does nothing for an in-memory database', async () => {
    const memory = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: ':memory:' },
      useNullAsDefault: true,
    });
    const none = await startWalCheckpoints(memory, mockServices.logger.mock());
    expect(
      Object.values((await memory.raw('PRAGMA wal_autocheckpoint'))[0])[0],
    ).toBe(1000);
    await none.stop();
    await memory.destroy();
  });
});
