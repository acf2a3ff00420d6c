import { LoggerService } from '@backstage/backend-plugin-api';
import {
  LlmItemOutcome,
  LlmJobRef,
  LlmJobStore,
} from '../../database/LlmJobStore';
import { sleep } from './backoff';

const MAX_WRITE_ATTEMPTS = 8;

/**
 * Acts on results (an auto-accepting LLM settles items) before they are
 * stored, so a job is never complete with its acceptances still to come.
 * It must be idempotent: results that fail to store are claimed, answered
 * and acted on again. Its failure is logged only.
 */
export type OnResults = (
  job: LlmJobRef,
  outcomes: LlmItemOutcome[],
) => Promise<void>;

interface Pending {
  job: LlmJobRef;
  outcomes: LlmItemOutcome[];
  settled: Array<() => void>;
}

/**
 * Writes results in batches: one transaction per job every `flushMs` or
 * `maxBatch` results, so a fast provider is not slowed to one commit per
 * item. A failed write is retried with the same results (they were paid
 * for); `add` resolves once its result is stored.
 */
export class OutcomeRecorder {
  private readonly pending = new Map<string, Pending>();
  private size = 0;
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;

  constructor(
    private readonly store: LlmJobStore,
    private readonly runnerId: string,
    private readonly logger: LoggerService,
    private readonly onFinished: (jobId: string) => void,
    private readonly onResults?: OnResults,
    private readonly options = { flushMs: 20, maxBatch: 200 },
  ) {}

  /** Queues a result; resolves when it is stored. */
  add(job: LlmJobRef, outcome: LlmItemOutcome): Promise<void> {
    let entry = this.pending.get(job.id);
    if (!entry) {
      entry = { job, outcomes: [], settled: [] };
      this.pending.set(job.id, entry);
    }
    entry.outcomes.push(outcome);
    this.size++;
    const stored = new Promise<void>(resolve => entry!.settled.push(resolve));
    if (this.size >= this.options.maxBatch) {
      void this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.options.flushMs);
    }
    return stored;
  }

  /** Results waiting to be written. */
  get waiting(): number {
    return this.size;
  }

  /** Jobs with results waiting (their claims must stay alive). */
  jobsWaiting(): string[] {
    return [...this.pending.keys()];
  }

  /** Writes everything queued so far. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.flushing) {
      await this.flushing;
    }
    if (this.size === 0) {
      return;
    }
    const batch = [...this.pending.values()];
    this.pending.clear();
    this.size = 0;
    this.flushing = this.write(batch);
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
    }
  }

  private async write(batch: Pending[]) {
    for (const entry of batch) {
      await this.onResults?.(entry.job, entry.outcomes).catch(error =>
        this.logger.error(
          `LLM job ${entry.job.id}: acting on its results failed: ${error}`,
        ),
      );
      for (let attempt = 1; ; attempt++) {
        try {
          const { finished } = await this.store.record(
            entry.job,
            this.runnerId,
            entry.outcomes,
          );
          entry.settled.forEach(settle => settle());
          if (finished) {
            this.onFinished(entry.job.id);
          }
          break;
        } catch (error) {
          if (attempt >= MAX_WRITE_ATTEMPTS) {
            // the items stay claimed: when the claims expire they are
            // claimed again (and paid again), as after a crash
            this.logger.error(
              `LLM job ${entry.job.id}: ${entry.outcomes.length} results could not be stored: ${error}`,
            );
            entry.settled.forEach(settle => settle());
            break;
          }
          // recording again is safe: a result counts once
          this.logger.warn(
            `LLM job ${entry.job.id}: storing ${entry.outcomes.length} results failed (attempt ${attempt}), retrying: ${error}`,
          );
          await sleep(Math.min(5000, 100 * 2 ** attempt));
        }
      }
    }
  }
}
