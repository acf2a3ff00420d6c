import { TestDatabases } from '@backstage/backend-test-utils';
import { LlmSimulator, startLlmSimulator } from '@chorus/llm-simulator';
import { Who } from '../../__testUtils__/callers';
import { jobStopped, llmApiProject } from '../../__testUtils__/llmApi';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const ITEMS = 16;
const truth = Object.fromEntries(
  Array.from({ length: ITEMS }, (_, i) => [
    `t-${i}`,
    { belongs: i % 2 ? 'yes' : 'no' },
  ]),
);

/*
 * The LLM annotator's roles through a real backend whose runner calls the
 * simulator: auto-accept resolves confident items before humans see them,
 * its audit sample goes to humans and their disagreement escalates, and a
 * vote counts in the consensus.
 */
describe.each(databases.eachSupportedId())('LLM roles on %s', id => {
  let simulator: LlmSimulator;

  beforeAll(async () => {
    // right half of the time; confidence 0.9 when right, 0.5 when wrong
    simulator = await startLlmSimulator({
      seed: 11,
      truth,
      accuracy: 0.5,
      confidence: { base: 0.5, gain: 0.4, noise: 0 },
    });
  });
  afterAll(() => simulator.close());

  async function start(llm: object, quality: object = {}) {
    const { knex, call, p, annotatorId } = await llmApiProject({
      databases,
      databaseId: id,
      simulator,
      overlap: 2,
      quality,
      active: true,
      // labelled in order: t-0 first
      items: Object.keys(truth).map((externalId, n) => ({
        externalId,
        priority: ITEMS - n,
      })),
      llm,
    });
    const job = await call(
      'post',
      `/projects/${p}/llm-annotators/${annotatorId}/jobs`,
      'manager',
    ).send({ scope: { kind: 'missing' } });
    expect((await jobStopped(call, p, job.body.id)).job.status).toBe(
      'completed',
    );
    // what the LLM said, by external id
    const rows = await knex('llm_answers as a')
      .join('items as i', 'i.id', 'a.item_id')
      .select('i.external_id', 'i.id', 'a.answer', 'a.confidence');
    expect(rows).toHaveLength(ITEMS);
    const said = new Map(
      rows.map(r => [
        r.external_id as string,
        {
          itemId: String(r.id),
          belongs: JSON.parse(r.answer).belongs as string,
          confidence: Number(r.confidence),
        },
      ]),
    );
    /** `who` answers the item `externalId` (it must be the one leased). */
    async function label(who: Who, externalId: string, belongs: string) {
      const lease = await call('post', `/projects/${p}/next`, who).send({});
      expect(lease.body.item.externalId).toBe(externalId);
      const res = await call(
        'post',
        `/projects/${p}/items/${lease.body.item.id}/annotations`,
        who,
      ).send({ token: lease.body.token, answer: { belongs } });
      expect(res.status).toBe(201);
    }
    const outcome = (itemId: string) =>
      knex('item_outcomes').where({ item_id: itemId }).first();
    return { knex, call, p, said, label, outcome };
  }

  it('auto-accept resolves the confident items; humans get the rest', async () => {
    const { knex, call, p, said, outcome } = await start({
      role: 'auto-accept',
      autoAccept: { threshold: 0.8, auditRate: 0 },
    });
    const confident = [...said].filter(([, a]) => a.confidence >= 0.8);
    expect(confident.length).toBeGreaterThan(0);
    expect(confident.length).toBeLessThan(ITEMS);
    for (const [, a] of said) {
      const row = await outcome(a.itemId);
      const item = await knex('items').where({ id: a.itemId }).first();
      const accepted = a.confidence >= 0.8;
      expect({
        status: row?.status,
        method: row?.method,
        answer: row ? JSON.parse(row.answer) : undefined,
        state: item.state,
      }).toEqual(
        accepted
          ? {
              status: 'resolved',
              method: 'llm',
              answer: { belongs: a.belongs },
              state: 'complete',
            }
          : {
              status: undefined,
              method: undefined,
              answer: undefined,
              state: 'open',
            },
      );
    }
    // an annotator is offered only what the LLM did not settle
    const offered = new Set<string>();
    for (let i = 0; i < ITEMS; i++) {
      const lease = await call('post', `/projects/${p}/next`, 'annotator').send(
        {},
      );
      if (lease.status === 204) {
        break;
      }
      offered.add(lease.body.item.externalId);
      await call(
        'post',
        `/projects/${p}/leases/${lease.body.token}/skip`,
        'annotator',
      ).send({
        reason: 'looking around',
      });
    }
    expect([...offered].sort()).toEqual(
      [...said]
        .filter(([, a]) => a.confidence < 0.8)
        .map(([k]) => k)
        .sort(),
    );
  });

  it('sends the audit sample to humans, and escalates when they disagree with the LLM', async () => {
    // every answer reaches the threshold (confidence 0.5 or 0.9)
    const { said, label, outcome } = await start({
      role: 'auto-accept',
      autoAccept: { threshold: 0.5, auditRate: 1 },
    });
    // all audited: nothing resolved by the LLM
    const first = said.get('t-0')!;
    expect(await outcome(first.itemId)).toBeUndefined();
    // both humans agree, against the LLM
    const other = first.belongs === 'yes' ? 'no' : 'yes';
    await label('annotator', 't-0', other);
    await label('otherAnnotator', 't-0', other);
    const row = await outcome(first.itemId);
    expect(row.status).toBe('escalated');
    expect(JSON.parse(row.reasons)).toEqual([
      {
        code: 'llm-disagreement',
        question: 'belongs',
        llmAnswer: first.belongs,
        humanAnswer: other,
      },
    ]);
  });

  it('does not escalate when humans disagree with an answer below the threshold', async () => {
    // no answer reaches it (confidence 0.5 or 0.9)
    const { said, label, outcome } = await start({
      role: 'auto-accept',
      autoAccept: { threshold: 0.95, auditRate: 0 },
    });
    const first = said.get('t-0')!;
    const other = first.belongs === 'yes' ? 'no' : 'yes';
    await label('annotator', 't-0', other);
    await label('otherAnnotator', 't-0', other);
    const row = await outcome(first.itemId);
    expect(row.status).toBe('resolved');
    expect(JSON.parse(row.answer)).toEqual({ belongs: other });
  });

  it('counts a voting LLM as one more annotator', async () => {
    const { said, label, outcome } = await start(
      { role: 'vote' },
      { agreementThreshold: 0.3, minConfidence: 0.6 },
    );
    const first = said.get('t-0')!;
    // the humans split; the LLM's vote decides
    await label('annotator', 't-0', 'yes');
    await label('otherAnnotator', 't-0', 'no');
    const row = await outcome(first.itemId);
    expect(row.status).toBe('resolved');
    expect(JSON.parse(row.answer)).toEqual({ belongs: first.belongs });
    expect(row.confidence).toBeCloseTo(2 / 3, 12);
    // pairwise agreement over three answers, one pair agreeing
    expect(JSON.parse(row.agreement)).toEqual({ belongs: { value: 1 / 3 } });
  });

  it('shows a prelabel as a suggestion, filled in only where allowed', async () => {
    const { call, p, said } = await start({ role: 'prelabel' });
    const lease = await call('post', `/projects/${p}/next`, 'annotator').send(
      {},
    );
    const llm = said.get(lease.body.item.externalId)!;
    expect(lease.body.suggestion).toEqual({
      source: 'llm',
      annotator: 'first-pass',
      answer: { belongs: llm.belongs },
      confidence: llm.confidence,
      simulated: true,
      // overlap 2: a blind project, the suggestion is not filled in
      preselect: false,
    });
    // the item itself still carries nothing but its data
    expect(Object.keys(lease.body.item).sort()).toEqual([
      'data',
      'externalId',
      'id',
    ]);
    const allowed = await start({ role: 'prelabel', prelabelInBlind: true });
    const second = await allowed
      .call('post', `/projects/${allowed.p}/next`, 'annotator')
      .send({});
    expect(second.body.suggestion.preselect).toBe(true);
  });

  it('adds no suggestion where no annotator prelabels', async () => {
    const { call, p } = await start({ role: 'vote' });
    const lease = await call('post', `/projects/${p}/next`, 'annotator').send(
      {},
    );
    expect(lease.status).toBe(200);
    expect(lease.body.suggestion).toBeUndefined();
  });
});
