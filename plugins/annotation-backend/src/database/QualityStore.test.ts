import { TestDatabases } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { choiceConfig, newProject } from '../__testUtils__/fixtures';
import { KnexAnnotationStore } from './AnnotationStore';
import { readCounters } from './counters';
import { ImportItem, KnexItemStore } from './ItemStore';
import { KnexLeaseStore } from './LeaseStore';
import { applyDatabaseMigrations } from './migrations';
import { KnexProjectStore } from './ProjectStore';
import { EscalationReason, KnexQualityStore } from './QualityStore';
import { tuneSqlite } from './sqlite';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
const annotator = (n: number) => `user:default/annotator-${n}`;
const analyst = (n: number) => `user:default/analyst-${n}`;
const OVERLAP = 2;
const OTHER_PROJECT = '00000000-0000-4000-8000-000000000000';

const lowAgreement: EscalationReason[] = [
  {
    code: 'low-agreement',
    question: 'belongs',
    measure: 'percent',
    value: 0,
    threshold: 0.6,
  },
];

describe.each(databases.eachSupportedId())('quality store on %s', id => {
  let knex: Knex;

  /** A project whose first `complete` items each have two answers. */
  async function setup(count: number, complete = count) {
    knex = await databases.init(id);
    await applyDatabaseMigrations(knex);
    await tuneSqlite(knex); // as the plugin runs it
    const project = await new KnexProjectStore(knex).create(
      newProject(),
      choiceConfig({ overlap: OVERLAP }),
      'user:default/jonas.berg',
    );
    const items: ImportItem[] = Array.from({ length: count }, (_, i) => ({
      line: i + 1,
      externalId: `item-${i}`,
      dataJson: JSON.stringify({ track_title: `Track ${i}` }),
      priority: count - i, // claimed in import order
      uncertainty: 0,
      contentHash: `hash-${i}`,
    }));
    await new KnexItemStore(knex).importBatch(project.id, items);
    const leases = new KnexLeaseStore(knex);
    const annotations = new KnexAnnotationStore(knex);
    const claim = (who: string) =>
      leases.next({
        projectId: project.id,
        annotator: who,
        overlap: OVERLAP,
        ordering: 'priority',
        ttlMs: 60_000,
        maxHeld: 2,
      });
    const answer = async (who: string, belongs: string) => {
      const lease = await claim(who);
      await annotations.submit({
        projectId: project.id,
        annotator: who,
        itemId: lease!.item.id,
        token: lease!.token,
        answer: { belongs },
        configVersion: 1,
        overlap: OVERLAP,
        timeSpentMs: 1000,
        allowEdit: true,
        questions: choiceConfig().questions,
      });
      return lease!.item.id;
    };
    const itemIds: string[] = [];
    for (let i = 0; i < complete; i++) {
      itemIds.push(await answer(annotator(1), 'yes'));
      await answer(annotator(2), 'no');
    }
    const quality = new KnexQualityStore(knex);
    const counters = () => readCounters(knex, project.id);
    const itemRow = (itemId: string) =>
      knex('items').where({ id: itemId }).first();
    const escalate = (itemId: string) =>
      quality.escalate(itemId, { configVersion: 1, reasons: lowAgreement });
    return {
      project,
      itemIds,
      quality,
      claim,
      answer,
      counters,
      itemRow,
      escalate,
    };
  }

  it('records an outcome idempotently and keeps the counters', async () => {
    const { itemIds, quality, counters } = await setup(2);
    const resolved = {
      status: 'resolved' as const,
      configVersion: 1,
      answer: { belongs: 'yes' },
      method: 'dawid-skene' as const,
      confidence: 0.93,
      agreement: { belongs: { value: 0.5 } },
    };
    const first = await quality.recordOutcome(itemIds[0], resolved);
    const again = await quality.recordOutcome(itemIds[0], resolved);
    expect(again).toMatchObject({
      itemId: itemIds[0],
      status: 'resolved',
      answer: { belongs: 'yes' },
      method: 'dawid-skene',
      confidence: 0.93,
      agreement: { belongs: { value: 0.5 } },
      reasons: [],
      extraAnnotators: 0,
    });
    expect({ ...again, updatedAt: '' }).toEqual({ ...first, updatedAt: '' });
    await quality.recordOutcome(itemIds[1], {
      status: 'resolved',
      configVersion: 1,
      agreement: { belongs: { undefined: 'too-few-answers' } },
    });
    expect(await counters()).toMatchObject({
      'quality.resolved': 2,
      'quality.pending': 0,
      'quality.escalated': 0,
    });
    expect((await quality.outcome(itemIds[1]))!.agreement).toEqual({
      belongs: { undefined: 'too-few-answers' },
    });
    await expect(
      quality.recordOutcome('999999', { status: 'resolved', configVersion: 1 }),
    ).rejects.toThrow('item 999999 not found');
  });

  it('accepts LLM answers only on items nobody answered or leased, once, in one batch', async () => {
    // items 0-1 answered by two people, 2-5 untouched
    const { project, itemIds, quality, claim, counters, itemRow } = await setup(
      6,
      2,
    );
    const rows = await knex('items')
      .where({ project_id: project.id })
      .orderBy('id')
      .pluck('id');
    const ids = rows.map(String);
    const leased = await claim(annotator(3)); // item 2
    expect(leased!.item.id).toBe(ids[2]);
    const before = await counters();
    const llm = (itemId: string) => ({
      itemId,
      answer: { belongs: 'yes' },
      confidence: 0.97,
    });
    const offered = [itemIds[0], ids[2], ids[3], ids[4], ids[5]].map(llm);
    const accepted = await quality.acceptLlmAnswers(project.id, 1, offered);
    expect(accepted.sort()).toEqual([ids[3], ids[4], ids[5]].sort());
    expect(await quality.outcome(ids[3])).toMatchObject({
      status: 'resolved',
      method: 'llm',
      answer: { belongs: 'yes' },
      confidence: 0.97,
    });
    expect((await itemRow(ids[4])).state).toBe('complete');
    expect((await itemRow(ids[2])).state).toBe('open');
    expect(await quality.outcome(ids[2])).toBeUndefined();
    const after = await counters();
    expect(after['items.complete'] - before['items.complete']).toBe(3);
    expect(after['items.open'] - before['items.open']).toBe(-3);
    expect(after['quality.resolved'] - before['quality.resolved']).toBe(3);
    // accepting again (a retried batch) changes nothing
    expect(await quality.acceptLlmAnswers(project.id, 1, offered)).toEqual([]);
    expect(await counters()).toEqual(after);
    // another project's items are not touched
    expect(await quality.acceptLlmAnswers('other', 1, [llm(ids[5])])).toEqual(
      [],
    );
  });

  it('asks for extra annotators by reopening a complete item, and completes it after them', async () => {
    const { itemIds, quality, counters, itemRow, claim, answer } = await setup(
      1,
    );
    expect((await itemRow(itemIds[0])).state).toBe('complete');
    const pending = {
      status: 'pending' as const,
      configVersion: 1,
      reasons: lowAgreement,
      extraAnnotators: 2,
      overlap: OVERLAP,
    };
    await quality.recordOutcome(itemIds[0], pending);
    await quality.recordOutcome(itemIds[0], pending); // a replay moves nothing
    expect((await itemRow(itemIds[0])).state).toBe('open');
    expect(await counters()).toMatchObject({
      'items.complete': 0,
      'items.open': 1,
      'quality.pending': 1,
    });
    expect(await quality.outcome(itemIds[0])).toMatchObject({
      status: 'pending',
      extraAnnotators: 2,
      reasons: lowAgreement,
    });
    // the two who answered are done with it; a third and a fourth get it,
    // and only the fourth answer completes it (claim and submit count the
    // extra slots)
    expect(await claim(annotator(1))).toBeUndefined();
    expect(await answer(annotator(3), 'yes')).toBe(itemIds[0]);
    expect((await itemRow(itemIds[0])).state).toBe('open');
    expect(await answer(annotator(4), 'yes')).toBe(itemIds[0]);
    expect(await itemRow(itemIds[0])).toMatchObject({ state: 'complete' });
    expect(Number((await itemRow(itemIds[0])).answer_count)).toBe(4);
    expect(await counters()).toMatchObject({
      'items.open': 0,
      'items.complete': 1,
    });
    // then it resolves: pending → resolved
    await quality.recordOutcome(itemIds[0], {
      status: 'resolved',
      configVersion: 1,
      answer: { belongs: 'yes' },
      method: 'majority',
      confidence: 3 / 4,
    });
    expect(await counters()).toMatchObject({
      'quality.pending': 0,
      'quality.resolved': 1,
    });
  });

  it('escalates an item once, and leaves escalated items to QA', async () => {
    const { itemIds, quality, counters, escalate } = await setup(1);
    await quality.recordOutcome(itemIds[0], {
      status: 'pending',
      configVersion: 1,
      extraAnnotators: 0,
      overlap: OVERLAP,
    });
    const first = await escalate(itemIds[0]);
    const second = await escalate(itemIds[0]);
    expect(first.created).toBe(true);
    expect(second).toEqual({ escalation: first.escalation, created: false });
    expect(first.escalation).toMatchObject({
      itemId: itemIds[0],
      reasons: lowAgreement,
    });
    expect(first.escalation.resolution).toBeUndefined();
    expect(await counters()).toMatchObject({
      'quality.pending': 0,
      'quality.escalated': 1,
    });
    await expect(
      quality.recordOutcome(itemIds[0], {
        status: 'resolved',
        configVersion: 1,
      }),
    ).rejects.toThrow(/is escalated: quality analysts decide it/);
    expect((await quality.outcome(itemIds[0]))!.status).toBe('escalated');
  });

  it('never gives two analysts claiming at once the same escalation', async () => {
    const { project, itemIds, quality, escalate } = await setup(6);
    for (const itemId of itemIds) {
      await escalate(itemId);
    }
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, n) =>
        quality.claimQa(project.id, analyst(n), 60_000),
      ),
    );
    const got = claims.filter(c => c !== undefined);
    expect(got).toHaveLength(6); // six escalations for eight analysts
    expect(new Set(got.map(c => c!.escalation.id)).size).toBe(6);
    expect(new Set(got.map(c => c!.escalation.itemId))).toEqual(
      new Set(itemIds),
    );
    // asking again returns the claim one holds, not another item
    const holder = got[0]!;
    const resumed = await quality.claimQa(project.id, holder.analyst, 60_000);
    expect(resumed).toEqual(holder);
  });

  it('never gives one analyst asking twice at once two escalations', async () => {
    const { project, itemIds, quality, escalate } = await setup(6);
    for (const itemId of itemIds) {
      await escalate(itemId);
    }
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, n) =>
        quality.claimQa(project.id, analyst(n % 2), 60_000),
      ),
    );
    for (const who of [analyst(0), analyst(1)]) {
      const theirs = claims.filter(c => c!.analyst === who);
      expect(theirs).toHaveLength(4);
      expect(new Set(theirs.map(c => c!.token)).size).toBe(1);
    }
    expect(
      await knex('escalations')
        .where({ project_id: project.id })
        .whereNotNull('claim_token'),
    ).toHaveLength(2);
  });

  it('gives an expired QA claim back to the queue', async () => {
    const { project, itemIds, quality, escalate } = await setup(1);
    await escalate(itemIds[0]);
    const stale = await quality.claimQa(project.id, analyst(1), 1);
    await new Promise(r => setTimeout(r, 20));
    // not resolvable once expired
    await expect(
      quality.resolveQa({
        projectId: project.id,
        token: stale!.token,
        analyst: analyst(1),
        answer: { belongs: 'no' },
      }),
    ).rejects.toThrow(/expired .*claim the item again/);
    const fresh = await quality.claimQa(project.id, analyst(2), 60_000);
    expect(fresh!.escalation.id).toBe(stale!.escalation.id);
    expect(fresh!.token).not.toBe(stale!.token);
    // the first analyst's token no longer names the claim
    await expect(
      quality.resolveQa({
        projectId: project.id,
        token: stale!.token,
        analyst: analyst(1),
        answer: { belongs: 'no' },
      }),
    ).rejects.toThrow(`QA claim ${stale!.token} not found`);
    expect(await quality.claimQa(project.id, analyst(3), 60_000)).toBe(
      undefined,
    );
  });

  it('extends a live QA claim by heartbeat, and releases it to the queue', async () => {
    const { project, itemIds, quality, escalate } = await setup(2);
    await escalate(itemIds[0]);
    await escalate(itemIds[1]);
    const claim = await quality.claimQa(project.id, analyst(1), 60_000);
    const mine = {
      projectId: project.id,
      token: claim!.token,
      analyst: analyst(1),
    };
    const before = Date.parse(claim!.expiresAt);
    const { expiresAt } = await quality.heartbeatQa(mine, 600_000);
    expect(Date.parse(expiresAt)).toBeGreaterThan(before + 500_000);
    // the extension is stored: the analyst's next claim is the same one
    expect(await quality.claimQa(project.id, analyst(1), 1)).toEqual({
      ...claim,
      expiresAt,
    });
    expect(await quality.heldEscalation(mine)).toEqual(claim!.escalation);
    // only the holder extends, releases or decides it, within its project
    const theirs = { ...mine, analyst: analyst(2) };
    const elsewhere = { ...mine, projectId: OTHER_PROJECT };
    for (const foreign of [theirs, elsewhere]) {
      await expect(quality.heartbeatQa(foreign, 60_000)).rejects.toThrow(
        `QA claim ${mine.token} not found`,
      );
      await expect(quality.releaseQa(foreign)).rejects.toThrow('not found');
      await expect(
        quality.resolveQa({ ...foreign, answer: { belongs: 'no' } }),
      ).rejects.toThrow('not found');
      expect(await quality.heldEscalation(foreign)).toBeUndefined();
    }

    await quality.releaseQa(mine);
    // back in the queue, first in line; the old token names nothing
    const next = await quality.claimQa(project.id, analyst(2), 60_000);
    expect(next!.escalation.id).toBe(claim!.escalation.id);
    await expect(quality.heartbeatQa(mine, 60_000)).rejects.toThrow(
      'not found',
    );
    await expect(quality.releaseQa(mine)).rejects.toThrow('not found');

    // an expired claim is not extended; a decided one neither, nor released
    const stale = await quality.claimQa(project.id, analyst(3), 1);
    await new Promise(r => setTimeout(r, 20));
    await expect(
      quality.heartbeatQa(
        { projectId: project.id, token: stale!.token, analyst: analyst(3) },
        60_000,
      ),
    ).rejects.toThrow(/expired at .*claim the item again/);
    const decided = {
      projectId: project.id,
      token: next!.token,
      analyst: analyst(2),
    };
    await quality.resolveQa({ ...decided, answer: { belongs: 'no' } });
    await expect(quality.heartbeatQa(decided, 60_000)).rejects.toThrow(
      /already resolved by .*a decision is final/,
    );
    await expect(quality.releaseQa(decided)).rejects.toThrow(
      /already resolved/,
    );
  });

  it('lists the backlog by status, page by page, with live claims', async () => {
    const { project, itemIds, quality, escalate } = await setup(5);
    for (const itemId of itemIds) {
      await escalate(itemId);
    }
    expect(await quality.openEscalations(project.id)).toBe(5);
    const held = await quality.claimQa(project.id, analyst(1), 60_000);
    const done = await quality.claimQa(project.id, analyst(2), 60_000);
    await quality.resolveQa({
      projectId: project.id,
      token: done!.token,
      analyst: analyst(2),
      answer: { belongs: 'yes' },
    });
    expect(await quality.openEscalations(project.id)).toBe(4);

    const pages = async (status: 'open' | 'resolved' | 'all') => {
      const seen: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = await quality.listEscalations(project.id, {
          status,
          limit: 2,
          cursor,
        });
        seen.push(page.items.map(e => e.externalId));
        cursor = page.nextCursor;
      } while (cursor);
      return seen;
    };
    // open: oldest first; all: newest first; resolved: the decided one
    expect(await pages('open')).toEqual([
      ['item-0', 'item-2'],
      ['item-3', 'item-4'],
    ]);
    expect(await pages('all')).toEqual([
      ['item-4', 'item-3'],
      ['item-2', 'item-1'],
      ['item-0'],
    ]);
    expect(await pages('resolved')).toEqual([['item-1']]);

    const { items } = await quality.listEscalations(project.id, {
      status: 'all',
      limit: 10,
    });
    const byItem = (externalId: string) =>
      items.find(e => e.externalId === externalId)!;
    expect(byItem('item-0')).toMatchObject({
      id: held!.escalation.id,
      itemId: itemIds[0],
      reasons: lowAgreement,
      claimedBy: analyst(1),
      claimExpiresAt: held!.expiresAt,
    });
    expect(byItem('item-1')).toMatchObject({
      resolution: 'resolved',
      resolvedBy: analyst(2),
      answer: { belongs: 'yes' },
    });
    expect(byItem('item-1').claimedBy).toBeUndefined();
    expect(byItem('item-2').claimedBy).toBeUndefined();
    await expect(
      quality.listEscalations(project.id, {
        status: 'open',
        limit: 2,
        cursor: 'x',
      }),
    ).rejects.toThrow('cursor: a cursor from a previous page expected');
  });

  it('makes a QA resolution final, audited and gold, and replays it', async () => {
    const { project, itemIds, quality, counters, itemRow, escalate } =
      await setup(2);
    await escalate(itemIds[1]);
    const claim = await quality.claimQa(project.id, analyst(1), 60_000);
    expect(claim!.escalation.itemId).toBe(itemIds[1]);
    const decision = {
      projectId: project.id,
      token: claim!.token,
      analyst: analyst(1),
      answer: { belongs: 'no' },
      note: 'the artist page is a different band',
    };
    // a foreign analyst cannot use the token
    await expect(
      quality.resolveQa({ ...decision, analyst: analyst(2) }),
    ).rejects.toThrow('not found');
    const done = await quality.resolveQa(decision);
    expect(done.replayed).toBe(false);
    expect(done.escalation).toMatchObject({
      resolution: 'resolved',
      resolvedBy: analyst(1),
      answer: { belongs: 'no' },
      note: decision.note,
    });
    expect(await quality.outcome(itemIds[1])).toMatchObject({
      status: 'qa-resolved',
      method: 'qa',
      confidence: 1,
      answer: { belongs: 'no' },
      reasons: lowAgreement,
    });
    expect(JSON.parse((await itemRow(itemIds[1])).gold)).toEqual({
      belongs: 'no',
    });
    expect(await counters()).toMatchObject({
      'quality.escalated': 0,
      'quality.qa-resolved': 1,
    });

    const replay = await quality.resolveQa(decision);
    expect(replay).toEqual({ escalation: done.escalation, replayed: true });
    await expect(
      quality.resolveQa({ ...decision, answer: { belongs: 'yes' } }),
    ).rejects.toThrow(/already resolved by .*a decision is final/);
    await expect(
      quality.sendBack({ ...decision, guidance: 'look again', overlap: 2 }),
    ).rejects.toThrow(/a decision is final/);
    await expect(
      quality.escalate(itemIds[1], {
        configVersion: 1,
        reasons: lowAgreement,
      }),
    ).rejects.toThrow(/a resolution is final/);
    await expect(
      quality.recordOutcome(itemIds[1], {
        status: 'resolved',
        configVersion: 1,
      }),
    ).rejects.toThrow(/is qa-resolved/);
    expect(await counters()).toMatchObject({ 'quality.qa-resolved': 1 });
    const audit = await knex('audit_log').where({
      project_id: project.id,
      action: 'qa.resolve',
    });
    expect(audit).toHaveLength(1);
    expect(audit[0].actor).toBe(analyst(1));
    expect(JSON.parse(audit[0].details)).toEqual({
      itemId: itemIds[1],
      escalationId: done.escalation.id,
      reasons: lowAgreement,
      answer: { belongs: 'no' },
      note: decision.note,
    });
    expect(await quality.claimQa(project.id, analyst(2), 60_000)).toBe(
      undefined,
    );

    // gold an item has already stays the gold when QA resolves it
    await knex('items')
      .where({ id: itemIds[0] })
      .update({ gold: JSON.stringify({ belongs: 'yes' }) });
    await escalate(itemIds[0]);
    const goldClaim = await quality.claimQa(project.id, analyst(2), 60_000);
    await quality.resolveQa({
      projectId: project.id,
      token: goldClaim!.token,
      analyst: analyst(2),
      answer: { belongs: 'no' },
    });
    expect(JSON.parse((await itemRow(itemIds[0])).gold)).toEqual({
      belongs: 'yes',
    });
  });

  it('sends an item back to annotators with guidance', async () => {
    const { project, itemIds, quality, counters, itemRow, escalate, answer } =
      await setup(1);
    await escalate(itemIds[0]);
    const claim = await quality.claimQa(project.id, analyst(1), 60_000);
    const decision = {
      projectId: project.id,
      token: claim!.token,
      analyst: analyst(1),
      guidance: 'a remix by the same artist belongs',
      overlap: OVERLAP,
    };
    const sent = await quality.sendBack(decision);
    expect(sent.escalation).toMatchObject({
      resolution: 'sent-back',
      note: decision.guidance,
    });
    expect((await quality.sendBack(decision)).replayed).toBe(true);
    expect(await quality.outcome(itemIds[0])).toMatchObject({
      status: 'pending',
      guidance: decision.guidance,
      extraAnnotators: 1,
    });
    expect((await itemRow(itemIds[0])).state).toBe('open');
    expect(await counters()).toMatchObject({
      'items.open': 1,
      'items.complete': 0,
      'quality.escalated': 0,
      'quality.pending': 1,
    });
    expect(
      await knex('audit_log').where({ action: 'qa.send-back' }),
    ).toHaveLength(1);
    expect(await answer(annotator(3), 'yes')).toBe(itemIds[0]);
    // still disputed: a new escalation, the old one stays closed
    const again = await escalate(itemIds[0]);
    expect(again.created).toBe(true);
    expect(again.escalation.id).not.toBe(sent.escalation.id);
  });

  it('keeps the latest fit per config version', async () => {
    const { project, quality } = await setup(0);
    const model = {
      categories: ['yes', 'no'],
      classPriors: [0.6, 0.4],
      confusion: {
        [annotator(1)]: [
          [0.9, 0.1],
          [0.2, 0.8],
        ],
      },
      pooledConfusion: [
        [0.85, 0.15],
        [0.25, 0.75],
      ],
      accuracy: { [annotator(1)]: 0.86 },
    };
    const saveFitAt = (version: number, fittedAt: string, itemsUsed: number) =>
      quality.saveFit(project.id, version, {
        models: { belongs: model },
        agreement: { belongs: { krippendorffNominal: { value: 0.71 } } },
        itemsUsed,
        answersUsed: itemsUsed * 2,
        fittedAt,
      });
    expect(await quality.latestFit(project.id)).toBeUndefined();
    await saveFitAt(1, '2026-11-26T10:00:00.000Z', 10);
    await saveFitAt(2, '2026-11-26T11:00:00.000Z', 20);
    await saveFitAt(2, '2026-11-26T10:30:00.000Z', 15); // a slower, older run
    expect(await quality.latestFit(project.id)).toEqual({
      projectId: project.id,
      configVersion: 2,
      models: { belongs: model },
      agreement: { belongs: { krippendorffNominal: { value: 0.71 } } },
      itemsUsed: 20,
      answersUsed: 40,
      fittedAt: '2026-11-26T11:00:00.000Z',
    });
    expect((await quality.latestFit(project.id, 1))!.itemsUsed).toBe(10);
    expect(await quality.latestFit(project.id, 3)).toBeUndefined();
  });

  it('counts gold answers per annotator', async () => {
    const { project, quality } = await setup(0);
    await Promise.all([
      quality.recordGoldAnswer(project.id, annotator(1), true),
      quality.recordGoldAnswer(project.id, annotator(1), false),
      quality.recordGoldAnswer(project.id, annotator(1), true),
      quality.recordGoldAnswer(project.id, annotator(2), false),
    ]);
    expect(await quality.goldStats(project.id)).toEqual([
      { annotator: annotator(1), answered: 3, correct: 2, accuracy: 2 / 3 },
      { annotator: annotator(2), answered: 1, correct: 0, accuracy: 0 },
    ]);
  });

  it('names the annotators below the gold bar once they answered enough gold', async () => {
    const { project, quality } = await setup(0);
    const record = async (who: string, right: number, wrong: number) => {
      for (let n = 0; n < right + wrong; n++) {
        await quality.recordGoldAnswer(project.id, who, n < right);
      }
    };
    await record(annotator(1), 4, 1); // 0.8
    await record(annotator(2), 3, 2); // 0.6
    await record(annotator(3), 0, 4); // 0, but only 4 answered
    await record(annotator(4), 7, 3); // 0.7
    const low = async (bar: number, minAnswered?: number) =>
      (await quality.lowGoldAnnotators(project.id, bar, minAnswered)).map(
        s => s.annotator,
      );
    expect(await low(0.75)).toEqual([annotator(2), annotator(4)]);
    expect(await quality.lowGoldAnnotators(project.id, 0.7)).toEqual([
      { annotator: annotator(2), answered: 5, correct: 3, accuracy: 0.6 },
    ]); // exactly at the bar is not below it
    expect(await low(0.75, 4)).toEqual([
      annotator(2),
      annotator(3),
      annotator(4),
    ]);
    expect(await low(0)).toEqual([]); // minGoldAccuracy 0: the bar is off
    expect(await low(0.9, 6)).toEqual([annotator(4)]);
  });
});
