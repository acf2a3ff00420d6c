import { TestDatabases } from '@backstage/backend-test-utils';
import { LlmSimulator } from '@chorus/llm-simulator';
import { EventParams } from '@backstage/plugin-events-node';
import { Knex } from 'knex';
import { apiCaller, Who } from './callers';
import { eventListener } from './events';
import { belongsQuestion, newProject, workforce } from './fixtures';
import { simulatorAnnotationConfig } from './llm';
import { startAnnotationApi } from './startApi';

/** An item to import: data `{ track_title: externalId }`. */
export interface LlmApiItem {
  externalId: string;
  priority?: number;
  gold?: Record<string, unknown>;
}

/**
 * Through the API of a real backend whose LLM runners call the simulator:
 * a project asking `belongs`, its items imported, and an LLM annotator
 * `first-pass` of the simulator (its config `llm` on top of the prompt).
 * The events the backend publishes are collected in `seen`.
 */
export async function llmApiProject(options: {
  databases: TestDatabases;
  databaseId: Parameters<TestDatabases['init']>[0];
  simulator: LlmSimulator;
  items: LlmApiItem[];
  overlap: number;
  quality?: object;
  /** Made active after the import (annotators can then label). */
  active?: boolean;
  llm?: object;
}) {
  const knex: Knex = await options.databases.init(options.databaseId);
  const seen: EventParams[] = [];
  const call = apiCaller(
    await startAnnotationApi({
      knex,
      features: [eventListener(seen)],
      annotation: simulatorAnnotationConfig(options.simulator),
    }),
  );
  const created = await call('post', '/projects', 'manager').send(
    newProject({
      config: {
        overlap: options.overlap,
        workforce,
        questions: [belongsQuestion],
        ...(options.quality ? { quality: options.quality } : {}),
      } as never,
    }),
  );
  expect(created.status).toBe(201);
  const p = created.body.id as string;
  const imported = await call('post', `/projects/${p}/items/import`, 'manager')
    .set('Content-Type', 'application/x-ndjson')
    .send(
      options.items
        .map(({ externalId, ...rest }) =>
          JSON.stringify({
            externalId,
            data: { track_title: externalId },
            ...rest,
          }),
        )
        .join('\n'),
    );
  expect(imported.body.inserted).toBe(options.items.length);
  if (options.active) {
    await call('put', `/projects/${p}/status`, 'manager').send({
      status: 'active',
    });
  }
  const annotator = await call(
    'post',
    `/projects/${p}/llm-annotators`,
    'manager',
  ).send({
    name: 'first-pass',
    config: {
      provider: 'simulator',
      promptTemplate: 'Track: {{ data.track_title }}',
      ...options.llm,
    },
  });
  expect(annotator.status).toBe(201);
  return { knex, call, p, annotatorId: annotator.body.id as string, seen };
}

/** A job's progress once it no longer runs (a few seconds at most). */
export async function jobStopped(
  call: ReturnType<typeof apiCaller>,
  p: string,
  jobId: string,
  who: Who = 'manager',
) {
  for (let i = 0; i < 200; i++) {
    const res = await call('get', `/projects/${p}/llm-jobs/${jobId}`, who);
    expect(res.status).toBe(200);
    if (res.body.job.status !== 'running') {
      return res.body;
    }
    await new Promise(r => setTimeout(r, 50));
  }
  throw new Error(`job ${jobId} still running`);
}
