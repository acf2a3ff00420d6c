import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { LlmSimulator } from '@chorus/llm-simulator';
import {
  LlmAnnotatorConfigInput,
  ProjectConfig,
} from '@chorus/plugin-annotation-common';
import { LlmProvider } from '@chorus/plugin-annotation-node';
import { Knex } from 'knex';
import {
  applyDatabaseMigrations,
  ImportItem,
  KnexItemStore,
  KnexLlmAnnotatorStore,
  KnexLlmJobStore,
  KnexProjectStore,
  LlmJobScope,
  tuneSqlite,
} from '../database';
import { LlmClient } from '../service/llm/LlmClient';
import { LlmJobRunner, LlmRunnerOptions } from '../service/llm/LlmJobRunner';
import { LlmProviderRegistry } from '../service/llm/providers';
import { choiceConfig, newProject } from './fixtures';
import { llmConfig, recordingFetch, simulatorProvider } from './llm';

export const JONAS = 'user:default/jonas.berg';

/** Items `item-0` … with titles; `duplicateOf(i)` gives i the data of another. */
export function trackItems(
  count: number,
  duplicateOf: (i: number) => number = i => i,
): ImportItem[] {
  return Array.from({ length: count }, (_, i) => ({
    line: i + 1,
    externalId: `item-${i}`,
    dataJson: JSON.stringify({ track_title: `Track ${duplicateOf(i)}` }),
    priority: 0,
    uncertainty: 0,
    contentHash: `hash-${i}`,
  }));
}

/**
 * A project with items and an LLM annotator on a real database, and
 * runners against a simulator.
 */
export async function llmJobSetup(options: {
  databases: TestDatabases;
  databaseId: Parameters<TestDatabases['init']>[0];
  simulator: LlmSimulator;
  items: ImportItem[];
  config?: Partial<LlmAnnotatorConfigInput>;
  project?: ProjectConfig;
  provider?: Partial<LlmProvider>;
}) {
  const knex: Knex = await options.databases.init(options.databaseId);
  await applyDatabaseMigrations(knex);
  await tuneSqlite(knex);
  const projects = new KnexProjectStore(knex);
  const project = await projects.create(
    newProject(),
    options.project ?? choiceConfig(),
    JONAS,
  );
  const items = new KnexItemStore(knex);
  for (let i = 0; i < options.items.length; i += 5000) {
    await items.importBatch(project.id, options.items.slice(i, i + 5000));
  }
  const annotators = new KnexLlmAnnotatorStore(knex);
  const annotator = await annotators.create(
    project.id,
    'first-pass',
    llmConfig({ maxOutputTokens: 32, ...options.config }),
    JONAS,
  );
  const jobs = new KnexLlmJobStore(knex);
  const providers = new LlmProviderRegistry();
  const provider = simulatorProvider(options.simulator, options.provider);
  providers.add(provider);
  const recorded = recordingFetch();
  const finished: string[] = [];

  const runner = ({
    retry,
    ...runnerOptions
  }: Partial<Omit<LlmRunnerOptions, 'retry'>> & {
    retry?: Partial<LlmRunnerOptions['retry']>;
  } = {}) =>
    new LlmJobRunner({
      jobs,
      annotators,
      projects,
      items,
      providers,
      logger: mockServices.logger.mock(),
      options: { pollMs: 50, ...runnerOptions },
      client: new LlmClient({
        fetch: recorded.fetch,
        retry: { baseDelayMs: 10, ...retry },
      }),
      onJobFinished: id => finished.push(id),
    });
  const createJob = (
    scope: LlmJobScope = { kind: 'missing' },
    extra: { budgetCost?: number; budgetTokens?: number; mode?: 'batch' } = {},
  ) =>
    jobs.createJob({
      projectId: project.id,
      annotatorId: annotator.id,
      version: 1,
      scope,
      actor: JONAS,
      ...extra,
    });
  return {
    knex,
    projectId: project.id,
    annotator,
    jobs,
    annotators,
    projects,
    items,
    providers,
    provider,
    runner,
    createJob,
    finished,
    sent: recorded.sent,
    fetch: recorded.fetch,
  };
}

/** The most requests the simulator served at once. */
export function maxInFlight(
  entries: readonly { time: number; durationMs: number }[],
): number {
  const events = entries.flatMap(e => [
    { at: e.time, delta: 1 },
    { at: e.time + e.durationMs, delta: -1 },
  ]);
  // an end and a start at the same millisecond do not overlap
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let now = 0;
  let max = 0;
  for (const e of events) {
    now += e.delta;
    max = Math.max(max, now);
  }
  return max;
}
