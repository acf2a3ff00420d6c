import { TestDatabases } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { choiceConfig, newProject } from '../__testUtils__/fixtures';
import { KnexAnnotationStore } from './AnnotationStore';
import { readCounters } from './counters';
import { ImportItem, KnexItemStore } from './ItemStore';
import { ClaimOptions, KnexLeaseStore } from './LeaseStore';
import { applyDatabaseMigrations } from './migrations';
import { KnexProjectStore } from './ProjectStore';
import { tuneSqlite } from './sqlite';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
const annotator = (n: number) => `user:default/annotator-${n}`;

function items(n: number, priority = (_i: number) => 0): ImportItem[] {
  return Array.from({ length: n }, (_, i) => ({
    line: i + 1,
    externalId: `item-${i}`,
    dataJson: JSON.stringify({ track_title: `Track ${i}` }),
    priority: priority(i),
    uncertainty: 0,
    contentHash: `hash-${i}`,
  }));
}

describe.each(databases.eachSupportedId())(
  'leases and submissions on %s',
  id => {
    let knex: Knex;

    async function setup(
      count: number,
      overlap: number,
      priority?: (i: number) => number,
    ) {
      knex = await databases.init(id);
      await applyDatabaseMigrations(knex);
      await tuneSqlite(knex); // as the plugin runs it
      const config = choiceConfig({ overlap });
      const project = await new KnexProjectStore(knex).create(
        newProject(),
        config,
        'user:default/jonas.berg',
      );
      await new KnexItemStore(knex).importBatch(
        project.id,
        items(count, priority),
      );
      const leases = new KnexLeaseStore(knex);
      const annotations = new KnexAnnotationStore(knex);
      const claim = (who: string, extra: Partial<ClaimOptions> = {}) =>
        leases.next({
          projectId: project.id,
          annotator: who,
          overlap,
          ordering: 'priority',
          ttlMs: 60_000,
          maxHeld: 2,
          ...extra,
        });
      const submit = (
        who: string,
        lease: { token: string; item: { id: string } },
        key?: string,
      ) =>
        annotations.submit({
          projectId: project.id,
          annotator: who,
          itemId: lease.item.id,
          token: lease.token,
          answer: { belongs: 'yes' },
          configVersion: 1,
          overlap,
          timeSpentMs: 1200,
          idempotencyKey: key,
          allowEdit: true,
          questions: config.questions,
        });
      /** `who` changes their answer to the item, without a lease. */
      const edit = (who: string, itemId: string) =>
        annotations.submit({
          projectId: project.id,
          annotator: who,
          itemId,
          answer: { belongs: 'no' },
          configVersion: 1,
          overlap,
          timeSpentMs: 0,
          allowEdit: true,
          questions: config.questions,
        });
      return { project, config, leases, annotations, claim, submit, edit };
    }

    it('hands out by priority, resumes a held lease, prefetches one more', async () => {
      const { claim } = await setup(5, 1, i => i); // item-4 has top priority
      const first = await claim(annotator(1));
      expect(first!.item.externalId).toBe('item-4');
      expect(first!.item.data).toEqual({ track_title: 'Track 4' });
      // a retried or reloaded `next` gets the same lease back
      expect((await claim(annotator(1)))!.token).toBe(first!.token);
      const prefetched = await claim(annotator(1), { exclude: [first!.token] });
      expect(prefetched!.item.externalId).toBe('item-3');
      await expect(
        claim(annotator(1), { exclude: [first!.token, prefetched!.token] }),
      ).rejects.toThrow('you already hold 2 items of this project');
      // of two held leases, the oldest comes back first, whatever the order
      // they were stored in
      expect((await claim(annotator(1)))!.token).toBe(first!.token);
      await knex('leases')
        .where({ token: prefetched!.token })
        .update({ created_at: Date.now() - 60_000 });
      expect((await claim(annotator(1)))!.token).toBe(prefetched!.token);
    });

    it('never goes beyond the overlap nor repeats an item for an annotator', async () => {
      const { claim, submit } = await setup(2, 2);
      const a = await claim(annotator(1));
      const b = await claim(annotator(2));
      expect(b!.item.id).toBe(a!.item.id); // overlap 2: the same item twice
      const c = await claim(annotator(3));
      expect(c!.item.id).not.toBe(a!.item.id); // full now
      await submit(annotator(1), a!);
      const again = await claim(annotator(1));
      expect(again!.item.id).toBe(c!.item.id);
      // annotator 1 answered item A, holds C: nothing else for them
      expect(
        await claim(annotator(1), { exclude: [again!.token] }),
      ).toBeUndefined();
    });

    it('completes an item at its overlap and keeps the counters', async () => {
      const { project, claim, submit } = await setup(1, 2);
      const a = await claim(annotator(1));
      const b = await claim(annotator(2));
      expect((await readCounters(knex, project.id))['items.full']).toBe(1);
      const first = await submit(annotator(1), a!);
      expect(first.itemCompleted).toBe(false);
      expect(first.externalId).toBeUndefined();
      // the completing answer names the item for the event that tells it
      expect(await submit(annotator(2), b!)).toMatchObject({
        itemCompleted: true,
        externalId: a!.item.externalId,
      });
      const counters = await readCounters(knex, project.id);
      expect(counters).toMatchObject({
        'items.open': 0,
        'items.full': 0,
        'items.complete': 1,
        annotations: 2,
      });
      const stats = await knex('annotator_stats').where({
        project_id: project.id,
      });
      expect(stats.map(s => Number(s.time_spent_ms))).toEqual([1200, 1200]);
    });

    it('stores a retried submit once', async () => {
      const { claim, submit, annotations, project } = await setup(1, 1);
      const lease = await claim(annotator(1));
      const first = await submit(annotator(1), lease!, 'key-1');
      const retry = await submit(annotator(1), lease!, 'key-1');
      expect(first.outcome).toBe('created');
      expect(retry).toMatchObject({
        outcome: 'replayed',
        annotation: first.annotation,
      });
      expect(
        await annotations.listForItem(project.id, lease!.item.id),
      ).toHaveLength(1);
    });

    it('stores concurrent retries of one submit once', async () => {
      const { claim, submit, annotations, project } = await setup(1, 1);
      const lease = await claim(annotator(1));
      const results = await Promise.all(
        Array.from({ length: 5 }, () => submit(annotator(1), lease!, 'key-x')),
      );
      expect(results.filter(r => r.outcome === 'created')).toHaveLength(1);
      expect(results.filter(r => r.outcome === 'replayed')).toHaveLength(4);
      expect(
        await annotations.listForItem(project.id, lease!.item.id),
      ).toHaveLength(1);
    });

    it('lets an annotator edit their own answer without a lease', async () => {
      const { claim, submit, edit } = await setup(1, 1);
      const lease = await claim(annotator(1));
      await submit(annotator(1), lease!);
      const edited = await edit(annotator(1), lease!.item.id);
      expect(edited.outcome).toBe('edited');
      expect(edited.annotation.answer).toEqual({ belongs: 'no' });
      expect(edited.completeItemEdited).toBe(true); // overlap 1: complete
      // someone who never answered it needs a lease
      await expect(edit(annotator(2), lease!.item.id)).rejects.toThrow(
        /token: a lease on item \d+ expected/,
      );
    });

    it('tells on an edit whether the item is complete: only then may its outcome change', async () => {
      const { claim, submit, edit } = await setup(1, 2);
      const first = await claim(annotator(1));
      await submit(annotator(1), first!);
      expect(await edit(annotator(1), first!.item.id)).toMatchObject({
        outcome: 'edited',
        completeItemEdited: false,
      });
      const second = await claim(annotator(2));
      expect((await submit(annotator(2), second!)).itemCompleted).toBe(true);
      expect(await edit(annotator(1), first!.item.id)).toMatchObject({
        outcome: 'edited',
        completeItemEdited: true,
      });
    });

    it('skips with a reason and frees the slot for others', async () => {
      const { claim, leases, project } = await setup(1, 1);
      const lease = await claim(annotator(1));
      await leases.skip(
        project.id,
        lease!.token,
        annotator(1),
        'audio does not play',
      );
      expect(await claim(annotator(1))).toBeUndefined();
      expect((await claim(annotator(2)))!.item.id).toBe(lease!.item.id);
      const [skip] = await knex('skips').where({ project_id: project.id });
      expect(skip.reason).toBe('audio does not play');
    });

    it('returns expired leases to the pool and refuses their submits', async () => {
      const { claim, submit, leases, project } = await setup(1, 1);
      const lease = await claim(annotator(1), { ttlMs: 1 });
      await new Promise(r => setTimeout(r, 20));
      await expect(
        leases.heartbeat(project.id, lease!.token, annotator(1), 60_000),
      ).rejects.toThrow(/expired/);
      await expect(submit(annotator(1), lease!)).rejects.toThrow(/expired/);
      const other = await claim(annotator(2));
      expect(other!.item.id).toBe(lease!.item.id);
      expect((await readCounters(knex, project.id))['items.full']).toBe(1);
    });

    it('extends a live lease, and refuses other people’s tokens', async () => {
      const { claim, leases, project } = await setup(1, 1);
      const lease = await claim(annotator(1), { ttlMs: 5_000 });
      const { expiresAt } = await leases.heartbeat(
        project.id,
        lease!.token,
        annotator(1),
        60_000,
      );
      expect(new Date(expiresAt).getTime()).toBeGreaterThan(
        Date.now() + 50_000,
      );
      await expect(
        leases.release(project.id, lease!.token, annotator(2)),
      ).rejects.toThrow(`lease ${lease!.token} not found`);
      await leases.release(project.id, lease!.token, annotator(1));
      expect((await claim(annotator(1)))!.item.id).toBe(lease!.item.id);
    });

    it('R1: 64 concurrent annotators never over-assign or repeat', async () => {
      const count = 120;
      const overlap = 3;
      const { claim, submit, project } = await setup(count, overlap);
      let submits = 0;
      await Promise.all(
        Array.from({ length: 64 }, async (_, n) => {
          for (;;) {
            const lease = await claim(annotator(n));
            if (!lease) {
              return;
            }
            await submit(annotator(n), lease, `${n}-${lease.item.id}`);
            submits += 1;
          }
        }),
      );
      expect(submits).toBe(count * overlap);
      const over = await knex('annotations')
        .where({ project_id: project.id })
        .select('item_id')
        .count({ n: '*' })
        .groupBy('item_id')
        .havingRaw('count(*) > ?', [overlap]);
      expect(over).toEqual([]);
      const repeats = await knex('annotations')
        .where({ project_id: project.id })
        .select('item_id', 'annotator')
        .count({ n: '*' })
        .groupBy('item_id', 'annotator')
        .havingRaw('count(*) > 1');
      expect(repeats).toEqual([]);
      const [{ n }] = await knex('annotations')
        .where({ project_id: project.id })
        .count({ n: '*' });
      expect(Number(n)).toBe(submits);
      const counters = await readCounters(knex, project.id);
      expect(counters).toMatchObject({
        'items.open': 0,
        'items.full': 0,
        'items.complete': count,
        annotations: count * overlap,
      });
    });
  },
);
