import { TestDatabases } from '@backstage/backend-test-utils';
import { EventParams } from '@backstage/plugin-events-node';
import { JsonObject } from '@backstage/types';
import {
  ANNOTATION_EVENT_TOPICS,
  EscalationReason,
} from '@chorus/plugin-annotation-common';
import { Knex } from 'knex';
import { apiCaller, users, Who } from '../__testUtils__/callers';
import { eventListener } from '../__testUtils__/events';
import {
  belongsQuestion,
  newProject,
  workforce,
} from '../__testUtils__/fixtures';
import { startAnnotationApi } from '../__testUtils__/startApi';
import { KnexQualityStore } from '../database';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const lowAgreement: EscalationReason = {
  code: 'low-agreement',
  question: 'belongs',
  measure: 'percent',
  value: 0,
  threshold: 0.6,
};

/** Items a, b, c and d, in that order of priority. */
const ndjson = ['a', 'b', 'c', 'd']
  .map((id, n) =>
    JSON.stringify({
      externalId: id,
      data: { track_title: id.toUpperCase() },
      priority: 4 - n,
    }),
  )
  .join('\n');

describe.each(databases.eachSupportedId())('QA API on %s', dbId => {
  /**
   * An active project (overlap 2) whose items a, b and c both annotators
   * answered (amara yes, bo no), and a helper that escalates an item.
   */
  async function start(
    options: { quality?: object; annotation?: JsonObject } = {},
  ) {
    const knex: Knex = await databases.init(dbId);
    const seen: EventParams[] = [];
    const server = await startAnnotationApi({
      knex,
      annotation: options.annotation,
      features: [eventListener(seen)],
    });
    const call = apiCaller(server);
    const created = await call('post', '/projects', 'manager').send(
      newProject({
        name: `qa-${Math.random().toString(36).slice(2, 8)}`,
        config: {
          overlap: 2,
          workforce,
          questions: [belongsQuestion],
          // agreement not gated: the evaluation resolves every item, and
          // the tests escalate the ones they need
          quality: {
            questions: { belongs: { measure: 'none' } },
            ...options.quality,
          },
        } as never,
      }),
    );
    expect(created.status).toBe(201);
    const p = created.body.id as string;
    await call('post', `/projects/${p}/items/import`, 'manager')
      .set('Content-Type', 'application/x-ndjson')
      .send(ndjson);
    await call('put', `/projects/${p}/status`, 'manager').send({
      status: 'active',
    });
    const itemIds: Record<string, string> = {};
    for (let n = 0; n < 3; n++) {
      for (const [who, belongs] of [
        ['annotator', 'yes'],
        ['otherAnnotator', 'no'],
      ] as const) {
        const lease = await call('post', `/projects/${p}/next`, who).send({});
        itemIds[lease.body.item.externalId] = lease.body.item.id;
        const answered = await call(
          'post',
          `/projects/${p}/items/${lease.body.item.id}/annotations`,
          who,
        ).send({
          token: lease.body.token,
          answer: { belongs },
          timeSpentMs: who === 'annotator' ? 4000 : 9000,
        });
        expect(answered.status).toBe(201);
      }
    }
    // gold on a, as the QA view shows an item's gold when it has one
    await knex('items')
      .where({ id: itemIds.a })
      .update({ gold: JSON.stringify({ belongs: 'yes' }) });
    const quality = new KnexQualityStore(knex);
    const escalate = (externalId: string, reasons = [lowAgreement]) =>
      quality.escalate(itemIds[externalId], {
        configVersion: 1,
        reasons,
        agreement: { belongs: { value: 0 } },
      });
    const next = (who: Who) => call('post', `/projects/${p}/qa/next`, who);
    const qa = (
      method: 'post' | 'delete',
      token: string,
      action: string,
      who: Who = 'analyst',
    ) =>
      call(
        method,
        `/projects/${p}/qa/${token}${action ? `/${action}` : ''}`,
        who,
      );
    const events = (topic: string) =>
      seen.filter(e => e.topic === topic).map(e => e.eventPayload);
    return { knex, call, p, itemIds, quality, escalate, next, qa, events };
  }

  it('gives two analysts claiming at once different escalations, each the one they hold again', async () => {
    const { call, p, itemIds, escalate, next } = await start();
    await escalate('a');
    await escalate('b');
    const [first, second] = await Promise.all([
      next('analyst'),
      next('otherAnalyst'),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(first.body.escalation.id).not.toBe(second.body.escalation.id);
    expect(
      new Set([first.body.item.externalId, second.body.item.externalId]),
    ).toEqual(new Set(['a', 'b']));
    // asking again returns the claim one holds; nothing is left for others
    const again = await next('analyst');
    expect(again.body.token).toBe(first.body.token);
    expect(again.body.escalation.id).toBe(first.body.escalation.id);
    expect((await next('otherAnalyst')).body.token).toBe(second.body.token);

    // everything side by side: the item with its gold, every answer with
    // its annotator and time, the reasons and the item's agreement
    const a = first.body.item.externalId === 'a' ? first : second;
    expect(a.body).toMatchObject({
      configVersion: 1,
      escalation: {
        itemId: itemIds.a,
        reasons: [lowAgreement],
        claimedBy: expect.stringMatching(/grace\.liu|hiro\.tanaka/),
      },
      item: {
        id: itemIds.a,
        externalId: 'a',
        data: { track_title: 'A' },
        gold: { belongs: 'yes' },
      },
      annotatorsShown: true,
      outcome: { status: 'escalated', agreement: { belongs: { value: 0 } } },
    });
    expect(
      a.body.answers.map(
        (x: { annotator: string; answer: unknown; timeSpentMs: number }) => [
          x.annotator,
          x.answer,
          x.timeSpentMs,
        ],
      ),
    ).toEqual([
      [users.annotator, { belongs: 'yes' }, 4000],
      [users.otherAnnotator, { belongs: 'no' }, 9000],
    ]);

    // the backlog shows who holds what
    const backlog = await call('get', `/projects/${p}/escalations`, 'manager');
    expect(backlog.status).toBe(200);
    expect(backlog.body.open).toBe(2);
    expect(
      backlog.body.items.map((e: { externalId: string; claimedBy: string }) => [
        e.externalId,
        e.claimedBy,
      ]),
    ).toEqual([
      ['a', a.body.escalation.claimedBy],
      ['b', expect.any(String)],
    ]);
    // nothing left for a third claim
    await escalate('c');
    const third = await next('analyst');
    expect(third.body.escalation.id).toBe(first.body.escalation.id);
  });

  it('makes a resolution final, audited and gold; a retry replays it, another decision is 409', async () => {
    const { knex, call, p, itemIds, escalate, next, qa, events } =
      await start();
    await escalate('b');
    const claim = await next('analyst');
    const token = claim.body.token;
    const decision = {
      answer: { belongs: 'no' },
      note: 'the remix is by another artist',
    };
    const wrong = await qa('post', token, 'resolve').send({
      answer: { belongs: 'maybe' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.message).toBe(
      'answer.belongs: one of yes, no expected',
    );

    const done = await qa('post', token, 'resolve').send(decision);
    expect(done.status).toBe(200);
    expect(done.body).toEqual({
      replayed: false,
      escalation: expect.objectContaining({
        itemId: itemIds.b,
        resolution: 'resolved',
        resolvedBy: users.analyst,
        answer: decision.answer,
        note: decision.note,
        resolvedAt: expect.any(String),
      }),
    });
    // the item's gold is the resolution, and the decision is audited
    const item = await knex('items').where({ id: itemIds.b }).first();
    expect(JSON.parse(item.gold)).toEqual({ belongs: 'no' });
    const audit = await knex('audit_log').where({
      project_id: p,
      action: 'qa.resolve',
    });
    expect(audit.map(r => [r.actor, JSON.parse(r.details)])).toEqual([
      [
        users.analyst,
        {
          itemId: itemIds.b,
          escalationId: done.body.escalation.id,
          reasons: [lowAgreement],
          ...decision,
        },
      ],
    ]);

    // the same decision again is a replay; any other is refused
    const retry = await qa('post', token, 'resolve').send(decision);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual({ ...done.body, replayed: true });
    const other = await qa('post', token, 'resolve').send({
      answer: { belongs: 'yes' },
    });
    expect(other.status).toBe(409);
    expect(other.body.error.message).toMatch(
      /already resolved by user:default\/grace\.liu; a decision is final/,
    );
    const back = await qa('post', token, 'send-back').send({
      guidance: 'listen again',
    });
    expect(back.status).toBe(409);
    // another analyst's token does not name it; a new escalation of the
    // item is refused too
    const foreign = await qa('post', token, 'resolve', 'otherAnalyst').send(
      decision,
    );
    expect(foreign.status).toBe(404);
    await expect(escalate('b')).rejects.toThrow(/a resolution is final/);
    expect(
      await knex('audit_log').where({ project_id: p, action: 'qa.resolve' }),
    ).toHaveLength(1);

    const resolved = await call(
      'get',
      `/projects/${p}/escalations?status=resolved`,
      'analyst',
    );
    expect(resolved.body).toEqual({
      items: [done.body.escalation].map(e => ({ ...e, externalId: 'b' })),
      open: 0,
    });
    expect((await next('analyst')).status).toBe(204);

    // published once, off the request's path
    await new Promise(r => setTimeout(r, 100));
    expect(events(ANNOTATION_EVENT_TOPICS.itemEscalationResolved)).toEqual([
      {
        projectId: p,
        project: expect.any(String),
        itemId: itemIds.b,
        externalId: 'b',
        escalationId: done.body.escalation.id,
        resolution: 'resolved',
        by: users.analyst,
        answer: decision.answer,
      },
    ]);
  });

  it('sends an item back with guidance: it reopens with one more slot', async () => {
    const { knex, call, p, itemIds, escalate, next, qa, events } =
      await start();
    await escalate('c');
    const claim = await next('analyst');
    const blank = await qa('post', claim.body.token, 'send-back').send({
      guidance: '  \n ',
    });
    expect(blank.status).toBe(400);
    expect(blank.body.error.message).toMatch(/^guidance: /);

    const guidance = 'A live version by the same artist belongs.';
    const sent = await qa('post', claim.body.token, 'send-back').send({
      guidance,
    });
    expect(sent.status).toBe(200);
    expect(sent.body.escalation).toMatchObject({
      resolution: 'sent-back',
      note: guidance,
    });
    const item = await knex('items').where({ id: itemIds.c }).first();
    expect(item).toMatchObject({ state: 'open' });
    expect(Number(item.extra_slots)).toBe(1);
    const progress = await call('get', `/projects/${p}/progress`, 'manager');
    expect(progress.body.items).toMatchObject({ open: 2, complete: 2 });
    expect(
      await knex('audit_log').where({ project_id: p, action: 'qa.send-back' }),
    ).toHaveLength(1);
    const retry = await qa('post', claim.body.token, 'send-back').send({
      guidance,
    });
    expect(retry.body.replayed).toBe(true);
    expect(
      Number(
        (await knex('items').where({ id: itemIds.c }).first()).extra_slots,
      ),
    ).toBe(1);
    await new Promise(r => setTimeout(r, 100));
    expect(events(ANNOTATION_EVENT_TOPICS.itemEscalationResolved)).toEqual([
      expect.objectContaining({
        itemId: itemIds.c,
        resolution: 'sent-back',
        by: users.analyst,
      }),
    ]);
  });

  it('hides annotators from QA when the project says so', async () => {
    const { call, p, escalate, next } = await start({
      quality: { qaSeesAnnotators: false },
    });
    await escalate('a', [
      lowAgreement,
      { code: 'annotator-flag', annotator: users.otherAnnotator, note: 'odd' },
    ]);
    const claim = await next('analyst');
    expect(claim.body.annotatorsShown).toBe(false);
    expect(
      claim.body.answers.map((x: { annotator: string }) => x.annotator),
    ).toEqual(['annotator 1', 'annotator 2']);
    // the flagging annotator keeps the name their answer has
    expect(claim.body.escalation.reasons[1]).toEqual({
      code: 'annotator-flag',
      annotator: 'annotator 2',
      note: 'odd',
    });
    const backlog = await call('get', `/projects/${p}/escalations`, 'analyst');
    expect(backlog.body.items[0].reasons[1].annotator).toBe('an annotator');
    for (const body of [claim.body, backlog.body]) {
      expect(JSON.stringify(body)).not.toMatch(/amara|bo\.lindqvist/);
    }
  });

  it('extends a claim by heartbeat and releases it; the time to live comes from the config', async () => {
    const { call, p, escalate, next, qa } = await start({
      annotation: { qa: { claimTtl: '2m' } },
    });
    await escalate('a');
    const claim = await next('analyst');
    const ttl = Date.parse(claim.body.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(100_000);
    expect(ttl).toBeLessThanOrEqual(120_000);
    await new Promise(r => setTimeout(r, 20));
    const beat = await qa('post', claim.body.token, 'heartbeat');
    expect(beat.status).toBe(200);
    expect(Date.parse(beat.body.expiresAt)).toBeGreaterThan(
      Date.parse(claim.body.expiresAt),
    );
    // another analyst cannot extend or release it
    expect(
      (await qa('post', claim.body.token, 'heartbeat', 'otherAnalyst')).status,
    ).toBe(404);
    expect(
      (await qa('delete', claim.body.token, '', 'otherAnalyst')).status,
    ).toBe(404);
    expect((await next('otherAnalyst')).status).toBe(204);

    expect((await qa('delete', claim.body.token, '')).status).toBe(204);
    const taken = await next('otherAnalyst');
    expect(taken.body.escalation.id).toBe(claim.body.escalation.id);
    const lost = await qa('post', claim.body.token, 'heartbeat');
    expect(lost.status).toBe(404);
    expect(lost.body.error.message).toBe(
      `QA claim ${claim.body.token} not found`,
    );

    // analysts may clear the backlog of a paused project, not a completed one
    await call('put', `/projects/${p}/status`, 'manager').send({
      status: 'paused',
    });
    expect((await next('otherAnalyst')).status).toBe(200);
    await call('put', `/projects/${p}/status`, 'manager').send({
      status: 'completed',
    });
    const closed = await next('otherAnalyst');
    expect(closed.status).toBe(409);
    expect(closed.body.error.message).toMatch(
      /is completed; QA needs an active or paused project/,
    );
  });

  it('lists the backlog by status and page, and each analyst their QA queues', async () => {
    const { call, p, escalate, next, qa } = await start();
    for (const id of ['a', 'b', 'c']) {
      await escalate(id);
    }
    const claim = await next('analyst');
    await qa('post', claim.body.token, 'resolve').send({
      answer: { belongs: 'yes' },
    });
    const ids = async (query: string) => {
      const res = await call(
        'get',
        `/projects/${p}/escalations${query}`,
        'manager',
      );
      expect(res.status).toBe(200);
      return {
        ids: res.body.items.map((e: { externalId: string }) => e.externalId),
        nextCursor: res.body.nextCursor,
        open: res.body.open,
      };
    };
    const page1 = await ids('?limit=1');
    expect(page1).toEqual({
      ids: ['b'],
      nextCursor: expect.any(String),
      open: 2,
    });
    const page2 = await ids(`?limit=1&cursor=${page1.nextCursor}`);
    expect(page2).toEqual({ ids: ['c'], open: 2 });
    expect((await ids('?status=all')).ids).toEqual(['c', 'b', 'a']);
    expect((await ids('?status=resolved')).ids).toEqual(['a']);

    const queues = async (who: Who) =>
      (await call('get', '/qa/queues', who)).body.items.map(
        (q: { project: { id: string }; open: number }) => [
          q.project.id,
          q.open,
        ],
      );
    expect(await queues('analyst')).toEqual([[p, 2]]);
    expect(await queues('otherAnalyst')).toEqual([[p, 2]]);
    for (const who of [
      'annotator',
      'manager',
      'owner',
      'outsider',
      'service',
    ] as Who[]) {
      expect(await queues(who)).toEqual([]);
    }
  });
});
