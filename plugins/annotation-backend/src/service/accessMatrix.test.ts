import { TestDatabases } from '@backstage/backend-test-utils';
import { Server } from 'http';
import { Knex } from 'knex';
import request from 'supertest';
import { apiCaller, tiers, Who } from '../__testUtils__/callers';
import {
  belongsQuestion,
  llmProvidersConfig,
  workforce,
} from '../__testUtils__/fixtures';
import { startAnnotationApi } from '../__testUtils__/startApi';
import { snapshotTables } from '../__testUtils__/snapshot';
import { KnexQualityStore } from '../database';

jest.setTimeout(120_000);

/*
 * R5: every endpoint against every kind of caller, with Chorus's default
 * tier policy. Denied calls must leave the database exactly as it was, and an
 * outsider cannot even tell that the project exists (404).
 */

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const config = { overlap: 2, workforce, questions: [belongsQuestion] };

const items = ['a', 'b', 'c']
  .map((id, n) =>
    JSON.stringify({
      externalId: id,
      data: { track_title: id.toUpperCase() },
      priority: 3 - n,
      predictions: { belongs: { label: 'yes', score: 0.9 } },
      gold: n === 0 ? { belongs: 'no' } : undefined,
    }),
  )
  .join('\n');

/**
 * A project with items, active, where the annotator holds a lease and the
 * analyst a QA claim on an escalated item.
 */
interface Scene {
  id: string;
  token: string;
  itemId: string;
  qaToken: string;
  llmAnnotatorId: string;
  /** A paused LLM job (the runners never pick it up in this test). */
  llmJobId: string;
}

const llmConfig = {
  provider: 'simulator',
  promptTemplate: 'Track: {{ data.track_title }}',
};

let server: Server;
const get = (path: string, who: Who) => apiCaller(server)('get', path, who);
const send = (
  method: 'post' | 'put' | 'delete',
  path: string,
  who: Who,
  body?: object,
) => {
  const r = apiCaller(server)(method, path, who);
  return body ? r.send(body) : r;
};

type Call = (scene: Scene, who: Who) => request.Test;

/** Each endpoint, who may call it, and the status of an allowed call. */
const endpoints: Array<{
  name: string;
  call: Call;
  allowed: Who[];
  ok: number;
}> = [
  {
    name: 'GET /projects/:id',
    call: (s, who) => get(`/projects/${s.id}`, who),
    allowed: ['annotator', 'analyst', 'manager', 'owner', 'service'],
    ok: 200,
  },
  {
    name: 'GET /projects/:id/config',
    call: (s, who) => get(`/projects/${s.id}/config`, who),
    allowed: ['annotator', 'analyst', 'manager', 'owner', 'service'],
    ok: 200,
  },
  {
    name: 'PUT /projects/:id/config',
    call: (s, who) =>
      send('put', `/projects/${s.id}/config`, who, {
        config: { ...config, instructions: 'Listen to the whole track.' },
        expectedVersion: 1,
      }),
    allowed: ['manager', 'owner', 'service'],
    ok: 200,
  },
  {
    name: 'PUT /projects/:id/status',
    call: (s, who) =>
      send('put', `/projects/${s.id}/status`, who, { status: 'paused' }),
    allowed: ['manager', 'owner', 'service'],
    ok: 200,
  },
  {
    name: 'POST /projects/:id/items/import',
    call: (s, who) =>
      send('post', `/projects/${s.id}/items/import`, who)
        .set('Content-Type', 'application/x-ndjson')
        .send(
          `${JSON.stringify({
            externalId: 'd',
            data: { track_title: 'D' },
          })}\n`,
        ),
    allowed: ['manager', 'owner', 'service'],
    ok: 200,
  },
  {
    name: 'GET /projects/:id/progress',
    call: (s, who) => get(`/projects/${s.id}/progress`, who),
    allowed: ['analyst', 'manager', 'owner', 'service'],
    ok: 200,
  },
  {
    name: 'GET /projects/:id/metrics/quality',
    call: (s, who) => get(`/projects/${s.id}/metrics/quality?bucket=hour`, who),
    allowed: ['analyst', 'manager', 'owner', 'service'],
    ok: 200,
  },
  {
    name: 'POST /projects/:id/quality/refit',
    call: (s, who) => send('post', `/projects/${s.id}/quality/refit`, who),
    allowed: ['manager', 'owner', 'service'],
    ok: 200,
  },
  {
    name: 'POST /projects/:id/next',
    call: (s, who) => send('post', `/projects/${s.id}/next`, who, {}),
    allowed: ['annotator'],
    ok: 200,
  },
  {
    name: 'POST /projects/:id/leases/:token/heartbeat',
    call: (s, who) =>
      send('post', `/projects/${s.id}/leases/${s.token}/heartbeat`, who),
    allowed: ['annotator'],
    ok: 200,
  },
  {
    name: 'POST /projects/:id/leases/:token/skip',
    call: (s, who) =>
      send('post', `/projects/${s.id}/leases/${s.token}/skip`, who, {
        reason: 'cannot play the audio',
      }),
    allowed: ['annotator'],
    ok: 204,
  },
  {
    name: 'DELETE /projects/:id/leases/:token',
    call: (s, who) =>
      send('delete', `/projects/${s.id}/leases/${s.token}`, who),
    allowed: ['annotator'],
    ok: 204,
  },
  {
    name: 'GET /projects/:id/escalations',
    call: (s, who) => get(`/projects/${s.id}/escalations?status=all`, who),
    allowed: ['analyst', 'manager', 'owner', 'service'],
    ok: 200,
  },
  {
    name: 'POST /projects/:id/qa/next',
    call: (s, who) => send('post', `/projects/${s.id}/qa/next`, who),
    allowed: ['analyst'],
    ok: 200,
  },
  {
    name: 'POST /projects/:id/qa/:token/resolve',
    call: (s, who) =>
      send('post', `/projects/${s.id}/qa/${s.qaToken}/resolve`, who, {
        answer: { belongs: 'no' },
        note: 'checked the artist page',
      }),
    allowed: ['analyst'],
    ok: 200,
  },
  {
    name: 'POST /projects/:id/qa/:token/send-back',
    call: (s, who) =>
      send('post', `/projects/${s.id}/qa/${s.qaToken}/send-back`, who, {
        guidance: 'listen to the whole track',
      }),
    allowed: ['analyst'],
    ok: 200,
  },
  {
    name: 'POST /projects/:id/qa/:token/heartbeat',
    call: (s, who) =>
      send('post', `/projects/${s.id}/qa/${s.qaToken}/heartbeat`, who),
    allowed: ['analyst'],
    ok: 200,
  },
  {
    name: 'DELETE /projects/:id/qa/:token',
    call: (s, who) => send('delete', `/projects/${s.id}/qa/${s.qaToken}`, who),
    allowed: ['analyst'],
    ok: 204,
  },
  {
    name: 'GET /projects/:id/llm-annotators',
    call: (s, who) => get(`/projects/${s.id}/llm-annotators`, who),
    allowed: ['analyst', 'manager', 'owner', 'service'],
    ok: 200,
  },
  {
    name: 'POST /projects/:id/llm-annotators',
    call: (s, who) =>
      send('post', `/projects/${s.id}/llm-annotators`, who, {
        name: 'second-pass',
        config: llmConfig,
      }),
    allowed: ['manager', 'owner', 'service'],
    ok: 201,
  },
  {
    name: 'GET /projects/:id/llm-annotators/:annotator',
    call: (s, who) =>
      get(`/projects/${s.id}/llm-annotators/${s.llmAnnotatorId}`, who),
    allowed: ['analyst', 'manager', 'owner', 'service'],
    ok: 200,
  },
  {
    name: 'PUT /projects/:id/llm-annotators/:annotator',
    call: (s, who) =>
      send('put', `/projects/${s.id}/llm-annotators/${s.llmAnnotatorId}`, who, {
        config: { ...llmConfig, temperature: 0.3 },
      }),
    allowed: ['manager', 'owner', 'service'],
    ok: 200,
  },
  {
    name: 'POST /projects/:id/llm-annotators/:annotator/dry-run',
    call: (s, who) =>
      send(
        'post',
        `/projects/${s.id}/llm-annotators/${s.llmAnnotatorId}/dry-run`,
        who,
        { count: 1 },
      ),
    allowed: ['manager', 'owner', 'service'],
    ok: 200,
  },
  {
    name: 'POST /projects/:id/llm-annotators/:annotator/jobs',
    call: (s, who) =>
      send(
        'post',
        `/projects/${s.id}/llm-annotators/${s.llmAnnotatorId}/jobs`,
        who,
        { scope: { kind: 'missing' }, budgetCost: 1 },
      ),
    allowed: ['manager', 'owner', 'service'],
    ok: 201,
  },
  {
    name: 'GET /projects/:id/llm-annotators/:annotator/evaluation',
    call: (s, who) =>
      get(
        `/projects/${s.id}/llm-annotators/${s.llmAnnotatorId}/evaluation`,
        who,
      ),
    allowed: ['analyst', 'manager', 'owner', 'service'],
    ok: 200,
  },
  {
    name: 'GET /projects/:id/llm-jobs',
    call: (s, who) => get(`/projects/${s.id}/llm-jobs`, who),
    allowed: ['analyst', 'manager', 'owner', 'service'],
    ok: 200,
  },
  {
    name: 'GET /projects/:id/llm-jobs/:job',
    call: (s, who) => get(`/projects/${s.id}/llm-jobs/${s.llmJobId}`, who),
    allowed: ['analyst', 'manager', 'owner', 'service'],
    ok: 200,
  },
  ...(['pause', 'resume', 'cancel'] as const).map(action => ({
    name: `POST /projects/:id/llm-jobs/:job/${action}`,
    call: (s: Scene, who: Who) =>
      send('post', `/projects/${s.id}/llm-jobs/${s.llmJobId}/${action}`, who),
    allowed: ['manager', 'owner', 'service'] as Who[],
    ok: 200,
  })),
  {
    name: 'POST /projects/:id/items/:item/annotations',
    call: (s, who) =>
      send('post', `/projects/${s.id}/items/${s.itemId}/annotations`, who, {
        token: s.token,
        answer: { belongs: 'yes' },
      }),
    allowed: ['annotator'],
    ok: 201,
  },
];

describe.each(databases.eachSupportedId())('access matrix on %s', dbId => {
  let knex: Knex;
  let made = 0;

  beforeAll(async () => {
    knex = await databases.init(dbId);
    server = await startAnnotationApi({
      knex,
      annotation: llmProvidersConfig,
    });
  });

  async function scene(): Promise<Scene> {
    made += 1;
    const created = await send('post', '/projects', 'service', {
      name: `matrix-${made}`,
      title: `Matrix ${made}`,
      owner: 'group:cu-ml-engineering',
      lifecycle: 'experimental',
      model: 'resource:track-artist-page-placement',
      dataset: 'resource:track-placement-labels',
      config,
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const imported = await send(
      'post',
      `/projects/${id}/items/import`,
      'service',
    )
      .set('Content-Type', 'application/x-ndjson')
      .send(items);
    expect(imported.body.inserted).toBe(3);
    await send('put', `/projects/${id}/status`, 'service', {
      status: 'active',
    });
    const lease = await send('post', `/projects/${id}/next`, 'annotator', {});
    expect(lease.status).toBe(200);
    const other = await knex('items')
      .where({ project_id: id, external_id: 'b' })
      .first();
    await new KnexQualityStore(knex).escalate(String(other.id), {
      configVersion: 1,
      reasons: [{ code: 'annotator-flag', annotator: 'user:default/x' }],
    });
    const claim = await send('post', `/projects/${id}/qa/next`, 'analyst');
    expect(claim.status).toBe(200);
    const llm = await send(
      'post',
      `/projects/${id}/llm-annotators`,
      'manager',
      {
        name: 'first-pass',
        config: llmConfig,
      },
    );
    expect(llm.status).toBe(201);
    const job = await send(
      'post',
      `/projects/${id}/llm-annotators/${llm.body.id}/jobs`,
      'manager',
      { scope: { kind: 'missing' } },
    );
    expect(job.status).toBe(201);
    const paused = await send(
      'post',
      `/projects/${id}/llm-jobs/${job.body.id}/pause`,
      'manager',
    );
    expect(paused.body.status).toBe('paused');
    return {
      llmAnnotatorId: llm.body.id,
      llmJobId: job.body.id,
      id,
      token: lease.body.token,
      itemId: lease.body.item.id,
      qaToken: claim.body.token,
    };
  }

  describe.each(endpoints)('$name', ({ call, allowed, ok }) => {
    it.each(tiers)('as %s', async who => {
      const s = await scene();
      const before = await snapshotTables(knex, s.id);
      const res = await call(s, who);
      const denied = !allowed.includes(who);
      const refusal = who === 'outsider' ? 404 : 403;
      expect(res.status).toBe(denied ? refusal : ok);
      expect(denied ? res.body.error.message : 'allowed').toMatch(
        // eslint-disable-next-line no-nested-ternary
        !denied
          ? 'allowed'
          : refusal === 404
          ? `project ${s.id} not found`
          : /is not allowed: it needs the annotation\.[a-z.]+ permission|needs a signed-in (annotator|quality analyst)/,
      );
      // a refused call changes nothing
      expect(denied ? await snapshotTables(knex, s.id) : before).toBe(before);
    });
  });

  it('lists only the projects a caller may read, and queues only to annotators and analysts', async () => {
    const s = await scene();
    const ids = async (path: string, who: Who) => {
      const res = await get(path, who);
      expect(res.status).toBe(200);
      return res.body.items.map(
        (i: { id?: string; project?: { id: string } }) =>
          i.project ? i.project.id : i.id,
      );
    };
    for (const who of [
      'annotator',
      'analyst',
      'manager',
      'owner',
      'service',
    ] as Who[]) {
      expect(await ids('/projects', who)).toContain(s.id);
    }
    expect(await ids('/projects', 'outsider')).toEqual([]);
    expect(await ids('/queues', 'annotator')).toContain(s.id);
    for (const who of [
      'analyst',
      'manager',
      'owner',
      'outsider',
      'service',
    ] as Who[]) {
      expect(await ids('/queues', who)).toEqual([]);
    }
    const queue = (await get('/queues', 'annotator')).body.items.find(
      (q: { project: { id: string } }) => q.project.id === s.id,
    );
    expect(queue).toMatchObject({
      remainingForMe: 2, // item a has gold: a honeypot, no one's queue
      myAnnotations: 0,
      mySkips: 0,
    });
    // QA queues only to quality analysts
    expect(await ids('/qa/queues', 'analyst')).toContain(s.id);
    for (const who of [
      'annotator',
      'manager',
      'owner',
      'outsider',
      'service',
    ] as Who[]) {
      expect(await ids('/qa/queues', who)).toEqual([]);
    }
  });

  it('lets users create only projects they will manage', async () => {
    const base = {
      title: 'Mine',
      lifecycle: 'experimental',
      model: 'resource:track-artist-page-placement',
      dataset: 'resource:track-placement-labels',
      config,
    };
    const foreign = await send('post', '/projects', 'outsider', {
      ...base,
      name: 'not-mine',
      owner: 'group:cu-ml-engineering',
    });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.message).toContain(
      'owner: you would not manage this project',
    );
    expect(await knex('projects').where({ name: 'not-mine' })).toEqual([]);
    const own = await send('post', '/projects', 'outsider', {
      ...base,
      name: 'olafs-own',
      owner: 'user:default/olaf.outsider',
    });
    expect(own.status).toBe(201);
    const managed = await send('post', '/projects', 'manager', {
      ...base,
      name: 'staffed-by-managers',
      owner: 'group:cu-ml-engineering',
    });
    expect(managed.status).toBe(201); // jonas's group is in workforce.managers
  });

  it('keeps annotators blind: no gold, predictions or other answers', async () => {
    const s = await scene();
    const first = await send(
      'post',
      `/projects/${s.id}/items/${s.itemId}/annotations`,
      'annotator',
      { token: s.token, answer: { belongs: 'yes' } },
    );
    expect(first.status).toBe(201);
    const second = await send(
      'post',
      `/projects/${s.id}/next`,
      'otherAnnotator',
      {},
    );
    expect(second.status).toBe(200);
    expect(second.body.item.id).toBe(s.itemId); // overlap 2: the same item
    expect(Object.keys(second.body.item).sort()).toEqual([
      'data',
      'externalId',
      'id',
    ]);
    const text = JSON.stringify(second.body);
    expect(text).not.toMatch(/"yes"|"no"|score|amara/);
    // nothing else an annotator can read carries answers either
    for (const path of [
      `/projects/${s.id}`,
      `/projects/${s.id}/config`,
      '/queues',
    ]) {
      const res = await get(path, 'otherAnnotator');
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.body)).not.toMatch(/amara|"score"/);
    }
  });
  it('hides honeypots: a gold lease and its answer look like any other, and nothing names gold', async () => {
    made += 1;
    const created = await send('post', '/projects', 'service', {
      name: `mixed-queue-${made}`,
      title: `Mixed queue ${made}`,
      owner: 'group:cu-ml-engineering',
      lifecycle: 'experimental',
      model: 'resource:track-artist-page-placement',
      dataset: 'resource:track-placement-labels',
      config: { ...config, quality: { goldRate: 0.5 } },
    });
    const id = created.body.id;
    const lines = ['t1', 't2', 't3', 't4', 't5'].map((e, n) =>
      JSON.stringify({
        externalId: e,
        data: { track_title: e.toUpperCase() },
        ...(n === 4 ? { gold: { belongs: 'no' } } : {}),
      }),
    );
    await send('post', `/projects/${id}/items/import`, 'service')
      .set('Content-Type', 'application/x-ndjson')
      .send(lines.join('\n'));
    await send('put', `/projects/${id}/status`, 'service', {
      status: 'active',
    });

    // at rate 0.5, half the claims try the gold item (t5) first
    type LeaseBody = {
      token: string;
      item: { id: string; externalId: string };
    };
    const leases: Partial<Record<'gold' | 'regular', LeaseBody>> = {};
    for (let n = 0; n < 60 && !(leases.gold && leases.regular); n++) {
      const res = await send('post', `/projects/${id}/next`, 'annotator', {
        exclude: Object.values(leases).map(l => l.token),
      });
      expect(res.status).toBe(200);
      const kind = res.body.item.externalId === 't5' ? 'gold' : 'regular';
      if (leases[kind]) {
        await send(
          'delete',
          `/projects/${id}/leases/${res.body.token}`,
          'annotator',
        );
      } else {
        leases[kind] = res.body;
      }
    }
    const gold = leases.gold!;
    const regular = leases.regular!;
    // the same fields, all of the same types: nothing tells them apart
    const shape = (v: unknown): unknown => {
      if (Array.isArray(v)) {
        return v.map(shape);
      }
      return v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .sort()
              .map(([k, x]) => [k, shape(x)]),
          )
        : typeof v;
    };
    expect(shape(gold)).toEqual(shape(regular));
    const beats = await Promise.all(
      [gold, regular].map(l =>
        send(
          'post',
          `/projects/${id}/leases/${l.token}/heartbeat`,
          'annotator',
        ),
      ),
    );
    expect(shape(beats[0].body)).toEqual(shape(beats[1].body));
    const answers = await Promise.all(
      [gold, regular].map(l =>
        send(
          'post',
          `/projects/${id}/items/${l.item.id}/annotations`,
          'annotator',
          {
            token: l.token,
            answer: { belongs: 'yes' }, // wrong on the gold item
          },
        ),
      ),
    );
    expect(answers.map(a => a.status)).toEqual([201, 201]);
    expect(shape(answers[0].body)).toEqual(shape(answers[1].body));
    expect(answers[0].body.itemCompleted).toBe(false);
    // scored all the same
    expect(
      await knex('annotator_gold_stats').where({ project_id: id }),
    ).toMatchObject([{ answered: 1, correct: 0 }]);

    // nothing an annotator reads names gold or honeypots
    const seen = [
      gold,
      regular,
      ...[...beats, ...answers].map(r => r.body),
    ].map(body => JSON.stringify(body));
    for (const path of [`/projects/${id}`, '/queues']) {
      const res = await get(path, 'annotator');
      expect(res.status).toBe(200);
      seen.push(JSON.stringify(res.body));
    }
    for (const text of seen) {
      expect(text).not.toMatch(/gold|honeypot/i);
    }
    // the config is the project's policy (its gold rate among the
    // settings), never an item or an answer
    const own = await get(`/projects/${id}/config`, 'annotator');
    expect(own.status).toBe(200);
    expect(JSON.stringify(own.body)).not.toMatch(/"t5"|\{"belongs":"no"\}/);
  });
});
