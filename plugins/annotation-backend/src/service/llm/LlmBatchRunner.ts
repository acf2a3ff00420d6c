import { LoggerService } from '@backstage/backend-plugin-api';
import { describeConfigIssues } from '@chorus/plugin-annotation-common';
import { toFile } from 'openai';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { LlmAnnotatorStore } from '../../database/LlmAnnotatorStore';
import {
  ClaimedLlmItem,
  LlmItemOutcome,
  LlmJobRecord,
  LlmJobStore,
  SUBMITTING,
} from '../../database/LlmJobStore';
import { ProjectStore } from '../../database/ProjectStore';
import { parseJson } from '../../database/util';
import { OnResults } from './OutcomeRecorder';
import { sleep } from './backoff';
import { costOf, priceOf, requestReservation } from './budget';
import {
  AnnotateInput,
  completionRequest,
  interpretCompletion,
  LlmClient,
  promptShape,
  SIMULATED_FINGERPRINT,
} from './LlmClient';
import {
  AnnotatorRun,
  cachedOutcome,
  HeldItem,
  loadAnnotatorRun,
  noSpend,
} from './jobParts';
import { contentHash, fewShotExamples } from './prompt';
import { LlmProviderRegistry } from './providers';

export interface LlmBatchOptions {
  /** How often provider batches are looked at and new ones submitted. */
  pollMs: number;
  /** Lines per provider batch (OpenAI takes up to 50,000). */
  maxLines: number;
  /** A submission that took longer than this is taken over (its replica died). */
  submitStaleMs: number;
}

export const DEFAULT_BATCH_OPTIONS: LlmBatchOptions = {
  pollMs: 30_000,
  maxLines: 50_000,
  submitStaleMs: 10 * 60_000,
};

/** Claims of a submitted batch outlive its 24-hour window. */
const BATCH_LEASE_MS = 26 * 3600_000;
const RECORD_CHUNK = 500;

interface Line extends HeldItem {
  item: ClaimedLlmItem;
  input: AnnotateInput;
}

/**
 * Batch mode: a job's items go to the provider's Batch API (a JSONL file
 * of requests, `custom_id` = item id) instead of one request each, for
 * very large runs at batch prices. One provider batch per job at a time,
 * submitted by whichever replica takes the job's turn; any replica follows
 * it and ingests its output and error files with the same accounting as
 * online answers (answers, failures, tokens, cost, the cache). A batch
 * whose most possible cost exceeds what is left of the budget is not
 * submitted: the job stops. A batch cannot repair invalid output; those
 * items fail as `invalid-output`.
 */
export class LlmBatchRunner {
  private readonly options: LlmBatchOptions;
  private stopping = false;
  private running?: Promise<void>;
  private wake?: () => void;

  constructor(
    private readonly deps: {
      jobs: LlmJobStore;
      annotators: LlmAnnotatorStore;
      projects: ProjectStore;
      providers: LlmProviderRegistry;
      client: LlmClient;
      logger: LoggerService;
      options?: Partial<LlmBatchOptions>;
      onJobFinished?: (jobId: string) => void;
      onResults?: OnResults;
    },
  ) {
    this.options = { ...DEFAULT_BATCH_OPTIONS, ...deps.options };
  }

  start(): void {
    this.running ??= (async () => {
      while (!this.stopping) {
        await this.runOnce().catch(error =>
          this.deps.logger.warn(`LLM batch runner: ${error}`),
        );
        await new Promise<void>(resolve => {
          const timer = setTimeout(resolve, this.options.pollMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
  }

  /** One pass: follow the batches in flight, submit the next ones. */
  async runOnce(): Promise<void> {
    for (const job of await this.deps.jobs.batchesInFlight()) {
      await this.follow(job);
    }
    for (const job of await this.deps.jobs.runnableJobs('batch')) {
      // a submission under way elsewhere is taken over once stale
      if (!job.providerBatchId || job.providerBatchId === SUBMITTING) {
        await this.submit(job);
      }
    }
  }

  /** Passes until no batch job is running or has a batch in flight. */
  async drain(pauseMs = 50): Promise<void> {
    for (;;) {
      await this.runOnce();
      const busy =
        (await this.deps.jobs.batchesInFlight()).length +
        (await this.deps.jobs.runnableJobs('batch')).length;
      if (busy === 0) {
        return;
      }
      await sleep(pauseMs);
    }
  }

  private claimant(job: LlmJobRecord) {
    return `batch:${job.id}`;
  }

  private async load(job: LlmJobRecord): Promise<AnnotatorRun> {
    const version = await this.deps.annotators.version(
      job.projectId,
      job.annotatorId,
      job.version,
    );
    return loadAnnotatorRun(this.deps, job.projectId, version.config);
  }

  private async stopJob(
    job: LlmJobRecord,
    reason: 'budget' | 'error',
    error: string,
  ) {
    if (await this.deps.jobs.stop(job.id, reason, error)) {
      this.deps.logger.warn(`LLM job ${job.id} stopped: ${error}`);
      this.deps.onJobFinished?.(job.id);
    }
  }

  private async submit(job: LlmJobRecord) {
    const { jobs } = this.deps;
    if (!(await jobs.beginBatchSubmit(job.id, this.options.submitStaleMs))) {
      return; // another replica's turn
    }
    const claimant = this.claimant(job);
    let run: AnnotatorRun;
    try {
      run = await this.load(job);
    } catch (error) {
      await jobs.setProviderBatch(job.id, null);
      await this.stopJob(
        job,
        'error',
        String((error as Error).message ?? error),
      );
      return;
    }
    // a takeover of a stale submission gets that submission's claims too
    const held = await jobs.claimedItems(job.id, claimant);
    const fresh = await jobs.claim(
      job.id,
      claimant,
      Math.max(0, this.options.maxLines - held.length),
      this.options.submitStaleMs,
    );
    const items = [...held, ...fresh];
    if (items.length === 0) {
      await jobs.setProviderBatch(job.id, null);
      if (await jobs.finishIfDone(job.id)) {
        this.deps.onJobFinished?.(job.id);
      }
      return;
    }
    const ref = job;
    const lines: Line[] = [];
    const cached = await jobs.cachedAnswers(
      job.annotatorId,
      job.version,
      items.map(i => contentHash(run.prompt, i.dataText)),
    );
    const outcomes: LlmItemOutcome[] = [];
    const seen = new Set<string>();
    for (const item of items) {
      const hash = contentHash(run.prompt, item.dataText);
      const hit = cached.get(hash);
      if (hit) {
        outcomes.push(cachedOutcome({ itemId: item.itemId, hash }, hit));
      } else if (!seen.has(hash)) {
        // duplicates wait for the first's answer (ingest serves them)
        seen.add(hash);
        const target = {
          id: item.itemId,
          externalId: item.externalId,
          data: parseJson(item.dataText),
          contentHash: hash,
        };
        lines.push({
          itemId: item.itemId,
          hash,
          item,
          input: {
            context: run.prompt,
            provider: run.provider,
            item: target,
            examples: fewShotExamples(run.prompt, run.pool, target),
          },
        });
      }
    }
    await this.record(ref, claimant, outcomes);
    if (lines.length === 0) {
      await jobs.setProviderBatch(job.id, null);
      return; // the next pass serves the duplicates or finishes
    }

    const bodies = lines.map(l => completionRequest(l.input));
    const price = priceOf(run.provider.prices, bodies[0].model);
    let most = { cost: 0, tokens: 0 };
    for (const body of bodies) {
      const r = requestReservation(
        price,
        promptShape(body),
        body.max_tokens ?? 0,
        body.n ?? 1,
      );
      most = { cost: most.cost + r.cost, tokens: most.tokens + r.tokens };
    }
    const current = await jobs.get(job.projectId, job.id);
    const overCost =
      current.budgetCost !== undefined &&
      current.cost + most.cost > current.budgetCost;
    const overTokens =
      current.budgetTokens !== undefined &&
      current.tokensIn + current.tokensOut + most.tokens > current.budgetTokens;
    if (overCost || overTokens) {
      await jobs.release(
        job.id,
        claimant,
        items.map(i => i.itemId),
      );
      await jobs.setProviderBatch(job.id, null);
      await this.stopJob(
        job,
        'budget',
        overCost
          ? `a batch of ${
              lines.length
            } requests may cost up to ${most.cost.toFixed(
              4,
            )}; the budget has ${(current.budgetCost! - current.cost).toFixed(
              4,
            )} left`
          : `a batch of ${lines.length} requests may use up to ${
              most.tokens
            } tokens; the budget has ${
              current.budgetTokens! - current.tokensIn - current.tokensOut
            } left`,
      );
      return;
    }

    const sdk = await this.deps.client.sdk(run.provider);
    const jsonl = `${bodies
      .map((body, i) =>
        JSON.stringify({
          custom_id: lines[i].itemId,
          method: 'POST',
          url: '/v1/chat/completions',
          body,
        }),
      )
      .join('\n')}\n`;
    try {
      const file = await sdk.files.create({
        file: await toFile(
          Buffer.from(jsonl),
          `chorus-llm-job-${job.id}.jsonl`,
        ),
        purpose: 'batch',
      });
      const batch = await sdk.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
        metadata: { chorus_job: job.id },
      });
      await jobs.setProviderBatch(job.id, batch.id);
      await jobs.extendClaims(job.id, claimant, BATCH_LEASE_MS);
      this.deps.logger.info(
        `LLM job ${job.id}: batch ${batch.id} of ${lines.length} requests submitted`,
      );
    } catch (error) {
      // nothing reached the provider's queue: the items go back
      await jobs.release(
        job.id,
        claimant,
        items.map(i => i.itemId),
      );
      await jobs.setProviderBatch(job.id, null);
      this.deps.logger.warn(
        `LLM job ${job.id}: submitting a batch failed, will retry: ${error}`,
      );
    }
  }

  /** Cancels batches of cancelled jobs; ingests finished batches. */
  private async follow(job: LlmJobRecord) {
    let run: AnnotatorRun;
    try {
      run = await this.load(job);
    } catch (error) {
      this.deps.logger.warn(`LLM job ${job.id}: ${error}`);
      return;
    }
    const sdk = await this.deps.client.sdk(run.provider);
    const batch = await sdk.batches.retrieve(job.providerBatchId!);
    if (
      job.status === 'cancelled' &&
      (batch.status === 'validating' || batch.status === 'in_progress')
    ) {
      await sdk.batches.cancel(batch.id);
      return;
    }
    if (
      !['completed', 'failed', 'expired', 'cancelled'].includes(batch.status)
    ) {
      return;
    }
    const claimant = this.claimant(job);
    const held = await this.deps.jobs.claimedItems(job.id, claimant);
    const byId = new Map(held.map(i => [i.itemId, i]));
    const outcomes: LlmItemOutcome[] = [];
    const read = async (fileId: string | null | undefined) =>
      fileId
        ? (await (await sdk.files.content(fileId)).text())
            .split('\n')
            .filter(l => l.trim())
            .map(l => JSON.parse(l))
        : [];
    for (const line of [
      ...(await read(batch.output_file_id)),
      ...(await read(batch.error_file_id)),
    ]) {
      const item = byId.get(String(line.custom_id));
      if (!item) {
        continue; // recorded before (a pass that stopped half-way)
      }
      byId.delete(item.itemId);
      outcomes.push(this.lineOutcome(run, item, line));
    }
    await this.record(job, claimant, outcomes);

    // left: duplicates of answered content, and lines the batch never did
    const rest = [...byId.values()];
    const hashes = rest.map(i => contentHash(run.prompt, i.dataText));
    const cached = await this.deps.jobs.cachedAnswers(
      job.annotatorId,
      job.version,
      hashes,
    );
    const served: LlmItemOutcome[] = [];
    const unanswered: string[] = [];
    rest.forEach((item, i) => {
      const hit = cached.get(hashes[i]);
      if (hit) {
        served.push(
          cachedOutcome({ itemId: item.itemId, hash: hashes[i] }, hit),
        );
      } else if (batch.status === 'failed') {
        served.push({
          ...noSpend({ itemId: item.itemId, hash: hashes[i] }),
          status: 'failed',
          reason: 'provider-error',
          error: `the batch failed: ${
            batch.errors?.data?.map(e => e.message).join('; ') ||
            'no reason given'
          }`.slice(0, 2000),
        });
      } else {
        unanswered.push(item.itemId);
      }
    });
    await this.record(job, claimant, served);
    await this.deps.jobs.release(job.id, claimant, unanswered);
    await this.deps.jobs.setProviderBatch(job.id, null);
    if (await this.deps.jobs.finishIfDone(job.id)) {
      this.deps.onJobFinished?.(job.id);
    }
  }

  /** One line of a batch's output or error file. */
  private lineOutcome(
    run: AnnotatorRun,
    item: ClaimedLlmItem,
    line: {
      response?: { status_code: number; body: any } | null;
      error?: { code?: string; message?: string } | null;
    },
  ): LlmItemOutcome {
    const held = {
      itemId: item.itemId,
      hash: contentHash(run.prompt, item.dataText),
    };
    const response = line.response;
    if (!response || response.status_code !== 200) {
      return {
        ...noSpend(held),
        status: 'failed',
        reason: 'provider-error',
        error: `batch line failed: ${
          line.error?.message ??
          response?.body?.error?.message ??
          `HTTP ${response?.status_code}`
        }`.slice(0, 2000),
      };
    }
    const completion = response.body as ChatCompletion;
    const input = {
      context: run.prompt,
      provider: run.provider,
      item: {
        id: item.itemId,
        externalId: item.externalId,
        data: parseJson(item.dataText),
      },
      examples: [],
    };
    const read = interpretCompletion(input, completion);
    const tokensIn = completion.usage?.prompt_tokens ?? 0;
    const tokensOut = completion.usage?.completion_tokens ?? 0;
    const model = completion.model;
    return {
      itemId: held.itemId,
      contentHash: held.hash,
      status: read.status === 'answered' ? 'done' : 'failed',
      answer: {
        status: read.status,
        answer: read.answer,
        rawOutput: read.rawOutput,
        confidence: read.confidence,
        samples: run.prompt.config.samples,
        model,
        simulated:
          Boolean(run.provider.simulated) ||
          completion.system_fingerprint === SIMULATED_FINGERPRINT,
      },
      tokensIn,
      tokensOut,
      cost: costOf(priceOf(run.provider.prices, model), tokensIn, tokensOut),
      latencyMs: 0,
      ...(read.status === 'refused'
        ? { reason: 'refusal', error: 'the model refused to answer' }
        : {}),
      ...(read.status === 'invalid'
        ? {
            reason: 'invalid-output',
            error:
              `invalid output (a batch cannot repair it): ${describeConfigIssues(
                read.issues ?? [],
              )}`.slice(0, 2000),
          }
        : {}),
    };
  }

  private async record(
    job: LlmJobRecord,
    claimant: string,
    outcomes: LlmItemOutcome[],
  ) {
    for (let i = 0; i < outcomes.length; i += RECORD_CHUNK) {
      const chunk = outcomes.slice(i, i + RECORD_CHUNK);
      await this.deps
        .onResults?.(job, chunk)
        .catch(error =>
          this.deps.logger.error(
            `LLM job ${job.id}: acting on its results failed: ${error}`,
          ),
        );
      const { finished } = await this.deps.jobs.record(job, claimant, chunk);
      if (finished) {
        this.deps.onJobFinished?.(job.id);
      }
    }
  }
}
