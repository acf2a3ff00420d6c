import { LlmSimulator, startLlmSimulator } from '@chorus/llm-simulator';
import { ChildProcess } from 'child_process';
import { Knex } from 'knex';
import { choiceConfig, newProject } from '../../__testUtils__/fixtures';
import {
  backendConfig,
  ChildDatabase,
  freePort,
  killed,
  postgresDatabase,
  sqliteDatabase,
  startBackend,
} from '../../testUtils';
import { llmConfig, SIM_MODEL, SIM_PRICE } from '../../__testUtils__/llm';
import { JONAS, trackItems } from '../../__testUtils__/llmJobs';
import {
  KnexItemStore,
  KnexLlmAnnotatorStore,
  KnexLlmJobStore,
  KnexProjectStore,
  LlmJobRecord,
} from '../../database';

jest.setTimeout(180_000);

/*
 * R2 (LLM job): a backend killed with SIGKILL in the middle of a job, then
 * started again on the same database. The job must resume and finish with
 * every item answered, and no item may be paid for twice, in this sense:
 * an item whose answer Chorus stored is never asked again. What the kill
 * can cost is the requests it interrupted: a response the provider
 * finished (and bills) whose answer was not yet stored (in flight, or
 * waiting for the next batched write) is unknown to Chorus, and the item is
 * asked again once its claim expires. The cache cannot help: it holds
 * stored answers only. So at most those few items are billed twice, each
 * once before the kill and once after, and their stored answers come from
 * after the kill. The simulator runs in this process: it outlives the kill
 * and its request log is the provider's bill.
 */

const ITEMS = 300;
const CONCURRENCY = 8;

async function until(what: string, check: () => Promise<boolean>) {
  const deadline = Date.now() + 90_000;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise(r => setTimeout(r, 20));
  }
}

describe.each([
  ['SQLite', sqliteDatabase],
  ['PostgreSQL', postgresDatabase],
])('R2: an LLM job whose backend is killed, on %s', (_name, makeDb) => {
  let simulator: LlmSimulator;
  let db: ChildDatabase;
  let knex: Knex | undefined;
  let child: ChildProcess | undefined;

  afterEach(async () => {
    if (child) await killed(child);
    await knex?.destroy();
    await simulator?.close();
    await db?.cleanup();
  });

  it('resumes after a SIGKILL, losing no item and paying for none twice', async () => {
    simulator = await startLlmSimulator({ seed: 21, latencyMs: 25 });
    db = makeDb();
    const port = await freePort();
    const configFile = backendConfig(port, db, {
      llm: {
        providers: [
          {
            id: 'simulator',
            baseUrl: `${simulator.url}/v1`,
            apiKey: 'sk-test',
            defaultModel: SIM_MODEL,
            models: { [SIM_MODEL]: SIM_PRICE },
            simulated: true,
          },
        ],
        concurrency: CONCURRENCY,
        leaseSeconds: 2,
        pollSeconds: 0.1,
      },
    });
    child = await startBackend(configFile, port);
    knex = db.open();

    // the job, written as the API would
    const project = await new KnexProjectStore(knex).create(
      newProject(),
      choiceConfig(),
      JONAS,
    );
    await new KnexItemStore(knex).importBatch(project.id, trackItems(ITEMS));
    const annotator = await new KnexLlmAnnotatorStore(knex).create(
      project.id,
      'first-pass',
      llmConfig({ maxOutputTokens: 32 }),
      JONAS,
    );
    const jobs = new KnexLlmJobStore(knex);
    const created = await jobs.createJob({
      projectId: project.id,
      annotatorId: annotator.id,
      version: 1,
      scope: { kind: 'missing' },
      budgetCost: 1000,
      actor: JONAS,
    });
    let job: LlmJobRecord = created;
    const read = async () => (job = await jobs.get(project.id, created.id));

    await until(
      'answers before the kill',
      async () => (await read()).itemsDone >= 60,
    );
    await killed(child);
    const killedAt = Date.now();
    await read();
    expect(job.status).toBe('running');
    expect(job.itemsDone).toBeLessThan(ITEMS);
    // the dead runner's claims: in flight, queued, or answered and not yet
    // stored (results are written in batches, every 20 ms)
    const held: string[] = await knex('llm_job_items as ji')
      .join('items as i', 'i.id', 'ji.item_id')
      .where({ 'ji.job_id': job.id, 'ji.status': 'claimed' })
      .pluck('i.external_id');
    expect(held.length).toBeGreaterThan(0);

    child = await startBackend(configFile, port);
    await until(
      'the job to finish',
      async () => (await read()).status !== 'running',
    );
    expect(job).toMatchObject({
      status: 'completed',
      stopReason: 'done',
      itemsTotal: ITEMS,
      itemsDone: ITEMS,
      itemsFailed: 0,
      reservedCost: 0,
    });
    // the claims of the killed runner were taken over
    const retaken = await knex('llm_job_items')
      .where({ job_id: job.id })
      .where('attempts', '>', 1);
    expect(retaken.length).toBeGreaterThan(0);

    // none lost: one stored answer per item
    const answers = await knex('llm_answers as a')
      .join('items as i', 'i.id', 'a.item_id')
      .where({ 'a.job_id': job.id })
      .select('i.external_id', 'a.created_at', 'a.status');
    expect(answers).toHaveLength(ITEMS);
    expect(new Set(answers.map(a => a.external_id)).size).toBe(ITEMS);

    // none paid twice but the interrupted ones, asked again after the kill
    const billed = simulator.requests.completions().filter(e => e.billed);
    const perItem = simulator.requests.billedByItem();
    expect(perItem.size).toBe(ITEMS);
    const twice = simulator.requests.itemsBilledMoreThanOnce();
    // only items the dead runner held can have been paid for twice
    expect(twice.filter(key => !held.includes(key))).toEqual([]);
    const storedAt = new Map(
      answers.map(a => [a.external_id, Number(a.created_at)]),
    );
    for (const key of twice) {
      const bills = billed.filter(e => e.itemKey === key);
      expect(bills).toHaveLength(2);
      expect(bills[0].time + bills[0].durationMs).toBeLessThanOrEqual(killedAt);
      expect(bills[1].time).toBeGreaterThan(killedAt);
      expect(storedAt.get(key)!).toBeGreaterThan(killedAt);
    }
    // and every other billed completion is in the job's accounting
    const lost = twice.map(key => billed.find(e => e.itemKey === key)!);
    const sum = (entries: typeof billed) =>
      entries.reduce((s, e) => s + e.promptTokens, 0);
    expect(job.tokensIn).toBe(sum(billed) - sum(lost));
  });
});
