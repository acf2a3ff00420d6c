import { TestDatabases } from '@backstage/backend-test-utils';
import {
  dawidSkeneItemPosterior,
  DawidSkeneModel,
  llmRaterId,
  parseProjectConfig,
} from '@chorus/plugin-annotation-common';
import { Knex } from 'knex';
import {
  belongsQuestion,
  newProject,
  workforce,
} from '../../__testUtils__/fixtures';
import { llmConfig } from '../../__testUtils__/llm';
import {
  SeedAnswer,
  seedAnswers,
  seedLlmAnswers,
} from '../../__testUtils__/seedAnswers';
import {
  AnswerBatchRow,
  applyDatabaseMigrations,
  KnexLlmAnnotatorStore,
  KnexLlmJobStore,
  KnexMetricsStore,
  KnexProjectStore,
  KnexQualityStore,
} from '../../database';
import { ItemEvaluator } from './ItemEvaluator';
import { refitProject, RefitDeps } from './refit';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const parsed = parseProjectConfig({
  workforce,
  overlap: 2,
  questions: [belongsQuestion],
  // three answers with one agreeing pair (1/3) pass: the consensus decides
  quality: { agreementThreshold: 0.3, minConfidence: 0.6 },
});
if (!parsed.success) {
  throw new Error(JSON.stringify(parsed.issues));
}
const config = parsed.config;

const MANAGER = 'user:default/jonas.berg';
const [A, B, C] = ['a', 'b', 'c'].map(x => `user:default/annotator-${x}`);
const LLM = llmRaterId('first-pass');

const truth = (i: number) => (i % 2 ? 'yes' : 'no');
const flip = (v: string) => (v === 'yes' ? 'no' : 'yes');

/*
 * The voting LLM annotator in the scheduled Dawid-Skene refit: its answers
 * read beside the humans', as one rater per annotator config, so the
 * per-item consensus weighs its vote by its own confusion matrix.
 */
describe.each(databases.eachSupportedId())(
  'LLM votes in the refit on %s',
  id => {
    let knex: Knex;
    let deps: RefitDeps;
    let projects: KnexProjectStore;
    let quality: KnexQualityStore;
    let metrics: KnexMetricsStore;
    let llmAnnotators: KnexLlmAnnotatorStore;
    let llmJobs: KnexLlmJobStore;
    let made = 0;

    beforeAll(async () => {
      knex = await databases.init(id);
      await applyDatabaseMigrations(knex);
      projects = new KnexProjectStore(knex);
      quality = new KnexQualityStore(knex);
      metrics = new KnexMetricsStore(knex);
      llmAnnotators = new KnexLlmAnnotatorStore(knex);
      llmJobs = new KnexLlmJobStore(knex);
      // small batches: every keyset runs several times
      deps = { projects, quality, metrics, batchSize: 4 };
    });

    async function project(itemCount: number, answers: SeedAnswer[]) {
      made += 1;
      const created = await projects.create(
        newProject({ name: `llm-votes-${made}` }),
        config,
        MANAGER,
      );
      const itemIds = await seedAnswers(knex, created.id, itemCount, answers);
      return { projectId: created.id, itemIds };
    }

    /**
     * Evaluates the item with a fresh evaluator (no fit cached from before
     * the last refit); the decision.
     */
    const evaluate = async (projectId: string, itemId: number) => {
      const evaluated = await new ItemEvaluator({ quality }).evaluate({
        projectId,
        itemId: String(itemId),
        configVersion: 1,
        config,
      });
      return evaluated!.decision;
    };

    it('fits the voting LLM its own confusion matrix, and the consensus weighs its vote by it', async () => {
      // 20 items all three people answer right; then X and Y, where two of
      // them split; Z only the LLM answers
      const TRAIN = 20;
      const [X, Y, Z] = [TRAIN, TRAIN + 1, TRAIN + 2];
      let at = 1_700_000_000_000;
      const humans: SeedAnswer[] = [];
      for (let i = 0; i < TRAIN; i++) {
        for (const who of [A, B, C]) {
          humans.push({
            item: i,
            annotator: who,
            answer: { belongs: truth(i) },
            createdAt: at++,
          });
        }
      }
      for (const item of [X, Y]) {
        humans.push({
          item,
          annotator: A,
          answer: { belongs: 'yes' },
          createdAt: at++,
        });
        humans.push({
          item,
          annotator: B,
          answer: { belongs: 'no' },
          createdAt: at++,
        });
      }
      const { projectId, itemIds } = await project(TRAIN + 3, humans);
      const llm = await llmAnnotators.create(
        projectId,
        'first-pass',
        llmConfig({ role: 'vote' }),
        MANAGER,
      );

      // fitted before the LLM answered: no matrix of its own
      expect((await refitProject(deps, projectId)).status).toBe('fitted');
      const before = (await quality.latestFit(projectId, 1))!;
      expect(before.models.belongs.confusion[LLM]).toBeUndefined();
      expect(before.signature).toContain('llm answers 0');

      // an LLM that reads the question the wrong way round: always the
      // opposite of what the people say, and "yes" on X, Y and Z
      await seedLlmAnswers(knex, projectId, llm.id, [
        ...Array.from({ length: TRAIN }, (_, i) => ({
          itemId: itemIds[i],
          version: 1,
          answer: { belongs: flip(truth(i)) },
        })),
        ...[X, Y, Z].map(i => ({
          itemId: itemIds[i],
          version: 1,
          answer: { belongs: 'yes' },
        })),
      ]);
      const votes = [
        { rater: A, value: 'yes' },
        { rater: B, value: 'no' },
        { rater: LLM, value: 'yes' },
      ];
      const posterior = (model: DawidSkeneModel) => {
        const p = dawidSkeneItemPosterior(model, votes);
        if (!('label' in p)) {
          throw new Error('no posterior');
        }
        return p;
      };

      // under the old fit its vote weighs as the pooled (human) matrix: the
      // two people cancel out and the LLM's "yes" carries X
      const onX = await evaluate(projectId, itemIds[X]);
      expect(onX).toMatchObject({
        status: 'resolved',
        method: 'dawid-skene',
        answer: { belongs: 'yes' },
      });
      expect(onX.confidence).toBeCloseTo(
        posterior(before.models.belongs).confidence,
        12,
      );

      // its answers changed the signature: the refit runs, and learns it
      const refit = await refitProject(deps, projectId);
      expect(refit.status).toBe('fitted');
      const after = (await quality.latestFit(projectId, 1))!;
      expect(after.signature).not.toBe(before.signature);
      expect(after.signature).toContain(`votes ${LLM}@1`);
      expect(after.signature).toContain(`llm answers ${TRAIN + 3}`);
      // X and Y count, Z (no person answered it) does not
      expect(after.answersUsed).toBe(TRAIN * 3 + 4 + TRAIN + 2);
      expect(after.itemsUsed).toBe(TRAIN + 2);
      expect(after.annotators![LLM]).toMatchObject({ answers: TRAIN + 2 });
      const model = after.models.belongs;
      const [yes, no] = [
        model.categories.indexOf('yes'),
        model.categories.indexOf('no'),
      ];
      // P(says no | yes) and P(says yes | no): it is reliably wrong
      expect(model.confusion[LLM][yes][no]).toBeGreaterThan(0.8);
      expect(model.confusion[LLM][no][yes]).toBeGreaterThan(0.8);
      expect(model.accuracy[LLM]).toBeLessThan(0.2);
      for (const who of [A, B, C]) {
        expect(model.accuracy[who]).toBeGreaterThan(0.8);
      }

      // Y has the same answers as X, and now its "yes" says "no"
      const onY = await evaluate(projectId, itemIds[Y]);
      expect(onY).toMatchObject({
        status: 'resolved',
        method: 'dawid-skene',
        answer: { belongs: 'no' },
      });
      expect(onY.confidence).toBeCloseTo(posterior(model).confidence, 12);
      expect(onY.confidence).toBeGreaterThan(0.6);

      // Y's resolution is a new consensus for the next refit; then it rests
      expect((await refitProject(deps, projectId)).status).toBe('fitted');
      expect((await refitProject(deps, projectId)).status).toBe('unchanged');
    });

    it('reads per item the newest answer of each voting config, as the evaluation reads it, and refits when votes change', async () => {
      let at = 1_700_000_000_000;
      const humans: SeedAnswer[] = [];
      for (let i = 0; i < 7; i++) {
        for (const who of [A, B]) {
          humans.push({
            item: i,
            annotator: who,
            answer: { belongs: 'yes' },
            createdAt: at++,
          });
        }
      }
      // item 7: the LLMs only
      const { projectId, itemIds } = await project(8, humans);
      const voter = await llmAnnotators.create(
        projectId,
        'first-pass',
        llmConfig({ role: 'vote' }),
        MANAGER,
      );
      // version 2 still votes (another temperature); version 3 prelabels
      await llmAnnotators.update(
        projectId,
        voter.id,
        llmConfig({ role: 'vote', temperature: 0.7 }),
        MANAGER,
      );
      await llmAnnotators.update(
        projectId,
        voter.id,
        llmConfig({ role: 'prelabel' }),
        MANAGER,
      );
      const prelabeller = await llmAnnotators.create(
        projectId,
        'suggester',
        llmConfig({ role: 'prelabel' }),
        MANAGER,
      );
      const say = (version: number, items: number[], belongs: string) =>
        items.map(i => ({ itemId: itemIds[i], version, answer: { belongs } }));
      await seedLlmAnswers(knex, projectId, voter.id, [
        ...say(1, [0, 1, 2, 3, 4, 5, 6, 7], 'yes'),
        ...say(2, [1, 2, 6], 'no'),
        // a refusal hides nothing
        { itemId: itemIds[3], version: 2, answer: {}, status: 'refused' },
        // the newest answer on item 0 is a prelabel: no vote there
        ...say(3, [0], 'no'),
      ]);
      await seedLlmAnswers(
        knex,
        projectId,
        prelabeller.id,
        say(1, [0, 1, 2, 3, 4, 5, 6, 7], 'no'),
      );

      const llmRows = async () => {
        const rows: AnswerBatchRow[] = [];
        for await (const batch of metrics.answerBatches(projectId, 2)) {
          rows.push(...batch.filter(r => r.annotator.startsWith('llm:')));
        }
        return rows
          .map(r => ({
            item: r.itemId,
            annotator: r.annotator,
            answer: r.answer,
          }))
          .sort((x, y) => x.item - y.item);
      };
      // what the per-item evaluation counts on the items people answered
      const joined = async () => {
        const out: Array<{ item: number; annotator: string; answer: object }> =
          [];
        for (const item of itemIds.slice(0, 7)) {
          for (const a of await llmJobs.answersForItem(String(item))) {
            if (a.config.role === 'vote') {
              out.push({
                item,
                annotator: llmRaterId(a.name),
                answer: a.answer,
              });
            }
          }
        }
        return out;
      };
      const expected = [
        { item: itemIds[1], annotator: LLM, answer: { belongs: 'no' } },
        { item: itemIds[2], annotator: LLM, answer: { belongs: 'no' } },
        { item: itemIds[3], annotator: LLM, answer: { belongs: 'yes' } },
        { item: itemIds[4], annotator: LLM, answer: { belongs: 'yes' } },
        { item: itemIds[5], annotator: LLM, answer: { belongs: 'yes' } },
        { item: itemIds[6], annotator: LLM, answer: { belongs: 'no' } },
      ];
      expect(await llmRows()).toEqual(expected);
      expect(await joined()).toEqual(expected);

      expect((await refitProject(deps, projectId)).status).toBe('fitted');
      const fit = (await quality.latestFit(projectId, 1))!;
      expect(fit.signature).toContain(`votes ${LLM}@1,2 `);
      expect(fit.annotators).toMatchObject({
        [LLM]: { answers: 6 },
        [A]: { answers: 7 },
      });
      expect((await refitProject(deps, projectId)).status).toBe('unchanged');

      // a refusal answered later is a new vote: the refit runs again
      await knex('llm_answers')
        .where({ annotator_id: voter.id, version: 2, item_id: itemIds[3] })
        .update({
          status: 'answered',
          answer: JSON.stringify({ belongs: 'no' }),
          created_at: Date.now() + 1000,
        });
      expect((await refitProject(deps, projectId)).status).toBe('fitted');
      expect((await llmRows())[2]).toEqual({
        item: itemIds[3],
        annotator: LLM,
        answer: { belongs: 'no' },
      });
      expect((await quality.latestFit(projectId, 1))!.annotators).toMatchObject(
        {
          [LLM]: { answers: 6 },
        },
      );
    });
  },
);
