import { Knex } from 'knex';

/*
 * SQLite, the embedded database, tuned for a lease loop in which every
 * request is a few statements and a commit.
 */

export function isSqlite(knex: Knex): boolean {
  return /sqlite/.test(String(knex.client.config.client));
}

/**
 * Write-ahead log, commits without a disk flush, compiled statements
 * reused; nothing on PostgreSQL.
 */
export async function tuneSqlite(knex: Knex): Promise<void> {
  if (!isSqlite(knex)) {
    return;
  }
  // In the default rollback-journal mode every commit creates, writes and
  // deletes a journal file (about a millisecond each here). The mode is
  // stored in the database file; in-memory databases keep their own.
  await knex.raw('PRAGMA journal_mode = WAL');
  tuneConnections(knex);
}

/** better-sqlite3's statement and connection, as far as Chorus uses them. */
export interface SqliteStatement {
  run(params?: object): { changes: number };
  get(params?: object): any;
  all(params?: object): any[];
}
export interface SqliteConnection {
  prepare(sql: string): SqliteStatement;
  transaction<T>(work: () => T): { immediate(): T };
}
interface Connection extends SqliteConnection {
  pragma(source: string): unknown;
}

/**
 * Runs `work` on the database's connection as one write transaction, in a
 * single synchronous call: nothing interleaves, and there is no promise or
 * query-builder cost per statement (several times the statements' own cost
 * through knex). For the hot paths only; `work` must not await.
 */
export async function sqliteWrite<T>(
  knex: Knex,
  work: (db: SqliteConnection) => T,
): Promise<T> {
  const connection: SqliteConnection = await knex.client.acquireConnection();
  try {
    return connection.transaction(() => work(connection)).immediate();
  } finally {
    await knex.client.releaseConnection(connection);
  }
}

const MAX_STATEMENTS = 500;
const tuned = new WeakSet<Connection>();

/**
 * Per connection, as each is first handed out:
 *
 * - `synchronous = NORMAL`: in WAL mode a commit then writes the log without
 *   waiting for the disk. A killed process loses nothing committed; only a
 *   power loss or an OS crash may undo the last commits, never corrupt.
 * - compiled statements reused: knex compiles every statement anew (a sixth
 *   of the backend's CPU in the lease benchmark), while better-sqlite3's
 *   can run again with new bindings. knex runs a statement to the end
 *   before the next, so one is never shared by two queries at once; SQLite
 *   recompiles it by itself after a schema change.
 */
function tuneConnections(knex: Knex) {
  const client = knex.client;
  const acquire = client.acquireConnection.bind(client);
  client.acquireConnection = async () => {
    const connection: Connection = await acquire();
    if (!tuned.has(connection)) {
      tuned.add(connection);
      connection.pragma('synchronous = NORMAL');
      const compile = connection.prepare.bind(connection);
      const compiled = new Map<string, SqliteStatement>();
      connection.prepare = (sql: string) => {
        let statement = compiled.get(sql);
        if (!statement) {
          if (compiled.size >= MAX_STATEMENTS) {
            compiled.clear();
          }
          statement = compile(sql);
          compiled.set(sql, statement);
        }
        return statement;
      };
    }
    return connection;
  };
}
