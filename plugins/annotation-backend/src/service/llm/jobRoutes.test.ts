import { TestDatabases } from '@backstage/backend-test-utils';
import { LlmSimulator, startLlmSimulator } from '@chorus/llm-simulator';
import { ANNOTATION_EVENT_TOPICS } from '@chorus/plugin-annotation-common';
import { SIM_MODEL } from '../../__testUtils__/llm';
import { jobStopped, llmApiProject } from '../../__testUtils__/llmApi';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const ITEMS = 12;
const truth = Object.fromEntries(
  Array.from({ length: ITEMS }, (_, i) => [
    `t-${i}`,
    { belongs: i % 3 ? 'yes' : 'no' },
  ]),
);
/** Gold items (honeypots), known to the simulator too. */
const GOLD = 6;
const goldTruth = Object.fromEntries(
  Array.from({ length: GOLD }, (_, i) => [
    `g-${i}`,
    { belongs: i % 2 ? 'yes' : 'no' },
  ]),
);

/*
 * The LLM job API through a real backend whose runner calls the simulator
 * over loopback: dry run, a job to completion, and pause/resume/cancel.
 */
describe.each(databases.eachSupportedId())('LLM job API on %s', id => {
  let simulator: LlmSimulator;

  beforeAll(async () => {
    simulator = await startLlmSimulator({
      seed: 7,
      truth: { ...truth, ...goldTruth },
      accuracy: 1,
      latencyMs: 0,
    });
  });
  afterAll(() => simulator.close());

  const start = () =>
    llmApiProject({
      databases,
      databaseId: id,
      simulator,
      overlap: 1,
      items: [
        ...Object.keys(truth).map(externalId => ({ externalId })),
        ...Object.entries(goldTruth).map(([externalId, gold]) => ({
          externalId,
          gold,
        })),
      ],
    });
  it('dry-runs on a few items and stores nothing', async () => {
    const { knex, call, p, annotatorId } = await start();
    const res = await call(
      'post',
      `/projects/${p}/llm-annotators/${annotatorId}/dry-run`,
      'manager',
    ).send({ count: 2 });
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(2);
    const [first] = res.body.items;
    expect(first.externalId).toBe('t-0');
    // the prompt as sent: the template rendered, the item named for the log
    expect(first.messages.at(-1).content).toContain('Track: t-0');
    expect(first.result).toMatchObject({
      status: 'answered',
      answer: { belongs: 'no' },
      model: SIM_MODEL,
      simulated: true,
    });
    expect(first.result.cost).toBeGreaterThan(0);
    expect(await knex('llm_answers')).toEqual([]);
    // an unsaved config is tried as given, and checked first
    const bad = await call(
      'post',
      `/projects/${p}/llm-annotators/${annotatorId}/dry-run`,
      'manager',
    ).send({ config: { provider: 'simulator', promptTemplate: '' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe(
      'config.promptTemplate: a prompt template expected',
    );
    // a dry run costs money: not for analysts
    const analyst = await call(
      'post',
      `/projects/${p}/llm-annotators/${annotatorId}/dry-run`,
      'analyst',
    ).send({});
    expect(analyst.status).toBe(403);
  });

  it('runs a job to completion and reports its progress', async () => {
    const { knex, call, p, annotatorId, seen } = await start();
    const started = await call(
      'post',
      `/projects/${p}/llm-annotators/${annotatorId}/jobs`,
      'manager',
    ).send({ scope: { kind: 'missing' }, budgetCost: 100 });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({
      status: 'running',
      version: 1,
      itemsTotal: ITEMS,
    });
    const done = await jobStopped(call, p, started.body.id, 'analyst');
    expect(done.job).toMatchObject({
      status: 'completed',
      stopReason: 'done',
      itemsDone: ITEMS,
      itemsFailed: 0,
    });
    expect(done.pending).toBe(0);
    // other plugins hear that it ended
    await new Promise(r => setTimeout(r, 100));
    expect(
      seen
        .filter(e => e.topic === ANNOTATION_EVENT_TOPICS.llmJobFinished)
        .map(e => e.eventPayload),
    ).toEqual([
      expect.objectContaining({
        jobId: started.body.id,
        projectId: p,
        status: 'completed',
        stopReason: 'done',
        itemsDone: ITEMS,
      }),
    ]);
    expect(done.latencyMs.count).toBe(ITEMS);
    const answers = await knex('llm_answers').where({
      annotator_id: annotatorId,
    });
    expect(answers).toHaveLength(ITEMS);
    const listed = await call('get', `/projects/${p}/llm-jobs`, 'manager');
    expect(listed.body.items.map((j: { id: string }) => j.id)).toEqual([
      started.body.id,
    ]);
    // a second job over what is missing has nothing to do
    const again = await call(
      'post',
      `/projects/${p}/llm-annotators/${annotatorId}/jobs`,
      'manager',
    ).send({ scope: { kind: 'missing' } });
    expect(again.body.itemsTotal).toBe(0);
    // bad input names the field
    const bad = await call(
      'post',
      `/projects/${p}/llm-annotators/${annotatorId}/jobs`,
      'manager',
    ).send({ scope: { kind: 'everything' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^scope/);
    const noVersion = await call(
      'post',
      `/projects/${p}/llm-annotators/${annotatorId}/jobs`,
      'manager',
    ).send({ scope: { kind: 'missing' }, version: 9 });
    expect(noVersion.status).toBe(404);
  });

  it('pauses, resumes and cancels a job', async () => {
    const { call, p, annotatorId } = await start();
    simulator.setOptions({ latencyMs: 300 });
    try {
      const started = await call(
        'post',
        `/projects/${p}/llm-annotators/${annotatorId}/jobs`,
        'manager',
      ).send({ scope: { kind: 'missing' } });
      const path = `/projects/${p}/llm-jobs/${started.body.id}`;
      const paused = await call('post', `${path}/pause`, 'manager');
      expect(paused.status).toBe(200);
      expect(paused.body.status).toBe('paused');
      expect((await call('post', `${path}/pause`, 'analyst')).status).toBe(403);
      const resumed = await call('post', `${path}/resume`, 'manager');
      expect(resumed.body.status).toBe('running');
      const cancelled = await call('post', `${path}/cancel`, 'manager');
      expect(cancelled.body).toMatchObject({ status: 'cancelled' });
      const late = await call('post', `${path}/resume`, 'manager');
      expect(late.status).toBe(409);
      const unknown = await call('post', `${path}/restart`, 'manager');
      expect(unknown.status).toBe(400);
    } finally {
      simulator.setOptions({ latencyMs: 0 });
    }
  });

  it('evaluates a version on the gold items and recommends a threshold', async () => {
    const { call, p, annotatorId } = await start();
    // the gold items are not in "missing": they are run on purpose
    const started = await call(
      'post',
      `/projects/${p}/llm-annotators/${annotatorId}/jobs`,
      'manager',
    ).send({ scope: { kind: 'filter', states: ['gold'] } });
    expect(started.body.itemsTotal).toBe(GOLD);
    await jobStopped(call, p, started.body.id, 'analyst');
    const res = await call(
      'get',
      `/projects/${p}/llm-annotators/${annotatorId}/evaluation?targetPrecision=0.9`,
      'analyst',
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: 1, targetPrecision: 0.9 });
    const [belongs] = res.body.questions;
    expect(belongs).toMatchObject({ id: 'belongs', type: 'single-choice' });
    const e = belongs.evaluation;
    // the simulator knows the truth here: every gold item right
    expect(e).toMatchObject({
      items: GOLD,
      answered: GOLD,
      accuracy: { value: 1 },
      accuracyWithAbstentions: { value: 1 },
    });
    expect(e.perLabel).toEqual(
      expect.arrayContaining([
        { label: 'yes', items: 3, accuracy: { value: 1 } },
        { label: 'no', items: 3, accuracy: { value: 1 } },
      ]),
    );
    expect(e.recommended).toMatchObject({ precision: 1, targetPrecision: 0.9 });
    expect(e.recommended.coverage).toBe(1);
    expect(e.recommended.costPerAcceptedLabel).toBeGreaterThan(0);
    expect(e.reliability.length).toBeGreaterThan(0);
    const bad = await call(
      'get',
      `/projects/${p}/llm-annotators/${annotatorId}/evaluation?targetPrecision=2`,
      'manager',
    );
    expect(bad.status).toBe(400);
    expect(
      (
        await call(
          'get',
          `/projects/${p}/llm-annotators/${annotatorId}/evaluation`,
          'annotator',
        )
      ).status,
    ).toBe(403);
  });
});
