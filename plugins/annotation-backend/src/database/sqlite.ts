import { Knex } from 'knex';

/*
 * SQLite, the embedded database, tuned for a lease loop in which every
 * request is a few statements and a commit.
 *
 * Hot statements are written for SQLite's planner (3.54), measured on the
 * lease benchmark's database:
 *
 * - A statement whose plan may depend on a bound value is compiled anew
 *   each time that value is bound (30–80 µs instead of a few): a LIMIT
 *   parameter (`withLimitInlined`), and a `column = :param` that the
 *   planner weighs in a join or in a one-table read with ORDER BY. Such
 *   reads use subqueries rather than joins, or bind the value as
 *   `+:param`, an expression whose value the planner does not look at.
 * - ORDER BY without an index in that order opens a temporary b-tree, more
 *   than the read of a few rows costs: one item's rows are sorted in code.
 * - An UPDATE that writes an indexed column rewrites the row's entries in
 *   every index holding it, even with the value unchanged: the claim and
 *   the answer write `items.state` only when it changes (three ordering
 *   indexes hold it).
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
/** What knex's driver also asks of a statement. */
interface KnexStatement extends SqliteStatement {
  readonly reader: boolean;
  safeIntegers(toggle?: boolean): unknown;
}
export interface SqliteConnection {
  prepare(sql: string): SqliteStatement;
  /** Called inside another transaction, it runs as a savepoint. */
  transaction<T>(work: () => T): { (): T; immediate(): T };
  readonly inTransaction: boolean;
}
interface Connection extends SqliteConnection {
  pragma(source: string): unknown;
}

interface QueuedWrite {
  work: (db: SqliteConnection) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}
const queuedWrites = new WeakMap<Knex, QueuedWrite[]>();

/**
 * Runs `work` on the database's connection as one atomic write, in a single
 * synchronous call: nothing interleaves, and there is no promise or
 * query-builder cost per statement (several times the statements' own cost
 * through knex). For the hot paths only; `work` must not await (typed).
 *
 * Writes asked for in the same turn of the event loop commit together
 * (group commit): each runs in its own savepoint, so one that throws
 * undoes only itself, and each caller hears its outcome only after the
 * commit. A commit writes every page the transaction touched to the log,
 * and the lease loop's writes share most of theirs (the counters, the
 * leases' index, the newest annotations), so one commit for many writes
 * costs little more than one for each.
 */
export function sqliteWrite<T>(
  knex: Knex,
  work: (db: SqliteConnection) => T extends PromiseLike<unknown> ? never : T,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let queue = queuedWrites.get(knex);
    if (!queue) {
      queue = [];
      queuedWrites.set(knex, queue);
      setImmediate(() => commitQueued(knex, queue!));
    }
    queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
  });
}

/** Never rejects: every queued write is told its outcome. */
async function commitQueued(knex: Knex, queue: QueuedWrite[]): Promise<void> {
  queuedWrites.delete(knex);
  let connection: SqliteConnection;
  try {
    connection = await knex.client.acquireConnection();
  } catch (error) {
    queue.forEach(write => write.reject(error));
    return;
  }
  try {
    const outcomes = commitTogether(connection, queue);
    queue.forEach((write, i) => {
      const outcome = outcomes[i];
      if ('error' in outcome) {
        write.reject(outcome.error);
      } else {
        write.resolve(outcome.value);
      }
    });
  } catch (error) {
    queue.forEach(write => write.reject(error));
  }
  try {
    await knex.client.releaseConnection(connection);
  } catch {
    // the outcomes stand (committed or not); a broken pool shows itself to
    // the next caller that asks for the connection
  }
}

function commitTogether(
  connection: SqliteConnection,
  queue: QueuedWrite[],
): Array<{ value: unknown } | { error: unknown }> {
  if (connection.inTransaction) {
    // a write would become a savepoint of someone else's transaction and be
    // reported before that one commits
    throw new Error('sqliteWrite: the connection is already in a transaction');
  }
  const outcomes: Array<{ value: unknown } | { error: unknown }> = [];
  connection
    .transaction(() => {
      for (const write of queue) {
        try {
          outcomes.push({
            value: connection.transaction(() => write.work(connection))(),
          });
        } catch (error) {
          // a few errors (disk full, I/O) end the whole transaction: then
          // nothing of the group is kept, and everyone hears it
          if (!connection.inTransaction) {
            throw error;
          }
          outcomes.push({ error });
        }
      }
    })
    .immediate();
  return outcomes;
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
 * - LIMIT values written into the statement (`withLimitInlined`).
 */
function tuneConnections(knex: Knex) {
  const client = knex.client;
  const acquire = client.acquireConnection.bind(client);
  client.acquireConnection = async () => {
    const connection: Connection = await acquire();
    if (!tuned.has(connection)) {
      tuned.add(connection);
      connection.pragma('synchronous = NORMAL');
      const compile = connection.prepare.bind(connection) as (
        sql: string,
      ) => KnexStatement;
      const compiled = new Map<string, KnexStatement>();
      const prepare = (sql: string): KnexStatement => {
        let statement = compiled.get(sql);
        if (!statement) {
          if (compiled.size >= MAX_STATEMENTS) {
            compiled.clear();
          }
          statement = withLimitInlined(sql, prepare, compile) ?? compile(sql);
          compiled.set(sql, statement);
        }
        return statement;
      };
      connection.prepare = prepare;
    }
    return connection;
  };
}

/**
 * knex sends LIMIT as a parameter (`limit ?`, so every `.first()`). SQLite
 * plans with a bound LIMIT's value, and so marks the statement to be
 * compiled again whenever that parameter is bound: every such read was
 * parsed and planned anew (a project read by id took 20 µs instead of 3,
 * and 110 µs in the lease benchmark, on every request). A bound OFFSET
 * costs nothing of the kind and stays bound (its values vary, so written
 * out they would fill the statement cache). For a statement with LIMIT
 * parameters this returns one that writes their values (whole numbers,
 * few distinct ones) into the text and runs that, through `prepare`
 * (compiled once per value); other values are bound as before, to the
 * statement as it is (`compile`).
 */
function withLimitInlined(
  sql: string,
  prepare: (sql: string) => KnexStatement,
  compile: (sql: string) => KnexStatement,
): KnexStatement | undefined {
  const pieces = sql.split('?');
  const limits = new Set<number>(); // which parameters are LIMITs
  for (let i = 0; i < pieces.length - 1; i++) {
    if (/\blimit $/i.test(pieces[i])) {
      limits.add(i);
    }
  }
  if (!limits.size) {
    return undefined;
  }
  const asBound = compile(sql);
  // knex asks for BigInt results of this statement alone (`safeIntegers`):
  // the statement as knex sent it then runs for every call
  let asIs = false;
  const statementFor = (params?: object) => {
    const values = params as unknown[];
    if (
      asIs ||
      !Array.isArray(values) ||
      values.length !== pieces.length - 1 ||
      [...limits].some(i => !Number.isSafeInteger(values[i]))
    ) {
      return { statement: asBound, params };
    }
    let text = pieces[0];
    const rest: unknown[] = [];
    values.forEach((value, i) => {
      if (limits.has(i)) {
        text += String(value);
      } else {
        text += '?';
        rest.push(value);
      }
      text += pieces[i + 1];
    });
    return { statement: prepare(text), params: rest };
  };
  return {
    get reader() {
      return asBound.reader;
    },
    safeIntegers(toggle?: boolean) {
      asIs = true;
      asBound.safeIntegers(toggle);
      return this;
    },
    run: params => {
      const found = statementFor(params);
      return found.statement.run(found.params);
    },
    get: params => {
      const found = statementFor(params);
      return found.statement.get(found.params);
    },
    all: params => {
      const found = statementFor(params);
      return found.statement.all(found.params);
    },
  };
}
