import { LlmSimulator, startLlmSimulator } from '@chorus/llm-simulator';
import { createBenchDatabase, DbKind } from './databases';
import { HttpClient } from './http';
import { createProject, importGenerated } from './project';
import { emit, log, round } from './report';
import { BENCH_PRICE, simulatorProvider, startBackend } from './server';

export interface B4Options {
  items: number;
  seed: number;
}

const CONCURRENCY = 64;
const LATENCY_MS = 200;

interface JobView {
  job: {
    id: string;
    status: string;
    itemsTotal: number;
    itemsDone: number;
    itemsFailed: number;
    cost: number;
    stopReason?: string;
  };
}

/** Starts a job and waits for it; returns it with its wall time. */
async function runJob(
  service: HttpClient,
  projectId: string,
  annotatorId: string,
  body: object,
): Promise<{ view: JobView; seconds: number }> {
  const path = `/api/annotation/projects/${projectId}`;
  const started = performance.now();
  const job = await service.expect<{ id: string }>(
    201,
    'POST',
    `${path}/llm-annotators/${annotatorId}/jobs`,
    { json: body },
  );
  for (;;) {
    const view = await service.expect<JobView>(
      200,
      'GET',
      `${path}/llm-jobs/${job.id}`,
    );
    if (view.job.status !== 'running') {
      return { view, seconds: (performance.now() - started) / 1000 };
    }
    await new Promise(r => setTimeout(r, 200));
  }
}

/** What the simulator billed, at the bench prices. */
function billed(simulator: LlmSimulator) {
  const entries = simulator.requests.completions().filter(e => e.billed);
  const costs = entries.map(
    e =>
      (e.promptTokens * BENCH_PRICE.inputPerMillion +
        e.completionTokens * BENCH_PRICE.outputPerMillion) /
      1e6,
  );
  return {
    requests: entries.length,
    cost: costs.reduce((a, b) => a + b, 0),
    maxRequestCost: Math.max(0, ...costs),
  };
}

/**
 * B4: an LLM job over `items` items against the simulator on loopback,
 * through the real backend (runner, limiter, budget, database writes):
 * (a) 0 ms latency: items per second end to end; (b) 200 ms latency and
 * concurrency 64, against the ideal 64 / 0.2 s = 320 items/s; (c) a
 * budget that covers part of a job: billed cost over the budget.
 */
export async function runB4(kind: DbKind, o: B4Options): Promise<boolean> {
  const db = await createBenchDatabase(kind);
  const base = { bench: 'b4', db: kind } as const;
  const simulator = await startLlmSimulator({ seed: o.seed, latencyMs: 0 });
  let pass = true;
  try {
    const backend = await startBackend(db, {
      annotation: {
        llm: {
          concurrency: CONCURRENCY,
          claimBatch: 256,
          pollSeconds: 0.2,
          providers: [simulatorProvider(simulator.url)],
        },
      },
    });
    try {
      const service = backend.service;
      const project = async (name: string, items: number) => {
        const id = await createProject(service, { name, overlap: 1 });
        await importGenerated(service, id, items, o.seed);
        const annotator = await service.expect<{ id: string }>(
          201,
          'POST',
          `/api/annotation/projects/${id}/llm-annotators`,
          {
            json: {
              name: 'bench',
              config: {
                provider: 'simulator',
                promptTemplate: 'Text: {{ data.text }}',
              },
            },
          },
        );
        return { id, annotatorId: annotator.id };
      };

      // (a) overhead: the simulator answers at once
      log(`b4 ${kind}: (a) ${o.items} items, 0 ms latency`);
      const a = await project(`bench-b4a-${kind}`, o.items);
      const runA = await runJob(service, a.id, a.annotatorId, {
        scope: { kind: 'missing' },
      });
      const rateA = runA.view.job.itemsDone / runA.seconds;
      emit({ ...base, figure: 'a_items', value: runA.view.job.itemsDone });
      emit({ ...base, figure: 'a_failed', value: runA.view.job.itemsFailed });
      const passA = rateA >= 1000 && runA.view.job.itemsFailed === 0;
      emit({
        ...base,
        figure: 'a_items_per_s',
        value: Math.round(rateA),
        unit: 'items/s',
        target: '>= 1000',
        pass: passA,
      });

      // (b) efficiency: 200 ms per request, 64 in flight
      const itemsB = Math.min(o.items, 20_000);
      log(`b4 ${kind}: (b) ${itemsB} items, ${LATENCY_MS} ms latency`);
      simulator.setOptions({ latencyMs: LATENCY_MS });
      const b = await project(`bench-b4b-${kind}`, itemsB);
      const runB = await runJob(service, b.id, b.annotatorId, {
        scope: { kind: 'missing' },
      });
      const ideal = CONCURRENCY / (LATENCY_MS / 1000);
      const rateB = runB.view.job.itemsDone / runB.seconds;
      emit({ ...base, figure: 'b_items', value: runB.view.job.itemsDone });
      emit({
        ...base,
        figure: 'b_items_per_s',
        value: Math.round(rateB),
        unit: 'items/s',
      });
      const passB = rateB / ideal >= 0.9;
      emit({
        ...base,
        figure: 'b_share_of_ideal',
        value: round(rateB / ideal, 3),
        target: `>= 0.9 of ${ideal}`,
        pass: passB,
      });

      // (c) budget: enough for about half of the job
      simulator.setOptions({ latencyMs: 0 });
      const itemsC = Math.min(o.items, 2_000);
      const c = await project(`bench-b4c-${kind}`, itemsC);
      const before = billed(simulator);
      const perItem = before.requests ? before.cost / before.requests : 0.01;
      const budget = round((perItem * itemsC) / 2, 6);
      const runC = await runJob(service, c.id, c.annotatorId, {
        scope: { kind: 'missing' },
        budgetCost: budget,
      });
      const after = billed(simulator);
      const spent = after.cost - before.cost;
      const overrun = Math.max(0, spent - budget);
      emit({ ...base, figure: 'c_budget', value: budget });
      emit({ ...base, figure: 'c_billed', value: round(spent, 6) });
      emit({
        ...base,
        figure: 'c_stop_reason',
        value: runC.view.job.stopReason ?? 'none',
      });
      const passC = overrun <= after.maxRequestCost;
      emit({
        ...base,
        figure: 'c_overrun',
        value: round(overrun, 6),
        target: `<= one request (${round(after.maxRequestCost, 6)})`,
        pass: passC,
      });
      pass = passA && passB && passC;
    } finally {
      await backend.stop();
    }
  } finally {
    await simulator.close();
    await db.dispose();
  }
  return pass;
}
