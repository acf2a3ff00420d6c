import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from 'openai';

/*
 * The retry policy of LLM requests. The SDK's own retries are off
 * (`maxRetries: 0`): every attempt must pass the rate limiter and the
 * budget, which the SDK knows nothing of.
 */

export interface RetryPolicy {
  /** Attempts per request, the first included. */
  maxAttempts: number;
  /** First backoff ceiling; doubles per attempt (full jitter below it). */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
};

/** Why a request failed for good, as the job reports it. */
export type ProviderFailureReason =
  | 'rate-limited'
  | 'timeout'
  | 'provider-error';

export interface ClassifiedError {
  reason: ProviderFailureReason;
  retryable: boolean;
  /** What the provider asked for (`retry-after-ms`, `retry-after`). */
  retryAfterMs?: number;
  message: string;
}

/**
 * The wait a response asks for: `retry-after-ms` (OpenAI's, milliseconds),
 * else `retry-after` in seconds or as an HTTP date. Undefined when absent
 * or unreadable.
 */
export function retryAfterMs(
  headers: Headers | undefined,
  now = Date.now(),
): number | undefined {
  const ms = Number(headers?.get('retry-after-ms') ?? NaN);
  if (Number.isFinite(ms) && ms >= 0) {
    return ms;
  }
  const value = headers?.get('retry-after');
  if (!value) {
    return undefined;
  }
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) {
    return seconds * 1000;
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Sorts an SDK error: worth retrying, and why it failed. */
export function classifyError(error: unknown): ClassifiedError {
  if (error instanceof APIConnectionTimeoutError) {
    return {
      reason: 'timeout',
      retryable: true,
      message: 'the request timed out',
    };
  }
  if (error instanceof APIUserAbortError) {
    return { reason: 'provider-error', retryable: false, message: 'aborted' };
  }
  if (error instanceof APIConnectionError) {
    return {
      reason: 'provider-error',
      retryable: true,
      message: `connection failed: ${error.message}`,
    };
  }
  if (error instanceof APIError) {
    const status = error.status ?? 0;
    const message = `HTTP ${status}: ${error.message}`;
    if (status === 429) {
      return {
        reason: 'rate-limited',
        retryable: true,
        retryAfterMs: retryAfterMs(error.headers),
        message,
      };
    }
    // 408 and 409 are OpenAI's own "try again"; 5xx are the server's
    const retryable = status === 408 || status === 409 || status >= 500;
    return {
      reason: 'provider-error',
      retryable,
      retryAfterMs: retryable ? retryAfterMs(error.headers) : undefined,
      message,
    };
  }
  return {
    reason: 'provider-error',
    retryable: false,
    message: error instanceof Error ? error.message : String(error),
  };
}

/**
 * The wait before attempt `attempt + 1` (attempt counts from 1): what the
 * provider asked for when it said, else full jitter below an exponential
 * ceiling, so clients that failed together do not retry together.
 */
export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  asked?: number,
  random: () => number = Math.random,
): number {
  if (asked !== undefined) {
    return Math.min(asked, policy.maxDelayMs);
  }
  const ceiling = Math.min(
    policy.maxDelayMs,
    policy.baseDelayMs * 2 ** (attempt - 1),
  );
  return Math.floor(random() * ceiling);
}

/** Resolves after `ms`, or rejects with the signal's reason when aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let timer: NodeJS.Timeout | undefined = undefined;
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
