import { TestDatabases } from '@backstage/backend-test-utils';
import { NewAnnotationProject } from '@chorus/plugin-annotation-common';
import { applyDatabaseMigrations } from './migrations';
import { KnexProjectStore } from './ProjectStore';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const input: NewAnnotationProject = {
  name: 'track-placement-relevance',
  title: 'Track placement relevance',
  owner: 'group:cu-ml-engineering',
  lifecycle: 'production',
  model: 'resource:track-artist-page-placement',
  dataset: 'resource:track-placement-labels',
  workforce: {
    annotators: ['group:cu-annotators'],
    qualityAnalysts: ['group:cu-quality-analysts'],
    managers: ['group:cu-project-managers'],
  },
  taskType: 'single-choice',
  questions: [{ id: 'belongs', type: 'single-choice', title: 'Belongs?' }],
  status: 'active',
};

describe.each(databases.eachSupportedId())('KnexProjectStore on %s', id => {
  async function createStore() {
    const knex = await databases.init(id);
    await applyDatabaseMigrations(knex);
    return new KnexProjectStore(knex);
  }

  it('stores and reads back a project with normalised types', async () => {
    const store = await createStore();
    const created = await store.create(input);
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.namespace).toBe('default');

    const [listed] = await store.list();
    expect(listed).toEqual(created);
    expect(await store.get(created.id)).toEqual(created);
    expect(listed.workforce.annotators).toEqual(['group:cu-annotators']);
    expect(listed.questions).toEqual(input.questions);
    expect(new Date(listed.createdAt).toISOString()).toBe(listed.createdAt);
    expect(listed).not.toHaveProperty('description');
  });

  it('refuses a second project with the same namespace and name', async () => {
    const store = await createStore();
    await store.create(input);
    await expect(store.create({ ...input, title: 'Again' })).rejects.toThrow(
      'name: a project named "default/track-placement-relevance" already exists',
    );
    // another namespace is fine
    await store.create({ ...input, namespace: 'podcasts' });
    expect((await store.list()).map(p => p.namespace)).toEqual([
      'default',
      'podcasts',
    ]);
  });

  it('deletes by id and reports whether anything was deleted', async () => {
    const store = await createStore();
    const created = await store.create(input);
    expect(await store.delete(created.id)).toBe(true);
    expect(await store.delete(created.id)).toBe(false);
    expect(await store.get(created.id)).toBeUndefined();
    expect(await store.list()).toEqual([]);
  });
});
