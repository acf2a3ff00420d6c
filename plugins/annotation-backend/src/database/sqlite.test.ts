import knexFactory, { Knex } from 'knex';
import { tuneSqlite } from './sqlite';

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
