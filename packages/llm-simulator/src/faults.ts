/**
 * Which requests fail, and how. A fault is decided per (seed, request hash,
 * attempt): the attempt is how many times this server has seen the same
 * request body before, so a client retrying an identical request draws
 * again and can succeed, and a rerun of the same requests sees the same
 * faults on the same attempts.
 */
import { FAULT_KINDS, FaultKind } from './options';
import { Random } from './random';

export class AttemptCounter {
  private readonly seen = new Map<string, number>();

  /** The attempt number of this request (0 the first time), counting it. */
  next(requestHash: string): number {
    const attempt = this.seen.get(requestHash) ?? 0;
    this.seen.set(requestHash, attempt + 1);
    return attempt;
  }

  clear(): void {
    this.seen.clear();
  }
}

export function decideFault(
  seed: string,
  requestHash: string,
  attempt: number,
  rates: Record<FaultKind, number>,
): FaultKind | undefined {
  const u = new Random(seed, 'fault', requestHash, attempt).next();
  let cumulative = 0;
  for (const kind of FAULT_KINDS) {
    cumulative += rates[kind];
    if (u < cumulative) return kind;
  }
  return undefined;
}

/** This request's latency in ms: fixed, or uniform in [min, max]. */
export function decideLatency(
  seed: string,
  requestHash: string,
  attempt: number,
  [min, max]: [number, number],
): number {
  if (min === max) return min;
  return (
    min + (max - min) * new Random(seed, 'latency', requestHash, attempt).next()
  );
}

/** The 429 a rate-limited provider sends: both retry headers and OpenAI's body. */
export function rateLimitResponse(retryAfterMs: number) {
  return {
    status: 429,
    headers: {
      'retry-after': String(Math.ceil(retryAfterMs / 1000)),
      'retry-after-ms': String(Math.round(retryAfterMs)),
    },
    body: {
      error: {
        message: `Rate limit reached for requests (simulated by the Chorus LLM simulator). Please try again in ${retryAfterMs}ms.`,
        type: 'requests',
        param: null,
        code: 'rate_limit_exceeded',
      },
    },
  };
}

export const SERVER_ERROR_BODY = {
  error: {
    message:
      'The server had an error while processing your request. Sorry about that! (simulated by the Chorus LLM simulator)',
    type: 'server_error',
    param: null,
    code: null,
  },
};

export const REFUSAL_TEXT =
  "I'm sorry, but I can't help with that request. (simulated refusal)";

/**
 * Malformed output: the answer cut off part-way, so it does not parse. Any
 * strict prefix of a JSON object or array is invalid JSON.
 */
export function truncateOutput(text: string, rng: Random): string {
  if (text.length <= 1) return '';
  return text.slice(0, 1 + rng.int(Math.max(1, Math.floor(text.length * 0.8))));
}
