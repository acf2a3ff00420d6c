import { sleep } from './backoff';

/**
 * A token bucket that may go into debt: `take(n)` always succeeds and says
 * how long to wait before the units are really there. Callers that wait
 * their turn are paced at `perMinute` exactly, in the order they asked;
 * the bucket holds at most `burstSeconds` of the rate, so any window of W
 * seconds sees at most `rate · W + capacity` units.
 */
export class TokenBucket {
  private readonly ratePerMs: number;
  readonly capacity: number;
  private level: number;
  private updatedAt: number;

  constructor(
    perMinute: number,
    burstSeconds = 1,
    private readonly now: () => number = Date.now,
  ) {
    this.ratePerMs = perMinute / 60_000;
    this.capacity = Math.max(1, (perMinute * burstSeconds) / 60);
    this.level = this.capacity;
    this.updatedAt = now();
  }

  private refill() {
    const now = this.now();
    this.level = Math.min(
      this.capacity,
      this.level + (now - this.updatedAt) * this.ratePerMs,
    );
    this.updatedAt = now;
  }

  /** Takes `n` units; returns the ms to wait until they are covered. */
  take(n: number): number {
    this.refill();
    this.level -= n;
    return this.level >= 0 ? 0 : Math.ceil(-this.level / this.ratePerMs);
  }

  /** Gives back units taken in excess (an estimate above the actual use). */
  give(n: number) {
    this.refill();
    this.level = Math.min(this.capacity, this.level + n);
  }
}

/**
 * A provider's requests-per-minute and tokens-per-minute limits, per
 * backend process. Token counts are estimated before a request and
 * corrected with the usage the provider reports.
 */
export class ProviderLimiter {
  private readonly requests?: TokenBucket;
  private readonly tokens?: TokenBucket;

  constructor(limits: {
    requestsPerMinute?: number;
    tokensPerMinute?: number;
  }) {
    if (limits.requestsPerMinute) {
      this.requests = new TokenBucket(limits.requestsPerMinute);
    }
    if (limits.tokensPerMinute) {
      this.tokens = new TokenBucket(limits.tokensPerMinute);
    }
  }

  /** Waits until one more request of about `estimatedTokens` may start. */
  async acquire(estimatedTokens: number, signal?: AbortSignal): Promise<void> {
    const wait = Math.max(
      this.requests?.take(1) ?? 0,
      this.tokens?.take(estimatedTokens) ?? 0,
    );
    if (wait > 0) {
      await sleep(wait, signal);
    }
  }

  /** Corrects the token bucket once the provider said what was used. */
  settle(estimatedTokens: number, actualTokens: number) {
    if (!this.tokens || actualTokens === estimatedTokens) {
      return;
    }
    if (actualTokens < estimatedTokens) {
      this.tokens.give(estimatedTokens - actualTokens);
    } else {
      this.tokens.take(actualTokens - estimatedTokens);
    }
  }
}
