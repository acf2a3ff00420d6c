import { TestDatabases } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { choiceConfig, newProject } from '../__testUtils__/fixtures';
import { KnexAnnotationStore } from './AnnotationStore';
import { readCounters } from './counters';
import { KnexItemStore } from './ItemStore';
import { KnexLeaseStore } from './LeaseStore';
import { applyDatabaseMigrations } from './migrations';
import { KnexProjectStore } from './ProjectStore';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
const manager = 'user:default/jonas.berg';
const amara = 'user:default/amara.okafor';
const bo = 'user:default/bo.lindqvist';

describe.each(databases.eachSupportedId())('overlap changes on %s', id => {
  let knex: Knex;

  async function setup() {
    knex = await databases.init(id);
    await applyDatabaseMigrations(knex);
    const projects = new KnexProjectStore(knex);
    const project = await projects.create(
      newProject(),
      choiceConfig({ overlap: 1 }),
      manager,
    );
    await new KnexItemStore(knex).importBatch(
      project.id,
      ['a', 'b', 'c'].map((x, i) => ({
        line: i + 1,
        externalId: x,
        dataJson: JSON.stringify({ track_title: x }),
        priority: 3 - i, // a, then b, then c
        uncertainty: 0,
        contentHash: x,
      })),
    );
    const leases = new KnexLeaseStore(knex);
    const annotations = new KnexAnnotationStore(knex);
    let overlap = 1;
    const claim = (who: string) =>
      leases.next({
        projectId: project.id,
        annotator: who,
        overlap,
        ordering: 'priority',
        ttlMs: 60_000,
        maxHeld: 2,
      });
    const answer = async (who: string) => {
      const lease = (await claim(who))!;
      return annotations.submit({
        projectId: project.id,
        annotator: who,
        itemId: lease.item.id,
        token: lease.token,
        answer: { belongs: 'yes' },
        configVersion: 1,
        overlap,
        timeSpentMs: 1000,
        allowEdit: false,
        questions: choiceConfig().questions,
      });
    };
    const setOverlap = async (n: number) => {
      overlap = n;
      await projects.updateConfig(
        project.id,
        choiceConfig({ overlap: n }),
        manager,
      );
    };
    return { project, claim, answer, setOverlap };
  }

  /** Items by external id → state, and the counters against a count. */
  async function states(projectId: string) {
    const rows = await knex('items')
      .where({ project_id: projectId })
      .orderBy('external_id');
    const counters = await readCounters(knex, projectId);
    const counted = { open: 0, full: 0, complete: 0 } as Record<string, number>;
    rows.forEach(r => (counted[r.state] += 1));
    expect({
      open: counters['items.open'],
      full: counters['items.full'],
      complete: counters['items.complete'],
    }).toEqual(counted);
    return Object.fromEntries(rows.map(r => [r.external_id, r.state]));
  }

  it('reopens full and complete items when the overlap rises, and back', async () => {
    const { project, claim, answer, setOverlap } = await setup();
    expect((await answer(amara)).itemCompleted).toBe(true); // a
    expect((await claim(amara))!.item.externalId).toBe('b'); // held
    expect(await states(project.id)).toEqual({
      a: 'complete',
      b: 'full',
      c: 'open',
    });

    await setOverlap(2);
    expect(await states(project.id)).toEqual({
      a: 'open',
      b: 'open',
      c: 'open',
    });
    // a second annotator now gets the item amara completed before
    const second = await answer(bo);
    expect(second.annotation.itemId).toBe(
      (await knex('items').where({ external_id: 'a' }).first()).id.toString(),
    );
    expect(second.itemCompleted).toBe(true);
    expect((await states(project.id)).a).toBe('complete');

    // lowering it fills the item amara holds; a stays complete
    await setOverlap(1);
    expect(await states(project.id)).toEqual({
      a: 'complete',
      b: 'full',
      c: 'open',
    });
    const audit = await knex('audit_log')
      .where({ project_id: project.id, action: 'project.config-updated' })
      .orderBy('id');
    expect(audit.map(a => JSON.parse(a.details))).toEqual([
      { version: 2, itemsRestated: 2 },
      { version: 3, itemsRestated: 1 },
    ]);
  });

  it('leaves items alone when the overlap does not change', async () => {
    const { project, answer, setOverlap } = await setup();
    await answer(amara);
    await setOverlap(1);
    expect(await states(project.id)).toEqual({
      a: 'complete',
      b: 'open',
      c: 'open',
    });
  });
});
