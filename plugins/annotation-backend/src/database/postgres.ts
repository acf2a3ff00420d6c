import { createHash } from 'crypto';
import { Knex } from 'knex';

/** node-postgres's client, as far as Chorus uses it here. */
interface PgConnection {
  query(config: {
    name: string;
    text: string;
    values: unknown[];
  }): Promise<{ rows: any[] }>;
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
  const { text, values } = positional(db, sql, bindings);
  const connection: PgConnection = await db.client.acquireConnection();
  try {
    try {
      return (await connection.query({ name: nameOf(text), text, values }))
        .rows;
    } catch (error) {
      if (!isStalePlan(error)) {
        throw error;
      }
      // every connection holds the old plan: all statements get new names
      generation += 1;
      names.clear();
      if ((db as Knex.Transaction).isTransaction) {
        throw error; // the transaction is aborted; the next call prepares anew
      }
      return (await connection.query({ name: nameOf(text), text, values }))
        .rows;
    }
  } finally {
    await db.client.releaseConnection(connection);
  }
}
