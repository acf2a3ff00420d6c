import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  AnswerRow,
  categoricalAgreement,
  dawidSkene,
  encodeAnswers,
  encodeMultipleChoice,
  fleissKappa,
  Interval,
  Measure,
  parseProjectConfig,
  perLabel,
  spanAgreement,
} from '@chorus/plugin-annotation-common';
import { Knex } from 'knex';
import { newProject, workforce } from '../../__testUtils__/fixtures';
import { SeedAnswer, seedAnswers } from '../../__testUtils__/seedAnswers';
import {
  applyDatabaseMigrations,
  KnexMetricsStore,
  KnexProjectStore,
  KnexQualityStore,
} from '../../database';
import { refitChangedProjects, refitProject, RefitDeps } from './refit';
import { scheduleQualityRefit } from './schedule';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const parsed = parseProjectConfig({
  workforce,
  overlap: 3,
  questions: [
    {
      id: 'belongs',
      type: 'single-choice',
      title: 'Belongs?',
      field: 'track_title',
      labels: ['yes', 'no', 'unsure'],
    },
    {
      id: 'mix',
      type: 'ordinal-rating',
      title: 'Mix',
      field: 'track_title',
      min: 1,
      max: 5,
    },
    {
      id: 'genres',
      type: 'multiple-choice',
      title: 'Genres',
      field: 'track_title',
      labels: ['pop', 'rock', 'jazz'],
    },
    {
      id: 'evidence',
      type: 'text-spans',
      title: 'Evidence',
      field: 'track_title',
      labels: ['x', 'y'],
    },
    {
      id: 'note',
      type: 'free-text',
      title: 'Note',
      field: 'track_title',
      required: false,
    },
  ],
});
if (!parsed.success) {
  throw new Error(JSON.stringify(parsed.issues));
}
const config = parsed.config;

const ITEMS = 40;
const annotator = (n: number) => `user:default/annotator-${n}`;

/**
 * Deterministic numbers in [0, 1): MurmurHash3's finaliser of a counter,
 * the same data on every run, varied enough to disagree.
 */
function deterministic() {
  let n = 0;
  return () => {
    let x = Math.imul(++n ^ 0x9e3779b9, 0x85ebca6b);
    x ^= x >>> 13;
    x = Math.imul(x, 0xc2b2ae35);
    x ^= x >>> 16;
    return (x >>> 0) / 4294967296;
  };
}

/** Three of five annotators per item, mostly agreeing with a hidden truth. */
function answers(): SeedAnswer[] {
  const random = deterministic();
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const out: SeedAnswer[] = [];
  for (let i = 0; i < ITEMS; i++) {
    const truth = pick(['yes', 'no', 'unsure']);
    const rating = 1 + Math.floor(random() * 5);
    const first = Math.floor(random() * 5);
    for (let r = 0; r < 3; r++) {
      const right = random() < 0.75;
      const units: Interval[] = right
        ? [{ start: 0, end: 10, label: 'x' }]
        : [{ start: 2 + r, end: 6, label: pick(['x', 'y']) }];
      out.push({
        item: i,
        annotator: annotator((first + r) % 5),
        answer: {
          belongs: right ? truth : pick(['yes', 'no', 'unsure']),
          mix: Math.min(5, Math.max(1, rating + (right ? 0 : pick([-1, 1])))),
          genres: ['pop', 'rock', 'jazz'].filter(() => random() < 0.4),
          evidence: units,
          ...(random() < 0.3 ? { note: 'hmm' } : {}),
        },
        // many answers share a millisecond: the keyset must not skip any
        createdAt: 1_700_000_000_000 + Math.floor(out.length / 4),
      });
    }
  }
  return out;
}

/** The same measure, or a value within 1e-9 of it. */
const close = (m: Measure | undefined, expected: Measure) => {
  if ('value' in expected) {
    expect(m).toEqual({ value: expect.any(Number) });
    expect((m as { value: number }).value).toBeCloseTo(expected.value, 9);
  } else {
    expect(m).toEqual(expected);
  }
};

describe.each(databases.eachSupportedId())('quality refit on %s', dbId => {
  let knex: Knex;
  let deps: RefitDeps;
  let quality: KnexQualityStore;
  let projects: KnexProjectStore;

  beforeAll(async () => {
    knex = await databases.init(dbId);
    await applyDatabaseMigrations(knex);
    projects = new KnexProjectStore(knex);
    quality = new KnexQualityStore(knex);
    // small batches: the keyset pagination runs many times
    deps = {
      projects,
      quality,
      metrics: new KnexMetricsStore(knex),
      batchSize: 7,
    };
  });

  async function seededProject(
    name: string,
    status: 'active' | 'draft' = 'active',
  ) {
    const project = await projects.create(
      newProject({ name, status }),
      config,
      'user:default/jonas.berg',
    );
    const seeds = answers();
    const itemIds = await seedAnswers(knex, project.id, ITEMS, seeds);
    return { project, seeds, itemIds };
  }

  it('stores what the shared quality functions compute on the same answers', async () => {
    const { project, seeds, itemIds } = await seededProject('refit-math');
    // the first five items are resolved with a consensus answer
    const consensus = (i: number) =>
      seeds.find(s => s.item === i && s.annotator === seeds[i * 3].annotator)!
        .answer;
    for (let i = 0; i < 5; i++) {
      await quality.recordOutcome(String(itemIds[i]), {
        status: 'resolved',
        configVersion: 1,
        answer: consensus(i),
        method: 'majority',
      });
    }

    const result = await refitProject(deps, project.id);
    expect(result.status).toBe('fitted');
    const fit = (await quality.latestFit(project.id))!;
    expect(fit).toMatchObject({
      configVersion: 1,
      answersUsed: ITEMS * 3,
      itemsUsed: ITEMS,
      signature: expect.stringContaining(`answers ${ITEMS * 3}`),
    });

    const rows = (q: string): AnswerRow[] =>
      seeds.map(s => ({
        item: s.item,
        rater: s.annotator,
        value: s.answer[q] as string,
      }));
    // single choice: nominal; Dawid-Skene accuracies as fitted directly
    const belongs = encodeAnswers(rows('belongs'), {
      categories: ['yes', 'no', 'unsure'],
    });
    const expectedBelongs = categoricalAgreement(belongs, 'nominal');
    expect(Object.keys(fit.agreement.belongs).sort()).toEqual(
      Object.keys(expectedBelongs).sort(),
    );
    for (const [name, m] of Object.entries(expectedBelongs)) {
      close(fit.agreement.belongs[name], m);
    }
    // the data disagree enough for every coefficient to have a value
    expect(fit.agreement.belongs.fleissKappa).toEqual({
      value: expect.any(Number),
    });
    const model = dawidSkene(belongs).model;
    expect(Object.keys(fit.models.belongs.accuracy).sort()).toEqual(
      Object.keys(model.accuracy).sort(),
    );
    for (const [who, accuracy] of Object.entries(model.accuracy)) {
      close({ value: fit.models.belongs.accuracy[who] }, { value: accuracy });
    }
    model.classPriors.forEach((p, j) =>
      close({ value: fit.models.belongs.classPriors[j] }, { value: p }),
    );
    // per label: one-vs-rest kappa
    const labels = perLabel(belongs, fleissKappa);
    expect(fit.labelAgreement!.belongs.map(l => l.label)).toEqual([
      'yes',
      'no',
      'unsure',
    ]);
    labels.forEach((l, i) =>
      close(fit.labelAgreement!.belongs[i].measures.fleissKappa, l.measure),
    );

    // ratings: ordinal alpha, and a model over the scale
    const mix = encodeAnswers(rows('mix'), { categories: [1, 2, 3, 4, 5] });
    for (const [name, m] of Object.entries(
      categoricalAgreement(mix, 'ordinal'),
    )) {
      close(fit.agreement.mix[name], m);
    }
    expect(fit.agreement.mix.krippendorffAlphaOrdinal).toBeDefined();
    expect(fit.models.mix.categories).toEqual([1, 2, 3, 4, 5]);

    // multiple choice: each label's binary measures
    const genres = encodeMultipleChoice(
      seeds.map(s => ({
        item: s.item,
        rater: s.annotator,
        labels: s.answer.genres as string[],
      })),
      ['pop', 'rock', 'jazz'],
    );
    genres.forEach(({ label, data }, l) => {
      expect(fit.labelAgreement!.genres[l].label).toBe(label);
      for (const [name, m] of Object.entries(
        categoricalAgreement(data, 'nominal'),
      )) {
        close(fit.labelAgreement!.genres[l].measures[name], m);
      }
    });
    expect(fit.models.genres).toBeUndefined();

    // spans: F1 of units matched by overlap
    const byItem: Interval[][][] = Array.from({ length: ITEMS }, () => []);
    seeds.forEach(s => byItem[s.item].push(s.answer.evidence as Interval[]));
    const spans = spanAgreement(byItem);
    close(fit.agreement.evidence.spanMicroF1, spans.microF1);
    close(fit.agreement.evidence.spanMeanItemF1, spans.meanItemAgreement);
    // free text has no agreement
    expect(fit.agreement.note).toBeUndefined();

    // each annotator's answers, and agreement with the consensus: the 15
    // answers of the 5 resolved items, on belongs, mix and genres (spans
    // are not compared)
    const expected = new Map<
      string,
      { answers: number; compared: number; agreed: number }
    >();
    const tallyOf = (who: string) => {
      const t = expected.get(who) ?? { answers: 0, compared: 0, agreed: 0 };
      expected.set(who, t);
      return t;
    };
    seeds.forEach(s => tallyOf(s.annotator).answers++);
    for (const s of seeds.filter(x => x.item < 5)) {
      const c = consensus(s.item);
      const t = tallyOf(s.annotator);
      t.compared += 3;
      t.agreed +=
        Number(s.answer.belongs === c.belongs) +
        Number(s.answer.mix === c.mix) +
        Number(
          JSON.stringify([...(s.answer.genres as string[])].sort()) ===
            JSON.stringify([...(c.genres as string[])].sort()),
        );
    }
    expect(fit.annotators).toEqual(Object.fromEntries(expected));
    expect(
      Object.values(fit.annotators!).reduce((n, t) => n + t.compared, 0),
    ).toBe(45);
  });

  it('leaves an unchanged project alone and refits after a change', async () => {
    const { project, itemIds } = await seededProject('refit-skip');
    const first = await refitProject(deps, project.id);
    expect(first.status).toBe('fitted');
    const again = await refitProject(deps, project.id);
    expect(again).toEqual({
      status: 'unchanged',
      fit: (first as { fit: object }).fit,
    });

    // an edited answer changes the last update
    await knex('annotations')
      .where({ project_id: project.id, item_id: itemIds[0] })
      .first()
      .then(row =>
        knex('annotations')
          .where({ id: row.id })
          .update({
            answer: JSON.stringify({
              belongs: 'no',
              mix: 1,
              genres: [],
              evidence: [],
            }),
            updated_at: 1_800_000_000_000,
          }),
      );
    const edited = await refitProject(deps, project.id);
    expect(edited.status).toBe('fitted');
    expect((await quality.latestFit(project.id))!.signature).toContain(
      'last 1800000000000',
    );
    // a consensus decided since changes it too
    await quality.recordOutcome(String(itemIds[1]), {
      status: 'resolved',
      configVersion: 1,
      answer: { belongs: 'yes' },
    });
    expect((await refitProject(deps, project.id)).status).toBe('fitted');
    // forced, it fits again even when nothing changed
    expect((await refitProject(deps, project.id, { force: true })).status).toBe(
      'fitted',
    );
  });

  it('refits the active, paused and completed projects on schedule, not drafts', async () => {
    const active = await seededProject('refit-active');
    const draft = await seededProject('refit-draft', 'draft');
    await refitChangedProjects(deps);
    expect((await quality.latestFit(active.project.id))?.answersUsed).toBe(
      ITEMS * 3,
    );
    expect(await quality.latestFit(draft.project.id)).toBeUndefined();
  });

  it('registers one global task on the scheduler, as often as configured, that refits', async () => {
    const scheduler = mockServices.scheduler.mock();
    await scheduleQualityRefit({
      config: new ConfigReader({
        annotation: { quality: { refitEvery: '2m', refitTimeout: '10m' } },
      }),
      scheduler,
      deps,
    });
    expect(scheduler.scheduleTask).toHaveBeenCalledTimes(1);
    const task = scheduler.scheduleTask.mock.calls[0][0];
    expect(task).toMatchObject({
      id: 'annotation-quality-refit',
      scope: 'global',
      frequency: { minutes: 2 },
      timeout: { minutes: 10 },
    });
    const { project } = await seededProject('refit-scheduled');
    await task.fn(new AbortController().signal);
    expect((await quality.latestFit(project.id))?.answersUsed).toBe(ITEMS * 3);

    const defaults = mockServices.scheduler.mock();
    await scheduleQualityRefit({
      config: new ConfigReader({}),
      scheduler: defaults,
      deps,
    });
    expect(defaults.scheduleTask.mock.calls[0][0]).toMatchObject({
      frequency: { minutes: 5 },
      timeout: { minutes: 30 },
    });
  });

  it('says so for a project without answers: measures with their reasons', async () => {
    const project = await projects.create(
      newProject({ name: 'refit-empty' }),
      config,
      'user:default/jonas.berg',
    );
    const result = await refitProject(deps, project.id);
    expect(result.status).toBe('fitted');
    const fit = (await quality.latestFit(project.id))!;
    expect(fit).toMatchObject({ answersUsed: 0, itemsUsed: 0, models: {} });
    expect(fit.agreement.belongs.fleissKappa).toEqual({
      undefined: 'no-pairable-values',
    });
    expect(await refitProject(deps, 'no-such-project')).toEqual({
      status: 'no-config',
    });
  });
});
