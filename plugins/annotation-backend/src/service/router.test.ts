import { TestDatabases } from '@backstage/backend-test-utils';
import SwaggerParser from '@apidevtools/swagger-parser';
import request from 'supertest';
import { spec } from '../schema/openapi';
import { apiCaller, as, Who } from '../__testUtils__/callers';
import { workforce } from '../__testUtils__/fixtures';
import { expectSpecResponse } from '../__testUtils__/specResponses';
import { startAnnotationApi } from '../__testUtils__/startApi';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const newProject = {
  name: 'podcast-policy-review',
  title: 'Podcast policy review',
  owner: 'group:cu-ml-engineering',
  lifecycle: 'production',
  model: 'resource:podcast-policy-violation',
  dataset: 'resource:podcast-policy-labels',
  config: {
    overlap: 2,
    workforce,
    questions: [
      {
        id: 'category',
        type: 'single-choice',
        title: 'Category',
        field: 'transcript',
        labels: ['none', 'hate-speech'],
      },
    ],
  },
};

describe.each(databases.eachSupportedId())('annotation API on %s', id => {
  async function start() {
    const knex = await databases.init(id);
    const server = await startAnnotationApi({ knex });
    const call = apiCaller(server);
    const api = {
      get: (path: string, who: Who) => call('get', path, who),
      post: (path: string, who: Who, body: object) =>
        call('post', path, who).send(body),
      put: (path: string, who: Who, body: object) =>
        call('put', path, who).send(body),
    };
    const created = await api.post('/projects', 'owner', newProject);
    expect(created.status).toBe(201);
    return { server, api, project: created.body };
  }

  it('creates a project with its first config version', async () => {
    const { api, project } = await start();
    expect(project).toMatchObject({
      name: 'podcast-policy-review',
      status: 'draft',
      configVersion: 1,
      taskType: 'single-choice',
    });
    const list = await api.get('/projects', 'service');
    expect(list.body.items.map((p: { id: string }) => p.id)).toEqual([
      project.id,
    ]);
    const config = await api.get(`/projects/${project.id}/config`, 'annotator');
    expect(config.status).toBe(200);
    expect(config.body).toMatchObject({
      version: 1,
      createdBy: 'user:default/lena.fischer',
      config: { overlap: 2, blind: true, ordering: 'priority' },
    });
  });

  it('names the field of every bad project', async () => {
    const { api } = await start();
    const res = await api.post('/projects', 'owner', {
      ...newProject,
      name: 'second',
      model: 'api:nope',
      config: { ...newProject.config, overlap: 0 },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('config.overlap: at least 1 expected');
    const again = await api.post('/projects', 'owner', newProject);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain('already exists');
    const refs = await api.post('/projects', 'owner', {
      ...newProject,
      name: 'third',
      model: 'api:nope',
    });
    expect(refs.status).toBe(400);
    expect(refs.body.error.message).toBe(
      'model: expected a reference to a resource entity, got kind "api"',
    );
  });

  it('versions config changes and refuses stale ones', async () => {
    const { api, project } = await start();
    const path = `/projects/${project.id}/config`;
    const changed = await api.put(path, 'manager', {
      config: { ...newProject.config, overlap: 3 },
      expectedVersion: 1,
    });
    expect(changed.status).toBe(200);
    expect(changed.body.configVersion).toBe(2);
    const stale = await api.put(path, 'manager', {
      config: newProject.config,
      expectedVersion: 1,
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.message).toContain(
      'expectedVersion: config version 1 expected to be current, but it is 2',
    );
    const bad = await api.put(path, 'manager', {
      config: { ...newProject.config, questions: [] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe(
      'config.questions: at least 1 question expected',
    );
    const old = await api.get(`${path}?version=1`, 'manager');
    expect(old.body.config.overlap).toBe(2);
    const missing = await api.get(`${path}?version=7`, 'manager');
    expect(missing.status).toBe(404);
  });

  it('moves the status along the lifecycle only', async () => {
    const { api, project } = await start();
    const path = `/projects/${project.id}/status`;
    expect(
      (await api.put(path, 'manager', { status: 'active' })).body.status,
    ).toBe('active');
    const illegal = await api.put(path, 'manager', { status: 'draft' });
    expect(illegal.status).toBe(409);
    expect(illegal.body.error.message).toContain(
      'status: cannot go from active to draft',
    );
    const unknown = await api.put(path, 'manager', { status: 'live' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('status');
  });

  it('refuses anonymous callers, malformed bodies and unknown projects', async () => {
    const { server, api, project } = await start();
    const anonymous = await request(server)
      .get('/api/annotation/projects')
      .expect(expectSpecResponse);
    expect(anonymous.status).toBe(401);
    const malformed = await request(server)
      .post('/api/annotation/projects')
      .set('Authorization', as.owner)
      .set('Content-Type', 'application/json')
      .send('{"name": ')
      .expect(expectSpecResponse);
    expect(malformed.status).toBe(400);
    const extra = await api.put(`/projects/${project.id}/status`, 'manager', {
      status: 'active',
      colour: 'red',
    });
    expect(extra.status).toBe(400);
    expect(extra.body.error.message).toBe(
      'colour: not a known field (expected status)',
    );
    const missing = await api.get('/projects/nope', 'manager');
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe('project nope not found');
  });

  it('serves its OpenAPI document: the spec, valid OpenAPI', async () => {
    const { server } = await start();
    const res = await request(server)
      .get('/api/annotation/openapi.json')
      .set('Authorization', as.outsider);
    expect(res.status).toBe(200);
    // openapi-merge (which serves it) labels every document 3.0.3
    expect(res.body).toEqual({
      ...spec,
      openapi: '3.0.3',
      paths: Object.fromEntries(
        Object.entries(spec.paths).map(([path, item]) => [
          `/api/annotation${path}`,
          item,
        ]),
      ),
    });
    // these throw, naming the place, on anything OpenAPI does not allow
    await expect(
      SwaggerParser.validate(JSON.parse(res.text)),
    ).resolves.toMatchObject({ openapi: '3.0.3' });
    await expect(
      SwaggerParser.validate(JSON.parse(JSON.stringify(spec))),
    ).resolves.toMatchObject({ openapi: '3.1.0' });
  });
});
