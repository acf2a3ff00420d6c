import { TestDatabases } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { choiceConfig, newProject } from '../__testUtils__/fixtures';
import { readCounters } from './counters';
import { copyText, ImportItem, KnexItemStore } from './ItemStore';
import { applyDatabaseMigrations } from './migrations';
import { tuneSqlite } from './sqlite';
import { KnexProjectStore } from './ProjectStore';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

function item(i: number, title = `Track ${i}`): ImportItem {
  return {
    line: i + 1,
    externalId: `item-${i}`,
    data: { track_title: title },
    predictions: { belongs: { label: 'yes', score: 0.8 } },
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
    const batch = Array.from({ length: 50 }, (_, i) => item(i));
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
    expect((await readCounters(knex, project.id))['items.open']).toBe(50);
  });
});
