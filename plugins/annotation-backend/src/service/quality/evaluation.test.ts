import { TestDatabases } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { EventParams } from '@backstage/plugin-events-node';
import { ANNOTATION_EVENT_TOPICS } from '@chorus/plugin-annotation-common';
import { apiCaller, users, Who } from '../../__testUtils__/callers';
import { eventListener } from '../../__testUtils__/events';
import {
  belongsQuestion,
  newProject,
  workforce,
} from '../../__testUtils__/fixtures';
import { startAnnotationApi } from '../../__testUtils__/startApi';
import {
  KnexAnnotationStore,
  KnexLeaseStore,
  KnexMetricsStore,
  KnexProjectStore,
  KnexQualityStore,
} from '../../database';
import { ItemEvaluator } from './ItemEvaluator';
import { refitChangedProjects } from './refit';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

/*
 * The live per-item state through the API: the submit that completes an
 * item decides it (resolved, one more annotator, or the QA queue), checked
 * in the tables.
 */
describe.each(databases.eachSupportedId())('item evaluation on %s', id => {
  async function start(quality: object = {}) {
    const knex = await databases.init(id);
    const seen: EventParams[] = [];
    const server = await startAnnotationApi({
      knex,
      features: [eventListener(seen)],
    });
    const call = apiCaller(server);
    const created = await call('post', '/projects', 'manager').send(
      newProject({
        config: {
          overlap: 2,
          workforce,
          questions: [belongsQuestion],
          quality,
        } as any,
      }),
    );
    expect(created.status).toBe(201);
    const p = created.body.id as string;
    await call('post', `/projects/${p}/items/import`, 'manager')
      .set('Content-Type', 'application/x-ndjson')
      .send(JSON.stringify({ externalId: 'x', data: { track_title: 'X' } }));
    await call('put', `/projects/${p}/status`, 'manager').send({
      status: 'active',
    });
    const [item] = await knex('items').where({ project_id: p });
    const itemId = String(item.id);

    /** `who` leases the next item, which must be `x`, and answers. */
    async function label(who: Who, belongs: string) {
      const lease = await call('post', `/projects/${p}/next`, who);
      expect(lease.status).toBe(200);
      expect(lease.body.item.id).toBe(itemId);
      const submitted = await call(
        'post',
        `/projects/${p}/items/${itemId}/annotations`,
        who,
      ).send({ token: lease.body.token, answer: { belongs } });
      expect(submitted.status).toBe(201);
    }
    const outcome = () => knex('item_outcomes').where({ item_id: itemId });
    const itemRow = () => knex('items').where({ id: itemId }).first();
    return { knex, call, p, itemId, label, outcome, itemRow, seen };
  }

  it('resolves agreeing answers with their consensus, then freezes them', async () => {
    const { call, p, itemId, label, outcome, knex } = await start();
    await label('annotator', 'yes');
    expect(await outcome()).toEqual([]); // one answer of two: undecided
    await label('otherAnnotator', 'yes');

    const [row] = await outcome();
    expect(row).toMatchObject({
      status: 'resolved',
      method: 'majority',
      confidence: 1,
      project_id: p,
    });
    expect(JSON.parse(row.answer)).toEqual({ belongs: 'yes' });
    expect(JSON.parse(row.agreement)).toEqual({ belongs: { value: 1 } });
    const counters = await knex('project_counters')
      .where({ project_id: p, name: 'quality.resolved' })
      .sum({ n: 'value' });
    expect(Number(counters[0].n)).toBe(1);

    // a decided item's answers no longer change
    const edit = await call(
      'post',
      `/projects/${p}/items/${itemId}/annotations`,
      'annotator',
    ).send({ answer: { belongs: 'no' } });
    expect(edit.status).toBe(409);
    expect(edit.body.error.message).toBe(
      `item ${itemId} is resolved; its answers can no longer change`,
    );
    const answers = await knex('annotations').where({ item_id: itemId });
    expect(answers.map(a => JSON.parse(a.answer).belongs)).toEqual([
      'yes',
      'yes',
    ]);
  });

  it('decides nothing on an edit before the item is complete; the edited answer counts once it is', async () => {
    const { call, p, itemId, label, outcome } = await start();
    await label('annotator', 'no');
    const edit = await call(
      'post',
      `/projects/${p}/items/${itemId}/annotations`,
      'annotator',
    ).send({ answer: { belongs: 'yes' } });
    expect(edit.status).toBe(200);
    expect(await outcome()).toEqual([]);
    await label('otherAnnotator', 'yes');
    const [row] = await outcome();
    expect(row.status).toBe('resolved');
    expect(JSON.parse(row.answer)).toEqual({ belongs: 'yes' });
  });

  it('gets one more annotator on disagreement, then escalates at the cap', async () => {
    const { call, p, itemId, label, outcome, itemRow, knex, seen } =
      await start({ extraAnnotatorCap: 1 });
    await label('annotator', 'yes');
    await label('otherAnnotator', 'no');

    const [pending] = await outcome();
    expect(pending.status).toBe('pending');
    expect(JSON.parse(pending.reasons)).toEqual([
      {
        code: 'low-agreement',
        question: 'belongs',
        measure: 'percent',
        value: 0,
        threshold: 0.6,
      },
      { code: 'low-confidence', question: 'belongs', value: 0, threshold: 0.7 },
    ]);
    // reopened for a third annotator, and only for one
    expect(await itemRow()).toMatchObject({ state: 'open', extra_slots: 1 });
    const again = await call('post', `/projects/${p}/next`, 'annotator');
    expect(again.status).toBe(204);

    await label('thirdAnnotator', 'yes');
    const [escalated] = await outcome();
    expect(escalated.status).toBe('escalated');
    expect(JSON.parse(escalated.answer)).toEqual({ belongs: 'yes' });
    expect(escalated.confidence).toBeCloseTo(2 / 3, 12);
    expect(await itemRow()).toMatchObject({
      state: 'complete',
      extra_slots: 1,
      answer_count: 3,
    });
    const queue = await knex('escalations').where({ item_id: itemId });
    expect(queue).toHaveLength(1);
    expect(queue[0].resolved_at).toBeNull();
    expect(JSON.parse(queue[0].reasons)).toEqual([
      expect.objectContaining({ code: 'low-agreement', value: 1 / 3 }),
      expect.objectContaining({ code: 'low-confidence', value: 2 / 3 }),
    ]);

    // other plugins hear of it
    await new Promise(resolve => setTimeout(resolve, 50));
    const escalations = seen.filter(
      e => e.topic === ANNOTATION_EVENT_TOPICS.itemEscalated,
    );
    expect(escalations).toEqual([
      expect.objectContaining({
        eventPayload: expect.objectContaining({
          projectId: p,
          itemId,
          escalationId: String(queue[0].id),
        }),
      }),
    ]);
    // QA decides now: no edits from annotators
    const edit = await call(
      'post',
      `/projects/${p}/items/${itemId}/annotations`,
      'thirdAnnotator',
    ).send({ answer: { belongs: 'no' } });
    expect(edit.status).toBe(409);
    expect(users.thirdAnnotator).toBe('user:default/carlos.mendes');
  });

  it('lets an annotator change an answer while the item waits for more', async () => {
    const { call, p, itemId, label, outcome } = await start({
      extraAnnotatorCap: 2,
    });
    await label('annotator', 'yes');
    await label('otherAnnotator', 'no');
    expect((await outcome())[0].status).toBe('pending');
    // bo thinks again: the item is complete with agreeing answers, decided
    const edit = await call(
      'post',
      `/projects/${p}/items/${itemId}/annotations`,
      'otherAnnotator',
    ).send({ answer: { belongs: 'yes' } });
    expect(edit.status).toBe(200);
    // still waiting for its third annotator: not complete, not decided yet
    expect((await outcome())[0].status).toBe('pending');
    await label('thirdAnnotator', 'yes');
    const [row] = await outcome();
    expect(row.status).toBe('resolved');
    expect(JSON.parse(row.answer)).toEqual({ belongs: 'yes' });
  });

  /**
   * Both annotators answer `no`, stored as by a backend killed before it
   * evaluated the item; the project's config.
   */
  async function answerWithoutEvaluating(knex: Knex, p: string) {
    const leases = new KnexLeaseStore(knex);
    const annotations = new KnexAnnotationStore(knex);
    const config = (await new KnexProjectStore(knex).getConfig(p, 1))!.config;
    for (const annotator of [users.annotator, users.otherAnnotator]) {
      const lease = await leases.next({
        projectId: p,
        annotator,
        overlap: 2,
        ordering: 'priority',
        ttlMs: 60_000,
        maxHeld: 2,
      });
      await annotations.submit({
        projectId: p,
        annotator,
        itemId: lease!.item.id,
        token: lease!.token,
        answer: { belongs: 'no' },
        configVersion: 1,
        overlap: 2,
        timeSpentMs: 1000,
        allowEdit: true,
        questions: config.questions,
      });
    }
    return config;
  }

  it('decides later the items a killed process left undecided', async () => {
    const { knex, p, itemId, outcome } = await start();
    const config = await answerWithoutEvaluating(knex, p);
    expect(await outcome()).toEqual([]);

    const quality = new KnexQualityStore(knex);
    const evaluator = new ItemEvaluator({ quality });
    const project = { projectId: p, configVersion: 1, config };
    // within the grace period an evaluation may still be in flight
    expect(await evaluator.evaluateUndecided(project)).toBe(0);
    expect(await quality.undecidedItems(p, Date.now() + 1, 10)).toEqual([
      itemId,
    ]);
    expect(await evaluator.evaluateUndecided(project, { graceMs: -1 })).toBe(1);
    const [row] = await outcome();
    expect(row.status).toBe('resolved');
    expect(JSON.parse(row.answer)).toEqual({ belongs: 'no' });
    expect(await quality.undecidedItems(p, Date.now() + 1, 10)).toEqual([]);
  });

  /**
   * What `work` sends: on PostgreSQL every statement on any connection
   * (knex's and those the stores send straight); on SQLite knex's, as the
   * stores' own run on the driver.
   */
  async function statementsDuring<T>(knex: Knex, work: () => Promise<T>) {
    const sent: string[] = [];
    const record = (query: { sql: string }) => sent.push(query.sql);
    const recording = new Set<any>();
    const client = knex.client;
    const acquire = client.acquireConnection;
    if (id === 'POSTGRES_15') {
      client.acquireConnection = async () => {
        const connection = await acquire.call(client);
        if (!connection.recorded) {
          const query = connection.query;
          connection.query = (
            config: string | { text: string },
            ...rest: unknown[]
          ) => {
            if (connection.recording) {
              sent.push(typeof config === 'string' ? config : config.text);
            }
            return query.call(connection, config, ...rest);
          };
          connection.recorded = true;
        }
        connection.recording = true;
        recording.add(connection);
        return connection;
      };
    } else {
      knex.on('query', record);
    }
    try {
      return { result: await work(), sent };
    } finally {
      client.acquireConnection = acquire;
      knex.removeListener('query', record);
      recording.forEach(connection => {
        connection.recording = false;
      });
    }
  }

  it('decides an item once when evaluations run at once, each under its lock, which PostgreSQL takes in the round trip that begins', async () => {
    const { knex, p, itemId, outcome } = await start();
    const config = await answerWithoutEvaluating(knex, p);
    const evaluator = new ItemEvaluator({
      quality: new KnexQualityStore(knex),
    });
    const args = { projectId: p, configVersion: 1, config };
    // an item of no project, or of another one: nothing to decide (and
    // the fit is cached)
    expect(
      await evaluator.evaluate({ ...args, itemId: '999999' }),
    ).toBeUndefined();
    expect(
      await evaluator.evaluate({ ...args, projectId: 'another', itemId }),
    ).toBeUndefined();
    expect(await outcome()).toEqual([]);

    const statements = await statementsDuring(knex, () =>
      Promise.all(
        [1, 2, 3, 4].map(() => evaluator.evaluate({ ...args, itemId })),
      ),
    );
    const evaluated = statements.result;
    expect(evaluated.filter(Boolean)).toEqual([
      expect.objectContaining({
        decision: expect.objectContaining({ status: 'resolved' }),
      }),
    ]);
    const rows = await outcome();
    expect(rows).toEqual([expect.objectContaining({ status: 'resolved' })]);
    const [{ n }] = await knex('project_counters')
      .where({ project_id: p, name: 'quality.resolved' })
      .sum({ n: 'value' });
    expect(Number(n)).toBe(1);
    // PREPARE runs once per statement and connection: not counted
    const work = statements.sent.filter(
      s => !/^(COMMIT|ROLLBACK|PREPARE)/.test(s),
    );
    const count = (pattern: RegExp) => work.filter(s => pattern.test(s)).length;
    expect({
      openings: count(
        /^BEGIN;\s*EXECUTE \w+\(\d+\);\s*EXECUTE \w+\(\d+(, \d+)*\)$/,
      ),
      writes: count(/INSERT INTO item_outcomes/),
      roundTrips: work.length,
    }).toEqual(
      id === 'POSTGRES_15'
        ? // each: one round trip begins, locks the item and reads its
          // outcome, answers and LLM answers (two statements, two
          // snapshots); the one that decided wrote in a second
          { openings: 4, writes: 1, roundTrips: 5 }
        : // one synchronous transaction on the driver each, none via knex
          { openings: 0, writes: 0, roundTrips: 0 },
    );
  });

  it('has the scheduled refit decide what a killed process left', async () => {
    const { knex, p, itemId, outcome } = await start();
    const annotations = new KnexAnnotationStore(knex);
    const leases = new KnexLeaseStore(knex);
    const projects = new KnexProjectStore(knex);
    const config = (await projects.getConfig(p, 1))!.config;
    for (const annotator of [users.annotator, users.otherAnnotator]) {
      const lease = await leases.next({
        projectId: p,
        annotator,
        overlap: 2,
        ordering: 'priority',
        ttlMs: 60_000,
        maxHeld: 2,
      });
      await annotations.submit({
        projectId: p,
        annotator,
        itemId: lease!.item.id,
        token: lease!.token,
        answer: { belongs: 'yes' },
        configVersion: 1,
        overlap: 2,
        timeSpentMs: 1000,
        allowEdit: true,
        questions: config.questions,
      });
    }
    // long enough ago that no evaluation can still be in flight
    await knex('items')
      .where({ id: itemId })
      .update({ updated_at: Date.now() - 3_600_000 });
    const quality = new KnexQualityStore(knex);
    await refitChangedProjects({
      projects,
      quality,
      metrics: new KnexMetricsStore(knex),
      evaluator: new ItemEvaluator({ quality }),
    });
    expect((await outcome())[0]).toMatchObject({ status: 'resolved' });
  });
});
