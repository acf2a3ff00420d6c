import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import request from 'supertest';
import { workforce } from '../__testUtils__/fixtures';
import { startAnnotationApi } from '../__testUtils__/startApi';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
const as = {
  amara: mockCredentials.user.header('user:default/amara.okafor'),
  bo: mockCredentials.user.header('user:default/bo.lindqvist'),
  jonas: mockCredentials.user.header('user:default/jonas.berg'),
};
type Who = keyof typeof as;

describe.each(databases.eachSupportedId())('GET /queues on %s', id => {
  it('counts the items left for each caller, not the ones they are done with', async () => {
    const knex = await databases.init(id);
    const server = await startAnnotationApi({ knex });
    const call = (method: 'get' | 'post' | 'put', path: string, who: Who) =>
      request(server)
        [method](`/api/annotation${path}`)
        .set('Authorization', as[who]);
    const created = await call('post', '/projects', 'jonas').send({
      name: 'queue-counts',
      title: 'Queue counts',
      owner: 'group:cu-ml-engineering',
      lifecycle: 'production',
      model: 'resource:m',
      dataset: 'resource:d',
      config: {
        overlap: 2,
        workforce,
        questions: [
          {
            id: 'belongs',
            type: 'single-choice',
            title: 'Belongs?',
            field: 'track_title',
            labels: ['yes', 'no'],
          },
        ],
      },
    });
    const p = created.body.id;
    const imported = await call('post', `/projects/${p}/items/import`, 'jonas')
      .set('Content-Type', 'application/x-ndjson')
      .send(
        ['a', 'b', 'c', 'd']
          .map(x => JSON.stringify({ externalId: x, data: { track_title: x } }))
          .join('\n'),
      );
    expect(imported.body.inserted).toBe(4);
    expect(
      (
        await call('put', `/projects/${p}/status`, 'jonas').send({
          status: 'active',
        })
      ).status,
    ).toBe(200);

    const answer = async (who: Who) => {
      const lease = await call('post', `/projects/${p}/next`, who).send({});
      expect(lease.status).toBe(200);
      const res = await call(
        'post',
        `/projects/${p}/items/${lease.body.item.id}/annotations`,
        who,
      ).send({ token: lease.body.token, answer: { belongs: 'yes' } });
      expect(res.status).toBe(201);
      return lease.body.item.externalId as string;
    };
    const skip = async (who: Who) => {
      const lease = await call('post', `/projects/${p}/next`, who).send({});
      const res = await call(
        'post',
        `/projects/${p}/leases/${lease.body.token}/skip`,
        who,
      ).send({ reason: 'unclear' });
      expect(res.status).toBe(204);
    };
    const queue = async (who: Who) => {
      const res = await call('get', '/queues', who);
      expect(res.status).toBe(200);
      return res.body.items.find(
        (q: { project: { id: string } }) => q.project.id === p,
      );
    };

    // amara answers two items (still open: overlap 2) and skips one
    const first = await answer('amara');
    await answer('amara');
    await skip('amara');
    expect(await queue('amara')).toMatchObject({
      remainingForMe: 1,
      myAnnotations: 2,
      mySkips: 1,
    });
    expect(await queue('bo')).toMatchObject({
      remainingForMe: 4,
      myAnnotations: 0,
      mySkips: 0,
    });

    // bo answers amara's first item: it completes, leaving bo three
    const lease = await call('post', `/projects/${p}/next`, 'bo').send({});
    expect(lease.body.item.externalId).toBe(first);
    await call(
      'post',
      `/projects/${p}/items/${lease.body.item.id}/annotations`,
      'bo',
    ).send({ token: lease.body.token, answer: { belongs: 'no' } });
    expect((await queue('bo')).remainingForMe).toBe(3);
    expect((await queue('amara')).remainingForMe).toBe(1);
  });
});
