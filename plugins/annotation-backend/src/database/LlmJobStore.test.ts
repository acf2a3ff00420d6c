import { TestDatabases } from '@backstage/backend-test-utils';
import { parseLlmAnnotatorConfig } from '@chorus/plugin-annotation-common';
import { Knex } from 'knex';
import { choiceConfig, newProject } from '../__testUtils__/fixtures';
import { ImportItem, KnexItemStore } from './ItemStore';
import { KnexLlmAnnotatorStore } from './LlmAnnotatorStore';
import {
  KnexLlmJobStore,
  LlmItemOutcome,
  LlmJobRecord,
  LlmJobScope,
  newestLlmAnswers,
} from './LlmJobStore';
import { applyDatabaseMigrations } from './migrations';
import { KnexProjectStore } from './ProjectStore';
import { tuneSqlite } from './sqlite';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
const jonas = 'user:default/jonas.berg';
const A = 'runner-a';
const B = 'runner-b';

function llmConfig() {
  const parsed = parseLlmAnnotatorConfig({
    provider: 'simulator',
    promptTemplate: 'Track: {{ data.track_title }}',
  });
  if (!parsed.success) {
    throw new Error(JSON.stringify(parsed.issues));
  }
  return parsed.config;
}

/** An answered outcome of an item, with its spend. */
function answered(
  itemId: string,
  extra: Partial<LlmItemOutcome> = {},
): LlmItemOutcome {
  return {
    itemId,
    contentHash: `content-${itemId}`,
    status: 'done',
    answer: {
      status: 'answered',
      answer: { belongs: 'yes' },
      rawOutput: '{"belongs":"yes"}',
      confidence: 0.9,
      samples: 1,
      model: 'chorus-sim-1',
      simulated: true,
    },
    tokensIn: 100,
    tokensOut: 10,
    cost: 0.5,
    latencyMs: 40,
    ...extra,
  };
}

function refused(itemId: string): LlmItemOutcome {
  return {
    ...answered(itemId),
    status: 'failed',
    answer: {
      status: 'refused',
      rawOutput: 'I cannot help with that.',
      samples: 1,
      simulated: true,
    },
    reason: 'refusal',
    error: 'the model refused to answer',
  };
}

describe('newestLlmAnswers', () => {
  it("keeps each annotator's newest version, in any row order, by annotator", () => {
    const row = (annotator: string, version: number, belongs: string) => ({
      annotator_id: annotator,
      name: `llm-${annotator}`,
      version,
      config: '{"role":"vote"}',
      answer: JSON.stringify({ belongs }),
      confidence: null,
      simulated: 1,
    });
    const rows = [
      // a version with no row of its own is left out, as by a join
      { ...row('a', 3, 'no'), config: null },
      row('b', 1, 'no'),
      row('a', 2, 'yes'),
      row('b', 3, 'yes'),
      row('a', 1, 'no'),
      row('b', 2, 'no'),
    ];
    const expected = [
      { annotatorId: 'a', version: 2, answer: { belongs: 'yes' } },
      { annotatorId: 'b', version: 3, answer: { belongs: 'yes' } },
    ];
    for (const order of [rows, [...rows].reverse()]) {
      expect(
        newestLlmAnswers(order).map(a => ({
          annotatorId: a.annotatorId,
          version: a.version,
          answer: a.answer,
        })),
      ).toEqual(expected);
    }
  });
});

describe.each(databases.eachSupportedId())('LLM job store on %s', id => {
  let knex: Knex;

  /** A project with `count` items (every 5th gold) and an annotator. */
  async function setup(count = 20) {
    knex = await databases.init(id);
    await applyDatabaseMigrations(knex);
    await tuneSqlite(knex);
    const project = await new KnexProjectStore(knex).create(
      newProject(),
      choiceConfig(),
      jonas,
    );
    const items: ImportItem[] = Array.from({ length: count }, (_, i) => ({
      line: i + 1,
      externalId: `item-${i}`,
      dataJson: JSON.stringify({ track_title: `Track ${i}` }),
      priority: i % 4,
      uncertainty: 0,
      contentHash: `hash-${i}`,
      ...(i % 5 === 4 ? { goldJson: '{"belongs":"no"}' } : {}),
    }));
    for (let i = 0; i < items.length; i += 5000) {
      await new KnexItemStore(knex).importBatch(
        project.id,
        items.slice(i, i + 5000),
      );
    }
    const ids: string[] = (
      await knex('items').where({ project_id: project.id }).orderBy('id')
    ).map(r => String(r.id));
    const annotator = await new KnexLlmAnnotatorStore(knex).create(
      project.id,
      'first-pass',
      llmConfig(),
      jonas,
    );
    const store = new KnexLlmJobStore(knex);
    const create = (
      scope: LlmJobScope,
      extra: { budgetCost?: number; budgetTokens?: number } = {},
    ) =>
      store.createJob({
        projectId: project.id,
        annotatorId: annotator.id,
        version: 1,
        scope,
        actor: jonas,
        ...extra,
      });
    const ref = (job: LlmJobRecord) => ({
      id: job.id,
      projectId: job.projectId,
      annotatorId: job.annotatorId,
      version: job.version,
    });
    const jobItems = (jobId: string) =>
      knex('llm_job_items').where({ job_id: jobId }).orderBy('item_id');
    const jobRow = (jobId: string) => store.get(project.id, jobId);
    return {
      projectId: project.id,
      annotatorId: annotator.id,
      ids,
      store,
      create,
      ref,
      jobItems,
      jobRow,
    };
  }

  it('covers each kind of scope, chosen by the database', async () => {
    const { store, create, ids, ref, jobItems } = await setup(20);
    const regular = ids.filter((_, i) => i % 5 !== 4);
    const itemIdsOf = async (jobId: string) =>
      (await jobItems(jobId)).map(r => String(r.item_id));

    const missing = await create({ kind: 'missing' });
    expect(missing).toMatchObject({
      status: 'running',
      mode: 'online',
      itemsTotal: 16,
      itemsDone: 0,
    });
    expect(await itemIdsOf(missing.id)).toEqual(regular);
    // answered items of this version are not missing any more; refused
    // ones are asked again
    await store.claim(missing.id, A, 3, 60_000);
    await store.record(ref(missing), A, [
      answered(regular[0]),
      answered(regular[1]),
      refused(regular[2]),
    ]);
    expect((await create({ kind: 'missing' })).itemsTotal).toBe(14);

    // a sample: `size` regular items, the same for the same seed
    const s1 = await create({ kind: 'sample', size: 5, seed: 7 });
    const s2 = await create({ kind: 'sample', size: 5, seed: 7 });
    const s3 = await create({ kind: 'sample', size: 5, seed: 8 });
    expect(s1.itemsTotal).toBe(5);
    expect(await itemIdsOf(s1.id)).toEqual(await itemIdsOf(s2.id));
    expect(await itemIdsOf(s1.id)).not.toEqual(await itemIdsOf(s3.id));
    for (const x of await itemIdsOf(s3.id)) {
      expect(regular).toContain(x);
    }
    expect(
      (await create({ kind: 'sample', size: 1000, seed: 1 })).itemsTotal,
    ).toBe(16);

    // listed ids, gold ones included
    const listed = await create({ kind: 'items', ids: [ids[4], ids[0]] });
    expect(await itemIdsOf(listed.id)).toEqual([ids[0], ids[4]]);

    // a filter: states and priority (i % 4)
    const gold = await create({ kind: 'filter', states: ['gold'] });
    expect(gold.itemsTotal).toBe(4);
    const urgent = await create({ kind: 'filter', minPriority: 3 });
    expect(await itemIdsOf(urgent.id)).toEqual(
      ids.filter((_, i) => i % 4 === 3 && i % 5 !== 4),
    );

    // nothing in scope: done at once
    expect(
      await create({ kind: 'filter', states: ['complete'] }),
    ).toMatchObject({ status: 'completed', stopReason: 'done', itemsTotal: 0 });
  });

  it('refuses bad scopes, budgets and versions, naming the field', async () => {
    const { store, create, projectId, annotatorId, ids } = await setup(3);
    await expect(create({ kind: 'everything' } as any)).rejects.toThrow(
      'scope.kind: one of missing, sample, items, filter expected',
    );
    await expect(create({ kind: 'sample', size: 0, seed: 1 })).rejects.toThrow(
      'scope.size: a whole number of at least 1 expected',
    );
    await expect(create({ kind: 'items', ids: ['x'] })).rejects.toThrow(
      'scope.ids: a non-empty list of item ids expected',
    );
    await expect(
      create({ kind: 'items', ids: [ids[0], '999999'] }),
    ).rejects.toThrow('scope.ids: 1 not items of this project (999999)');
    await expect(
      create({ kind: 'filter', states: ['done' as any] }),
    ).rejects.toThrow(
      'scope.states: a non-empty list of open, full, complete, gold expected',
    );
    await expect(
      create({ kind: 'missing' }, { budgetCost: -1 }),
    ).rejects.toThrow('budgetCost: a positive number expected');
    await expect(
      store.createJob({
        projectId,
        annotatorId,
        version: 2,
        scope: { kind: 'missing' },
        actor: jonas,
      }),
    ).rejects.toThrow(`LLM annotator ${annotatorId} has no version 2`);
    expect(await knex('llm_jobs')).toHaveLength(0);
    expect(await knex('llm_job_items')).toHaveLength(0);
  });

  it('hands each item to one runner; an expired claim returns, with its reservation', async () => {
    const { store, create, jobItems, jobRow } = await setup(40);
    const job = await create({ kind: 'missing' }, { budgetCost: 100 });
    const [a, b] = await Promise.all([
      store.claim(job.id, A, 20, 60_000),
      store.claim(job.id, B, 20, 60_000),
    ]);
    const claimed = [...a, ...b].map(c => c.itemId);
    expect(claimed).toHaveLength(32);
    expect(new Set(claimed).size).toBe(32);
    expect(a[0]).toMatchObject({
      externalId: expect.stringMatching(/^item-/),
      dataText: expect.stringContaining('Track'),
      claims: 1,
    });
    expect(await store.claim(job.id, A, 20, 60_000)).toEqual([]);

    // A reserves for one item, then dies: its claims expire
    expect(
      await store.reserve(job.id, A, a[0].itemId, { cost: 2, tokens: 500 }),
    ).toBe('reserved');
    expect(await jobRow(job.id)).toMatchObject({
      reservedCost: 2,
      reservedTokens: 500,
    });
    await knex('llm_job_items')
      .where({ job_id: job.id, claimed_by: A })
      .update({ claim_expires_at: Date.now() - 1 });
    const taken = await store.claim(job.id, B, 100, 60_000);
    expect(taken.map(t => t.itemId).sort()).toEqual(
      a.map(t => t.itemId).sort(),
    );
    expect(taken.every(t => t.claims === 2)).toBe(true);
    expect(await jobRow(job.id)).toMatchObject({
      reservedCost: 0,
      reservedTokens: 0,
    });
    // A's late reservation and result count for nothing now
    expect(
      await store.reserve(job.id, A, a[1].itemId, { cost: 2, tokens: 500 }),
    ).toBe('lost');
    const rows = await jobItems(job.id);
    expect(rows.every(r => r.claimed_by === B)).toBe(true);

    // released items go back to pending, their claim not counted
    expect(await store.release(job.id, B, [taken[0].itemId])).toBe(1);
    expect(await store.release(job.id, A, [taken[1].itemId])).toBe(0);
    const back = (await jobItems(job.id)).find(
      r => String(r.item_id) === taken[0].itemId,
    );
    expect(back).toMatchObject({ status: 'pending', claimed_by: null });
    expect(Number(back.attempts)).toBe(1);
    // a paused job hands out nothing
    await store.pause(job.projectId, job.id, jonas);
    expect(await store.claim(job.id, A, 10, 60_000)).toEqual([]);
  });

  it('reserves against the budget atomically: never over it', async () => {
    const { store, create, jobRow, ref } = await setup(30);
    const job = await create({ kind: 'missing' }, { budgetCost: 10 });
    const items = await store.claim(job.id, A, 24, 60_000);
    // 24 concurrent reservations of 1 against a budget of 10
    const outcomes = await Promise.all(
      items.map(i =>
        store.reserve(job.id, A, i.itemId, { cost: 1, tokens: 10 }),
      ),
    );
    expect(outcomes.filter(o => o === 'reserved')).toHaveLength(10);
    expect(outcomes.filter(o => o === 'wait')).toHaveLength(14);
    expect(await jobRow(job.id)).toMatchObject({ reservedCost: 10 });

    // results cost less than reserved: the rest is free again
    const reservedItems = items.filter((_, i) => outcomes[i] === 'reserved');
    await store.record(
      ref(job),
      A,
      reservedItems.map(i => answered(i.itemId, { cost: 0.25 })),
    );
    expect(await jobRow(job.id)).toMatchObject({
      cost: 2.5,
      reservedCost: 0,
      reservedTokens: 0,
      itemsDone: 10,
    });
    const waiting = items.filter((_, i) => outcomes[i] === 'wait');
    const second = [];
    for (const i of waiting) {
      second.push(
        await store.reserve(job.id, A, i.itemId, { cost: 1, tokens: 10 }),
      );
    }
    // 7.5 left: 7 fit, then nothing else is held: spent
    expect(second.filter(o => o === 'reserved')).toHaveLength(7);
    expect(second.slice(7).every(o => o === 'wait')).toBe(true);
    await store.record(
      ref(job),
      A,
      waiting.slice(0, 7).map(i => answered(i.itemId, { cost: 1 })),
    );
    expect(
      await store.reserve(job.id, A, waiting[7].itemId, {
        cost: 1,
        tokens: 10,
      }),
    ).toBe('exhausted');
    expect((await jobRow(job.id)).cost).toBe(9.5);

    // a token budget counts prompt and completion tokens
    const byTokens = await create({ kind: 'missing' }, { budgetTokens: 25 });
    const [first] = await store.claim(byTokens.id, B, 1, 60_000);
    expect(
      await store.reserve(byTokens.id, B, first.itemId, {
        cost: 0,
        tokens: 26,
      }),
    ).toBe('exhausted');
    expect(
      await store.reserve(byTokens.id, B, first.itemId, {
        cost: 0,
        tokens: 25,
      }),
    ).toBe('reserved');
    await store.pause(byTokens.projectId, byTokens.id, jonas);
    expect(
      await store.reserve(byTokens.id, B, first.itemId, { cost: 0, tokens: 1 }),
    ).toBe('stopped');
  });

  it('records each result once, with its answer and the job counters', async () => {
    const { store, create, ref, jobRow, jobItems, annotatorId } = await setup(
      10,
    );
    const job = await create({ kind: 'missing' });
    const items = await store.claim(job.id, A, 8, 60_000);
    const [i0, i1, i2, i3] = items.map(i => i.itemId);
    await store.record(ref(job), A, [
      answered(i0),
      refused(i1),
      {
        ...answered(i2),
        status: 'failed',
        answer: undefined,
        tokensIn: 0,
        tokensOut: 0,
        cost: 0,
        reason: 'timeout',
        error: 'the request timed out',
      },
    ]);
    // the same results again (a replay) count nothing
    await store.record(ref(job), A, [answered(i0), refused(i1)]);
    expect(await jobRow(job.id)).toMatchObject({
      itemsDone: 1,
      itemsFailed: 2,
      tokensIn: 200,
      tokensOut: 20,
      cost: 1,
    });
    const answers = await knex('llm_answers').orderBy('item_id');
    expect(answers).toHaveLength(2);
    expect(answers[0]).toMatchObject({
      annotator_id: annotatorId,
      status: 'answered',
      content_hash: `content-${i0}`,
      raw_output: '{"belongs":"yes"}',
      model: 'chorus-sim-1',
      job_id: job.id,
    });
    expect(JSON.parse(answers[0].answer)).toEqual({ belongs: 'yes' });
    expect(Boolean(answers[0].simulated)).toBe(true);
    expect(answers[1]).toMatchObject({ status: 'refused', answer: null });
    const rows = await jobItems(job.id);
    expect(
      rows
        .filter(r => r.status === 'failed')
        .map(r => r.reason)
        .sort(),
    ).toEqual(['refusal', 'timeout']);

    // a later job answers the refused item: the answer replaces the refusal,
    // never an answer
    const retry = await create({ kind: 'items', ids: [i0, i1] });
    await store.claim(retry.id, B, 2, 60_000);
    await store.record(ref(retry), B, [
      answered(i0, {
        answer: { ...answered(i0).answer!, answer: { belongs: 'no' } },
      }),
      answered(i1),
    ]);
    const after = await knex('llm_answers').orderBy('item_id');
    expect(after.map(a => [a.status, JSON.parse(a.answer)])).toEqual([
      ['answered', { belongs: 'yes' }],
      ['answered', { belongs: 'yes' }],
    ]);

    // a runner whose claim was lost paid too: spend counted, item not
    await knex('llm_job_items')
      .where({ job_id: job.id, item_id: i3 })
      .update({ claim_expires_at: Date.now() - 1 });
    const [stolen] = (await store.claim(job.id, B, 10, 60_000)).filter(
      t => t.itemId === i3,
    );
    expect(stolen).toBeDefined();
    await store.record(ref(job), A, [answered(i3)]);
    await store.record(ref(job), B, [answered(i3, { cost: 0.25 })]);
    expect(await jobRow(job.id)).toMatchObject({
      itemsDone: 2,
      cost: 1.75,
    });
  });

  it('completes a job when its last item is recorded', async () => {
    const { store, create, ref, jobRow } = await setup(5);
    const job = await create({ kind: 'missing' });
    const items = await store.claim(job.id, A, 10, 60_000);
    expect(items).toHaveLength(4);
    expect(
      await store.record(
        ref(job),
        A,
        items.slice(0, 3).map(i => answered(i.itemId)),
      ),
    ).toEqual({ finished: false });
    expect(await store.record(ref(job), A, [refused(items[3].itemId)])).toEqual(
      {
        finished: true,
      },
    );
    expect(await jobRow(job.id)).toMatchObject({
      status: 'completed',
      stopReason: 'done',
      itemsDone: 3,
      itemsFailed: 1,
      finishedAt: expect.any(String),
    });
    expect(await store.finishIfDone(job.id)).toBe(false);
  });

  it('finds cached answers by content, the original first', async () => {
    const { store, create, ref, annotatorId } = await setup(6);
    const job = await create({ kind: 'missing' });
    const [x, y, z] = await store.claim(job.id, A, 3, 60_000);
    await store.record(ref(job), A, [
      answered(x.itemId, { contentHash: 'same' }),
      refused(y.itemId),
    ]);
    const original = await knex('llm_answers')
      .where({ item_id: x.itemId })
      .first();
    await store.record(ref(job), A, [
      {
        ...answered(z.itemId, {
          contentHash: 'same',
          tokensIn: 0,
          tokensOut: 0,
          cost: 0,
        }),
        cachedFrom: String(original.id),
      },
    ]);
    const cache = await store.cachedAnswers(annotatorId, 1, [
      'same',
      `content-${y.itemId}`,
      'unknown',
    ]);
    expect([...cache.keys()]).toEqual(['same']); // refusals are not served
    expect(cache.get('same')).toEqual({
      answerId: String(original.id),
      answer: { belongs: 'yes' },
      rawOutput: '{"belongs":"yes"}',
      confidence: 0.9,
      samples: 1,
      model: 'chorus-sim-1',
      simulated: true,
    });
    expect(await store.cachedAnswers(annotatorId, 2, ['same'])).toEqual(
      new Map(),
    );
    expect((await store.get(job.projectId, job.id)).itemsCached).toBe(1);
  });

  it('shares answers between versions that send the same requests', async () => {
    const { store, create, ref, projectId, annotatorId, ids } = await setup(10);
    // item-4 is gold, item-0 is not
    const job = await create({ kind: 'items', ids: [ids[0], ids[4]] });
    const claimed = await store.claim(job.id, A, 10, 60_000);
    const gold = claimed.find(c => c.externalId === 'item-4')!;
    const plain = claimed.find(c => c.externalId === 'item-0')!;
    await store.record(ref(job), A, [
      answered(gold.itemId, { contentHash: 'gold-content' }),
      answered(plain.itemId, { contentHash: 'plain-content' }),
    ]);
    const annotators = new KnexLlmAnnotatorStore(knex);
    const save = async (change: object) => {
      const parsed = parseLlmAnnotatorConfig({
        provider: 'simulator',
        promptTemplate: 'Track: {{ data.track_title }}',
        ...change,
      });
      if (!parsed.success) {
        throw new Error(JSON.stringify(parsed.issues));
      }
      const saved = await annotators.update(
        projectId,
        annotatorId,
        parsed.config,
        jonas,
      );
      return saved.annotator.version;
    };
    // only how answers are used changes: version 2 reuses version 1's
    const policyOnly = await save({
      role: 'auto-accept',
      autoAccept: { threshold: 0.8, auditRate: 0.1 },
    });
    expect(policyOnly).toBe(2);
    expect([
      ...(
        await store.cachedAnswers(annotatorId, policyOnly, ['plain-content'])
      ).keys(),
    ]).toEqual(['plain-content']);
    const evaluation = await store.evaluationRows(annotatorId, policyOnly);
    expect(evaluation).toEqual([
      expect.objectContaining({ cost: 0.5, gold: { belongs: 'no' } }),
    ]);
    // a new prompt sends other requests: nothing is shared
    const newPrompt = await save({
      promptTemplate: 'Title: {{ data.track_title }}',
    });
    expect(
      (await store.cachedAnswers(annotatorId, newPrompt, ['plain-content']))
        .size,
    ).toBe(0);
    expect(await store.evaluationRows(annotatorId, newPrompt)).toEqual([]);
    expect(await store.evaluationRows(annotatorId, 1)).toHaveLength(1);
  });

  it('pauses, resumes and cancels, audited; a finished job stays so', async () => {
    const { store, create, projectId } = await setup(4);
    const job = await create({ kind: 'missing' });
    expect((await store.pause(projectId, job.id, jonas)).status).toBe('paused');
    expect((await store.pause(projectId, job.id, jonas)).status).toBe('paused');
    expect((await store.runnableJobs('online')).map(j => j.id)).toEqual([]);
    expect((await store.resume(projectId, job.id, jonas)).status).toBe(
      'running',
    );
    expect((await store.runnableJobs('online')).map(j => j.id)).toEqual([
      job.id,
    ]);
    const cancelled = await store.cancel(projectId, job.id, jonas);
    expect(cancelled).toMatchObject({
      status: 'cancelled',
      stopReason: 'cancelled',
      finishedAt: expect.any(String),
    });
    await expect(store.resume(projectId, job.id, jonas)).rejects.toThrow(
      'the job is cancelled; only a paused job can be resumed',
    );
    await expect(store.pause(projectId, job.id, jonas)).rejects.toThrow(
      'the job is cancelled; only a running job can be paused',
    );
    await expect(
      store.pause('00000000-0000-4000-8000-000000000000', job.id, jonas),
    ).rejects.toThrow('not found');
    const audit = await knex('audit_log')
      .where({ project_id: projectId })
      .where('action', 'like', 'llm.job.%')
      .orderBy('id');
    expect(audit.map(a => a.action)).toEqual([
      'llm.job.create',
      'llm.job.pause',
      'llm.job.resume',
      'llm.job.cancel',
    ]);
    expect((await store.list(projectId)).map(j => j.id)).toEqual([job.id]);
  });

  it('reports progress: errors by reason, latency percentiles', async () => {
    const { store, create, ref, projectId } = await setup(25);
    const job = await create({ kind: 'missing' });
    const items = await store.claim(job.id, A, 20, 60_000);
    // latencies 10, 20, …, 150 ms for 15 answers; 2 refusals (30, 60 ms)
    await store.record(
      ref(job),
      A,
      items
        .slice(0, 15)
        .map((i, n) => answered(i.itemId, { latencyMs: (n + 1) * 10 })),
    );
    await store.record(ref(job), A, [
      { ...refused(items[15].itemId), latencyMs: 5 },
      { ...refused(items[16].itemId), latencyMs: 7 },
      {
        ...answered(items[17].itemId),
        status: 'failed',
        answer: undefined,
        reason: 'timeout',
      },
    ]);
    const progress = await store.progress(projectId, job.id);
    expect(progress).toMatchObject({
      pending: 2,
      inFlight: 2,
      errors: { refusal: 2, timeout: 1 },
    });
    // 17 requests: 5, 7, 10 … 150; nearest rank: p50 the 9th, p95 the 17th
    expect(progress.latencyMs).toEqual({ count: 17, p50: 70, p95: 150 });
    expect(progress.job.itemsDone).toBe(15);
  });

  it('creates a job over many items without reading them', async () => {
    const { create, store } = await setup(20_000);
    const statements: string[] = [];
    const onQuery = (query: { sql: string }) => statements.push(query.sql);
    knex.on('query', onQuery);
    const job = await create({ kind: 'missing' });
    knex.off('query', onQuery);
    expect(job.itemsTotal).toBe(16_000);
    // the database copies the ids: a few statements, none of them per item
    // or per batch of items, and one that selects from items
    expect(statements.length).toBeLessThan(12);
    expect(statements.filter(sql => /from "?items"? /i.test(sql))).toEqual([
      expect.stringMatching(/^INSERT INTO llm_job_items/),
    ]);
    const claimed = await store.claim(job.id, A, 500, 60_000);
    expect(claimed).toHaveLength(500);
  });
});
