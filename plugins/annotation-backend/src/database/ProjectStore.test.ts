import { TestDatabases } from '@backstage/backend-test-utils';
import { choiceConfig, newProject } from '../__testUtils__/fixtures';
import { applyDatabaseMigrations } from './migrations';
import { KnexProjectStore } from './ProjectStore';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
const manager = 'user:default/jonas.berg';

describe.each(databases.eachSupportedId())('KnexProjectStore on %s', id => {
  async function setup() {
    const knex = await databases.init(id);
    await applyDatabaseMigrations(knex);
    return { knex, store: new KnexProjectStore(knex) };
  }

  it('creates a project with config version 1 and its summary', async () => {
    const { knex, store } = await setup();
    const created = await store.create(newProject(), choiceConfig(), manager);
    expect(created).toMatchObject({
      namespace: 'default',
      name: 'track-placement-relevance',
      status: 'draft',
      configVersion: 1,
      taskType: 'single-choice',
      questions: [
        {
          id: 'belongs',
          type: 'single-choice',
          title: 'Does the track belong on the artist page?',
        },
      ],
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await store.list()).toEqual([created]);
    expect(await store.get(created.id)).toEqual(created);
    expect(new Date(created.createdAt).toISOString()).toBe(created.createdAt);

    const current = await store.getConfig(created.id);
    expect(current).toMatchObject({ version: 1, createdBy: manager });
    expect(current!.config).toEqual(choiceConfig());

    const audit = await knex('audit_log').where({ project_id: created.id });
    expect(audit.map(a => a.action)).toEqual(['project.created']);
  });

  it("reuses a project read for a second; its own writes show at once, another replica's within the second", async () => {
    const { knex, store } = await setup();
    const { id: projectId } = await store.create(
      newProject(),
      choiceConfig(),
      manager,
    );
    const replica = new KnexProjectStore(knex);
    let now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      const read = await store.get(projectId);
      expect(read!.status).toBe('draft');
      expect(() => {
        (read as { status: string }).status = 'active';
      }).toThrow(TypeError); // shared between requests: frozen

      await replica.setStatus(projectId, 'active', manager);
      now += 999;
      expect((await store.get(projectId))!.status).toBe('draft');
      now += 2;
      expect((await store.get(projectId))!.status).toBe('active');

      await store.setStatus(projectId, 'paused', manager);
      expect((await store.get(projectId))!.status).toBe('paused');

      // a read racing a write never leaves the older status behind
      now += 1001;
      const overlapping = store.get(projectId);
      await store.setStatus(projectId, 'active', manager);
      await overlapping;
      expect((await store.get(projectId))!.status).toBe('active');

      expect(await store.delete(projectId, manager)).toBe(true);
      expect(await store.get(projectId)).toBeUndefined();
    } finally {
      clock.mockRestore();
    }
  });

  it('refuses a second project with the same namespace and name', async () => {
    const { store } = await setup();
    await store.create(newProject(), choiceConfig(), manager);
    await expect(
      store.create(newProject({ title: 'Again' }), choiceConfig(), manager),
    ).rejects.toThrow(
      'name: a project named "default/track-placement-relevance" already exists',
    );
    await store.create(
      newProject({ namespace: 'podcasts' }),
      choiceConfig(),
      manager,
    );
    expect((await store.list()).map(p => p.namespace)).toEqual([
      'default',
      'podcasts',
    ]);
  });

  it('keeps every config version and serves old ones', async () => {
    const { store } = await setup();
    const { id: projectId } = await store.create(
      newProject(),
      choiceConfig(),
      manager,
    );
    const updated = await store.updateConfig(
      projectId,
      choiceConfig({ overlap: 3 }),
      manager,
      1,
    );
    expect(updated.configVersion).toBe(2);
    expect((await store.getConfig(projectId))!.config.overlap).toBe(3);
    expect((await store.getConfig(projectId, 1))!.config.overlap).toBe(1);
    expect(
      (await store.listConfigVersions(projectId)).map(v => v.version),
    ).toEqual([2, 1]);
    expect(await store.getConfig(projectId, 9)).toBeUndefined();
  });

  it('lets only one of two concurrent edits of the same version win', async () => {
    const { store } = await setup();
    const { id: projectId } = await store.create(
      newProject(),
      choiceConfig(),
      manager,
    );
    const results = await Promise.allSettled([
      store.updateConfig(projectId, choiceConfig({ overlap: 2 }), manager, 1),
      store.updateConfig(projectId, choiceConfig({ overlap: 4 }), manager, 1),
    ]);
    expect(results.filter(r => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find(r => r.status === 'rejected') as
      | PromiseRejectedResult
      | undefined;
    expect(String(rejected?.reason)).toMatch(
      /expectedVersion: config version 1 expected to be current, but it is 2/,
    );
    expect((await store.get(projectId))!.configVersion).toBe(2);
  });

  it('refuses incompatible changes once a question has answers', async () => {
    const { knex, store } = await setup();
    const { id: projectId } = await store.create(
      newProject(),
      choiceConfig(),
      manager,
    );
    const [{ id: itemId }] = await knex('items')
      .insert({
        project_id: projectId,
        external_id: 'x1',
        data: '{}',
        random_key: 1,
        content_hash: 'h',
        created_at: 0,
        updated_at: 0,
      })
      .returning('id');
    await knex('annotations').insert({
      project_id: projectId,
      item_id: itemId,
      annotator: 'user:default/amara.okafor',
      config_version: 1,
      answer: '{"belongs":"yes"}',
      created_at: 0,
      updated_at: 0,
    });
    const fewerLabels = choiceConfig();
    fewerLabels.questions[0] = {
      ...fewerLabels.questions[0],
      labels: [{ value: 'yes' }, { value: 'maybe' }],
    } as any;
    await expect(
      store.updateConfig(projectId, fewerLabels, manager),
    ).rejects.toThrow(
      'config.questions[0].labels: labels with answers cannot be removed: "no", "unsure"',
    );
    // adding a label is fine
    const moreLabels = choiceConfig();
    (moreLabels.questions[0] as any).labels.push({ value: 'maybe' });
    await expect(
      store.updateConfig(projectId, moreLabels, manager),
    ).resolves.toMatchObject({ configVersion: 2 });
  });

  it('moves along the lifecycle and refuses other moves', async () => {
    const { knex, store } = await setup();
    const { id: projectId } = await store.create(
      newProject(),
      choiceConfig(),
      manager,
    );
    await expect(store.setStatus(projectId, 'paused', manager)).rejects.toThrow(
      'status: cannot go from draft to paused; from draft a project can go to active, archived',
    );
    for (const status of [
      'active',
      'paused',
      'active',
      'completed',
      'archived',
    ] as const) {
      expect((await store.setStatus(projectId, status, manager)).status).toBe(
        status,
      );
    }
    await expect(store.setStatus(projectId, 'active', manager)).rejects.toThrow(
      'from archived a project can go to nothing (it is final)',
    );
    const audit = await knex('audit_log')
      .where({ project_id: projectId, action: 'project.status-changed' })
      .orderBy('id');
    expect(audit.map(a => JSON.parse(a.details).to)).toEqual([
      'active',
      'paused',
      'active',
      'completed',
      'archived',
    ]);
  });

  it('says which project is missing', async () => {
    const { store } = await setup();
    await expect(store.setStatus('nope', 'active', manager)).rejects.toThrow(
      'project nope not found',
    );
    await expect(
      store.updateConfig('nope', choiceConfig(), manager),
    ).rejects.toThrow('project nope not found');
  });

  it('deletes a project with everything in it', async () => {
    const { knex, store } = await setup();
    const created = await store.create(newProject(), choiceConfig(), manager);
    expect(await store.delete(created.id, manager)).toBe(true);
    expect(await store.delete(created.id, manager)).toBe(false);
    expect(await store.get(created.id)).toBeUndefined();
    expect(
      await knex('project_config_versions').where({ project_id: created.id }),
    ).toEqual([]);
  });
});
