import { TestDatabases } from '@backstage/backend-test-utils';
import knexFactory, { Knex } from 'knex';
import { choiceConfig, newProject } from '../__testUtils__/fixtures';
import { KnexItemStore } from './ItemStore';
import { KnexLeaseStore } from './LeaseStore';
import { applyDatabaseMigrations } from './migrations';
import { pgPrepared, pgTransaction } from './postgres';
import { KnexProjectStore } from './ProjectStore';

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

describe('pgTransaction on POSTGRES_15', () => {
  let knex: Knex;
  let connection: Knex.StaticConnectionConfig;

  beforeEach(async () => {
    const database = await databases.init('POSTGRES_15');
    connection = database.client.config.connection;
    // one connection: a transaction left open would hold up the next call
    knex = knexFactory({ client: 'pg', connection, pool: { min: 1, max: 1 } });
    await knex.schema.createTable('rows', t => {
      t.integer('id').primary();
      t.text('name');
    });
    await knex.schema.createTable('notes', t => {
      t.integer('row_id');
      t.text('text');
    });
    await knex('rows').insert([
      { id: 1, name: 'one' },
      { id: 2, name: 'two' },
    ]);
  });

  afterEach(() => knex.destroy());

  const lock = (id: number) => ({
    sql: 'SELECT * FROM rows WHERE id = :id FOR NO KEY UPDATE',
    bindings: { id },
  });
  const notes = (id: number) => ({
    sql: 'SELECT count(*)::int AS n FROM notes WHERE row_id = :id',
    bindings: { id },
  });
  /** The statements PREPAREd on the connection, as written after `AS`. */
  const preparedBySql = async () =>
    (
      await knex.raw(
        "SELECT statement FROM pg_prepared_statements WHERE name LIKE '%\\_sql'",
      )
    ).rows
      .map((r: { statement: string }) => r.statement.replace(/^.*? AS /, ''))
      .sort();

  it('opens with its statements, runs the work and commits', async () => {
    const result = await pgTransaction(
      knex,
      [lock(2), notes(2)],
      async (rows, run) => {
        await run('INSERT INTO notes VALUES (:id, :text)', {
          id: 2,
          text: "it's two",
        });
        return rows;
      },
    );
    expect(result).toEqual([[{ id: 2, name: 'two' }], [{ n: 0 }]]);
    expect(await knex('notes')).toEqual([{ row_id: 2, text: "it's two" }]);
    // prepared once per connection: a second transaction adds none
    await pgTransaction(knex, [lock(1), notes(1)], async rows => rows);
    expect(await preparedBySql()).toEqual([
      'SELECT * FROM rows WHERE id = $1 FOR NO KEY UPDATE',
      'SELECT count(*)::int AS n FROM notes WHERE row_id = $1',
    ]);
  });

  it('rolls back when the work fails, and the connection serves the next', async () => {
    await expect(
      pgTransaction(knex, [lock(1)], async (_rows, run) => {
        await run('INSERT INTO notes VALUES (:id, :text)', {
          id: 1,
          text: 'x',
        });
        throw new Error('the decision failed');
      }),
    ).rejects.toThrow('the decision failed');
    expect(await knex('notes')).toEqual([]);
    // a failing statement aborts the transaction the same way
    await expect(
      pgTransaction(knex, [lock(1)], (_rows, run) =>
        run('INSERT INTO notes VALUES (:id, :text)', { id: 'one', text: 'x' }),
      ),
    ).rejects.toMatchObject({ code: '22P02' });
    expect(
      await pgTransaction(knex, [notes(1)], async rows => rows[0]),
    ).toEqual([{ n: 0 }]);
  });

  it('takes only whole numbers into its opening, checked before anything is sent', async () => {
    await expect(
      pgTransaction(
        knex,
        [
          {
            sql: 'SELECT * FROM rows WHERE id = :id',
            bindings: { id: '1); DROP TABLE notes; --' },
          },
        ],
        async rows => rows,
      ),
    ).rejects.toThrow(/whole number expected/);
    expect(await knex('notes')).toEqual([]);
    expect(await preparedBySql()).toEqual([]);
  });

  it('prepares again once the session lost its statements', async () => {
    await pgTransaction(knex, [lock(1)], async rows => rows);
    const [{ name, statement }] = (
      await knex.raw(
        "SELECT name, statement FROM pg_prepared_statements WHERE name LIKE '%\\_sql'",
      )
    ).rows;
    // what a pooler's DISCARD ALL does: the next call fails, rolled back
    await knex.raw('DEALLOCATE ALL');
    await expect(
      pgTransaction(knex, [lock(1)], async rows => rows),
    ).rejects.toMatchObject({ code: '26000' });
    // and a statement already there under its name (a PREPARE whose
    // answer was lost) is taken as prepared
    await knex.raw(statement);
    expect(await pgTransaction(knex, [lock(1)], async rows => rows)).toEqual([
      [{ id: 1, name: 'one' }],
    ]);
    expect(await preparedBySql()).toEqual([
      'SELECT * FROM rows WHERE id = $1 FOR NO KEY UPDATE',
    ]);
    expect(name).toMatch(/_sql$/);
  });

  it('reads after a lock that waited what the lock holder wrote', async () => {
    const other = knexFactory({ client: 'pg', connection });
    try {
      // another writer holds row 1 and adds a note, not yet committed
      const holder = await other.transaction();
      await holder.raw('SELECT * FROM rows WHERE id = 1 FOR NO KEY UPDATE');
      await holder('notes').insert({ row_id: 1, text: 'written meanwhile' });
      const reading = pgTransaction(
        knex,
        [lock(1), notes(1)],
        async rows => rows,
      );
      await new Promise(resolve => setTimeout(resolve, 300));
      await holder.commit();
      // the read is a statement of its own, with a snapshot taken after
      // the lock was granted
      expect(await reading).toEqual([[{ id: 1, name: 'one' }], [{ n: 1 }]]);
    } finally {
      await other.destroy();
    }
  });

  it('prepares its opening anew when a migration changed the rows it returns', async () => {
    await pgTransaction(knex, [lock(1)], async rows => rows);
    await knex.schema.alterTable('rows', t => {
      t.text('note').defaultTo('new');
    });
    await expect(
      pgTransaction(knex, [lock(1)], async rows => rows),
    ).rejects.toMatchObject({ code: '0A000' });
    expect(await pgTransaction(knex, [lock(1)], async rows => rows)).toEqual([
      [{ id: 1, name: 'one', note: 'new' }],
    ]);
  });
});

/** A project of the given items, on a knex of its own with `pool` connections. */
async function projectWithItems(
  pool: number,
  items: Array<{ externalId: string; gold: boolean }>,
) {
  const database = await databases.init('POSTGRES_15');
  const knex = knexFactory({
    client: 'pg',
    connection: database.client.config.connection,
    pool: { min: pool, max: pool },
  });
  await applyDatabaseMigrations(knex);
  const project = await new KnexProjectStore(knex).create(
    newProject(),
    choiceConfig({ overlap: 2 }),
    'user:default/jonas.berg',
  );
  await new KnexItemStore(knex).importBatch(
    project.id,
    items.map(({ externalId, gold }, i) => ({
      line: i + 1,
      externalId,
      dataJson: JSON.stringify({ track_title: externalId }),
      ...(gold ? { goldJson: JSON.stringify({ belongs: 'yes' }) } : {}),
      priority: 0,
      uncertainty: 0,
      contentHash: `hash-${i}`,
    })),
  );
  return { knex, project };
}

describe('honeypot claims on POSTGRES_15', () => {
  let knex: Knex;
  afterEach(() => knex?.destroy());

  it('skips a gold item an import is rewriting, without waiting for it', async () => {
    let project;
    ({ knex, project } = await projectWithItems(2, [
      { externalId: 'gold-a', gold: true },
      { externalId: 'gold-b', gold: true },
      { externalId: 'regular', gold: false },
    ]));
    // an import holds gold-a, about to rewrite it (see ItemStore)
    const importing = await knex.transaction();
    await importing.raw(
      `SELECT id FROM items WHERE project_id = ? AND external_id = 'gold-a'
       FOR UPDATE`,
      [project.id],
    );
    const claim = new KnexLeaseStore(knex).next({
      projectId: project.id,
      annotator: 'user:default/amara',
      overlap: 2,
      ordering: 'priority',
      ttlMs: 60_000,
      maxHeld: 2,
      goldRate: 1,
    });
    const waited = new Promise(resolve => setTimeout(resolve, 5_000, 'waited'));
    const lease = await Promise.race([claim, waited]);
    await importing.commit();
    expect(lease).toMatchObject({ item: { externalId: 'gold-b' } });
  });
});

/**
 * The claim is a prepared statement whose plan outlives the statistics it
 * was made with: planned while a project is young (few answers), an anti
 * join read all of `annotations` on every claim. Its generic plan must
 * probe the annotator's answers, skips and leases by key per candidate.
 */
describe('the claim on POSTGRES_15', () => {
  let knex: Knex;
  afterEach(() => knex?.destroy());

  it.each(['priority', 'random', 'uncertainty'] as const)(
    'checks answers, skips and leases by key, whatever the statistics (%s order)',
    async ordering => {
      let project;
      ({ knex, project } = await projectWithItems(
        1,
        // a few honeypots, for the claim that tries gold first
        Array.from({ length: 20 }, (_, i) => ({
          externalId: `item-${i}`,
          gold: i % 5 === 0,
        })),
      ));
      await knex.raw('ANALYZE');
      const leases = new KnexLeaseStore(knex);
      for (const [annotator, goldRate] of [
        ['user:default/amara', 0],
        ['user:default/bo', 1],
      ] as const) {
        const lease = await leases.next({
          projectId: project.id,
          annotator,
          overlap: 2,
          ordering,
          ttlMs: 60_000,
          maxHeld: 2,
          goldRate,
        });
        expect(lease).toBeDefined();
      }

      // the regular claim and the one with gold first
      const claims = (
        await knex.raw(
          `SELECT name, cardinality(parameter_types) AS params,
             statement LIKE '%gold_leased%' AS gold
           FROM pg_prepared_statements WHERE statement LIKE '%SKIP LOCKED%'`,
        )
      ).rows;
      expect(claims.map((c: { gold: boolean }) => c.gold).sort()).toEqual([
        false,
        true,
      ]);
      // the plans they would keep, with tables so small that only the
      // shape of a plan tells: indexes are taken wherever one fits
      await knex.raw('SET plan_cache_mode = force_generic_plan');
      await knex.raw('SET enable_seqscan = off');
      for (const claim of claims) {
        const plan = (
          await knex.raw(
            `EXPLAIN EXECUTE ${claim.name}(${Array(claim.params)
              .fill('NULL')
              .join(', ')})`,
          )
        ).rows
          .map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN'])
          .join('\n');
        expect(plan).not.toMatch(/Anti Join/);
        // PostgreSQL 15's EXPLAIN wording
        const probes = (index: string) =>
          new RegExp(
            `Index Scan using ${index} on items i(_\\d+)?\\b.*\\n\\s+Index Cond: .*\\n\\s+Filter: .*\\(NOT \\(SubPlan \\d+\\)\\) AND \\(NOT \\(SubPlan \\d+\\)\\) AND \\(NOT \\(SubPlan \\d+\\)\\)\\)`,
          );
        const candidates = claim.gold
          ? ['items_next_\\w+', 'items_gold_idx']
          : ['items_next_\\w+'];
        for (const index of candidates) {
          expect(plan).toMatch(probes(index));
        }
        for (const table of ['annotations', 'skips', 'leases']) {
          expect(plan).toMatch(
            new RegExp(
              `SubPlan \\d+\\s+->  Index (Only )?Scan using \\w+ on ${table} \\w+\\b`,
            ),
          );
        }
      }
    },
  );
});
