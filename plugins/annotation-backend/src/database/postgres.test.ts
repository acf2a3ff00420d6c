import { TestDatabases } from '@backstage/backend-test-utils';
import knexFactory, { Knex } from 'knex';
import { pgPrepared } from './postgres';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15'] });

/**
 * PostgreSQL only: prepared statements are what is under test, and SQLite's
 * hot paths run on its driver instead (see sqlite.ts). `init` fails rather
 * than skips when PostgreSQL is not there.
 */
describe('pgPrepared on POSTGRES_15', () => {
  let knex: Knex;

  beforeEach(async () => {
    const database = await databases.init('POSTGRES_15');
    // one connection, so every call below meets the same session
    knex = knexFactory({
      client: 'pg',
      connection: database.client.config.connection,
      pool: { min: 1, max: 1 },
    });
    await knex.schema.createTable('rows', t => {
      t.integer('id').primary();
      t.text('name');
    });
    await knex('rows').insert([
      { id: 1, name: 'one' },
      { id: 2, name: 'two' },
    ]);
  });

  afterEach(() => knex.destroy());

  const prepared = async () =>
    (await knex.raw('SELECT statement FROM pg_prepared_statements')).rows.map(
      (r: { statement: string }) => r.statement,
    );

  it('prepares a statement once per connection and runs it with named bindings', async () => {
    const sql = 'SELECT * FROM rows WHERE id = :id OR name = :name ORDER BY id';
    expect(await pgPrepared(knex, sql, { id: 1, name: 'none' })).toEqual([
      { id: 1, name: 'one' },
    ]);
    expect(await pgPrepared(knex, sql, { id: 9, name: 'two' })).toEqual([
      { id: 2, name: 'two' },
    ]);
    expect(await prepared()).toEqual([
      'SELECT * FROM rows WHERE id = $1 OR name = $2 ORDER BY id',
    ]);
  });

  it('binds by name however the bindings are ordered, repeated or cast; undefined and raw values go through knex', async () => {
    const sql = `SELECT id, :label::text AS label FROM rows
      WHERE id = :id OR (name = :name AND :id::int > 0) ORDER BY id`;
    expect(
      await pgPrepared(knex, sql, { id: 1, name: 'two', label: 'x' }),
    ).toEqual([
      { id: 1, label: 'x' },
      { id: 2, label: 'x' },
    ]);
    // the same statement, its bindings in another order and with an extra
    expect(
      await pgPrepared(knex, sql, {
        extra: 'unused',
        label: 'y',
        name: 'none',
        id: 2,
      }),
    ).toEqual([{ id: 2, label: 'y' }]);
    // an undefined value: knex's own error, not a wrong statement
    await expect(
      pgPrepared(knex, sql, { id: undefined, name: 'two', label: 'z' }),
    ).rejects.toThrow(/undefined/i);
    // a raw value is written into the statement by knex, as before
    expect(
      await pgPrepared(knex, sql, {
        id: knex.raw('1 + 1'),
        name: 'none',
        label: 'w',
      }),
    ).toEqual([{ id: 2, label: 'w' }]);
    expect(
      await pgPrepared(knex, sql, { id: 1, name: 'x', label: 'z' }),
    ).toEqual([{ id: 1, label: 'z' }]);
  });

  it('prepares a statement anew when a migration changed the rows it returns', async () => {
    const sql = 'SELECT * FROM rows WHERE id = :id';
    await pgPrepared(knex, sql, { id: 1 });
    await knex.schema.alterTable('rows', t => {
      t.text('note').defaultTo('new');
    });
    expect(await pgPrepared(knex, sql, { id: 1 })).toEqual([
      { id: 1, name: 'one', note: 'new' },
    ]);
    expect(await prepared()).toHaveLength(2);
  });

  it('inside a transaction, lets the refusal abort it; the next call prepares anew', async () => {
    const sql = 'UPDATE rows SET name = :name WHERE id = :id RETURNING *';
    await pgPrepared(knex, sql, { id: 1, name: 'uno' });
    await knex.schema.alterTable('rows', t => {
      t.text('note').defaultTo('new');
    });
    await expect(
      knex.transaction(tx => pgPrepared(tx, sql, { id: 1, name: 'eins' })),
    ).rejects.toMatchObject({ code: '0A000' });
    expect(await knex('rows').where({ id: 1 }).first()).toMatchObject({
      name: 'uno',
    });
    await knex.transaction(tx => pgPrepared(tx, sql, { id: 1, name: 'eins' }));
    expect(await knex('rows').where({ id: 1 }).first()).toMatchObject({
      name: 'eins',
    });
  });
});
