import { APIConnectionTimeoutError, APIError } from 'openai';
import {
  backoffDelay,
  classifyError,
  DEFAULT_RETRY_POLICY,
  retryAfterMs,
  sleep,
} from './backoff';

const headers = (h: Record<string, string>) => new Headers(h);

describe('the retry policy', () => {
  it('reads retry-after-ms first, then retry-after in seconds or as a date', () => {
    expect(
      retryAfterMs(headers({ 'retry-after-ms': '1500', 'retry-after': '9' })),
    ).toBe(1500);
    expect(retryAfterMs(headers({ 'retry-after': '2' }))).toBe(2000);
    const now = Date.parse('2026-11-29T10:00:00Z');
    expect(
      retryAfterMs(
        headers({ 'retry-after': 'Sun, 29 Nov 2026 10:00:03 GMT' }),
        now,
      ),
    ).toBe(3000);
    expect(retryAfterMs(headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });

  it('retries rate limits, server errors and timeouts only', () => {
    const error = (status: number, h: Record<string, string> = {}) =>
      APIError.generate(
        status,
        { error: { message: 'x' } },
        undefined,
        headers(h),
      );
    expect(
      classifyError(error(429, { 'retry-after-ms': '700' })),
    ).toMatchObject({
      reason: 'rate-limited',
      retryable: true,
      retryAfterMs: 700,
    });
    expect(classifyError(error(503))).toMatchObject({
      reason: 'provider-error',
      retryable: true,
    });
    expect(classifyError(error(400))).toMatchObject({ retryable: false });
    expect(classifyError(error(401))).toMatchObject({ retryable: false });
    expect(classifyError(new APIConnectionTimeoutError())).toMatchObject({
      reason: 'timeout',
      retryable: true,
    });
    expect(classifyError(new Error('bug'))).toMatchObject({ retryable: false });
  });

  it('backs off with full jitter below a doubling ceiling, or as asked', () => {
    const policy = {
      ...DEFAULT_RETRY_POLICY,
      baseDelayMs: 100,
      maxDelayMs: 1000,
    };
    expect(backoffDelay(policy, 1, undefined, () => 0.999)).toBe(99);
    expect(backoffDelay(policy, 3, undefined, () => 0.5)).toBe(200);
    expect(backoffDelay(policy, 10, undefined, () => 0.999)).toBe(999);
    expect(backoffDelay(policy, 1, undefined, () => 0)).toBe(0);
    expect(backoffDelay(policy, 1, 400)).toBe(400);
    expect(backoffDelay(policy, 1, 60_000)).toBe(1000);
  });

  it('sleeps until aborted', async () => {
    const controller = new AbortController();
    const slept = sleep(10_000, controller.signal);
    controller.abort(new Error('stopping'));
    await expect(slept).rejects.toThrow('stopping');
  });
});
