import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { JsonObject } from '@backstage/types';
import {
  applyDatabaseMigrations,
  KnexItemStore,
  KnexProjectStore,
} from '../database';
import fs from 'fs';
import path from 'path';
import { parse } from 'yaml';
import { readSeedProjects, SEED_ACTOR, seedProjects } from './seedProjects';

const seed: JsonObject = {
  name: 'overlaid-music-marking',
  title: 'Overlaid music marking',
  owner: 'group:cu-ml-engineering',
  lifecycle: 'experimental',
  model: 'resource:overlaid-music-detector',
  dataset: 'resource:overlaid-music-segments',
  status: 'draft',
  config: {
    overlap: 2,
    workforce: {
      annotators: ['group:cu-annotators'],
      qualityAnalysts: ['group:cu-quality-analysts'],
      managers: ['group:cu-project-managers'],
    },
    questions: [
      {
        id: 'music',
        type: 'audio-segments',
        title: 'Music under speech',
        field: 'audio_url',
        labels: ['music'],
      },
    ],
  },
};

function config(projects: JsonObject[]) {
  return new ConfigReader({ annotation: { seed: { projects } } });
}

describe('readSeedProjects', () => {
  it('reads valid entries and nothing when unset', () => {
    const [read] = readSeedProjects(config([seed]));
    expect(read.project).toEqual(seed);
    expect(read.config).toMatchObject({ overlap: 2, blind: true });
    expect(readSeedProjects(new ConfigReader({}))).toEqual([]);
  });

  it('reads the demo seeds with their items', () => {
    const seeds = readSeedProjects(config(demoSeedConfig()));
    expect(seeds.map(s => s.project.name)).toEqual([
      'track-placement-relevance',
      'podcast-policy-review',
      'overlaid-music-marking',
    ]);
    // 60 to label, 24 gold for the LLM evaluation
    expect(seeds[0].items?.split('\n').filter(Boolean)).toHaveLength(84);
    expect(() => readSeedProjects(config([{ ...seed, items: 42 }]))).toThrow(
      'annotation.seed.projects[0].items: NDJSON text expected',
    );
  });

  it('names the entry and field of a bad seed', () => {
    expect(() =>
      readSeedProjects(config([seed, { ...seed, model: 'group:x' }])),
    ).toThrow(
      'annotation.seed.projects[1].model: expected a reference to a resource entity, got kind "group"',
    );
    expect(() =>
      readSeedProjects(config([{ ...seed, name: 'Not A Name!' }])),
    ).toThrow(
      /annotation\.seed\.projects\[0\]\.name: a catalogue entity name expected/,
    );
    expect(() =>
      readSeedProjects(
        config([{ ...seed, config: { ...(seed.config as any), overlap: 0 } }]),
      ),
    ).toThrow(
      'annotation.seed.projects[0].config.overlap: at least 1 expected',
    );
    expect(() =>
      readSeedProjects(config([{ ...seed, status: 'live' }])),
    ).toThrow(/annotation\.seed\.projects\[0\]\.status: one of draft, active/);
  });
});

/** The demo seeds as the config loader gives them ($file read as text). */
function demoSeedConfig() {
  const dir = path.resolve(__dirname, '../../../../examples/demo');
  const entries = parse(
    fs.readFileSync(path.join(dir, 'chorus-projects.yaml'), 'utf8'),
  ) as JsonObject[];
  return entries.map(entry => {
    const items = entry.items as { $file: string } | undefined;
    return items
      ? {
          ...entry,
          items: fs.readFileSync(path.join(dir, items.$file), 'utf8'),
        }
      : entry;
  });
}

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

describe.each(databases.eachSupportedId())('seedProjects on %s', id => {
  it('creates missing projects once, also when two replicas race', async () => {
    const knex = await databases.init(id);
    await applyDatabaseMigrations(knex);
    const store = new KnexProjectStore(knex);
    const itemStore = new KnexItemStore(knex);
    const seeds = readSeedProjects(config([seed]));
    const logger = mockServices.logger.mock();

    await Promise.all([
      seedProjects(store, itemStore, seeds, logger),
      seedProjects(store, itemStore, seeds, logger),
    ]);
    await seedProjects(store, itemStore, seeds, logger);

    const projects = await store.list();
    expect(projects.map(p => p.name)).toEqual(['overlaid-music-marking']);

    // a deleted demo project stays deleted once anything else exists
    await store.create(
      { ...seeds[0].project, name: 'another' },
      seeds[0].config,
      'user:default/jonas.berg',
    );
    await store.delete(projects[0].id, 'user:default/jonas.berg');
    await seedProjects(store, itemStore, seeds, logger);
    expect((await store.list()).map(p => p.name)).toEqual(['another']);
  }, 60_000);

  it('imports the demo items without a rejected line', async () => {
    const knex = await databases.init(id);
    await applyDatabaseMigrations(knex);
    const store = new KnexProjectStore(knex);
    const itemStore = new KnexItemStore(knex);
    const logger = mockServices.logger.mock();
    await seedProjects(
      store,
      itemStore,
      readSeedProjects(config(demoSeedConfig())),
      logger,
    );
    const counts = await knex('items')
      .select('project_id')
      .count({ n: '*' })
      .groupBy('project_id');
    expect(counts.map(c => Number(c.n)).sort((a, b) => a - b)).toEqual([
      30, 84,
    ]);
    const [{ n: gold }] = await knex('items')
      .where({ state: 'gold' })
      .count({ n: '*' });
    expect(Number(gold)).toBe(24);
    const messages = logger.info.mock.calls.map(c => String(c[0]));
    expect(messages.filter(m => m.includes('rejected'))).toEqual([]);
  }, 60_000);

  it('imports the items of a seeded project a stopped backend left empty', async () => {
    const knex = await databases.init(id);
    await applyDatabaseMigrations(knex);
    const store = new KnexProjectStore(knex);
    const itemStore = new KnexItemStore(knex);
    const logger = mockServices.logger.mock();
    const seeds = readSeedProjects(config(demoSeedConfig()));
    // the backend stopped right after creating the first demo project, and
    // someone made a project named like the second one
    const [tracks, podcasts] = seeds;
    const seeded = await store.create(
      tracks.project,
      tracks.config,
      SEED_ACTOR,
    );
    const own = await store.create(
      podcasts.project,
      podcasts.config,
      'user:default/jonas.berg',
    );
    const itemCount = async (projectId: string) =>
      Number(
        (
          await knex('items').where({ project_id: projectId }).count({ n: '*' })
        )[0].n,
      );

    // two replicas starting at once
    await Promise.all([
      seedProjects(store, itemStore, seeds, logger),
      seedProjects(store, itemStore, seeds, logger),
    ]);
    expect(await itemCount(seeded.id)).toBe(84);
    expect(await itemCount(own.id)).toBe(0); // not a seeded project
    // the table was not empty: no other demo project came
    expect((await store.list()).map(p => p.name).sort()).toEqual([
      'podcast-policy-review',
      'track-placement-relevance',
    ]);
    const seedImports = async () =>
      (await itemStore.listImports(seeded.id, 50)).filter(
        i => i.createdBy === SEED_ACTOR,
      ).length;
    const imported = await seedImports();
    expect(imported).toBeGreaterThanOrEqual(1);

    // once done, later starts leave it alone
    await seedProjects(store, itemStore, seeds, logger);
    expect(await seedImports()).toBe(imported);
    expect(await itemCount(seeded.id)).toBe(84);
  }, 60_000);
});
