import { LifecycleService, LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { Knex } from 'knex';
import { ItemStore } from '../../database/ItemStore';
import { KnexLlmAnnotatorStore } from '../../database/LlmAnnotatorStore';
import { KnexLlmJobStore } from '../../database/LlmJobStore';
import { ProjectStore } from '../../database/ProjectStore';
import { DEFAULT_BATCH_OPTIONS, LlmBatchRunner } from './LlmBatchRunner';
import { OnResults } from './OutcomeRecorder';
import { LlmClient } from './LlmClient';
import { LlmJobRunner, readLlmRunnerOptions } from './LlmJobRunner';
import { LlmProviderRegistry } from './providers';

/**
 * The LLM annotator's job engine in this replica: its stores, the online
 * runner and the batch runner, started with the backend and stopped (in
 * flight requests finished, unstarted claims given back) at shutdown.
 */
export function startLlmJobs(deps: {
  config: Config;
  knex: Knex;
  projects: ProjectStore;
  items: ItemStore;
  providers: LlmProviderRegistry;
  logger: LoggerService;
  lifecycle: LifecycleService;
  onJobFinished?: (jobId: string) => void;
  onResults?: OnResults;
}) {
  const options = readLlmRunnerOptions(deps.config);
  const batch = deps.config.getOptionalConfig('annotation.llm.batch');
  const jobs = new KnexLlmJobStore(deps.knex);
  const annotators = new KnexLlmAnnotatorStore(deps.knex);
  const client = new LlmClient({ retry: options.retry });
  const onJobFinished = (jobId: string) => {
    deps.logger.info(`LLM job ${jobId} finished`);
    deps.onJobFinished?.(jobId);
  };
  const runner = new LlmJobRunner({
    ...deps,
    jobs,
    annotators,
    client,
    options,
    onJobFinished,
  });
  const batches = new LlmBatchRunner({
    ...deps,
    jobs,
    annotators,
    client,
    onJobFinished,
    options: {
      pollMs:
        (batch?.getOptionalNumber('pollSeconds') ??
          DEFAULT_BATCH_OPTIONS.pollMs / 1000) * 1000,
      maxLines:
        batch?.getOptionalNumber('maxLines') ?? DEFAULT_BATCH_OPTIONS.maxLines,
    },
  });
  deps.lifecycle.addStartupHook(() => {
    runner.start();
    batches.start();
  });
  deps.lifecycle.addShutdownHook(async () => {
    await Promise.all([runner.stop(), batches.stop()]);
  });
  return { jobs, annotators, runner, batches };
}
