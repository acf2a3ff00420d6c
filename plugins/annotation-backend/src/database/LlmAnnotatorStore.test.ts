import { TestDatabases } from '@backstage/backend-test-utils';
import { parseLlmAnnotatorConfig } from '@chorus/plugin-annotation-common';
import { choiceConfig, newProject } from '../__testUtils__/fixtures';
import { KnexLlmAnnotatorStore } from './LlmAnnotatorStore';
import { applyDatabaseMigrations } from './migrations';
import { KnexProjectStore } from './ProjectStore';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
const jonas = 'user:default/jonas.berg';

function llmConfig(extra: Record<string, unknown> = {}) {
  const parsed = parseLlmAnnotatorConfig({
    provider: 'simulator',
    promptTemplate: 'Track: {{ data.track_title }}',
    ...extra,
  });
  if (!parsed.success) {
    throw new Error(JSON.stringify(parsed.issues));
  }
  return parsed.config;
}

describe.each(databases.eachSupportedId())('LLM annotator store on %s', id => {
  async function setup() {
    const knex = await databases.init(id);
    await applyDatabaseMigrations(knex);
    const project = await new KnexProjectStore(knex).create(
      newProject(),
      choiceConfig(),
      jonas,
    );
    return {
      knex,
      projectId: project.id,
      store: new KnexLlmAnnotatorStore(knex),
    };
  }

  it('versions every change, and only changes', async () => {
    const { knex, projectId, store } = await setup();
    const created = await store.create(
      projectId,
      'first-pass',
      llmConfig(),
      jonas,
    );
    expect(created).toMatchObject({
      projectId,
      name: 'first-pass',
      version: 1,
      config: llmConfig(),
    });

    const same = await store.update(projectId, created.id, llmConfig(), jonas);
    expect(same.created).toBe(false);
    expect(same.annotator.version).toBe(1);

    const warmer = llmConfig({ temperature: 0.7 });
    const changed = await store.update(projectId, created.id, warmer, jonas);
    expect(changed.created).toBe(true);
    expect(changed.annotator).toMatchObject({ version: 2, config: warmer });

    // version 1 is kept as it was
    expect((await store.version(projectId, created.id, 1)).config).toEqual(
      llmConfig(),
    );
    expect(
      (await store.versions(projectId, created.id)).map(v => v.version),
    ).toEqual([2, 1]);
    const audit = await knex('audit_log')
      .where({ project_id: projectId })
      .whereIn('action', ['llm.create', 'llm.version'])
      .orderBy('id');
    expect(audit.map(a => a.action)).toEqual(['llm.create', 'llm.version']);
  });

  it('gives concurrent saves a version each', async () => {
    const { projectId, store } = await setup();
    const created = await store.create(projectId, 'a', llmConfig(), jonas);
    const results = await Promise.all(
      [0.1, 0.2, 0.3, 0.4].map(t =>
        store.update(
          projectId,
          created.id,
          llmConfig({ temperature: t }),
          jonas,
        ),
      ),
    );
    expect(results.map(r => r.annotator.version).sort()).toEqual([2, 3, 4, 5]);
    expect((await store.versions(projectId, created.id)).length).toBe(5);
  });

  it('refuses a taken name and unknown ids', async () => {
    const { projectId, store } = await setup();
    const created = await store.create(projectId, 'a', llmConfig(), jonas);
    await expect(
      store.create(projectId, 'a', llmConfig(), jonas),
    ).rejects.toThrow(
      'name: this project already has an LLM annotator named "a"',
    );
    await expect(store.get(projectId, 'nope')).rejects.toThrow(
      'LLM annotator nope not found in this project',
    );
    await expect(store.version(projectId, created.id, 9)).rejects.toThrow(
      `LLM annotator ${created.id} has no version 9`,
    );
    expect((await store.list(projectId)).map(a => a.name)).toEqual(['a']);
    // another project sees none of it
    await expect(
      store.get('00000000-0000-4000-8000-000000000000', created.id),
    ).rejects.toThrow('not found');
  });
});
