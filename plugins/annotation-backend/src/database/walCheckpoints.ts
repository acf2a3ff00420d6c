import { LoggerService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { Worker } from 'worker_threads';
import { isSqlite } from './sqlite';

/** How often the worker copies the write-ahead log back. */
const CHECKPOINT_INTERVAL_MS = 250;
/**
 * The backend's own connection checkpoints only past this many log pages
 * (40 MB): a backstop should the worker fall behind or stop.
 */
const BACKSTOP_PAGES = 10_000;
/** SQLite's default, restored when the worker stops. */
const DEFAULT_PAGES = 1_000;

// CommonJS, run as a worker's source: its own connection to the same file,
// checkpointing without waiting for readers or writers
const WORKER_SOURCE = `
const { parentPort, workerData } = require('worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.filename);
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 100');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage(String(error && error.message));
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface WalCheckpoints {
  stop(): Promise<void>;
}

/**
 * Moves SQLite's write-ahead-log checkpoints off the event loop. SQLite runs
 * one inside whichever commit takes the log past 1,000 pages: it copies the
 * pages into the database file and waits for the disk (in B2, 8 ms at the
 * median and up to 118 ms), and no request is served meanwhile. A worker
 * thread with its own connection runs them instead, every quarter second.
 * Nothing on PostgreSQL or an in-memory database.
 */
export async function startWalCheckpoints(
  knex: Knex,
  logger: LoggerService,
): Promise<WalCheckpoints> {
  const filename = databaseFile(knex);
  if (!filename) {
    return { stop: async () => {} };
  }
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driver: require.resolve('better-sqlite3'),
      filename,
      intervalMs: CHECKPOINT_INTERVAL_MS,
    },
  });
  worker.unref();
  let running = true;
  const backToDefault = () =>
    knex.raw(`PRAGMA wal_autocheckpoint = ${DEFAULT_PAGES}`);
  worker.on('message', message =>
    logger.warn(`SQLite checkpoint failed: ${message}`),
  );
  worker.on('error', (error: Error) => {
    logger.error('SQLite checkpoint worker stopped', error);
  });
  worker.on('exit', () => {
    if (running) {
      running = false;
      backToDefault().catch(() => {});
    }
  });
  await knex.raw(`PRAGMA wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  return {
    async stop() {
      if (!running) {
        return;
      }
      running = false;
      const exited = new Promise(resolve => worker.once('exit', resolve));
      worker.postMessage('stop');
      await exited;
      await backToDefault();
    },
  };
}

function databaseFile(knex: Knex): string | undefined {
  if (!isSqlite(knex)) {
    return undefined;
  }
  const connection = knex.client.config.connection;
  const filename =
    typeof connection === 'string' ? connection : connection?.filename;
  if (!filename || filename === ':memory:' || /mode=memory/.test(filename)) {
    return undefined;
  }
  return filename;
}
