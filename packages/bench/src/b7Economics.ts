import { b7Preset, startLlmSimulator } from '@chorus/llm-simulator';
import {
  LlmEvaluationReport,
  LlmJobInfo,
} from '@chorus/plugin-annotation-common';
import { Readable } from 'stream';
import {
  HUMAN_COUNT,
  labelUntilDone,
  Person,
  resolveEscalations,
} from './b7Humans';
import { BENCH_ANNOTATORS_GROUP } from './benchSignIn';
import { BenchDatabase, createBenchDatabase, DbKind } from './databases';
import { HttpClient } from './http';
import { LABELS, makeItem, QUESTION_ID, seededRandom } from './items';
import { createProject, setStatus } from './project';
import { emit, log, round } from './report';
import { simulatorProvider, startBackend } from './server';

export interface B7Options {
  items: number;
  seed: number;
}

const PRIORS = [0.6, 0.3, 0.1];
const GOLD = 500;

/**
 * Chorus's policy, as a manager would set it: the LLM auto-accepts at the
 * threshold its own evaluation on gold recommends for the target precision,
 * with a 2% audit; one human per item it does not settle, more (up to two)
 * when the Dawid-Skene consensus is unsure (percent agreement only catches
 * a split), then QA.
 */
const CHORUS_POLICY = {
  overlap: 1,
  quality: {
    agreementThreshold: 0.3,
    minConfidence: 0.9,
    extraAnnotatorCap: 2,
  },
};
const TARGET_PRECISION = 0.97;
const AUDIT_RATE = 0.02;

interface B7Item {
  externalId: string;
  truth: string;
  gold: boolean;
}

/** 20,000 items with a hidden label drawn from the priors; 500 gold. */
function generate(count: number, seed: number): B7Item[] {
  const random = seededRandom(seed);
  const goldEvery = Math.floor(count / GOLD);
  return Array.from({ length: count }, (_, i) => {
    let k = 0;
    for (let u = random() - PRIORS[0]; u >= 0 && k < PRIORS.length - 1; ) {
      k++;
      u -= PRIORS[k];
    }
    return {
      externalId: `b7-${String(i).padStart(6, '0')}`,
      truth: LABELS[k],
      gold: i % goldEvery === goldEvery - 1,
    };
  });
}

async function importItems(
  service: HttpClient,
  projectId: string,
  items: B7Item[],
  seed: number,
  withGold: boolean,
) {
  const random = seededRandom(seed + 1);
  const lines = items
    .filter(item => withGold || !item.gold)
    .map(item =>
      JSON.stringify({
        externalId: item.externalId,
        data: makeItem(0, random).data,
        ...(withGold && item.gold
          ? { gold: { [QUESTION_ID]: item.truth } }
          : {}),
      }),
    );
  const summary = await service.expect(
    200,
    'POST',
    `/api/annotation/projects/${projectId}/items/import`,
    {
      body: Readable.from([Buffer.from(`${lines.join('\n')}\n`)]),
      headers: { 'content-type': 'application/x-ndjson' },
    },
  );
  if (summary.inserted !== lines.length) {
    throw new Error(`import incomplete: ${JSON.stringify(summary)}`);
  }
}

async function waitForJob(service: HttpClient, path: string, jobId: string) {
  for (;;) {
    const { job } = await service.expect(
      200,
      'GET',
      `${path}/llm-jobs/${jobId}`,
    );
    if (job.status !== 'running') {
      return job;
    }
    await new Promise(r => setTimeout(r, 250));
  }
}

async function people(
  backend: Awaited<ReturnType<typeof startBackend>>,
): Promise<Person[]> {
  const all: Person[] = [];
  for (let index = 0; index < HUMAN_COUNT; index++) {
    const token = await backend.signIn(`bench-annotator-${index + 1}`);
    all.push({ index, client: new HttpClient(backend.baseUrl, token) });
  }
  return all;
}

/** Human judgements of a project: answers given plus QA resolutions. */
async function judgements(db: BenchDatabase, projectId: string) {
  const [a] = await db.query<{ n: number | string }>(
    `SELECT count(*) AS n FROM annotations WHERE project_id = '${projectId}'`,
  );
  const [q] = await db.query<{ n: number | string }>(
    `SELECT count(*) AS n FROM item_outcomes
      WHERE project_id = '${projectId}' AND method = 'qa'`,
  );
  return { annotations: Number(a.n), qa: Number(q.n) };
}

/** Escalated items by the first reason they went to QA for. */
async function escalationReasons(db: BenchDatabase, projectId: string) {
  const rows = await db.query<{ reasons: string }>(
    `SELECT reasons FROM item_outcomes
      WHERE project_id = '${projectId}' AND method = 'qa'`,
  );
  const byCode: Record<string, number> = {};
  for (const row of rows) {
    const code = JSON.parse(row.reasons ?? '[]')[0]?.code ?? 'none';
    byCode[code] = (byCode[code] ?? 0) + 1;
  }
  return byCode;
}

/** The baseline: three humans per item, majority vote (ties drawn). */
async function baseline(
  db: BenchDatabase,
  projectId: string,
  truth: Map<string, string>,
  seed: number,
) {
  const rows = await db.query<{ external_id: string; answer: string }>(
    `SELECT i.external_id, a.answer FROM annotations a
       JOIN items i ON i.id = a.item_id
      WHERE a.project_id = '${projectId}'
      ORDER BY a.id`,
  );
  const votes = new Map<string, string[]>();
  for (const row of rows) {
    const label = JSON.parse(row.answer)[QUESTION_ID];
    votes.set(row.external_id, [...(votes.get(row.external_id) ?? []), label]);
  }
  const random = seededRandom(seed + 2);
  let correct = 0;
  for (const [externalId, labels] of votes) {
    const counts = new Map<string, number>();
    labels.forEach(l => counts.set(l, (counts.get(l) ?? 0) + 1));
    const top = Math.max(...counts.values());
    const tied = [...counts].filter(([, n]) => n === top).map(([l]) => l);
    const label = tied[Math.floor(random() * tied.length)];
    correct += label === truth.get(externalId) ? 1 : 0;
  }
  return { accepted: votes.size, correct };
}

/** Chorus's accepted labels (resolved or QA-resolved, gold left out). */
async function accepted(db: BenchDatabase, projectId: string, items: B7Item[]) {
  const rows = await db.query<{
    external_id: string;
    answer: string;
    method: string;
  }>(
    `SELECT i.external_id, o.answer, o.method FROM item_outcomes o
       JOIN items i ON i.id = o.item_id
      WHERE o.project_id = '${projectId}'
        AND o.status IN ('resolved', 'qa-resolved')`,
  );
  const byId = new Map(items.map(item => [item.externalId, item]));
  const result = {
    accepted: 0,
    correct: 0,
    byMethod: {} as Record<string, number>,
  };
  for (const row of rows) {
    const item = byId.get(row.external_id)!;
    if (item.gold) {
      continue;
    }
    result.accepted++;
    result.byMethod[row.method] = (result.byMethod[row.method] ?? 0) + 1;
    if (JSON.parse(row.answer)[QUESTION_ID] === item.truth) {
      result.correct++;
    }
  }
  return result;
}

/**
 * B7: label economics. The same items, labelled twice through the API by
 * the same simulated people: once by humans only (overlap 3, majority
 * vote), once under Chorus's policy with the simulated LLM of B7.
 */
export async function runB7(kind: DbKind, o: B7Options): Promise<boolean> {
  const items = generate(o.items, o.seed);
  const truth = new Map(items.map(item => [item.externalId, item.truth]));
  const db = await createBenchDatabase(kind);
  const base = { bench: 'b7', db: kind } as const;
  const simulator = await startLlmSimulator({
    seed: o.seed,
    ...b7Preset(LABELS as [string, string, string]),
    truth: Object.fromEntries(
      items.map(item => [item.externalId, { [QUESTION_ID]: item.truth }]),
    ),
  });
  try {
    const backend = await startBackend(db, {
      annotation: {
        llm: {
          concurrency: 64,
          providers: [simulatorProvider(simulator.url)],
        },
      },
    });
    try {
      const service = backend.service;
      const humans = await people(backend);
      const workforce = {
        annotators: [BENCH_ANNOTATORS_GROUP],
        qualityAnalysts: [BENCH_ANNOTATORS_GROUP],
        managers: ['group:default/bench-managers'],
      };
      const labelled = items.length - items.filter(i => i.gold).length;

      // the baseline: humans only
      log(`b7 ${kind}: baseline, ${labelled} items × 3 humans`);
      const baseId = await createProject(service, {
        name: `bench-b7-baseline-${kind}`,
        overlap: 3,
        config: {
          workforce,
          quality: {
            agreementThreshold: 0,
            minConfidence: 0,
            extraAnnotatorCap: 0,
          },
        },
      });
      await importItems(service, baseId, items, o.seed, false);
      await setStatus(service, baseId, 'active');
      const basePath = `/api/annotation/projects/${baseId}`;
      await labelUntilDone(basePath, humans, truth, o.seed);
      const b = await baseline(db, baseId, truth, o.seed);
      const bj = await judgements(db, baseId);

      // Chorus: the LLM first, measured on gold, then humans where needed
      log(`b7 ${kind}: Chorus, ${items.length} items (${GOLD} gold)`);
      const id = await createProject(service, {
        name: `bench-b7-chorus-${kind}`,
        overlap: CHORUS_POLICY.overlap,
        config: { workforce, quality: CHORUS_POLICY.quality },
      });
      await importItems(service, id, items, o.seed, true);
      await setStatus(service, id, 'active');
      const path = `/api/annotation/projects/${id}`;
      const config = (threshold: number) => ({
        provider: 'simulator',
        promptTemplate:
          'Classify the sentiment of the text.\nitem: {{ externalId }}\ntext: {{ data.text }}',
        role: 'auto-accept',
        autoAccept: { threshold, auditRate: AUDIT_RATE },
      });
      // nothing is accepted before the evaluation says how far to trust it
      const annotator = await service.expect(
        201,
        'POST',
        `${path}/llm-annotators`,
        {
          json: { name: 'first-pass', config: config(1) },
        },
      );
      const onGold = await service.expect(
        201,
        'POST',
        `${path}/llm-annotators/${annotator.id}/jobs`,
        { json: { scope: { kind: 'filter', states: ['gold'] } } },
      );
      await waitForJob(service, path, onGold.id);
      const evaluation = await service.expect(
        200,
        'GET',
        `${path}/llm-annotators/${annotator.id}/evaluation?targetPrecision=${TARGET_PRECISION}`,
      );
      const recommended = (evaluation as LlmEvaluationReport).questions[0]
        .evaluation.recommended;
      const threshold = recommended?.threshold;
      if (threshold === undefined) {
        throw new Error(
          `no recommended threshold: ${JSON.stringify(evaluation).slice(
            0,
            500,
          )}`,
        );
      }
      log(`b7 ${kind}: recommended threshold ${threshold}`);
      await service.expect(
        200,
        'PUT',
        `${path}/llm-annotators/${annotator.id}`,
        {
          json: { config: config(threshold) },
        },
      );
      const run = await service.expect(
        201,
        'POST',
        `${path}/llm-annotators/${annotator.id}/jobs`,
        { json: { scope: { kind: 'missing' } } },
      );
      const job = await waitForJob(service, path, run.id);
      const jobs = await service.expect(200, 'GET', `${path}/llm-jobs`);
      const tokens = (jobs.items as LlmJobInfo[]).reduce(
        (sum, j) => sum + j.tokensIn + j.tokensOut,
        0,
      );

      // humans: a first share, the consensus model fitted on it, the rest
      const first = await labelUntilDone(path, humans, truth, o.seed, 40);
      await service.expect(200, 'POST', `${path}/quality/refit`, { json: {} });
      const rest = await labelUntilDone(path, humans, truth, o.seed);
      const qa = await resolveEscalations(
        path,
        humans[HUMAN_COUNT - 1],
        truth,
        o.seed,
      );
      log(`b7 ${kind}: ${first + rest} answers, ${qa} QA resolutions`);
      const c = await accepted(db, id, items);
      const reasons = await escalationReasons(db, id);
      const cj = await judgements(db, id);
      humans.forEach(h => h.client.close());

      const baseJudgements = bj.annotations + bj.qa;
      const chorusJudgements = cj.annotations + cj.qa;
      const baseAccuracy = b.correct / b.accepted;
      const chorusAccuracy = c.correct / c.accepted;
      const basePer1000 = (1000 * b.accepted) / baseJudgements;
      const chorusPer1000 = (1000 * c.accepted) / chorusJudgements;
      const gain = chorusPer1000 / basePer1000;
      emit({ ...base, figure: 'items_labelled', value: labelled });
      emit({
        ...base,
        figure: 'baseline_accuracy',
        value: round(baseAccuracy, 4),
      });
      emit({ ...base, figure: 'baseline_judgements', value: baseJudgements });
      emit({
        ...base,
        figure: 'baseline_accepted_per_1000_judgements',
        value: round(basePer1000, 1),
      });
      emit({ ...base, figure: 'llm_threshold', value: round(threshold, 4) });
      emit({ ...base, figure: 'llm_job_items_done', value: job.itemsDone });
      emit({ ...base, figure: 'chorus_accepted', value: c.accepted });
      for (const [method, n] of Object.entries(c.byMethod)) {
        emit({ ...base, figure: `chorus_accepted_by_${method}`, value: n });
      }
      for (const [code, n] of Object.entries(reasons)) {
        emit({ ...base, figure: `chorus_escalated_for_${code}`, value: n });
      }
      emit({ ...base, figure: 'chorus_annotations', value: cj.annotations });
      emit({ ...base, figure: 'chorus_qa_resolutions', value: cj.qa });
      emit({
        ...base,
        figure: 'chorus_judgements_per_accepted_label',
        value: round(chorusJudgements / c.accepted, 3),
      });
      emit({
        ...base,
        figure: 'chorus_llm_tokens_per_accepted_label',
        value: round(tokens / c.accepted, 1),
      });
      emit({
        ...base,
        figure: 'chorus_accepted_per_1000_judgements',
        value: round(chorusPer1000, 1),
      });
      const accuracyPass = chorusAccuracy >= baseAccuracy - 0.005;
      emit({
        ...base,
        figure: 'chorus_accuracy',
        value: round(chorusAccuracy, 4),
        target: `>= baseline - 0.005 (${round(baseAccuracy - 0.005, 4)})`,
        pass: accuracyPass,
      });
      const gainPass = gain >= 10;
      emit({
        ...base,
        figure: 'accepted_per_judgement_vs_baseline',
        value: round(gain, 2),
        target: '>= 10',
        pass: gainPass,
      });
      return accuracyPass && gainPass;
    } finally {
      await backend.stop();
    }
  } finally {
    await simulator.close();
    await db.dispose();
  }
}
