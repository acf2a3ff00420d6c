import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import request from 'supertest';
import { annotationPlugin } from '../plugin';

describe('annotation router', () => {
  async function start() {
    const { server } = await startTestBackend({
      features: [
        annotationPlugin,
        // without a token a caller is anonymous, as in production
        mockServices.httpAuth.factory({
          defaultCredentials: mockCredentials.none(),
        }),
        mockServices.rootConfig.factory({
          data: {
            annotation: {
              seed: {
                projects: [
                  {
                    name: 'podcast-policy-review',
                    title: 'Podcast policy review',
                    owner: 'group:cu-ml-engineering',
                    lifecycle: 'production',
                    model: 'resource:podcast-policy-violation',
                    dataset: 'resource:podcast-policy-labels',
                    status: 'active',
                    config: {
                      workforce: {
                        annotators: ['group:a'],
                        qualityAnalysts: ['group:q'],
                        managers: ['group:m'],
                      },
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
                  },
                ],
              },
            },
          },
        }),
      ],
    });
    return server;
  }

  it('lists projects to users and services', async () => {
    const server = await start();
    for (const header of [
      mockCredentials.user.header(),
      mockCredentials.service.header(),
    ]) {
      const res = await request(server)
        .get('/api/annotation/projects')
        .set('Authorization', header);
      expect(res.status).toBe(200);
      expect(res.body.items.map((p: { name: string }) => p.name)).toEqual([
        'podcast-policy-review',
      ]);
    }
  });

  it('refuses anonymous callers', async () => {
    const server = await start();
    const res = await request(server).get('/api/annotation/projects');
    expect(res.status).toBe(401);
  });

  it('returns one project by id, and 404 naming an unknown id', async () => {
    const server = await start();
    const list = await request(server)
      .get('/api/annotation/projects')
      .set('Authorization', mockCredentials.user.header());
    const id = list.body.items[0].id;
    const one = await request(server)
      .get(`/api/annotation/projects/${id}`)
      .set('Authorization', mockCredentials.user.header());
    expect(one.body).toEqual(list.body.items[0]);

    const missing = await request(server)
      .get('/api/annotation/projects/nope')
      .set('Authorization', mockCredentials.user.header());
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe('project nope not found');
  });
});
