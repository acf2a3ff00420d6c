import { TestDatabases } from '@backstage/backend-test-utils';
import {
  dawidSkene,
  encodeAnswers,
  llmRaterId,
  QualityMetrics,
} from '@chorus/plugin-annotation-common';
import { Knex } from 'knex';
import { apiCaller, users, Who } from '../__testUtils__/callers';
import { workforce } from '../__testUtils__/fixtures';
import { llmConfig } from '../__testUtils__/llm';
import { seedLlmAnswers } from '../__testUtils__/seedAnswers';
import { startAnnotationApi } from '../__testUtils__/startApi';
import { KnexLlmAnnotatorStore, KnexQualityStore } from '../database';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const config = {
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
  // a disagreement goes straight to QA
  quality: { minGoldAccuracy: 0.8, extraAnnotatorCap: 0 },
};

/** Both annotators' answers to items a–d, in the order they label them. */
const ANSWERS: Record<string, Record<string, string>> = {
  [users.annotator]: { a: 'yes', b: 'no', c: 'yes', d: 'yes' },
  [users.otherAnnotator]: { a: 'yes', b: 'yes', c: 'no', d: 'yes' },
};

describe.each(databases.eachSupportedId())('quality metrics on %s', dbId => {
  let knex: Knex;
  let call: ReturnType<typeof apiCaller>;
  let made = 0;

  beforeAll(async () => {
    knex = await databases.init(dbId);
    call = apiCaller(await startAnnotationApi({ knex }));
  });

  const send = (
    method: 'post' | 'put',
    path: string,
    who: Who,
    body?: object,
  ) => {
    const r = call(method, path, who);
    return body ? r.send(body) : r;
  };

  /**
   * An active project of six items (item f with imported gold, a
   * honeypot never served at gold rate 0) where both annotators answered
   * a–d through the API, so the evaluation resolved a and d and escalated
   * b and c; ids by external id.
   */
  async function labelledProject() {
    made += 1;
    const created = await send('post', '/projects', 'service', {
      name: `metrics-${made}`,
      title: `Metrics ${made}`,
      owner: 'group:cu-ml-engineering',
      lifecycle: 'experimental',
      model: 'resource:track-artist-page-placement',
      dataset: 'resource:track-placement-labels',
      config,
    });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    const lines = ['a', 'b', 'c', 'd', 'e', 'f'].map((x, n) =>
      JSON.stringify({
        externalId: x,
        data: { track_title: x.toUpperCase() },
        priority: 10 - n,
        ...(x === 'f' ? { gold: { belongs: 'yes' } } : {}),
      }),
    );
    const imported = await send(
      'post',
      `/projects/${id}/items/import`,
      'service',
    )
      .set('Content-Type', 'application/x-ndjson')
      .send(lines.join('\n'));
    expect(imported.body.inserted).toBe(6);
    await send('put', `/projects/${id}/status`, 'service', {
      status: 'active',
    });
    const itemIds: Record<string, string> = {};
    for (const who of ['annotator', 'otherAnnotator'] as const) {
      for (let n = 0; n < 4; n++) {
        const lease = await send('post', `/projects/${id}/next`, who, {});
        expect(lease.status).toBe(200);
        const { id: itemId, externalId } = lease.body.item;
        itemIds[externalId] = itemId;
        const answered = await send(
          'post',
          `/projects/${id}/items/${itemId}/annotations`,
          who,
          {
            token: lease.body.token,
            answer: { belongs: ANSWERS[users[who]][externalId] },
            timeSpentMs: who === 'annotator' ? 2000 + n * 1000 : 4000,
          },
        );
        expect(answered.status).toBe(201);
      }
    }
    return { id, itemIds };
  }

  const metrics = async (id: string, query = '') => {
    const res = await call(
      'get',
      `/projects/${id}/metrics/quality${query}`,
      'manager',
    );
    expect({ status: res.status, error: res.body.error }).toEqual({
      status: 200,
    });
    return res.body as QualityMetrics;
  };

  it('counts items by state and quality status, escalations and QA decisions', async () => {
    const { id, itemIds } = await labelledProject();
    const quality = new KnexQualityStore(knex);
    // a: resolved; b: escalated, then sent back (pending);
    // c: escalated, then resolved by QA; d: resolved, then escalated on an
    // annotator's flag, still open
    const reasons = [{ code: 'annotator-flag' as const, annotator: 'x' }];
    await quality.escalate(itemIds.d, { configVersion: 1, reasons });
    const claimB = (await quality.claimQa(id, users.analyst, 60_000))!;
    expect(claimB.escalation.itemId).toBe(itemIds.b);
    await quality.sendBack({
      projectId: id,
      token: claimB.token,
      analyst: users.analyst,
      guidance: 'listen to the chorus',
      overlap: 2,
    });
    const claimC = (await quality.claimQa(id, users.analyst, 60_000))!;
    expect(claimC.escalation.itemId).toBe(itemIds.c);
    await quality.resolveQa({
      projectId: id,
      token: claimC.token,
      analyst: users.analyst,
      answer: { belongs: 'no' },
    });
    await quality.recordGoldAnswer(id, users.annotator, true);
    await quality.recordGoldAnswer(id, users.annotator, false);
    await quality.recordGoldAnswer(id, users.otherAnnotator, true);

    const body = await metrics(id, '?bucket=hour');
    expect(body.progress).toEqual({
      // b was reopened for one more answer; f is gold, not counted
      items: { total: 5, open: 2, full: 0, complete: 3, gold: 1 },
      completionRate: 0.6,
      quality: {
        notEvaluated: 0,
        pending: 1,
        resolved: 1,
        escalated: 1,
        qaResolved: 1,
        gold: 2, // imported on f, the QA resolution of c
      },
      annotations: 8,
      skips: 0,
    });
    expect(body.escalations).toEqual({
      open: 1,
      resolved: 1,
      sentBack: 1,
      medianTimeToResolutionMs: expect.any(Number),
    });
    expect(body.escalations.medianTimeToResolutionMs).toBeGreaterThanOrEqual(0);
    // volume: 48 hourly buckets by default, everything in the last one
    expect(body.volume.bucket).toBe('hour');
    expect(body.volume.points.length).toBeGreaterThanOrEqual(48);
    expect(body.volume.points.length).toBeLessThanOrEqual(49);
    const last = body.volume.points[body.volume.points.length - 1];
    expect(last).toEqual({ start: expect.any(String), human: 8, qa: 2 });
    expect(Date.parse(last.start) % 3_600_000).toBe(0);
    expect(body.volume.points.slice(0, -1).every(p => !p.human && !p.qa)).toBe(
      true,
    );
    expect(body.agreement).toBeUndefined(); // not fitted yet
    expect(body.canRefit).toBe(true);
    const asAnalyst = await call(
      'get',
      `/projects/${id}/metrics/quality`,
      'analyst',
    );
    expect(asAnalyst.body.canRefit).toBe(false);
  });

  it('shows the annotators with their medians, gold flag and fitted figures', async () => {
    const { id, itemIds } = await labelledProject();
    const quality = new KnexQualityStore(knex);
    // QA settles b as "no"; a and d were resolved as "yes"
    const claim = (await quality.claimQa(id, users.analyst, 60_000))!;
    expect(claim.escalation.itemId).toBe(itemIds.b);
    await quality.resolveQa({
      projectId: id,
      token: claim.token,
      analyst: users.analyst,
      answer: { belongs: 'no' },
    });
    await quality.recordGoldAnswer(id, users.annotator, true);
    await quality.recordGoldAnswer(id, users.annotator, false);
    await quality.recordGoldAnswer(id, users.otherAnnotator, true);

    // analysts read metrics but may not recompute; managers may
    expect(
      (await call('post', `/projects/${id}/quality/refit`, 'analyst')).status,
    ).toBe(403);
    const refit = await call(
      'post',
      `/projects/${id}/quality/refit`,
      'manager',
    );
    expect(refit.status).toBe(200);
    expect(refit.body).toEqual({
      configVersion: 1,
      fittedAt: expect.any(String),
      itemsUsed: 4,
      answersUsed: 8,
    });

    const body = await metrics(id, '?bucket=day');
    const model = dawidSkene(
      encodeAnswers(
        Object.entries(ANSWERS).flatMap(([rater, answers]) =>
          Object.entries(answers).map(([item, value]) => ({
            item,
            rater,
            value,
          })),
        ),
        { categories: ['yes', 'no'] },
      ),
    ).model;
    expect(body.minGoldAccuracy).toBe(0.8);
    expect(body.annotators).toEqual([
      {
        annotator: users.annotator,
        annotations: 4,
        skips: 0,
        timeSpentMs: 14_000,
        medianTimeMs: 3500,
        // a yes = yes, b no = no, d yes = yes
        consensusAgreement: 1,
        consensusCompared: 3,
        gold: { answered: 2, correct: 1, accuracy: 0.5 },
        belowMinGoldAccuracy: true,
        dawidSkeneAccuracy: { belongs: expect.any(Number) },
      },
      {
        annotator: users.otherAnnotator,
        annotations: 4,
        skips: 0,
        timeSpentMs: 16_000,
        medianTimeMs: 4000,
        // a yes = yes, b yes ≠ no, d yes = yes
        consensusAgreement: 2 / 3,
        consensusCompared: 3,
        gold: { answered: 1, correct: 1, accuracy: 1 },
        belowMinGoldAccuracy: false,
        dawidSkeneAccuracy: { belongs: expect.any(Number) },
      },
    ]);
    for (const row of body.annotators) {
      expect(row.dawidSkeneAccuracy.belongs).toBeCloseTo(
        model.accuracy[row.annotator],
        9,
      );
    }
    expect(body.agreement).toEqual({
      configVersion: 1,
      current: true,
      fittedAt: refit.body.fittedAt,
      itemsUsed: 4,
      answersUsed: 8,
      questions: [
        {
          id: 'belongs',
          title: 'Belongs?',
          type: 'single-choice',
          measures: {
            // a and d agree, b and c do not
            percent: { value: 0.5 },
            fleissKappa: { value: expect.any(Number) },
            krippendorffAlphaNominal: { value: expect.any(Number) },
            gwetAC1: { value: expect.any(Number) },
          },
          labels: [
            { label: 'yes', measures: { fleissKappa: expect.any(Object) } },
            { label: 'no', measures: { fleissKappa: expect.any(Object) } },
          ],
        },
      ],
    });
    expect(body.volume.bucket).toBe('day');
    expect(body.volume.points).toHaveLength(31);
    expect(body.volume.points.reduce((n, p) => n + p.human, 0)).toBe(8);
  });

  it('lists a voting LLM annotator by its name, after the people, with its fitted figures', async () => {
    const { id, itemIds } = await labelledProject();
    const llm = new KnexLlmAnnotatorStore(knex);
    const voter = await llm.create(
      id,
      'first-pass',
      llmConfig(),
      users.manager,
    );
    const prelabeller = await llm.create(
      id,
      'suggester',
      llmConfig({ role: 'prelabel' }),
      users.manager,
    );
    const LLM_SAYS: Record<string, string> = {
      a: 'yes',
      b: 'no',
      c: 'no',
      d: 'no',
    };
    for (const annotator of [voter, prelabeller]) {
      await seedLlmAnswers(
        knex,
        id,
        annotator.id,
        Object.entries(LLM_SAYS).map(([x, belongs]) => ({
          itemId: Number(itemIds[x]),
          version: 1,
          answer: { belongs },
        })),
      );
    }
    const refit = await call(
      'post',
      `/projects/${id}/quality/refit`,
      'manager',
    );
    // the people's 8 answers and the voter's 4; the prelabels do not vote
    expect(refit.body).toMatchObject({ itemsUsed: 4, answersUsed: 12 });

    const body = await metrics(id);
    const rater = llmRaterId('first-pass');
    expect(body.annotators.map(a => a.annotator)).toEqual([
      users.annotator,
      users.otherAnnotator,
      rater,
    ]);
    expect(body.annotators[2]).toEqual({
      annotator: rater,
      llmAnnotator: 'first-pass',
      annotations: 4,
      skips: 0,
      timeSpentMs: 0,
      // a and d were resolved "yes": a agrees, d does not
      consensusAgreement: 0.5,
      consensusCompared: 2,
      belowMinGoldAccuracy: false,
      dawidSkeneAccuracy: { belongs: expect.any(Number) },
    });
    const model = dawidSkene(
      encodeAnswers(
        [
          ...Object.entries(ANSWERS).flatMap(([who, answers]) =>
            Object.entries(answers).map(([item, value]) => ({
              item,
              rater: who,
              value,
            })),
          ),
          ...Object.entries(LLM_SAYS).map(([item, value]) => ({
            item,
            rater,
            value,
          })),
        ],
        { categories: ['yes', 'no'] },
      ),
    ).model;
    for (const row of body.annotators) {
      expect(row.dawidSkeneAccuracy.belongs).toBeCloseTo(
        model.accuracy[row.annotator],
        9,
      );
    }
  });

  it('bounds the volume window and names a bad parameter', async () => {
    const { id } = await labelledProject();
    const since = new Date(Date.now() - 3 * 3_600_000).toISOString();
    const body = await metrics(
      id,
      `?bucket=hour&since=${encodeURIComponent(since)}`,
    );
    expect(body.volume.points.length).toBeGreaterThanOrEqual(3);
    expect(body.volume.points.length).toBeLessThanOrEqual(4);
    expect(body.volume.since <= since).toBe(true);
    const tooOld = new Date(Date.now() - 15 * 86_400_000).toISOString();
    const refused = await call(
      'get',
      `/projects/${id}/metrics/quality?bucket=hour&since=${encodeURIComponent(
        tooOld,
      )}`,
      'manager',
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe(
      `since: at most 14 days ago expected with bucket=hour, got ${tooOld}`,
    );
  });
});
