import fs from 'fs';
import knexFactory, { Knex } from 'knex';
import os from 'os';
import path from 'path';
import { SqliteConnection, sqliteWrite, tuneSqlite } from './sqlite';

/**
 * SQLite only: the tuning of the embedded database's connection is what is
 * under test, and it does nothing on PostgreSQL.
 */
describe('tuneSqlite', () => {
  let knex: Knex;
  /** Statement texts the driver ran, in order. */
  let ran: string[];

  beforeEach(async () => {
    knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: ':memory:' },
      useNullAsDefault: true,
    });
    // record what reaches the driver, beneath the tuning
    const connection = await knex.client.acquireConnection();
    const compile = connection.prepare.bind(connection);
    ran = [];
    const recorded =
      (sql: string, call: (...args: unknown[]) => unknown) =>
      (...args: unknown[]) => {
        ran.push(sql);
        return call(...args);
      };
    connection.prepare = (sql: string) => {
      const statement = compile(sql);
      for (const method of ['all', 'get', 'run'] as const) {
        statement[method] = recorded(sql, statement[method].bind(statement));
      }
      return statement;
    };
    await knex.client.releaseConnection(connection);
    await tuneSqlite(knex);
    await knex.schema.createTable('rows', t => {
      t.integer('id').primary();
      t.text('name');
    });
    await knex('rows').insert(
      [1, 2, 3, 4, 5].map(id => ({ id, name: `row ${id}` })),
    );
    ran = [];
  });

  afterEach(() => knex.destroy());

  it('writes LIMIT into the statement, so SQLite does not compile it again for every binding; OFFSET stays bound', async () => {
    expect(await knex('rows').where({ id: 4 }).first()).toEqual({
      id: 4,
      name: 'row 4',
    });
    expect(await knex('rows').where({ id: 2 }).first()).toEqual({
      id: 2,
      name: 'row 2',
    });
    const page = await knex('rows')
      .where('id', '>', 1)
      .orderBy('id')
      .limit(2)
      .offset(1);
    expect(page.map(r => r.id)).toEqual([3, 4]);
    expect(ran).toEqual([
      'select * from `rows` where `id` = ? limit 1',
      'select * from `rows` where `id` = ? limit 1',
      'select * from `rows` where `id` > ? order by `id` asc limit 2 offset ?',
    ]);
  });

  it('keeps the bindings of a subquery and of values after the paging in their places', async () => {
    const rows = await knex('rows')
      .whereIn('id', knex('rows').select('id').where('id', '>', 2).limit(2))
      .andWhere('name', '!=', 'row 3')
      .orderBy('id');
    expect(rows).toEqual([{ id: 4, name: 'row 4' }]);
    expect(ran).toEqual([
      'select * from `rows` where `id` in (select `id` from `rows` where `id` > ? limit 2) and `name` != ? order by `id` asc',
    ]);
  });

  it('binds a paging value that is not a whole number, as knex sent it', async () => {
    const connection = await knex.client.acquireConnection();
    try {
      const statement = connection.prepare(
        'select * from `rows` order by `id` limit ?',
      );
      expect(statement.reader).toBe(true);
      expect(statement.all(['2']).map((r: { id: number }) => r.id)).toEqual([
        1, 2,
      ]);
      expect(statement.all([1]).map((r: { id: number }) => r.id)).toEqual([1]);
    } finally {
      await knex.client.releaseConnection(connection);
    }
    expect(ran).toEqual([
      'select * from `rows` order by `id` limit ?',
      'select * from `rows` order by `id` limit 1',
    ]);
  });

  it('runs writes with paging too', async () => {
    await knex('rows')
      .whereIn('id', knex('rows').select('id').orderBy('id').limit(2))
      .update({ name: 'first two' });
    expect(
      (await knex('rows').where({ name: 'first two' })).map(r => r.id),
    ).toEqual([1, 2]);
    expect(ran[0]).toBe(
      'update `rows` set `name` = ? where `id` in (select `id` from `rows` order by `id` asc limit 2)',
    );
  });
});

/** On a file, so that a second connection can see what is committed. */
describe('sqliteWrite', () => {
  let dir: string;
  let knex: Knex;
  /** Another connection: it sees only committed rows. */
  let reader: { prepare(sql: string): { pluck(): { all(): number[] } } };
  const committedIds = () =>
    reader.prepare('SELECT id FROM rows ORDER BY id').pluck().all();
  const insert = (db: SqliteConnection, id: number) =>
    db.prepare('INSERT INTO rows (id) VALUES (?)').run([id]);

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-write-'));
    const filename = path.join(dir, 'annotation.sqlite');
    knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename },
      useNullAsDefault: true,
    });
    await tuneSqlite(knex);
    await knex.schema.createTable('rows', t => t.integer('id').primary());
    const Driver = knex.client.driver;
    reader = new Driver(filename, { readonly: true });
  });

  afterEach(async () => {
    (reader as unknown as { close(): void }).close();
    await knex.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('commits the writes asked for in one turn together; one that throws undoes only itself', async () => {
    const outcomes = await Promise.allSettled([
      sqliteWrite(knex, db => {
        insert(db, 1);
        return 'first';
      }),
      sqliteWrite(knex, db => {
        insert(db, 2);
        throw new Error('second refused');
      }),
      sqliteWrite(knex, db => {
        insert(db, 3);
        // the first write is not committed yet: one commit for the group
        return committedIds();
      }),
    ]);
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: 'first' },
      { status: 'rejected', reason: new Error('second refused') },
      { status: 'fulfilled', value: [] },
    ]);
    expect(committedIds()).toEqual([1, 3]);
  });

  it('a write asked for after another has been answered sees it committed', async () => {
    await sqliteWrite(knex, db => insert(db, 1));
    await expect(
      sqliteWrite(knex, db => {
        insert(db, 2);
        return committedIds();
      }),
    ).resolves.toEqual([1]);
  });

  it('refuses work that awaits, which would write outside the transaction', async () => {
    const awaiting = async (db: SqliteConnection) => insert(db, 1);
    // @ts-expect-error the compiler refuses it first
    const refused = sqliteWrite(knex, awaiting);
    await expect(refused).rejects.toThrow(
      'Transaction function cannot return a promise',
    );
    await sqliteWrite(knex, db => insert(db, 2));
    expect(committedIds()).toEqual([2]);
  });

  it('refuses to become part of a transaction someone else holds open', async () => {
    const connection: SqliteConnection = await knex.client.acquireConnection();
    connection.prepare('BEGIN').run();
    await knex.client.releaseConnection(connection);
    await expect(sqliteWrite(knex, db => insert(db, 1))).rejects.toThrow(
      'sqliteWrite: the connection is already in a transaction',
    );
    connection.prepare('ROLLBACK').run();
    await sqliteWrite(knex, db => insert(db, 2));
    expect(committedIds()).toEqual([2]);
  });

  it('keeps nothing of the group when an error ends the whole transaction', async () => {
    const outcomes = await Promise.allSettled([
      sqliteWrite(knex, db => insert(db, 1)),
      sqliteWrite(knex, db => {
        // as SQLite does on a full disk or an I/O error
        db.prepare('ROLLBACK').run();
        throw new Error('disk full');
      }),
      sqliteWrite(knex, db => insert(db, 3)),
    ]);
    expect(outcomes.map(o => o.status)).toEqual([
      'rejected',
      'rejected',
      'rejected',
    ]);
    expect(committedIds()).toEqual([]);
    await sqliteWrite(knex, db => insert(db, 4));
    expect(committedIds()).toEqual([4]);
  });
});
