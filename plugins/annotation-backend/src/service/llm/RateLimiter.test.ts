import { ProviderLimiter, TokenBucket } from './RateLimiter';

describe('the rate limiter', () => {
  it('paces requests at the rate after a burst of one second', () => {
    let now = 0;
    const bucket = new TokenBucket(120, 1, () => now); // 2 per second
    expect(bucket.capacity).toBe(2);
    const waits = Array.from({ length: 6 }, () => bucket.take(1));
    // two at once, then one every 500 ms, each caller told its turn
    expect(waits).toEqual([0, 0, 500, 1000, 1500, 2000]);
    now = 2000;
    expect(bucket.take(1)).toBe(500);
    now = 10_000;
    expect(bucket.take(1)).toBe(0); // refilled, never beyond capacity
    expect(bucket.take(1)).toBe(0);
    expect(bucket.take(1)).toBe(500);
  });

  it('lets one large request through and makes the next ones wait for it', () => {
    const now = 0;
    const tokens = new TokenBucket(6000, 1, () => now); // 100 per second
    expect(tokens.take(1000)).toBe(9000);
    tokens.give(800); // it used 200
    expect(tokens.take(10)).toBe(1100);
  });

  it('holds requests per minute over any window', async () => {
    const limiter = new ProviderLimiter({ requestsPerMinute: 1200 }); // 20/s
    const started = Date.now();
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: 40 }, async () => {
        await limiter.acquire(0);
        times.push(Date.now() - started);
      }),
    );
    times.sort((a, b) => a - b);
    // 20 at once, then 20 more over a second
    expect(times[39]).toBeGreaterThanOrEqual(950);
    for (const t of times) {
      const inWindow = times.filter(u => u >= t && u < t + 500).length;
      expect(inWindow).toBeLessThanOrEqual(20 + 10 + 1);
    }
  });
});
