import { TestDatabases } from '@backstage/backend-test-utils';
import { apiCaller } from '../../__testUtils__/callers';
import {
  belongsQuestion,
  llmProvidersConfig,
  newProject,
  workforce,
} from '../../__testUtils__/fixtures';
import { startAnnotationApi } from '../../__testUtils__/startApi';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const config = {
  provider: 'simulator',
  systemPrompt: 'You label music.\n{{ instructions }}',
  promptTemplate:
    'id: {{ externalId }}\nTrack: {{ data.track_title }} ({{ data.year }})',
};

describe.each(databases.eachSupportedId())('LLM annotator API on %s', id => {
  async function start() {
    const knex = await databases.init(id);
    const call = apiCaller(
      await startAnnotationApi({ knex, annotation: llmProvidersConfig }),
    );
    const created = await call('post', '/projects', 'manager').send(
      newProject({
        config: { overlap: 1, workforce, questions: [belongsQuestion] },
      }),
    );
    const p = created.body.id as string;
    await call('post', `/projects/${p}/items/import`, 'manager')
      .set('Content-Type', 'application/x-ndjson')
      .send(
        JSON.stringify({
          externalId: 'a',
          data: { track_title: 'A', year: 1999 },
        }),
      );
    return { knex, call, p };
  }

  it('lists providers without their keys', async () => {
    const { call } = await start();
    const res = await call('get', '/llm/providers', 'annotator');
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      {
        id: 'simulator',
        title: 'Chorus simulator',
        defaultModel: 'chorus-sim',
        models: ['chorus-sim'],
        simulated: true,
      },
    ]);
    expect(JSON.stringify(res.body)).not.toContain('sk-never-shown');
  });

  it('creates, versions and reads an LLM annotator', async () => {
    const { call, p, knex } = await start();
    const created = await call(
      'post',
      `/projects/${p}/llm-annotators`,
      'manager',
    ).send({ name: 'first-pass', config });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      projectId: p,
      name: 'first-pass',
      version: 1,
      config: { ...config, temperature: 0, role: 'vote' },
    });
    const path = `/projects/${p}/llm-annotators/${created.body.id}`;

    const same = await call('put', path, 'manager').send({ config });
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({
      created: false,
      annotator: { version: 1 },
    });
    const warmer = await call('put', path, 'manager').send({
      config: {
        ...config,
        temperature: 0.5,
        samples: 5,
        confidence: 'self-consistency',
      },
    });
    expect(warmer.body).toMatchObject({
      created: true,
      annotator: { version: 2, config: { temperature: 0.5, samples: 5 } },
    });

    const detail = await call('get', path, 'analyst');
    expect(detail.status).toBe(200);
    expect(
      detail.body.versions.map((v: { version: number }) => v.version),
    ).toEqual([2, 1]);
    expect(detail.body.versions[1].config.temperature).toBe(0);
    const list = await call('get', `/projects/${p}/llm-annotators`, 'manager');
    expect(list.body.items).toHaveLength(1);
    const versions = await knex('llm_annotator_versions')
      .where({ annotator_id: created.body.id })
      .count({ n: '*' });
    expect(Number(versions[0].n)).toBe(2);
  });

  it('refuses a config that would fail at run time, naming each field', async () => {
    const { call, p, knex } = await start();
    const refused = await call(
      'post',
      `/projects/${p}/llm-annotators`,
      'manager',
    ).send({
      name: 'broken',
      config: {
        provider: 'openai',
        promptTemplate: 'Track: {{ data.title }} {{ item }}',
      },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe(
      'config.provider: one of the configured providers expected (simulator); ' +
        'config.promptTemplate: unknown placeholder {{ item }} at character 25 (data.<field>, data, externalId, instructions or questions expected)',
    );
    const unknownField = await call(
      'post',
      `/projects/${p}/llm-annotators`,
      'manager',
    ).send({
      name: 'broken',
      config: {
        ...config,
        promptTemplate: 'Track: {{ data.title }}',
        fewShot: {
          source: 'fixed',
          examples: [
            { data: { track_title: 'B' }, answer: { belongs: 'maybe' } },
          ],
        },
      },
    });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error.message).toBe(
      "config.promptTemplate: {{ data.title }}: not a field of this project's items (known: track_title, year); " +
        'config.fewShot.examples[0].answer.belongs: one of yes, no expected',
    );
    const shape = await call(
      'post',
      `/projects/${p}/llm-annotators`,
      'manager',
    ).send({
      name: 'broken',
      config: { ...config, temperature: 7, role: 'auto-accept' },
    });
    expect(shape.body.error.message).toBe(
      'config.temperature: a number from 0 to 2 expected; config.autoAccept: is required for role auto-accept ({ threshold, auditRate })',
    );
    // nothing was stored
    expect(await knex('llm_annotators')).toEqual([]);

    const created = await call(
      'post',
      `/projects/${p}/llm-annotators`,
      'manager',
    ).send({
      name: 'first-pass',
      config,
    });
    const taken = await call(
      'post',
      `/projects/${p}/llm-annotators`,
      'manager',
    ).send({
      name: 'first-pass',
      config,
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error.message).toBe(
      'name: this project already has an LLM annotator named "first-pass"',
    );
    const missing = await call(
      'put',
      `/projects/${p}/llm-annotators/nope`,
      'manager',
    ).send({
      config: { provider: 'x' },
    });
    expect(missing.status).toBe(404);
    const badUpdate = await call(
      'put',
      `/projects/${p}/llm-annotators/${created.body.id}`,
      'manager',
    ).send({ config: { ...config, samples: 0 } });
    expect(badUpdate.status).toBe(400);
    expect(badUpdate.body.error.message).toBe(
      'config.samples: a whole number from 1 to 20 expected',
    );
    expect(await knex('llm_annotator_versions')).toHaveLength(1);
  });
});
