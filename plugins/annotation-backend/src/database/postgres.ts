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
  const native = db.raw(sql, bindings).toSQL().toNative();
  const text = native.sql;
  const values = native.bindings as unknown[];
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
