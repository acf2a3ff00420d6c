import { NotFoundError } from '@backstage/errors';
import { LlmAnnotatorConfig } from '@chorus/plugin-annotation-common';
import { LlmProvider } from '@chorus/plugin-annotation-node';
import {
  CachedLlmAnswer,
  LlmItemOutcome,
  LlmJobStore,
} from '../../database/LlmJobStore';
import { ProjectStore } from '../../database/ProjectStore';
import { parseJson } from '../../database/util';
import { LlmResult } from './LlmClient';
import {
  contentHash,
  FewShotPool,
  PromptContext,
  promptContext,
} from './prompt';
import { LlmProviderRegistry } from './providers';

/*
 * What the online and the batch runner share: loading what an annotator
 * config needs to run, and turning answers into recorded outcomes.
 */

/** Few-shot pool per job: the newest gold and QA-resolved items. */
const FEW_SHOT_POOL = 500;

export interface AnnotatorRun {
  prompt: PromptContext;
  pool?: FewShotPool;
  provider: LlmProvider;
}

/** The prompt, the few-shot pool and the provider of a config. */
export async function loadAnnotatorRun(
  deps: {
    projects: ProjectStore;
    jobs: LlmJobStore;
    providers: LlmProviderRegistry;
  },
  projectId: string,
  config: LlmAnnotatorConfig,
): Promise<AnnotatorRun> {
  const project = await deps.projects.getConfig(projectId);
  if (!project) {
    throw new NotFoundError(`project ${projectId} has no config`);
  }
  const provider = deps.providers.get(config.provider);
  const prompt = promptContext(project.config, config);
  let pool: FewShotPool | undefined;
  if (config.fewShot.source === 'gold') {
    const rows = await deps.jobs.fewShotRows(projectId, FEW_SHOT_POOL);
    pool = new FewShotPool(
      prompt,
      rows.map(r => ({
        id: r.id,
        externalId: r.externalId,
        data: parseJson(r.dataText),
        answer: parseJson(r.goldText),
        contentHash: contentHash(prompt, r.dataText),
      })),
    );
  }
  return { prompt, pool, provider };
}

/** An item of a job as the runners hold it. */
export interface HeldItem {
  itemId: string;
  hash: string;
}

export function noSpend(item: HeldItem) {
  return {
    itemId: item.itemId,
    contentHash: item.hash,
    tokensIn: 0,
    tokensOut: 0,
    cost: 0,
    latencyMs: 0,
  };
}

/** An item answered from the cache: a copy, at no cost. */
export function cachedOutcome(
  item: HeldItem,
  hit: CachedLlmAnswer,
): LlmItemOutcome {
  return {
    ...noSpend(item),
    status: 'done',
    cachedFrom: hit.answerId,
    answer: {
      status: 'answered',
      answer: hit.answer,
      rawOutput: hit.rawOutput,
      confidence: hit.confidence,
      samples: hit.samples,
      model: hit.model,
      simulated: hit.simulated,
    },
  };
}

/** An item asked: its answer (or refusal, invalid output, error). */
export function resultOutcome(
  item: HeldItem,
  result: LlmResult,
): LlmItemOutcome {
  return {
    itemId: item.itemId,
    contentHash: item.hash,
    status: result.status === 'answered' ? 'done' : 'failed',
    ...(result.status !== 'error'
      ? {
          answer: {
            status: result.status,
            answer: result.answer,
            rawOutput: result.rawOutput,
            confidence: result.confidence,
            samples: result.samples,
            model: result.model,
            simulated: result.simulated,
          },
        }
      : {}),
    tokensIn: result.tokensIn,
    tokensOut: result.tokensOut,
    cost: result.cost,
    latencyMs: result.latencyMs,
    ...(result.reason ? { reason: result.reason } : {}),
    ...(result.error ? { error: result.error.slice(0, 2000) } : {}),
  };
}
