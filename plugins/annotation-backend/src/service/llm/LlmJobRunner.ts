import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError, NotFoundError } from '@backstage/errors';
import { LlmAnnotatorConfig } from '@chorus/plugin-annotation-common';
import { LlmProvider } from '@chorus/plugin-annotation-node';
import { hostname } from 'os';
import { v4 as uuid } from 'uuid';
import { ItemStore } from '../../database/ItemStore';
import { LlmAnnotatorStore } from '../../database/LlmAnnotatorStore';
import {
  ClaimedLlmItem,
  LlmItemOutcome,
  LlmJobRecord,
  LlmJobStatus,
  LlmJobStore,
} from '../../database/LlmJobStore';
import { ProjectStore } from '../../database/ProjectStore';
import { parseJson } from '../../database/util';
import { RetryPolicy, sleep } from './backoff';
import { Reservation } from './budget';
import { LlmClient, LlmResult, RequestRefused } from './LlmClient';
import {
  cachedOutcome,
  HeldItem,
  loadAnnotatorRun,
  noSpend,
  resultOutcome,
} from './jobParts';
import { OnResults, OutcomeRecorder } from './OutcomeRecorder';
import {
  buildMessages,
  contentHash,
  FewShotExample,
  fewShotExamples,
  FewShotPool,
  PromptContext,
  PromptMessage,
} from './prompt';
import { LlmProviderRegistry } from './providers';

export interface LlmRunnerOptions {
  /** Requests in flight per backend process, over all jobs. */
  concurrency: number;
  /** Items claimed per database round trip. */
  claimBatch: number;
  /** How long a claim lives without its runner extending it. */
  leaseMs: number;
  /** How often jobs are looked for and their statuses read. */
  pollMs: number;
  /** Waited before shutdown aborts the requests still in flight. */
  shutdownGraceMs: number;
  retry: RetryPolicy;
}

export const DEFAULT_RUNNER_OPTIONS: LlmRunnerOptions = {
  concurrency: 16,
  claimBatch: 64,
  leaseMs: 120_000,
  pollMs: 1000,
  shutdownGraceMs: 10_000,
  retry: { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 },
};

/** Reads `annotation.llm.*` (see config.d.ts); bad values fail the start. */
export function readLlmRunnerOptions(config: Config): LlmRunnerOptions {
  const llm = config.getOptionalConfig('annotation.llm');
  const positive = (key: string, fallback: number) => {
    const value = llm?.getOptionalNumber(key) ?? fallback;
    if (!(Number.isFinite(value) && value > 0)) {
      throw new Error(`annotation.llm.${key}: a positive number expected`);
    }
    return value;
  };
  const d = DEFAULT_RUNNER_OPTIONS;
  return {
    concurrency: Math.floor(positive('concurrency', d.concurrency)),
    claimBatch: Math.floor(positive('claimBatch', d.claimBatch)),
    leaseMs: positive('leaseSeconds', d.leaseMs / 1000) * 1000,
    pollMs: positive('pollSeconds', d.pollMs / 1000) * 1000,
    shutdownGraceMs:
      positive('shutdownGraceSeconds', d.shutdownGraceMs / 1000) * 1000,
    retry: {
      maxAttempts: Math.floor(positive('maxAttempts', d.retry.maxAttempts)),
      baseDelayMs: positive('retryBaseMs', d.retry.baseDelayMs),
      maxDelayMs: positive('retryMaxMs', d.retry.maxDelayMs),
    },
  };
}

/** A claim taken this many times is failed rather than tried again. */
const MAX_CLAIMS = 5;
/** Content keys remembered as answered by this process. */
const RECENT_ANSWERS = 10_000;

/** Everything a job needs to run, loaded once per runner. */
export interface JobContext {
  job: LlmJobRecord;
  status: LlmJobStatus;
  provider: LlmProvider;
  prompt: PromptContext;
  pool?: FewShotPool;
  /** Claimed items waiting or in flight here. */
  held: number;
  /** A claim found nothing since the last poll. */
  drained: boolean;
}

interface Work extends HeldItem {
  ctx: JobContext;
  item: ClaimedLlmItem;
  data: unknown;
}

export interface LlmJobRunnerDeps {
  jobs: LlmJobStore;
  annotators: LlmAnnotatorStore;
  projects: ProjectStore;
  items: ItemStore;
  providers: LlmProviderRegistry;
  logger: LoggerService;
  options?: Partial<LlmRunnerOptions>;
  /** Defaults to a client with the options' retry policy. */
  client?: LlmClient;
  /** Told when a job completes (all done, budget or error). */
  onJobFinished?: (jobId: string) => void;
  /** Told once results are stored (the annotator's role acts on them). */
  onResults?: OnResults;
}

/** A dry run's result: what would be sent and what came back. */
export interface DryRun {
  messages: PromptMessage[];
  examples: FewShotExample[];
  result: LlmResult;
}

/**
 * Runs the online LLM jobs, in every backend replica. It claims batches of
 * running jobs' items (leased, extended while held), answers the cached
 * ones without a call, sends the rest with at most `concurrency` requests
 * in flight, each through the provider's rate limiter and the job's budget
 * reservation, and records the results in batches. Pause, resume and
 * cancel are read from the database every `pollMs` and honoured between
 * requests.
 */
export class LlmJobRunner {
  /** Names this process's claims. */
  readonly runnerId = `${hostname().slice(0, 20)}:${process.pid}:${uuid().slice(
    0,
    8,
  )}`;
  private readonly options: LlmRunnerOptions;
  private readonly client: LlmClient;
  private readonly recorder: OutcomeRecorder;
  private readonly contexts = new Map<string, JobContext>();
  private readonly queue: Work[] = [];
  private readonly releases = new Map<string, string[]>();
  /** Content being answered here: its duplicates wait for it. */
  private readonly answering = new Map<string, Promise<void>>();
  /** Content answered and stored here lately (the cache has it). */
  private readonly answered = new Set<string>();
  private readonly abort = new AbortController();
  private active = 0;
  private cursor = 0;
  private nextPoll = 0;
  private nextHeartbeat = 0;
  private stopping = false;
  private running?: Promise<void>;
  private wake?: () => void;

  constructor(private readonly deps: LlmJobRunnerDeps) {
    this.options = { ...DEFAULT_RUNNER_OPTIONS, ...deps.options };
    this.client = deps.client ?? new LlmClient({ retry: this.options.retry });
    this.recorder = new OutcomeRecorder(
      deps.jobs,
      this.runnerId,
      deps.logger,
      jobId => this.finished(jobId),
      deps.onResults,
    );
  }

  /** Starts the loop in the background (the plugin's startup hook). */
  start(): void {
    if (!this.running) {
      this.running = this.loop(false).catch(error =>
        this.deps.logger.error(`LLM job runner stopped: ${error}`),
      );
    }
  }

  /**
   * Runs until no online job is running (all completed, paused or
   * cancelled) and every result is stored. For tests and one-off runs.
   */
  async drain(): Promise<void> {
    this.nextPoll = 0;
    await this.loop(true);
  }

  /**
   * Stops claiming, lets requests in flight finish (aborting them after
   * `shutdownGraceMs`), stores their results and gives the unstarted
   * items back.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
    const deadline = Date.now() + this.options.shutdownGraceMs;
    while (this.active > 0 && Date.now() < deadline) {
      await this.waitForEvent(50);
    }
    this.abort.abort(new Error('the backend is stopping'));
    while (this.active > 0) {
      await this.waitForEvent(50);
    }
    for (const work of this.queue.splice(0)) {
      this.giveBack(work);
    }
    await this.recorder.flush();
    await this.flushReleases();
  }

  /**
   * Annotates one item without a job, storing nothing: the saved version
   * (or the current one), or a draft `config`. For the config editor.
   */
  async annotateOne(input: {
    projectId: string;
    itemId: string;
    annotatorId?: string;
    version?: number;
    config?: LlmAnnotatorConfig;
  }): Promise<DryRun> {
    let config = input.config;
    if (!config) {
      if (!input.annotatorId) {
        throw new InputError('annotatorId or config: one is needed');
      }
      config = input.version
        ? (
            await this.deps.annotators.version(
              input.projectId,
              input.annotatorId,
              input.version,
            )
          ).config
        : (await this.deps.annotators.get(input.projectId, input.annotatorId))
            .config;
    }
    const item = await this.deps.items.get(input.projectId, input.itemId);
    if (!item) {
      throw new NotFoundError(`item ${input.itemId} not found in this project`);
    }
    const { prompt, pool, provider } = await loadAnnotatorRun(
      this.deps,
      input.projectId,
      config,
    );
    const target = {
      id: item.id,
      externalId: item.externalId,
      data: item.data,
      contentHash: contentHash(prompt, JSON.stringify(item.data)),
    };
    const examples = fewShotExamples(prompt, pool, target);
    const result = await this.client.annotate(
      { context: prompt, provider, item: target, examples },
      { signal: this.abort.signal },
    );
    return {
      messages: buildMessages(prompt, target, examples),
      examples,
      result,
    };
  }

  private async loop(untilIdle: boolean): Promise<void> {
    while (!this.stopping) {
      try {
        if (await this.step(untilIdle)) {
          return;
        }
      } catch (error) {
        if (untilIdle) {
          throw error;
        }
        // the database may be back at the next poll; requests in flight
        // carry on, their results wait in the recorder
        this.deps.logger.warn(`LLM job runner: ${error}`);
        await this.waitForEvent(this.options.pollMs);
      }
    }
  }

  /** One turn of the loop; true when idle and asked to stop there. */
  private async step(untilIdle: boolean): Promise<boolean> {
    const now = Date.now();
    if (now >= this.nextPoll) {
      this.nextPoll = now + this.options.pollMs;
      await this.poll();
    }
    if (now >= this.nextHeartbeat) {
      this.nextHeartbeat = now + this.options.leaseMs / 3;
      await this.heartbeat();
    }
    await this.fill();
    while (this.active < this.options.concurrency && this.queue.length) {
      this.launch(this.queue.shift()!);
    }
    await this.flushReleases();
    if (untilIdle && this.active === 0 && this.queue.length === 0) {
      await this.recorder.flush();
      // a request that ended while the releases before the check above
      // were being stored gave its item back; none can end from here on
      await this.flushReleases();
      if (
        ![...this.contexts.values()].some(c => c.status === 'running') &&
        this.active === 0
      ) {
        return true;
      }
    }
    const idle = this.queue.length === 0 && this.active === 0;
    await this.waitForEvent(
      idle ? Math.max(1, this.nextPoll - Date.now()) : this.options.pollMs,
    );
    return false;
  }

  /** Waits `ms`, or less when a request ends or stop is called. */
  private waitForEvent(ms: number): Promise<void> {
    return new Promise(resolve => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const done = () => {
        clearTimeout(timer);
        if (this.wake === done) {
          this.wake = undefined;
        }
        resolve();
      };
      timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  /** Reads job statuses, loads new running jobs, forgets finished ones. */
  private async poll() {
    const statuses = await this.deps.jobs.statuses([...this.contexts.keys()]);
    for (const [id, ctx] of this.contexts) {
      ctx.status = statuses.get(id) ?? 'cancelled';
      ctx.drained = false;
      if (ctx.status !== 'running') {
        this.dropQueued(ctx);
        if (ctx.held === 0) {
          this.contexts.delete(id);
        }
      }
    }
    for (const job of await this.deps.jobs.runnableJobs('online')) {
      const known = this.contexts.get(job.id);
      if (known) {
        known.job = job;
        continue;
      }
      try {
        const version = await this.deps.annotators.version(
          job.projectId,
          job.annotatorId,
          job.version,
        );
        const { prompt, pool, provider } = await loadAnnotatorRun(
          this.deps,
          job.projectId,
          version.config,
        );
        this.contexts.set(job.id, {
          job,
          status: 'running',
          provider,
          prompt,
          pool,
          held: 0,
          drained: false,
        });
      } catch (error) {
        // a job that cannot run says why, rather than staying "running"
        const message = error instanceof Error ? error.message : String(error);
        if (await this.deps.jobs.stop(job.id, 'error', message)) {
          this.deps.logger.warn(`LLM job ${job.id} cannot run: ${message}`);
          this.finished(job.id);
        }
      }
    }
  }

  /** Keeps this runner's claims alive while it holds them. */
  private async heartbeat() {
    const jobs = new Set(this.recorder.jobsWaiting());
    for (const [id, ctx] of this.contexts) {
      if (ctx.held > 0) {
        jobs.add(id);
      }
    }
    for (const id of jobs) {
      await this.deps.jobs.extendClaims(
        id,
        this.runnerId,
        this.options.leaseMs,
      );
    }
  }

  /**
   * Claims a batch, jobs in turn, whenever fewer items wait than there are
   * slots: a slot that frees finds its next item here.
   */
  private async fill() {
    let tried = 0;
    while (
      this.queue.length < this.options.concurrency &&
      tried < this.contexts.size &&
      !this.stopping
    ) {
      const ctx = [...this.contexts.values()][
        this.cursor++ % this.contexts.size
      ];
      tried++;
      if (ctx.status !== 'running' || ctx.drained) {
        continue;
      }
      const claimed = await this.deps.jobs.claim(
        ctx.job.id,
        this.runnerId,
        this.options.claimBatch,
        this.options.leaseMs,
      );
      if (claimed.length === 0) {
        ctx.drained = true;
        if (ctx.held === 0 && (await this.deps.jobs.finishIfDone(ctx.job.id))) {
          this.finished(ctx.job.id);
        }
        continue;
      }
      tried = 0;
      await this.accept(ctx, claimed);
    }
  }

  /** Claimed items: the cached answered at once, the others queued. */
  private async accept(ctx: JobContext, claimed: ClaimedLlmItem[]) {
    const works: Work[] = claimed.map(item => ({
      ctx,
      item,
      itemId: item.itemId,
      data: parseJson(item.dataText),
      hash: contentHash(ctx.prompt, item.dataText),
    }));
    ctx.held += works.length;
    const cached = await this.deps.jobs.cachedAnswers(
      ctx.job.annotatorId,
      ctx.job.version,
      works.map(w => w.hash),
    );
    for (const work of works) {
      const hit = cached.get(work.hash);
      if (hit) {
        this.store(work, cachedOutcome(work, hit));
      } else if (work.item.claims > MAX_CLAIMS) {
        this.store(work, {
          ...noSpend(work),
          status: 'failed',
          reason: 'abandoned',
          error: `claimed ${work.item.claims} times without a result`,
        });
      } else {
        this.queue.push(work);
      }
    }
  }

  private launch(work: Work) {
    this.active++;
    this.process(work)
      .catch(error => {
        this.deps.logger.error(
          `LLM job ${work.ctx.job.id}, item ${work.item.itemId}: ${error}`,
        );
        this.giveBack(work);
      })
      .finally(() => {
        this.active--;
        this.wake?.();
      });
  }

  private async process(work: Work) {
    const { ctx } = work;
    if (ctx.status !== 'running') {
      this.giveBack(work);
      return;
    }
    const key = `${ctx.job.annotatorId}/${ctx.job.version}/${work.hash}`;
    const fromCache = async () => {
      const hit = (
        await this.deps.jobs.cachedAnswers(
          ctx.job.annotatorId,
          ctx.job.version,
          [work.hash],
        )
      ).get(work.hash);
      if (hit) {
        this.store(work, cachedOutcome(work, hit));
      }
      return Boolean(hit);
    };
    // content answered here since the item was claimed: from the cache
    if (this.answered.has(key) && (await fromCache())) {
      return;
    }
    // a duplicate of content in flight here waits for its answer
    for (let other = this.answering.get(key); other; ) {
      await other;
      if (await fromCache()) {
        return;
      }
      other = this.answering.get(key);
    }
    let answered!: () => void;
    this.answering.set(
      key,
      new Promise<void>(resolve => {
        answered = resolve;
      }),
    );
    const done = () => {
      this.answering.delete(key);
      answered();
    };
    try {
      const target = {
        id: work.item.itemId,
        externalId: work.item.externalId,
        data: work.data,
        contentHash: work.hash,
      };
      const result = await this.client.annotate(
        {
          context: ctx.prompt,
          provider: ctx.provider,
          item: target,
          examples: fewShotExamples(ctx.prompt, ctx.pool, target),
        },
        {
          reserve: reservation => this.reserve(work, reservation),
          signal: this.abort.signal,
        },
      );
      if (
        result.status === 'error' &&
        (result.reason === 'budget' || result.reason === 'stopped')
      ) {
        // nothing was paid for: the item goes back to its job
        this.giveBack(work);
        done();
        return;
      }
      this.store(work, resultOutcome(work, result)).then(() => {
        if (result.status === 'answered') {
          this.answered.add(key);
          if (this.answered.size > RECENT_ANSWERS) {
            this.answered.delete(this.answered.values().next().value!);
          }
        }
        done();
      }, done);
    } catch (error) {
      done();
      throw error;
    }
  }

  /** The budget gate of every request (and the pause/cancel check). */
  private async reserve(work: Work, reservation: Reservation) {
    const { ctx } = work;
    for (;;) {
      if (ctx.status !== 'running') {
        throw new RequestRefused('stopped', `the job is ${ctx.status}`);
      }
      if (
        ctx.job.budgetCost === undefined &&
        ctx.job.budgetTokens === undefined
      ) {
        return;
      }
      const outcome = await this.deps.jobs.reserve(
        ctx.job.id,
        this.runnerId,
        work.item.itemId,
        reservation,
      );
      switch (outcome) {
        case 'reserved':
          return;
        case 'wait':
          // others' requests hold the rest; theirs may cost less
          await sleep(20 + Math.random() * 80, this.abort.signal);
          break;
        case 'exhausted':
          ctx.status = 'completed';
          if (
            await this.deps.jobs.stop(
              ctx.job.id,
              'budget',
              'the budget cannot cover another request',
            )
          ) {
            this.finished(ctx.job.id);
          }
          throw new RequestRefused('budget', 'the job budget is spent');
        case 'lost':
          throw new RequestRefused('stopped', 'the claim on the item expired');
        default:
          ctx.status =
            (await this.deps.jobs.statuses([ctx.job.id])).get(ctx.job.id) ??
            'cancelled';
          throw new RequestRefused('stopped', `the job is ${ctx.status}`);
      }
    }
  }

  private store(work: Work, outcome: LlmItemOutcome): Promise<void> {
    return this.recorder.add(work.ctx.job, outcome).finally(() => {
      work.ctx.held--;
    });
  }

  private giveBack(work: Work) {
    const list = this.releases.get(work.ctx.job.id) ?? [];
    list.push(work.item.itemId);
    this.releases.set(work.ctx.job.id, list);
    work.ctx.held--;
  }

  private dropQueued(ctx: JobContext) {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i].ctx === ctx) {
        this.giveBack(this.queue.splice(i, 1)[0]);
      }
    }
  }

  private async flushReleases() {
    for (const [jobId, itemIds] of [...this.releases]) {
      this.releases.delete(jobId);
      await this.deps.jobs.release(jobId, this.runnerId, itemIds);
    }
  }

  private finished(jobId: string) {
    const ctx = this.contexts.get(jobId);
    if (ctx) {
      ctx.status = 'completed';
    }
    this.deps.onJobFinished?.(jobId);
  }
}
