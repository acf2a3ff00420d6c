import OpenAI from 'openai';
import { clientFor, eventually, mapLimit } from './__testUtils__/helpers';
import { FAULT_KINDS } from './options';
import { RequestLogEntry } from './requestLog';
import { LlmSimulator, startLlmSimulator } from './server';

const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['label'],
  properties: { label: { type: 'string', enum: ['a', 'b', 'c'] } },
};

function ask(client: OpenAI, key: string) {
  return client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: `Label this.\nitem: ${key}` }],
    response_format: {
      type: 'json_schema',
      json_schema: { name: 'label', schema: SCHEMA, strict: true },
    },
  });
}

/** What the client saw, by kind. */
async function outcome(client: OpenAI, key: string): Promise<string> {
  try {
    const completion = await ask(client, key);
    const message = completion.choices[0].message;
    if (message.refusal) {
      expect(message.content).toBeNull();
      expect(completion.choices[0].finish_reason).toBe('stop');
      return 'refusal';
    }
    try {
      JSON.parse(message.content!);
      return 'ok';
    } catch {
      return 'malformedJson';
    }
  } catch (error) {
    if (error instanceof OpenAI.RateLimitError) {
      expect(error.headers.get('retry-after')).toBe('1');
      expect(error.headers.get('retry-after-ms')).toBe('1000');
      expect(error.code).toBe('rate_limit_exceeded');
      return 'rateLimit';
    }
    if (error instanceof OpenAI.InternalServerError) return 'serverError';
    if (error instanceof OpenAI.APIConnectionTimeoutError) return 'timeout';
    throw error;
  }
}

describe('fault injection', () => {
  let simulator: LlmSimulator;

  afterEach(() => simulator.close());

  it('injects each fault at its rate (20% in all), seen by the SDK as it would see a provider’s', async () => {
    simulator = await startLlmSimulator({ seed: 'faults', faultRate: 0.2 });
    // timeouts are held until the client gives up after 1.5 s
    const client = clientFor(simulator, { maxRetries: 0, timeout: 1500 });
    const n = 1500;
    const keys = Array.from({ length: n }, (_, i) => `f-${i}`);
    const seen = await mapLimit(keys, 32, key => outcome(client, key));

    await eventually(() => simulator.requests.completions().length === n);
    const log = simulator.requests.completions();
    for (const kind of FAULT_KINDS) {
      const count = seen.filter(s => s === kind).length;
      // each kind 4%: within four binomial standard deviations
      expect(Math.abs(count - n * 0.04)).toBeLessThan(
        4 * Math.sqrt(n * 0.04 * 0.96),
      );
      // the log says the same as the client saw
      expect(log.filter(e => e.fault === kind).length).toBe(count);
    }
    expect(seen.filter(s => s === 'ok').length).toBe(
      log.filter(e => !e.fault).length,
    );
    const statusOf = (kind: string) =>
      new Set(log.filter(e => e.fault === kind).map(e => e.status));
    expect(statusOf('rateLimit')).toEqual(new Set([429]));
    expect(statusOf('serverError')).toEqual(new Set([500]));
    expect(statusOf('timeout')).toEqual(new Set([499])); // the client gave up
    expect(statusOf('malformedJson')).toEqual(new Set([200]));
    expect(statusOf('refusal')).toEqual(new Set([200]));
    // a provider bills what it answered, malformed and refused included
    expect(log.filter(e => e.billed).length).toBe(
      seen.filter(s => ['ok', 'malformedJson', 'refusal'].includes(s)).length,
    );
  }, 120_000);

  it('lets the SDK retry 429 (honouring Retry-After), 500 and timeouts until the answer arrives; nothing is billed twice', async () => {
    simulator = await startLlmSimulator({
      seed: 'retries',
      faults: { rateLimit: 0.08, serverError: 0.06, timeout: 0.06 },
      retryAfterMs: 800,
    });
    const client = clientFor(simulator, { maxRetries: 8, timeout: 1500 });
    const keys = Array.from({ length: 150 }, (_, i) => `r-${i}`);
    const answers = await mapLimit(keys, 50, key => ask(client, key));
    for (const completion of answers) {
      expect(JSON.parse(completion.choices[0].message.content!).label).toMatch(
        /^[abc]$/,
      );
    }

    const log = simulator.requests.completions();
    expect(log.filter(e => e.status === 200).length).toBe(150);
    const byHash = new Map<string, RequestLogEntry[]>();
    for (const e of log) {
      byHash.set(e.requestHash!, [...(byHash.get(e.requestHash!) ?? []), e]);
    }
    expect(byHash.size).toBe(150);
    const faulted = log.filter(e => e.fault);
    expect(faulted.length).toBeGreaterThan(20);
    for (const kind of ['rateLimit', 'serverError', 'timeout'] as const) {
      expect(faulted.filter(e => e.fault === kind).length).toBeGreaterThan(3);
    }
    const gapsAfter429: number[] = [];
    for (const entries of byHash.values()) {
      const attempts = entries.sort((x, y) => x.attempt! - y.attempt!);
      // attempts 0, 1, … each after the previous ended; only the last answered
      attempts.forEach((e, i) => expect(e.attempt).toBe(i));
      const last = attempts[attempts.length - 1];
      expect(last.status).toBe(200);
      for (const failed of attempts.slice(0, -1)) {
        expect(failed.billed).toBe(false);
        expect([429, 500, 499]).toContain(failed.status);
      }
      for (let i = 1; i < attempts.length; i++) {
        const previous = attempts[i - 1];
        const gap = attempts[i].time - (previous.time + previous.durationMs);
        if (previous.fault === 'rateLimit') gapsAfter429.push(gap);
      }
    }
    // the SDK waited what Retry-After asked (its own backoff would be ≤ 500 ms
    // for a first retry)
    expect(gapsAfter429.length).toBeGreaterThan(3);
    expect(Math.min(...gapsAfter429)).toBeGreaterThanOrEqual(795);
    expect(simulator.requests.itemsBilledMoreThanOnce()).toEqual([]);
    expect(simulator.requests.billedByItem().size).toBe(150);
  }, 120_000);

  it('holds a timeout for timeoutHoldMs, then answers a patient client', async () => {
    simulator = await startLlmSimulator({
      faults: { timeout: 1 },
      timeoutHoldMs: 150,
      latencyMs: [20, 40],
    });
    const completion = await ask(
      clientFor(simulator, { timeout: 5000 }),
      'slow',
    );
    expect(JSON.parse(completion.choices[0].message.content!)).toHaveProperty(
      'label',
    );
    const [entry] = simulator.requests.completions();
    expect(entry).toMatchObject({
      fault: 'timeout',
      status: 200,
      billed: true,
    });
    expect(entry.durationMs).toBeGreaterThanOrEqual(165);
  });

  it('waits the configured latency per request', async () => {
    simulator = await startLlmSimulator({ latencyMs: [60, 90] });
    const client = clientFor(simulator);
    for (let i = 0; i < 4; i++) await ask(client, `lat-${i}`);
    for (const e of simulator.requests.completions()) {
      expect(e.durationMs).toBeGreaterThanOrEqual(59);
    }
    // a changed latency applies to the next request (lower bounds only:
    // a loaded machine makes requests slower, never faster)
    simulator.setOptions({ latencyMs: 120 });
    const started = Date.now();
    await ask(client, 'slow');
    expect(Date.now() - started).toBeGreaterThanOrEqual(119);
    expect(
      simulator.requests.completions().at(-1)!.durationMs,
    ).toBeGreaterThanOrEqual(119);
  });

  it('draws faults per attempt, so a rerun of the same requests sees the same faults', async () => {
    const run = async () => {
      simulator = await startLlmSimulator({
        seed: 3,
        faultRate: 0.5,
        timeoutHoldMs: 0,
      });
      const client = clientFor(simulator);
      for (let i = 0; i < 30; i++) await outcome(client, `x-${i % 10}`);
      const faults = simulator.requests
        .completions()
        .map(e => [e.attempt, e.fault ?? null]);
      await simulator.close();
      return faults;
    };
    const first = await run();
    const second = await run();
    expect(second).toEqual(first);
    expect(first.filter(([, f]) => f !== null).length).toBeGreaterThan(5);
    simulator = await startLlmSimulator({});
  });
});
