import { TestDatabases } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { choiceConfig, newProject } from '../__testUtils__/fixtures';
import { addToCounters, readCounters } from './counters';
import {
  copyText,
  ImportItem,
  KnexItemStore,
  MEDIAN_WINDOW,
} from './ItemStore';
import { applyDatabaseMigrations } from './migrations';
import { tuneSqlite } from './sqlite';
import { KnexProjectStore } from './ProjectStore';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

function item(i: number, title = `Track ${i}`): ImportItem {
  return {
    line: i + 1,
    externalId: `item-${i}`,
    dataJson: JSON.stringify({ track_title: title }),
    predictionsJson: JSON.stringify({ belongs: { label: 'yes', score: 0.8 } }),
    priority: i % 3,
    uncertainty: 0.2,
    contentHash: `hash-${i}-${title}`,
  };
}

describe('copyText', () => {
  it('escapes what COPY text format gives a meaning to', () => {
    expect(copyText(null)).toBe('\\N');
    expect(copyText('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(copyText(0.25)).toBe('0.25');
    expect(copyText('plain text')).toBe('plain text');
  });
});

describe.each(databases.eachSupportedId())('item import on %s', id => {
  let knex: Knex;

  async function setup() {
    knex = await databases.init(id);
    await applyDatabaseMigrations(knex);
    await tuneSqlite(knex);
    const project = await new KnexProjectStore(knex).create(
      newProject(),
      choiceConfig(),
      'user:default/jonas.berg',
    );
    return { project, store: new KnexItemStore(knex) };
  }

  it('stores a batch larger than one multi-row statement allows', async () => {
    const { project, store } = await setup();
    const batch = Array.from({ length: 5000 }, (_, i) => item(i));
    expect(await store.importBatch(project.id, batch)).toEqual({
      inserted: 5000,
      updated: 0,
      unchanged: 0,
      rejected: [],
    });
    expect(await store.importBatch(project.id, batch)).toMatchObject({
      inserted: 0,
      unchanged: 5000,
    });
    const [{ n }] = await knex('items')
      .where({ project_id: project.id })
      .count({ n: '*' });
    expect(Number(n)).toBe(5000);
    expect((await readCounters(knex, project.id))['items.open']).toBe(5000);
  });

  it('stores a batch taken for new the same, whether or not it is', async () => {
    const { project, store } = await setup();
    const likelyNew = { likelyNew: true };
    const fresh = Array.from({ length: 10 }, (_, i) => item(i));
    expect(
      await store.importBatch(project.id, fresh, undefined, likelyNew),
    ).toEqual({ inserted: 10, updated: 0, unchanged: 0, rejected: [] });

    // five stored (one of them changed) and five new: PostgreSQL's copy
    // fails on the first stored id, and nothing of it stays
    const mixed = Array.from({ length: 10 }, (_, i) =>
      i === 0 ? item(5, 'Renamed') : item(5 + i),
    );
    expect(
      await store.importBatch(project.id, mixed, undefined, likelyNew),
    ).toEqual({ inserted: 5, updated: 1, unchanged: 4, rejected: [] });
    const [{ n }] = await knex('items')
      .where({ project_id: project.id })
      .count({ n: '*' });
    expect(Number(n)).toBe(15);
    expect((await readCounters(knex, project.id))['items.open']).toBe(15);
    const renamed = await knex('items')
      .where({ project_id: project.id, external_id: 'item-5' })
      .first();
    expect(JSON.parse(renamed.data)).toEqual({ track_title: 'Renamed' });
  });

  it('keeps text with tabs, newlines, backslashes and quotes intact', async () => {
    const { project, store } = await setup();
    const title = 'tab\there\nnew line \\N back\\slash "quoted" ünï 🎵';
    await store.importBatch(project.id, [item(1, title)]);
    const row = await knex('items')
      .where({ project_id: project.id, external_id: 'item-1' })
      .first();
    expect(JSON.parse(row.data)).toEqual({ track_title: title });
    expect(JSON.parse(row.predictions)).toEqual({
      belongs: { label: 'yes', score: 0.8 },
    });
    expect(row.gold).toBeNull();
    expect(row.priority).toBe(1);
    expect(Number(row.uncertainty)).toBeCloseTo(0.2);
    expect(row.state).toBe('open');
    const fetched = await store.get(project.id, String(row.id));
    expect(fetched?.data).toEqual({ track_title: title });
  });

  it('counts ids another import stored first as unchanged', async () => {
    const { project, store } = await setup();
    // every fifth a gold item: each state is counted whichever import wins
    const batch = Array.from({ length: 50 }, (_, i) => ({
      ...item(i),
      ...(i % 5 ? {} : { goldJson: JSON.stringify({ belongs: 'no' }) }),
    }));
    const results = await Promise.all([
      store.importBatch(project.id, batch),
      store.importBatch(project.id, batch),
      store.importBatch(project.id, batch.slice(10, 20)),
    ]);
    expect(results.reduce((sum, r) => sum + r.inserted, 0)).toBe(50);
    results.forEach((r, i) =>
      expect(r.inserted + r.unchanged).toBe(i === 2 ? 10 : 50),
    );
    const [{ n }] = await knex('items')
      .where({ project_id: project.id })
      .count({ n: '*' });
    expect(Number(n)).toBe(50);
    expect(await readCounters(knex, project.id)).toMatchObject({
      'items.open': 40,
      'items.gold': 10,
    });
  });

  /**
   * Until `work` waits for a lock that `holder` holds (PostgreSQL), then
   * `holder` commits. On SQLite the store waits for the one connection the
   * holder has, so a short pause stands for the wait.
   */
  async function whileHeld<T>(holder: Knex.Transaction, work: Promise<T>) {
    if (id === 'POSTGRES_15') {
      for (let tries = 0; ; tries++) {
        // not in the holder's transaction: it would see one snapshot
        const { rows } = await knex.raw(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        if (rows[0].n > 0) break;
        if (tries > 500) throw new Error('the store never waited for the lock');
        await new Promise(resolve => setTimeout(resolve, 20));
      }
    } else {
      await new Promise(resolve => setTimeout(resolve, 100));
    }
    await holder.commit();
    return work;
  }

  const notUpdated = (line: number) => ({
    line,
    externalId: `item-${line - 1}`,
    reason:
      'item already has annotations or is being annotated; it was not updated',
  });

  async function titlesAndCounts(projectId: string) {
    const rows = await knex('items')
      .where({ project_id: projectId })
      .orderBy('external_id');
    const counters = await readCounters(knex, projectId);
    const states = ['open', 'full', 'gold'] as const;
    return {
      titles: rows.map(r => JSON.parse(r.data).track_title),
      // the counters agree with the rows
      counted: states.map(state => counters[`items.${state}`]),
      stored: states.map(state => rows.filter(r => r.state === state).length),
    };
  }

  it('updates changed lines in bulk, but not an item claimed since it was read', async () => {
    const { project, store } = await setup();
    await store.importBatch(
      project.id,
      Array.from({ length: 4 }, (_, i) => item(i)),
    );
    const claimed = await knex('items')
      .where({ project_id: project.id, external_id: 'item-3' })
      .first('id');
    // a claim of item-3 in flight: its row changed, not yet committed
    const claim = await knex.transaction();
    await claim('items')
      .where({ id: claimed.id })
      .update({ slots_taken: 1, state: 'full' });
    await addToCounters(claim, project.id, {
      'items.open': -1,
      'items.full': 1,
    });
    const importing = store.importBatch(
      project.id,
      Array.from({ length: 4 }, (_, i) => item(i, `Track ${i}, remastered`)),
    );
    expect(await whileHeld(claim, importing)).toEqual({
      inserted: 0,
      updated: 3,
      unchanged: 0,
      rejected: [notUpdated(4)],
    });
    expect(await titlesAndCounts(project.id)).toEqual({
      titles: [
        'Track 0, remastered',
        'Track 1, remastered',
        'Track 2, remastered',
        'Track 3',
      ],
      counted: [3, 1, 0],
      stored: [3, 1, 0],
    });
  });

  it('leaves a gold item leased since it was read as it is', async () => {
    const { project, store } = await setup();
    const gold = (i: number, title?: string) => ({
      ...item(i, title),
      goldJson: JSON.stringify({ belongs: 'yes' }),
    });
    await store.importBatch(project.id, [gold(0), gold(1)]);
    const leased = await knex('items')
      .where({ project_id: project.id, external_id: 'item-1' })
      .first('id');
    // a honeypot lease in flight: it takes no slot, the item row is as it was
    const lease = await knex.transaction();
    await lease('leases').insert({
      item_id: leased.id,
      annotator: 'user:default/amara',
      project_id: project.id,
      token: 'gold-lease',
      expires_at: Date.now() + 60_000,
      created_at: Date.now(),
      gold: true,
    });
    // the new file drops the gold answers: the items would join the pool
    const importing = store.importBatch(project.id, [
      item(0, 'Track 0, remastered'),
      item(1, 'Track 1, remastered'),
    ]);
    expect(await whileHeld(lease, importing)).toEqual({
      inserted: 0,
      updated: 1,
      unchanged: 0,
      rejected: [notUpdated(2)],
    });
    expect(await titlesAndCounts(project.id)).toEqual({
      titles: ['Track 0, remastered', 'Track 1'],
      counted: [1, 0, 1],
      stored: [1, 0, 1],
    });
  });

  it('reports a changed line of an item settled without a human answer, and keeps it', async () => {
    const { project, store } = await setup();
    await store.importBatch(project.id, [item(0), item(1)]);
    // as an auto-accepting LLM leaves it: complete, no answer, no slot
    await knex('items')
      .where({ project_id: project.id, external_id: 'item-1' })
      .update({ state: 'complete' });
    await addToCounters(knex, project.id, {
      'items.open': -1,
      'items.complete': 1,
    });
    expect(
      await store.importBatch(project.id, [
        item(0, 'Track 0, remastered'),
        item(1, 'Track 1, remastered'),
      ]),
    ).toEqual({
      inserted: 0,
      updated: 1,
      unchanged: 0,
      rejected: [notUpdated(2)],
    });
    const rows = await knex('items')
      .where({ project_id: project.id })
      .orderBy('external_id');
    expect(rows.map(r => [JSON.parse(r.data).track_title, r.state])).toEqual([
      ['Track 0, remastered', 'open'],
      ['Track 1', 'complete'],
    ]);
    const counters = await readCounters(knex, project.id);
    expect([counters['items.open'], counters['items.complete']]).toEqual([
      1, 1,
    ]);
  });

  it("reports each annotator's median time per answer over their latest answers", async () => {
    const { project, store } = await setup();
    const count = MEDIAN_WINDOW * 2 + 1;
    await store.importBatch(
      project.id,
      Array.from({ length: count }, (_, i) => item(i)),
    );
    const ids: string[] = (
      await knex('items').where({ project_id: project.id }).orderBy('id')
    ).map(r => String(r.id));
    const answers: Array<[string, number[]]> = [
      ['user:default/a', [5000, 1000, 3000]],
      ['user:default/b', [10000, 2000, 4000, 8000]],
      // older answers past the window are slow, the latest fast
      [
        'user:default/c',
        [
          ...Array(MEDIAN_WINDOW + 1).fill(9000),
          ...Array(MEDIAN_WINDOW).fill(2000),
        ],
      ],
    ];
    const t0 = Date.now() - 1_000_000;
    for (const [annotator, times] of answers) {
      const rows = times.map((time, i) => ({
        project_id: project.id,
        item_id: ids[i],
        annotator,
        config_version: 1,
        answer: '{}',
        time_spent_ms: time,
        created_at: t0 + i,
        updated_at: t0 + i,
      }));
      for (let i = 0; i < rows.length; i += 200) {
        await knex('annotations').insert(rows.slice(i, i + 200));
      }
      await knex('annotator_stats').insert({
        project_id: project.id,
        annotator,
        annotations: times.length,
        time_spent_ms: times.reduce((x, y) => x + y, 0),
      });
    }
    await knex('annotator_stats').insert({
      project_id: project.id,
      annotator: 'user:default/skipper',
      skips: 1,
    });

    const progress = await store.progress(project.id, { medians: true });
    const median = Object.fromEntries(
      progress.annotators.map(a => [a.annotator, a.medianTimeMs]),
    );
    expect(median).toEqual({
      'user:default/a': 3000,
      'user:default/b': 6000, // the mean of the middle two
      'user:default/c': 2000,
      'user:default/skipper': undefined,
    });
    // the counters-only progress (signals) does not compute them
    const plain = await store.progress(project.id);
    expect(plain.annotators.every(a => !('medianTimeMs' in a))).toBe(true);
  });
});

describe('item import on POSTGRES_15', () => {
  it('renews the planner statistics as a project grows', async () => {
    const knex = await databases.init('POSTGRES_15');
    await applyDatabaseMigrations(knex);
    const project = await new KnexProjectStore(knex).create(
      newProject(),
      choiceConfig(),
      'user:default/jonas.berg',
    );
    const store = new KnexItemStore(knex);
    await store.importBatch(project.id, [item(0)]);
    await knex.raw('ANALYZE items');
    const planned = async () => {
      const { rows } = await knex.raw(
        "SELECT reltuples FROM pg_class WHERE relname = 'items'",
      );
      return Number(rows[0].reltuples);
    };
    expect(await planned()).toBe(1);

    // stale, the statistics would plan each batch's existing-id lookup as a
    // walk over the whole project
    for (let from = 1; from <= 30_000; from += 5000) {
      await store.importBatch(
        project.id,
        Array.from({ length: 5000 }, (_, i) => item(from + i)),
      );
    }
    expect(await planned()).toBeGreaterThanOrEqual(25_000);
  });
});
