import { createHash } from 'crypto';
import { Knex } from 'knex';

/** node-postgres's client, as far as Chorus uses it here. */
interface PgConnection {
  query(config: {
    name: string;
    text: string;
    values: unknown[];
  }): Promise<{ rows: any[] }>;
  /** Several statements in one string: a result each. */
  query(text: string): Promise<{ rows: any[] } | Array<{ rows: any[] }>>;
}

/** Per statement text: its prepared statement's name. */
const names = new Map<string, string>();
let generation = 0;

function nameOf(text: string): string {
  let name = names.get(text);
  if (!name) {
    const hash = createHash('sha1').update(text).digest('hex').slice(0, 24);
    name = `chorus_${hash}_${generation}`;
    names.set(text, name);
  }
  return name;
}

/** Per statement text and binding names: its `$n` text and their order. */
const positions = new Map<
  string,
  Map<string, { text: string; keys: string[] }>
>();

/**
 * The statement with `$n` parameters and their values, as `knex.raw` makes
 * them. knex parses the named bindings on every call (about 3% of the
 * backend's thread in the lease benchmark); the mapping is worked out once
 * per statement text, from knex itself, and reused for plain values.
 */
function positional(
  db: Knex | Knex.Transaction,
  sql: string,
  bindings: Record<string, unknown>,
): { text: string; values: unknown[] } {
  const bindingNames = Object.keys(bindings).join();
  let forSql = positions.get(sql);
  if (!forSql) {
    forSql = new Map();
    positions.set(sql, forSql);
  }
  let known = forSql.get(bindingNames);
  if (!known) {
    // each binding as a marker that names it, to read knex's order back
    const markers = Object.fromEntries(
      Object.keys(bindings).map(key => [key, `\u0000${key}`]),
    );
    const native = db.raw(sql, markers).toSQL().toNative();
    known = {
      text: native.sql,
      keys: (native.bindings as string[]).map(marker => marker.slice(1)),
    };
    forSql.set(bindingNames, known);
  }
  const values = known.keys.map(key => bindings[key]);
  // callers bind scalars, null and JSON text; knex handles (or refuses)
  // anything else, as it would have
  if (values.some(value => value === undefined || isBuilder(value))) {
    const native = db.raw(sql, bindings).toSQL().toNative();
    return { text: native.sql, values: native.bindings as unknown[] };
  }
  return { text: known.text, values };
}

function isBuilder(value: unknown): boolean {
  return (
    typeof value === 'function' ||
    (typeof value === 'object' &&
      value !== null &&
      ('isRawInstance' in value || 'toSQL' in value))
  );
}

/** PostgreSQL's "cached plan must not change result type". */
function isStalePlan(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === '0A000' && /cached plan/.test(e.message ?? '');
}

/**
 * Runs one statement of a hot path as a named prepared statement: the
 * server parses and plans it once per connection instead of on every call.
 * The claim, the answer and the evaluation's read are CTEs over several
 * tables; planning them took 0.3-0.5 ms of the database's CPU each time, a
 * quarter of its CPU in the lease benchmark. `db` is knex or a transaction;
 * bindings are named, as `knex.raw` takes them. Returns the rows.
 *
 * A migration that adds a column to a table such a statement returns whole
 * (`RETURNING *`) makes PostgreSQL refuse its prepared plan: the statement
 * is then prepared anew under another name and, outside a transaction,
 * run again.
 */
export async function pgPrepared(
  db: Knex | Knex.Transaction,
  sql: string,
  bindings: Record<string, unknown>,
): Promise<any[]> {
  const connection: PgConnection = await db.client.acquireConnection();
  try {
    return await runPrepared(
      db,
      connection,
      sql,
      bindings,
      Boolean((db as Knex.Transaction).isTransaction),
    );
  } finally {
    await db.client.releaseConnection(connection);
  }
}

async function runPrepared(
  db: Knex | Knex.Transaction,
  connection: PgConnection,
  sql: string,
  bindings: Record<string, unknown>,
  inTransaction: boolean,
): Promise<any[]> {
  const { text, values } = positional(db, sql, bindings);
  try {
    return (await connection.query({ name: nameOf(text), text, values })).rows;
  } catch (error) {
    if (!isStalePlan(error)) {
      throw error;
    }
    renameAll();
    if (inTransaction) {
      throw error; // the transaction is aborted; the next call prepares anew
    }
    return (await connection.query({ name: nameOf(text), text, values })).rows;
  }
}

/** Every connection holds the old plan: all statements get new names. */
function renameAll() {
  generation += 1;
  names.clear();
}

/** A statement of `pgTransaction`'s opening, with named bindings. */
export interface PgStatement {
  sql: string;
  /** Whole numbers only: they are written into the EXECUTE. */
  bindings: Record<string, number | string>;
}

/** Runs a prepared statement of the transaction; its rows. */
export type PgRun = (
  sql: string,
  bindings: Record<string, unknown>,
) => Promise<any[]>;

/** PostgreSQL's "prepared statement … already exists" and "… does not exist". */
const DUPLICATE_STATEMENT = '42P05';
const UNKNOWN_STATEMENT = '26000';

/** Per connection: the statements prepared on it with SQL's PREPARE. */
const preparedBySql = new WeakMap<PgConnection, Set<string>>();

function wholeNumber(value: unknown): string {
  const text = String(value);
  if (!/^\d{1,18}$/.test(text)) {
    throw new Error(`a whole number expected in the opening, got ${text}`);
  }
  return text;
}

/**
 * One transaction on one pooled connection, in two round trips fewer than
 * knex's: BEGIN and the `opening` statements go as one string (an EXECUTE
 * each of a statement prepared once per connection), `work` gets their
 * rows and runs prepared statements on the same connection, then COMMIT;
 * ROLLBACK on any error. Each statement of the string still runs on a
 * snapshot of its own, as it would in a round trip of its own, so a read
 * after a lock that waited sees what the lock's holder wrote. Every round
 * trip wakes a PostgreSQL process over the socket, and in the lease
 * benchmark writing them was a fifth of the backend's thread.
 */
export async function pgTransaction<T>(
  knex: Knex,
  opening: PgStatement[],
  work: (rows: any[][], run: PgRun) => Promise<T>,
): Promise<T> {
  // checked before anything is prepared or sent
  const statements = opening.map(statement => {
    const { text, values } = positional(
      knex,
      statement.sql,
      statement.bindings,
    );
    return { text, name: `${nameOf(text)}_sql`, args: values.map(wholeNumber) };
  });
  const connection: PgConnection = await knex.client.acquireConnection();
  let begun = false;
  try {
    let prepared = preparedBySql.get(connection);
    if (!prepared) {
      prepared = new Set();
      preparedBySql.set(connection, prepared);
    }
    for (const { text, name } of statements) {
      if (!prepared.has(name)) {
        // an earlier PREPARE whose answer was lost counts as done
        await connection.query(`PREPARE ${name} AS ${text}`).catch(error => {
          if ((error as { code?: string }).code !== DUPLICATE_STATEMENT) {
            throw error;
          }
        });
        prepared.add(name);
      }
    }
    begun = true;
    const results = await connection.query(
      [
        'BEGIN',
        ...statements.map(({ name, args }) =>
          args.length
            ? `EXECUTE ${name}(${args.join(', ')})`
            : `EXECUTE ${name}`,
        ),
      ].join(';\n'),
    );
    const rows = (Array.isArray(results) ? results : [results])
      .slice(1)
      .map(result => result.rows);
    const value = await work(rows, (sql, bindings) =>
      runPrepared(knex, connection, sql, bindings, true),
    );
    await connection.query('COMMIT');
    return value;
  } catch (error) {
    if (isStalePlan(error)) {
      renameAll();
    }
    if ((error as { code?: string }).code === UNKNOWN_STATEMENT) {
      // the session lost its statements (DISCARD ALL, a pooler): prepare
      // them again on the next call
      preparedBySql.delete(connection);
    }
    if (begun) {
      // a broken connection fails this too; knex's pool drops it
      await connection.query('ROLLBACK').catch(() => undefined);
    }
    throw error;
  } finally {
    await knex.client.releaseConnection(connection);
  }
}
