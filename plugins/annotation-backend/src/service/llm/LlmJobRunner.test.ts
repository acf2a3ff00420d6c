import { TestDatabases } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { LlmSimulator, startLlmSimulator } from '@chorus/llm-simulator';
import { SIM_PRICE } from '../../__testUtils__/llm';
import {
  llmJobSetup,
  maxInFlight,
  trackItems,
} from '../../__testUtils__/llmJobs';
import { requestReservation, priceOf } from './budget';
import { completionRequest, promptShape } from './LlmClient';
import {
  DEFAULT_RUNNER_OPTIONS,
  LlmJobRunner,
  readLlmRunnerOptions,
} from './LlmJobRunner';
import { promptContext } from './prompt';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

/** Billed cost of the simulator's log at the test prices. */
function billedCost(simulator: LlmSimulator) {
  return simulator.requests
    .completions()
    .filter(e => e.billed)
    .reduce(
      (sum, e) =>
        sum +
        (e.promptTokens * SIM_PRICE.inputPerMillion +
          e.completionTokens * SIM_PRICE.outputPerMillion) /
          1e6,
      0,
    );
}

const truthOf = (count: number) =>
  Object.fromEntries(
    Array.from({ length: count }, (_, i) => [
      `item-${i}`,
      { belongs: i % 3 === 0 ? 'no' : 'yes' },
    ]),
  );

describe('readLlmRunnerOptions', () => {
  it('reads annotation.llm, with defaults, refusing nonsense', () => {
    const read = (llm: object) =>
      readLlmRunnerOptions(new ConfigReader({ annotation: { llm } }));
    expect(read({})).toEqual(DEFAULT_RUNNER_OPTIONS);
    expect(
      read({ concurrency: 64, claimBatch: 256, leaseSeconds: 30 }),
    ).toMatchObject({ concurrency: 64, claimBatch: 256, leaseMs: 30_000 });
    expect(() => read({ concurrency: 0 })).toThrow(
      'annotation.llm.concurrency: a positive number expected',
    );
  });
});

describe.each(databases.eachSupportedId())('LLM job runner on %s', id => {
  let simulator: LlmSimulator;

  /** A first request loads what the SDK loads lazily; then a clean log. */
  async function warmUp(
    h: Awaited<ReturnType<typeof llmJobSetup>>,
    runner: LlmJobRunner,
  ) {
    const [itemId] = (await h.knex('items').pluck('id')).map(String);
    await runner.annotateOne({
      projectId: h.projectId,
      annotatorId: h.annotator.id,
      itemId,
    });
    simulator.requests.clear();
  }

  beforeAll(async () => {
    simulator = await startLlmSimulator({ seed: 3 });
  });
  afterAll(() => simulator.close());
  beforeEach(() => {
    simulator.setOptions({
      faultRate: 0,
      faults: {},
      accuracy: 1,
      latencyMs: 0,
      truth: truthOf(200),
      retryAfterMs: 50,
    });
    simulator.requests.clear();
  });

  const setup = (
    items: ReturnType<typeof trackItems>,
    extra: Omit<
      Parameters<typeof llmJobSetup>[0],
      'databases' | 'databaseId' | 'simulator' | 'items'
    > = {},
  ) => llmJobSetup({ databases, databaseId: id, simulator, items, ...extra });

  it('answers every item, recording answers, tokens, cost and latency', async () => {
    const h = await setup(trackItems(40));
    const job = await h.createJob();
    await h.runner({ concurrency: 8, claimBatch: 10 }).drain();

    const done = await h.jobs.progress(h.projectId, job.id);
    expect(done.job).toMatchObject({
      status: 'completed',
      stopReason: 'done',
      itemsTotal: 40,
      itemsDone: 40,
      itemsFailed: 0,
      itemsCached: 0,
      reservedCost: 0,
    });
    expect(h.finished).toEqual([job.id]);
    const billed = simulator.requests.completions().filter(e => e.billed);
    expect(billed).toHaveLength(40);
    expect(done.job.tokensIn).toBe(
      billed.reduce((sum, e) => sum + e.promptTokens, 0),
    );
    expect(done.job.tokensOut).toBe(
      billed.reduce((sum, e) => sum + e.completionTokens, 0),
    );
    expect(done.job.cost).toBeCloseTo(billedCost(simulator), 9);
    expect(done.latencyMs.count).toBe(40);
    const answers = await h
      .knex('llm_answers as a')
      .join('items as i', 'i.id', 'a.item_id')
      .select('i.external_id', 'a.answer', 'a.confidence', 'a.simulated');
    expect(answers).toHaveLength(40);
    for (const a of answers) {
      expect(JSON.parse(a.answer)).toEqual(truthOf(40)[a.external_id]);
      expect(a.confidence).toBeGreaterThan(0);
      expect(Boolean(a.simulated)).toBe(true);
    }
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    simulator.setOptions({ latencyMs: 60 });
    const h = await setup(trackItems(24));
    await h.createJob();
    await h.runner({ concurrency: 4, claimBatch: 16 }).drain();
    const entries = simulator.requests.completions();
    expect(entries).toHaveLength(24);
    const most = maxInFlight(entries);
    expect(most).toBeLessThanOrEqual(4);
    expect(most).toBeGreaterThanOrEqual(3); // and it did run them together
  });

  it("holds the provider's requests per minute", async () => {
    const h = await setup(trackItems(35), {
      provider: { requestsPerMinute: 600 }, // 10 a second, bursts of 10
    });
    const runner = h.runner({ concurrency: 16 });
    // the permits the limiter hands out are not bunched by a slow start
    await warmUp(h, runner);
    await h.createJob();
    const started = Date.now();
    await runner.drain();
    const times = simulator.requests
      .completions()
      .map(e => e.time)
      .sort((a, b) => a - b);
    expect(times).toHaveLength(35);
    // 9 left at once, then 10 a second: the last no sooner than 2.5 s in
    expect(times[34] - started).toBeGreaterThanOrEqual(2400);
    for (const t of times) {
      const inSecond = times.filter(u => u >= t && u < t + 1000).length;
      expect(inSecond).toBeLessThanOrEqual(10 + 10 + 1);
    }
    // past the first burst, the rate itself (timers fire a little late)
    const steady = times.filter(u => u >= times[0] + 500);
    const rate =
      (steady.length - 1) / ((steady[steady.length - 1] - steady[0]) / 1000);
    expect(rate).toBeLessThanOrEqual(11);
    expect(rate).toBeGreaterThan(8);
  });

  it('never spends more than the budget, and stops when it cannot cover a request', async () => {
    simulator.setOptions({ latencyMs: 10 });
    const h = await setup(trackItems(80));
    const budget = 4;
    const job = await h.createJob({ kind: 'missing' }, { budgetCost: budget });
    await h.runner({ concurrency: 8 }).drain();

    const after = await h.jobs.get(h.projectId, job.id);
    expect(after).toMatchObject({ status: 'completed', stopReason: 'budget' });
    expect(after.itemsDone).toBeGreaterThan(10);
    expect(after.itemsDone).toBeLessThan(80);
    const spent = billedCost(simulator);
    expect(spent).toBeLessThanOrEqual(budget);
    expect(after.cost).toBeCloseTo(spent, 9);
    expect(after.reservedCost).toBe(0);
    // it stopped only when the next request's maximum no longer fitted
    const version = await h.annotators.version(h.projectId, job.annotatorId, 1);
    const project = await h.projects.getConfig(h.projectId);
    const context = promptContext(project!.config, version.config);
    const body = completionRequest({
      context,
      provider: h.provider,
      item: {
        id: '1',
        externalId: 'item-79',
        data: { track_title: 'Track 79' },
      },
      examples: [],
    });
    const most = requestReservation(
      priceOf(h.provider.prices, body.model),
      promptShape(body),
      body.max_tokens!,
      1,
    );
    expect(budget - after.cost).toBeLessThan(most.cost);
    expect(
      await h
        .knex('llm_job_items')
        .where({ job_id: job.id, status: 'pending' }),
    ).toHaveLength(80 - after.itemsDone);
  });

  it('gives back every item of a stopped job before drain returns, however slow the release', async () => {
    simulator.setOptions({ latencyMs: 10 });
    const h = await setup(trackItems(8));
    const job = await h.createJob({ kind: 'missing' }, { budgetCost: 0.7 });
    // one request's reservation (about 0.6) fits at a time, so the others
    // wait; as many items as slots, so none is queued; the waiting ones are
    // refused by the budget stop while the first give-back is being stored
    const release = h.jobs.release.bind(h.jobs);
    jest.spyOn(h.jobs, 'release').mockImplementation(async (...args) => {
      await new Promise(resolve => setTimeout(resolve, 300));
      return release(...args);
    });
    await h.runner({ concurrency: 8, claimBatch: 8 }).drain();

    const after = await h.jobs.get(h.projectId, job.id);
    expect(after).toMatchObject({ status: 'completed', stopReason: 'budget' });
    expect(
      await h.knex('llm_job_items').where({ job_id: job.id }).pluck('status'),
    ).not.toContain('claimed');
    expect(
      await h
        .knex('llm_job_items')
        .where({ job_id: job.id, status: 'pending' }),
    ).toHaveLength(8 - after.itemsDone);
  });

  it('pays once for the same content: duplicates in a job, and a second job', async () => {
    // items 10-19 repeat the data of items 0-9
    const h = await setup(trackItems(20, i => i % 10));
    const first = await h.createJob();
    await h.runner({ concurrency: 4, claimBatch: 6 }).drain();
    expect(simulator.requests.completions().filter(e => e.billed)).toHaveLength(
      10,
    );
    expect(await h.jobs.get(h.projectId, first.id)).toMatchObject({
      itemsDone: 20,
      itemsCached: 10,
    });
    const copies = await h.knex('llm_answers').whereNotNull('cached_from');
    expect(copies).toHaveLength(10);
    expect(copies.every(c => Number(c.cost) === 0)).toBe(true);

    const ids = (await h.knex('items').pluck('id')).map(String);
    const second = await h.createJob({ kind: 'items', ids });
    await h.runner().drain();
    expect(simulator.requests.completions()).toHaveLength(10);
    expect(await h.jobs.get(h.projectId, second.id)).toMatchObject({
      status: 'completed',
      itemsDone: 20,
      itemsCached: 20,
      cost: 0,
    });
  });

  it('honours pause, resume and cancel between requests', async () => {
    simulator.setOptions({ latencyMs: 40 });
    const h = await setup(trackItems(40));
    const job = await h.createJob();
    const runner = h.runner({ concurrency: 2 });
    runner.start();
    const done = async () => (await h.jobs.get(h.projectId, job.id)).itemsDone;
    while ((await done()) < 6) {
      await new Promise(r => setTimeout(r, 20));
    }
    await h.jobs.pause(h.projectId, job.id, 'user:default/jonas.berg');
    const pausedAt = Date.now();
    await new Promise(r => setTimeout(r, 400));
    const whilePaused = simulator.requests.completions().length;
    // only requests already under way (or started before the next poll)
    expect(
      simulator.requests.completions().every(e => e.time <= pausedAt + 150),
    ).toBe(true);
    await new Promise(r => setTimeout(r, 200));
    expect(simulator.requests.completions()).toHaveLength(whilePaused);
    const paused = await h.jobs.progress(h.projectId, job.id);
    expect(paused.job.status).toBe('paused');
    expect(paused.inFlight).toBe(0); // claims given back
    expect(paused.job.itemsDone).toBe(whilePaused);

    await h.jobs.resume(h.projectId, job.id, 'user:default/jonas.berg');
    while ((await done()) < whilePaused + 6) {
      await new Promise(r => setTimeout(r, 20));
    }
    await h.jobs.cancel(h.projectId, job.id, 'user:default/jonas.berg');
    const cancelledAt = Date.now();
    await new Promise(r => setTimeout(r, 400));
    await runner.stop();
    const entries = simulator.requests.completions();
    expect(entries.every(e => e.time <= cancelledAt + 150)).toBe(true);
    const cancelled = await h.jobs.get(h.projectId, job.id);
    expect(cancelled).toMatchObject({
      status: 'cancelled',
      stopReason: 'cancelled',
    });
    // what was paid for is recorded, the rest never asked
    expect(cancelled.itemsDone).toBe(entries.length);
    expect(cancelled.itemsDone).toBeLessThan(40);
    expect(cancelled.cost).toBeCloseTo(billedCost(simulator), 9);
  });

  it('R3: finishes through faults on 20% of calls, every item answered or failed with its reason', async () => {
    simulator.setOptions({ faultRate: 0.2, retryAfterMs: 30, latencyMs: 5 });
    // the timeout long enough that only the simulator's timeouts hit it:
    // a response the client gives up on after it was sent is billed by the
    // provider and known to no one (a slow start must not cause one)
    const h = await setup(trackItems(120), {
      provider: { timeoutMs: 1500 },
      config: { maxRepairs: 1 },
    });
    const runner = h.runner({ concurrency: 16, retry: { maxAttempts: 3 } });
    await warmUp(h, runner);
    const budget = 1000;
    const job = await h.createJob({ kind: 'missing' }, { budgetCost: budget });
    await runner.drain();

    const progress = await h.jobs.progress(h.projectId, job.id);
    expect(progress.job).toMatchObject({
      status: 'completed',
      stopReason: 'done',
      itemsTotal: 120,
      reservedCost: 0,
    });
    expect(progress.job.itemsDone + progress.job.itemsFailed).toBe(120);
    const rows = await h.knex('llm_job_items').where({ job_id: job.id });
    expect(
      rows.filter(r => r.status !== 'done' && r.status !== 'failed'),
    ).toEqual([]);
    const reasons = new Set([
      'refusal',
      'invalid-output',
      'rate-limited',
      'timeout',
      'provider-error',
    ]);
    const failed = rows.filter(r => r.status === 'failed');
    expect(failed.filter(r => !reasons.has(r.reason) || !r.error)).toEqual([]);
    expect(progress.errors.refusal).toBeGreaterThan(0);
    const answered = await h
      .knex('llm_answers')
      .where({ job_id: job.id, status: 'answered' });
    expect(answered).toHaveLength(progress.job.itemsDone);
    // every fault kind happened, and every billed token is accounted for
    const faults = new Set(simulator.requests.completions().map(e => e.fault));
    for (const kind of [
      'rateLimit',
      'serverError',
      'timeout',
      'malformedJson',
      'refusal',
    ]) {
      expect(faults).toContain(kind);
    }
    const billed = simulator.requests.completions().filter(e => e.billed);
    expect(progress.job.tokensIn).toBe(
      billed.reduce((sum, e) => sum + e.promptTokens, 0),
    );
    expect(progress.job.cost).toBeCloseTo(billedCost(simulator), 9);
    expect(billedCost(simulator)).toBeLessThanOrEqual(budget);
    // an item is paid at most for its answer and one repair
    for (const count of simulator.requests.billedByItem().values()) {
      expect(count).toBeLessThanOrEqual(2);
    }
  });

  it("takes over a dead runner's items once their claims expire", async () => {
    const h = await setup(trackItems(12));
    const job = await h.createJob();
    // a runner that claimed five and died; its claims expire 300 ms after
    // it asked, which is no sooner than `started` (a slow claim under load
    // must not shorten the wait measured)
    const started = Date.now();
    const lost = await h.jobs.claim(job.id, 'dead-runner', 5, 300);
    expect(lost).toHaveLength(5);
    await h.runner({ concurrency: 4 }).drain();
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(await h.jobs.get(h.projectId, job.id)).toMatchObject({
      status: 'completed',
      itemsDone: 12,
    });
    expect(simulator.requests.itemsBilledMoreThanOnce()).toEqual([]);
    expect(simulator.requests.billedByItem().size).toBe(12);
  });

  it('stops a job whose provider is not configured, saying why', async () => {
    const h = await setup(trackItems(3), { config: { provider: 'nowhere' } });
    const job = await h.createJob();
    await h.runner().drain();
    expect(await h.jobs.get(h.projectId, job.id)).toMatchObject({
      status: 'completed',
      stopReason: 'error',
      error: expect.stringContaining(
        'LLM provider "nowhere" is not configured',
      ),
    });
    expect(h.finished).toEqual([job.id]);
  });

  it('annotates one item for a dry run, storing nothing', async () => {
    const h = await setup(trackItems(3));
    const [itemId] = (await h.knex('items').orderBy('id').pluck('id')).map(
      String,
    );
    const runner = h.runner();
    const dry = await runner.annotateOne({
      projectId: h.projectId,
      annotatorId: h.annotator.id,
      itemId,
    });
    expect(dry.result).toMatchObject({
      status: 'answered',
      answer: { belongs: 'no' },
      simulated: true,
    });
    expect(dry.messages.at(-1)).toEqual({
      role: 'user',
      content: 'Track: Track 0\n\nid: item-0',
    });
    expect(await h.knex('llm_answers')).toHaveLength(0);
    expect(await h.knex('llm_jobs')).toHaveLength(0);
  });
});
