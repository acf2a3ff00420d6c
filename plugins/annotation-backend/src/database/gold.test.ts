import { TestDatabases } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { choiceConfig, newProject } from '../__testUtils__/fixtures';
import { KnexAnnotationStore } from './AnnotationStore';
import { readCounters } from './counters';
import { ImportItem, KnexItemStore } from './ItemStore';
import { ClaimOptions, KnexLeaseStore, Lease } from './LeaseStore';
import { applyDatabaseMigrations } from './migrations';
import { KnexProjectStore } from './ProjectStore';
import { KnexQualityStore } from './QualityStore';
import { tuneSqlite } from './sqlite';

jest.setTimeout(180_000);

/*
 * Gold items (honeypots): imported apart from the regular pool, mixed into
 * claims at the project's gold rate, leased without a slot, scored once.
 */

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
const annotator = (n: number) => `user:default/annotator-${n}`;
const analyst = 'user:default/analyst-1';

/** Mulberry32: a seeded uniform source in [0, 1), so runs are exact. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Gold answers alternate: gold-0 is "yes", gold-1 "no", … */
const goldAnswer = (i: number) => (i % 2 ? 'no' : 'yes');

function importLine(
  externalId: string,
  priority: number,
  gold?: string,
  version = '',
): ImportItem {
  return {
    line: 1,
    externalId,
    dataJson: JSON.stringify({ track_title: externalId }),
    ...(gold ? { goldJson: JSON.stringify({ belongs: gold }) } : {}),
    priority,
    uncertainty: 0,
    contentHash: `${externalId}:${gold ?? '-'}${version}`,
  };
}

describe.each(databases.eachSupportedId())('gold items on %s', id => {
  let knex: Knex;

  /**
   * A project with `regular` items (claimed in import order) and `gold`
   * items of a higher priority: if gold ever leaked into the regular pool,
   * it would come first.
   */
  async function setup(o: {
    regular: number;
    gold: number;
    overlap?: number;
    goldRate?: number;
    random?: () => number;
  }) {
    knex = await databases.init(id);
    await applyDatabaseMigrations(knex);
    await tuneSqlite(knex); // as the plugin runs it
    const overlap = o.overlap ?? 1;
    const config = choiceConfig({ overlap });
    const project = await new KnexProjectStore(knex).create(
      newProject(),
      config,
      'user:default/jonas.berg',
    );
    const itemStore = new KnexItemStore(knex);
    await itemStore.importBatch(project.id, [
      ...Array.from({ length: o.gold }, (_, i) =>
        importLine(`gold-${i}`, 1_000, goldAnswer(i)),
      ),
      ...Array.from({ length: o.regular }, (_, i) =>
        importLine(`item-${i}`, o.regular - i),
      ),
    ]);
    const leases = new KnexLeaseStore(knex, { random: o.random });
    const annotations = new KnexAnnotationStore(knex);
    const claim = (who: string, extra: Partial<ClaimOptions> = {}) =>
      leases.next({
        projectId: project.id,
        annotator: who,
        overlap,
        ordering: 'priority',
        ttlMs: 60_000,
        maxHeld: 2,
        goldRate: o.goldRate ?? 0.5,
        ...extra,
      });
    const submit = (
      who: string,
      itemId: string,
      belongs: string,
      extra: { token?: string; key?: string } = {},
    ) =>
      annotations.submit({
        projectId: project.id,
        annotator: who,
        itemId,
        token: extra.token,
        answer: { belongs },
        configVersion: 1,
        overlap,
        timeSpentMs: 1000,
        idempotencyKey: extra.key,
        allowEdit: true,
        questions: config.questions,
      });
    const answer = (who: string, lease: Lease, belongs = 'yes') =>
      submit(who, lease.item.id, belongs, { token: lease.token });
    const item = async (externalId: string) => {
      const row = await knex('items')
        .where({ project_id: project.id, external_id: externalId })
        .first();
      return {
        id: String(row.id),
        state: row.state,
        slots: Number(row.slots_taken),
        answers: Number(row.answer_count),
      };
    };
    const goldStats = () => new KnexQualityStore(knex).goldStats(project.id);
    const counters = () => readCounters(knex, project.id);
    return {
      project,
      itemStore,
      leases,
      claim,
      submit,
      answer,
      item,
      goldStats,
      counters,
    };
  }

  const isGold = (lease?: Lease) =>
    Boolean(lease?.item.externalId.startsWith('gold-'));

  it('imports gold lines as honeypots, apart from the regular pool, and keeps the counters', async () => {
    const { project, itemStore, leases, claim, answer, item, counters } =
      await setup({
        regular: 3,
        gold: 2,
        random: () => 0,
      });
    expect(await counters()).toMatchObject({
      'items.open': 3,
      'items.gold': 2,
    });
    expect((await item('gold-0')).state).toBe('gold');
    expect((await itemStore.progress(project.id)).items).toEqual({
      total: 3,
      open: 3,
      full: 0,
      complete: 0,
      gold: 2,
    });

    // a re-import adds gold to an untouched item and removes it from another
    const reimport = await itemStore.importBatch(project.id, [
      importLine('item-0', 3, 'no'),
      importLine('gold-0', 1_000),
    ]);
    expect(reimport).toMatchObject({ updated: 2, rejected: [] });
    expect((await item('item-0')).state).toBe('gold');
    expect((await item('gold-0')).state).toBe('open');
    expect(await counters()).toMatchObject({
      'items.open': 3,
      'items.gold': 2,
    });

    // a leased gold item takes no slot, yet is not changed under its lease
    const older = await claim(annotator(1)); // the gold index's order: by id
    expect(older!.item.externalId).toBe('gold-1');
    await leases.skip(project.id, older!.token, annotator(1), 'later');
    const lease = await claim(annotator(1));
    expect(lease!.item.externalId).toBe('item-0');
    const changed = [importLine('item-0', 3, 'yes')];
    const refused = {
      updated: 0,
      rejected: [
        {
          line: 1,
          externalId: 'item-0',
          reason:
            'item already has annotations or is being annotated; it was not updated',
        },
      ],
    };
    expect(await itemStore.importBatch(project.id, changed)).toMatchObject(
      refused,
    );
    await answer(annotator(1), lease!);
    // answered: as every item with annotations, it keeps its state
    expect(await itemStore.importBatch(project.id, changed)).toMatchObject(
      refused,
    );
    expect(await item('item-0')).toMatchObject({ state: 'gold', answers: 1 });
    expect(await counters()).toMatchObject({
      'items.open': 3,
      'items.gold': 2,
    });
  });

  it('never hands out a gold item when the gold rate is 0', async () => {
    const random = jest.fn(() => 0);
    const { claim, answer, counters } = await setup({
      regular: 4,
      gold: 3,
      goldRate: 0,
      random,
    });
    const served: string[] = [];
    for (;;) {
      const lease = await claim(annotator(1));
      if (!lease) {
        break;
      }
      served.push(lease.item.externalId);
      await answer(annotator(1), lease);
    }
    expect(served).toEqual(['item-0', 'item-1', 'item-2', 'item-3']);
    expect(await claim(annotator(2), { goldRate: undefined })).toBeUndefined();
    // rate 0: not even a draw, the claim runs as it did before gold
    expect(random).not.toHaveBeenCalled();
    expect(await counters()).toMatchObject({
      'items.complete': 4,
      'items.gold': 3,
    });
  });

  it('mixes gold in at the gold rate, never twice to one annotator', async () => {
    const rng = seeded(20261127);
    const rate = 0.2;
    let goldTries = 0;
    const { claim, answer, item, goldStats, counters } = await setup({
      regular: 500,
      gold: 20,
      goldRate: rate,
      random: () => {
        const r = rng();
        goldTries += r < rate ? 1 : 0;
        return r;
      },
    });
    const annotators = 5;
    const rounds = 70;
    const goldOf = new Map<string, string[]>();
    let leases = 0;
    for (let round = 0; round < rounds; round++) {
      for (let n = 0; n < annotators; n++) {
        const lease = (await claim(annotator(n)))!;
        leases += 1;
        if (isGold(lease)) {
          goldOf.set(annotator(n), [
            ...(goldOf.get(annotator(n)) ?? []),
            lease.item.externalId,
          ]);
        }
        await answer(annotator(n), lease, 'yes');
      }
    }
    const served = [...goldOf.values()].flat();
    // every draw under the rate found a gold item (none ran out of them)
    expect(served.length).toBe(goldTries);
    const share = served.length / leases;
    const tolerance = 3 * Math.sqrt((rate * (1 - rate)) / leases);
    expect(Math.abs(share - rate)).toBeLessThanOrEqual(tolerance);
    for (const ids of goldOf.values()) {
      expect(new Set(ids).size).toBe(ids.length);
    }

    // gold items stay gold, hold no slot, count their answers
    const answersOf = new Map<string, number>();
    served.forEach(g => answersOf.set(g, (answersOf.get(g) ?? 0) + 1));
    for (let i = 0; i < 20; i++) {
      expect(await item(`gold-${i}`)).toEqual({
        id: expect.any(String),
        state: 'gold',
        slots: 0,
        answers: answersOf.get(`gold-${i}`) ?? 0,
      });
    }
    // answered "yes": right on the even gold items
    expect(await goldStats()).toEqual(
      [...goldOf.entries()].sort().map(([who, ids]) => {
        const correct = ids.filter(g => Number(g.slice(5)) % 2 === 0).length;
        return {
          annotator: who,
          answered: ids.length,
          correct,
          accuracy: correct / ids.length,
        };
      }),
    );
    expect(await counters()).toMatchObject({
      'items.open': 500 - (leases - served.length),
      'items.full': 0,
      'items.complete': leases - served.length,
      'items.gold': 20,
      annotations: leases,
    });
  });

  it('serves a gold item to more annotators than the overlap', async () => {
    const { claim, answer, item } = await setup({
      regular: 5,
      gold: 2,
      overlap: 1,
      random: () => 0, // always try gold first
    });
    const first = await Promise.all(
      [1, 2, 3].map(async n => (await claim(annotator(n)))!),
    );
    expect(first.map(l => l.item.externalId)).toEqual([
      'gold-0',
      'gold-0',
      'gold-0',
    ]);
    await Promise.all(first.map((l, n) => answer(annotator(n + 1), l)));
    expect(await item('gold-0')).toMatchObject({
      state: 'gold',
      slots: 0,
      answers: 3,
    });
    // annotator 1: the next gold item, then regular work only
    const second = await claim(annotator(1));
    expect(second!.item.externalId).toBe('gold-1');
    await answer(annotator(1), second!);
    const third = await claim(annotator(1));
    expect(third!.item.externalId).toBe('item-0');
  });

  it('serves gold only while the annotator has regular work left', async () => {
    const { claim, answer } = await setup({
      regular: 1,
      gold: 2,
      random: () => 0,
    });
    const served: string[] = [];
    for (;;) {
      const lease = await claim(annotator(1));
      if (!lease) {
        break;
      }
      served.push(lease.item.externalId);
      await answer(annotator(1), lease);
    }
    expect(served).toEqual(['gold-0', 'gold-1', 'item-0']);
    // item-0 is complete: nothing regular left, so no honeypot either
    expect(await claim(annotator(2))).toBeUndefined();
  });

  it('leases gold without a slot: release, skip and expiry leave the item as it was', async () => {
    const { project, leases, claim, item, counters } = await setup({
      regular: 2,
      gold: 2,
      random: () => 0,
    });
    const before = await counters();
    const lease = await claim(annotator(1));
    expect(lease!.item.externalId).toBe('gold-0');
    // a regular lease beside it: the two count toward the held limit
    const regular = await claim(annotator(1), {
      exclude: [lease!.token],
      goldRate: 0,
    });
    expect(regular!.item.externalId).toBe('item-0');
    await expect(
      claim(annotator(1), { exclude: [lease!.token, regular!.token] }),
    ).rejects.toThrow('you already hold 2 items of this project');
    await leases.release(project.id, regular!.token, annotator(1));

    await leases.release(project.id, lease!.token, annotator(1));
    expect(await item('gold-0')).toMatchObject({ state: 'gold', slots: 0 });
    // released, not answered: it may come back
    const again = await claim(annotator(1));
    expect(again!.item.externalId).toBe('gold-0');
    await leases.skip(project.id, again!.token, annotator(1), 'no audio');
    expect(await item('gold-0')).toMatchObject({ state: 'gold', slots: 0 });
    // skipped: never again for them
    const next = await claim(annotator(1), { ttlMs: 1 });
    expect(next!.item.externalId).toBe('gold-1');
    await new Promise(r => setTimeout(r, 20));
    expect(await leases.expire(project.id)).toBe(1);
    expect(await item('gold-1')).toMatchObject({ state: 'gold', slots: 0 });
    expect(await counters()).toEqual({ ...before, skips: 1 });
  });

  it('scores gold answers once: a replay counts nothing, an edit rescores', async () => {
    const { claim, submit, item, goldStats, counters } = await setup({
      regular: 2,
      gold: 1, // gold-0: "yes"
      random: () => 0,
    });
    const lease = await claim(annotator(1));
    expect(lease!.item.externalId).toBe('gold-0');
    const itemId = lease!.item.id;
    const first = await submit(annotator(1), itemId, 'no', {
      token: lease!.token,
      key: 'k1',
    });
    expect(first).toMatchObject({
      outcome: 'created',
      itemCompleted: false,
      honeypot: { correct: false },
    });
    const replay = await submit(annotator(1), itemId, 'no', {
      token: lease!.token,
      key: 'k1',
    });
    expect(replay).toEqual({ ...first, outcome: 'replayed' });

    // concurrent retries of one submit: one answer, counted once
    const other = await claim(annotator(2));
    const retries = await Promise.all(
      Array.from({ length: 4 }, () =>
        submit(annotator(2), other!.item.id, 'yes', {
          token: other!.token,
          key: 'k2',
        }),
      ),
    );
    expect(retries.filter(r => r.outcome === 'created')).toHaveLength(1);
    retries.forEach(r => expect(r.honeypot).toEqual({ correct: true }));
    expect(await goldStats()).toEqual([
      { annotator: annotator(1), answered: 1, correct: 0, accuracy: 0 },
      { annotator: annotator(2), answered: 1, correct: 1, accuracy: 1 },
    ]);

    // edits update the score, never the count
    const edited = await submit(annotator(1), itemId, 'yes', { key: 'k3' });
    expect(edited).toMatchObject({
      outcome: 'edited',
      honeypot: { correct: true },
    });
    await submit(annotator(1), itemId, 'yes', { key: 'k4' });
    expect((await goldStats())[0]).toEqual({
      annotator: annotator(1),
      answered: 1,
      correct: 1,
      accuracy: 1,
    });
    await submit(annotator(1), itemId, 'no', { key: 'k5' });
    expect((await goldStats())[0]).toMatchObject({ answered: 1, correct: 0 });

    expect(await item('gold-0')).toMatchObject({
      state: 'gold',
      slots: 0,
      answers: 2,
    });
    expect(await counters()).toMatchObject({
      'items.open': 2,
      'items.gold': 1,
      annotations: 2,
    });
    // a regular answer carries no honeypot
    const regular = await claim(annotator(1));
    expect(regular!.item.externalId).toBe('item-0');
    const plain = await submit(annotator(1), regular!.item.id, 'yes', {
      token: regular!.token,
    });
    expect(plain).not.toHaveProperty('honeypot');
  });

  it('adds QA resolutions to the honeypot pool once complete', async () => {
    const { project, leases, claim, answer, item, goldStats } = await setup({
      regular: 2,
      gold: 0,
      overlap: 2,
      random: () => 0,
    });
    for (const n of [1, 2]) {
      const lease = await claim(annotator(n));
      expect(lease!.item.externalId).toBe('item-0');
      await answer(annotator(n), lease!, n === 1 ? 'yes' : 'no');
    }
    const quality = new KnexQualityStore(knex);
    const resolved = await item('item-0');
    await quality.escalate(resolved.id, {
      configVersion: 1,
      reasons: [{ code: 'annotator-flag', annotator: annotator(1) }],
    });
    const qa = await quality.claimQa(project.id, analyst, 60_000);
    await quality.resolveQa({
      projectId: project.id,
      token: qa!.token,
      analyst,
      answer: { belongs: 'no' },
    });
    expect(resolved).toMatchObject({ state: 'complete', slots: 2 });

    // those who answered it never get it back
    for (const n of [1, 2]) {
      const lease = await claim(annotator(n));
      expect(lease!.item.externalId).toBe('item-1');
      await leases.release(project.id, lease!.token, annotator(n));
    }
    // a newcomer gets it as a honeypot, without a slot
    const probe = await claim(annotator(3));
    expect(probe!.item.externalId).toBe('item-0');
    await leases.release(project.id, probe!.token, annotator(3));
    expect(await item('item-0')).toMatchObject({
      state: 'complete',
      slots: 2,
    });
    const honeypot = await claim(annotator(3));
    expect(honeypot!.item.externalId).toBe('item-0');
    expect((await answer(annotator(3), honeypot!, 'no')).honeypot).toEqual({
      correct: true,
    });
    expect(await item('item-0')).toMatchObject({
      state: 'complete',
      slots: 2,
      answers: 3,
    });
    expect(await goldStats()).toEqual([
      { annotator: annotator(3), answered: 1, correct: 1, accuracy: 1 },
    ]);
  });

  it('R1 with gold: concurrent annotators never over-assign, gold stays apart', async () => {
    const rng = seeded(7);
    const regularCount = 60;
    const goldCount = 10;
    const overlap = 2;
    const { project, claim, answer, counters, goldStats } = await setup({
      regular: regularCount,
      gold: goldCount,
      overlap,
      goldRate: 0.3,
      random: rng,
    });
    let submits = 0;
    await Promise.all(
      Array.from({ length: 32 }, async (_, n) => {
        for (;;) {
          const lease = await claim(annotator(n));
          if (!lease) {
            return;
          }
          await answer(annotator(n), lease, 'yes');
          submits += 1;
        }
      }),
    );
    const perItem: Array<{ external_id: string; state: string; n: unknown }> =
      await knex('items')
        .leftJoin('annotations', 'annotations.item_id', 'items.id')
        .where('items.project_id', project.id)
        .groupBy('items.external_id', 'items.state')
        .select('items.external_id', 'items.state')
        .count({ n: 'annotations.id' });
    const regular = perItem.filter(r => r.external_id.startsWith('item-'));
    const gold = perItem.filter(r => r.external_id.startsWith('gold-'));
    // every regular item exactly at its overlap, none over
    expect(regular.filter(r => Number(r.n) !== overlap)).toEqual([]);
    expect(new Set(regular.map(r => r.state))).toEqual(new Set(['complete']));
    expect(new Set(gold.map(r => r.state))).toEqual(new Set(['gold']));
    const goldAnswers = gold.reduce((sum, r) => sum + Number(r.n), 0);
    expect(goldAnswers).toBeGreaterThan(0);
    expect(submits).toBe(regularCount * overlap + goldAnswers);
    const slots = await knex('items')
      .where({ project_id: project.id, state: 'gold' })
      .sum({ s: 'slots_taken' });
    expect(Number(slots[0].s)).toBe(0);
    const stats = await goldStats();
    expect(stats.reduce((sum, s) => sum + s.answered, 0)).toBe(goldAnswers);
    expect(await knex('leases').where({ project_id: project.id })).toEqual([]);
    expect(await counters()).toMatchObject({
      'items.open': 0,
      'items.full': 0,
      'items.complete': regularCount,
      'items.gold': goldCount,
      annotations: submits,
    });
  });
});
