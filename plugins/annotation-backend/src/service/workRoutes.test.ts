import { JsonObject } from '@backstage/types';
import { TestDatabases } from '@backstage/backend-test-utils';
import { AddressInfo } from 'net';
import { apiCaller, as, users, Who } from '../__testUtils__/callers';
import {
  belongsQuestion,
  newProject,
  workforce,
} from '../__testUtils__/fixtures';
import { specCheckedFetch } from '../__testUtils__/specResponses';
import { startAnnotationApi } from '../__testUtils__/startApi';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const project = newProject({
  config: { overlap: 2, workforce, questions: [belongsQuestion] },
});

const ndjson = [
  // (an item with gold would be a honeypot: see accessMatrix.test.ts)
  { externalId: 'a', data: { track_title: 'A' }, priority: 2 },
  { externalId: 'b', data: { track_title: 'B' }, priority: 1 },
  { externalId: 'c', data: {} },
]
  .map(l => JSON.stringify(l))
  .join('\n');

describe.each(databases.eachSupportedId())('work API on %s', id => {
  async function start(config: object = {}) {
    const knex = await databases.init(id);
    const server = await startAnnotationApi({
      knex,
      annotation: config as JsonObject,
    });
    const call = apiCaller(server);
    const created = await call('post', '/projects', 'manager').send(project);
    const p = created.body.id as string;
    const importItems = (who: Who, body = ndjson) =>
      call('post', `/projects/${p}/items/import`, who)
        .set('Content-Type', 'application/x-ndjson')
        .send(body);
    return { server, knex, call, p, importItems };
  }

  it('imports, hands out blind leases, takes answers once', async () => {
    const { call, p, importItems, knex } = await start();
    const imported = await importItems('manager');
    expect(imported.status).toBe(200);
    expect(imported.body).toMatchObject({ inserted: 2, rejected: 1 });
    expect(imported.body.errors[0]).toMatchObject({
      line: 3,
      reason: 'data.track_title: is required by question "belongs"',
    });

    // draft: no labeling yet
    const early = await call('post', `/projects/${p}/next`, 'annotator');
    expect(early.status).toBe(409);
    expect(early.body.error.message).toContain(
      'labeling needs an active project',
    );
    await call('put', `/projects/${p}/status`, 'manager').send({
      status: 'active',
    });

    const lease = await call('post', `/projects/${p}/next`, 'annotator');
    expect(lease.status).toBe(200);
    expect(lease.body.item).toEqual({
      id: expect.any(String),
      externalId: 'a',
      data: { track_title: 'A' },
    }); // its id, external id and data only
    expect(lease.body.configVersion).toBe(1);

    const path = `/projects/${p}/items/${lease.body.item.id}/annotations`;
    const wrong = await call('post', path, 'annotator').send({
      token: lease.body.token,
      answer: { belongs: 'maybe' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.message).toBe(
      'answer.belongs: one of yes, no expected',
    );

    const body = {
      token: lease.body.token,
      answer: { belongs: 'yes' },
      idempotencyKey: 'k1',
      timeSpentMs: 2500,
    };
    const first = await call('post', path, 'annotator').send(body);
    expect(first.status).toBe(201);
    const retry = await call('post', path, 'annotator').send(body);
    expect(retry.status).toBe(200);
    expect(retry.body.outcome).toBe('replayed');

    // overlap 2: another annotator gets the same item, never the first's answer
    const second = await call('post', `/projects/${p}/next`, 'otherAnnotator');
    expect(second.body.item.id).toBe(lease.body.item.id);
    expect(JSON.stringify(second.body)).not.toContain('"yes"');

    const progress = await call('get', `/projects/${p}/progress`, 'manager');
    expect(progress.body).toMatchObject({
      items: { total: 2, open: 1, full: 1, complete: 0 },
      annotations: 1,
      annotators: [
        {
          annotator: users.annotator,
          annotations: 1,
          timeSpentMs: 2500,
        },
      ],
    });
    expect(
      (await call('get', `/projects/${p}/progress`, 'annotator')).status,
    ).toBe(403);
    const [{ n }] = await knex('annotations').count({ n: '*' });
    expect(Number(n)).toBe(1);
  });

  it('skips, releases and extends leases for their holder only', async () => {
    const { call, p, importItems } = await start();
    await importItems('service');
    await call('put', `/projects/${p}/status`, 'manager').send({
      status: 'active',
    });
    const lease = (await call('post', `/projects/${p}/next`, 'annotator')).body;
    const beat = await call(
      'post',
      `/projects/${p}/leases/${lease.token}/heartbeat`,
      'annotator',
    );
    expect(beat.status).toBe(200);
    expect(
      (
        await call(
          'delete',
          `/projects/${p}/leases/${lease.token}`,
          'otherAnnotator',
        )
      ).status,
    ).toBe(404);
    const noReason = await call(
      'post',
      `/projects/${p}/leases/${lease.token}/skip`,
      'annotator',
    ).send({});
    expect(noReason.status).toBe(400);
    const skipped = await call(
      'post',
      `/projects/${p}/leases/${lease.token}/skip`,
      'annotator',
    ).send({
      reason: 'track does not play',
    });
    expect(skipped.status).toBe(204);
    const next = (await call('post', `/projects/${p}/next`, 'annotator')).body;
    expect(next.item.externalId).toBe('b');
    expect(
      (await call('delete', `/projects/${p}/leases/${next.token}`, 'annotator'))
        .status,
    ).toBe(204);
  });

  it('enforces the body limit and the content type', async () => {
    const { call, p, importItems } = await start({
      import: { maxBodyBytes: 100 },
    });
    const big = await importItems('manager');
    expect(big.status).toBe(413);
    expect(big.body.error.message).toMatch(
      /^body: at most 100 bytes expected \(annotation\.import\.maxBodyBytes\), got \d+; nothing was stored$/,
    );
    const json = await call(
      'post',
      `/projects/${p}/items/import`,
      'manager',
    ).send({ a: 1 });
    expect(json.status).toBe(415);
    expect(json.body.error.message).toContain('application/x-ndjson expected');
  });

  it('stops a streamed body at the limit, drops the batch being read, and says so', async () => {
    const { server, knex, p } = await start({
      import: { maxBodyBytes: 100 },
    });
    const { port } = server.address() as AddressInfo;
    // a stream has no Content-Length: the limit is found while reading;
    // one line a chunk, apart, so the first is read before the limit
    const lines = ndjson.split('\n').map(l => `${l}\n`);
    const body = new ReadableStream({
      async pull(controller) {
        await new Promise(resolve => setTimeout(resolve, 50));
        const line = lines.shift();
        if (line) {
          controller.enqueue(new TextEncoder().encode(line));
        } else {
          controller.close();
        }
      },
    });
    const res = await specCheckedFetch()(
      `http://localhost:${port}/api/annotation/projects/${p}/items/import`,
      {
        method: 'POST',
        headers: {
          Authorization: as.manager,
          'Content-Type': 'application/x-ndjson',
        },
        body,
        duplex: 'half',
      } as RequestInit,
    );
    expect(res.status).toBe(413);
    const answer = await res.json();
    expect(answer.error.message).toMatch(/^body: at most 100 bytes expected/);
    // line a was read, but its batch was not stored yet: nothing half-done
    expect(answer.error.message).toMatch(/stored nothing$/);
    expect(await knex('items').where({ project_id: p })).toEqual([]);
  });
});
