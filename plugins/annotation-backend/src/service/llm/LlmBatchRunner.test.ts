import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { LlmSimulator, startLlmSimulator } from '@chorus/llm-simulator';
import { SIM_PRICE } from '../../__testUtils__/llm';
import { llmJobSetup, trackItems } from '../../__testUtils__/llmJobs';
import { LlmBatchRunner } from './LlmBatchRunner';
import { LlmClient } from './LlmClient';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const truthOf = (count: number) =>
  Object.fromEntries(
    Array.from({ length: count }, (_, i) => [
      `item-${i}`,
      { belongs: i % 3 === 0 ? 'no' : 'yes' },
    ]),
  );

describe.each(databases.eachSupportedId())('LLM batch runner on %s', id => {
  let simulator: LlmSimulator;

  beforeAll(async () => {
    simulator = await startLlmSimulator({ seed: 5 });
  });
  afterAll(() => simulator.close());
  beforeEach(() => {
    simulator.setOptions({
      faultRate: 0,
      faults: {},
      accuracy: 1,
      truth: truthOf(100),
      batchLinesPerSecond: 2000,
    });
    simulator.requests.clear();
  });

  async function setup(items: ReturnType<typeof trackItems>) {
    const h = await llmJobSetup({
      databases,
      databaseId: id,
      simulator,
      items,
    });
    const batches = (maxLines = 50_000) =>
      new LlmBatchRunner({
        jobs: h.jobs,
        annotators: h.annotators,
        projects: h.projects,
        providers: h.providers,
        client: new LlmClient({ fetch: h.fetch }),
        logger: mockServices.logger.mock(),
        options: { pollMs: 20, maxLines },
        onJobFinished: jobId => h.finished.push(jobId),
      });
    return { ...h, batches };
  }

  const billedLines = () =>
    simulator.requests.completions().filter(e => e.billed && e.batchId);

  it('answers a job through the Batch API, duplicates and all, batch after batch', async () => {
    // items 25-29 repeat the data of items 0-4
    const h = await setup(trackItems(30, i => (i >= 25 ? i - 25 : i)));
    const job = await h.createJob({ kind: 'missing' }, { mode: 'batch' });
    await h.batches(10).drain(20);

    const done = await h.jobs.get(h.projectId, job.id);
    expect(done).toMatchObject({
      status: 'completed',
      stopReason: 'done',
      itemsDone: 30,
      itemsFailed: 0,
      itemsCached: 5,
    });
    expect(h.finished).toEqual([job.id]);
    const lines = billedLines();
    expect(lines).toHaveLength(25);
    expect(new Set(lines.map(l => l.batchId)).size).toBe(3);
    expect(simulator.requests.itemsBilledMoreThanOnce()).toEqual([]);
    expect(done.tokensIn).toBe(lines.reduce((s, l) => s + l.promptTokens, 0));
    expect(done.cost).toBeCloseTo(
      lines.reduce(
        (s, l) =>
          s +
          (l.promptTokens * SIM_PRICE.inputPerMillion +
            l.completionTokens * SIM_PRICE.outputPerMillion) /
            1e6,
        0,
      ),
      9,
    );
    const answers = await h
      .knex('llm_answers as a')
      .join('items as i', 'i.id', 'a.item_id')
      .select('i.external_id', 'a.answer', 'a.cached_from');
    expect(answers).toHaveLength(30);
    for (const a of answers) {
      const n = Number(a.external_id.slice('item-'.length));
      expect(JSON.parse(a.answer)).toEqual(truthOf(30)[`item-${n % 25}`]);
      expect(a.cached_from !== null).toBe(n >= 25);
    }

    // the same content again: answered from the cache, nothing submitted
    const ids = (await h.knex('items').pluck('id')).map(String);
    const again = await h.createJob({ kind: 'items', ids }, { mode: 'batch' });
    simulator.requests.clear();
    await h.batches().drain(20);
    expect(simulator.requests.entries).toHaveLength(0);
    expect(await h.jobs.get(h.projectId, again.id)).toMatchObject({
      status: 'completed',
      itemsCached: 30,
      cost: 0,
    });
  });

  it('records failed lines, refusals and invalid output with their reasons', async () => {
    simulator.setOptions({
      faults: { serverError: 0.15, refusal: 0.15, malformedJson: 0.15 },
    });
    const h = await setup(trackItems(60));
    const job = await h.createJob({ kind: 'missing' }, { mode: 'batch' });
    await h.batches().drain(20);
    const progress = await h.jobs.progress(h.projectId, job.id);
    expect(progress.job.status).toBe('completed');
    expect(progress.job.itemsDone + progress.job.itemsFailed).toBe(60);
    expect(progress.errors).toEqual({
      'provider-error': expect.any(Number),
      refusal: expect.any(Number),
      'invalid-output': expect.any(Number),
    });
    const failed = await h
      .knex('llm_job_items')
      .where({ job_id: job.id, status: 'failed' });
    expect(failed.every(f => f.error)).toBe(true);
    expect(progress.job.tokensIn).toBe(
      billedLines().reduce((s, l) => s + l.promptTokens, 0),
    );
  });

  it('refuses a batch whose most possible cost exceeds the budget', async () => {
    const h = await setup(trackItems(40));
    const job = await h.createJob(
      { kind: 'missing' },
      { mode: 'batch', budgetCost: 1 },
    );
    await h.batches().drain(20);
    expect(await h.jobs.get(h.projectId, job.id)).toMatchObject({
      status: 'completed',
      stopReason: 'budget',
      error: expect.stringMatching(
        /^a batch of 40 requests may cost up to [\d.]+; the budget has 1\.0000 left$/,
      ),
      cost: 0,
    });
    expect(simulator.requests.entries).toHaveLength(0);
    expect(
      await h
        .knex('llm_job_items')
        .where({ job_id: job.id, status: 'pending' }),
    ).toHaveLength(40);
  });

  it('cancels the provider batch of a cancelled job, keeping what was paid', async () => {
    simulator.setOptions({ batchLinesPerSecond: 40 });
    const h = await setup(trackItems(60));
    const job = await h.createJob({ kind: 'missing' }, { mode: 'batch' });
    const runner = h.batches();
    await runner.runOnce();
    const submitted = await h.jobs.get(h.projectId, job.id);
    expect(submitted.providerBatchId).toMatch(/^batch_/);
    while (billedLines().length < 5) {
      await new Promise(r => setTimeout(r, 20));
    }
    await h.jobs.cancel(h.projectId, job.id, 'user:default/jonas.berg');
    await runner.drain(20);
    const after = await h.jobs.get(h.projectId, job.id);
    const paid = billedLines().length;
    expect(after.status).toBe('cancelled');
    expect(after.providerBatchId).toBeUndefined();
    expect(paid).toBeLessThan(60);
    expect(after.itemsDone).toBe(paid);
    expect(
      await h
        .knex('llm_job_items')
        .where({ job_id: job.id, status: 'pending' }),
    ).toHaveLength(60 - paid);
  });
});
