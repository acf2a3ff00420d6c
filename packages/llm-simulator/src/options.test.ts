import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parseArgs } from './main';
import { b7Preset, resolveOptions } from './options';

describe('options', () => {
  it('fills the defaults: B7’s accuracy and confidence, no faults, no latency', () => {
    const options = resolveOptions({});
    expect(options).toMatchObject({
      port: 0,
      seed: '0',
      models: ['chorus-sim-1'],
      latencyMs: [0, 0],
      accuracy: { overall: 0.85 },
      confidence: { base: 0.55, gain: 0.4, noise: 0.15, min: 0.34, max: 0.999 },
      faults: {
        rateLimit: 0,
        serverError: 0,
        timeout: 0,
        malformedJson: 0,
        refusal: 0,
      },
      retryAfterMs: 1000,
      timeoutHoldMs: null,
    });
  });

  it('splits faultRate over the five kinds; per-kind rates override their share', () => {
    expect(
      resolveOptions({ faultRate: 0.2, faults: { refusal: 0 } }).faults,
    ).toEqual({
      rateLimit: 0.04,
      serverError: 0.04,
      timeout: 0.04,
      malformedJson: 0.04,
      refusal: 0,
    });
  });

  it('has B7’s preset per class', () => {
    expect(b7Preset(['x', 'y', 'z']).accuracy).toEqual({
      overall: 0.85,
      perClass: { x: 0.92, y: 0.8, z: 0.6 },
    });
  });

  it('names the option and what it expected', () => {
    expect(() => resolveOptions({ faultRate: 2 })).toThrow(
      'LLM simulator option faultRate: a number from 0 to 1 expected, got 2',
    );
    expect(() =>
      resolveOptions({ faults: { refusal: 0.6, timeout: 0.6 } }),
    ).toThrow(/option faults: rates summing to at most 1/);
    expect(() => resolveOptions({ latencyMs: [50, 10] })).toThrow(
      /option latencyMs/,
    );
    expect(() => resolveOptions({ itemKeyPattern: 'item: \\S+' })).toThrow(
      /option itemKeyPattern: a regular expression with a capture group/,
    );
    expect(() =>
      resolveOptions({ accuracy: { overall: 0.9, perClass: { a: 1.5 } } }),
    ).toThrow(/option accuracy.perClass.a/);
    expect(() => resolveOptions({ faults: { slow: 0.1 } as never })).toThrow(
      /option faults/,
    );
  });

  it('reads command-line flags over a JSON config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-'));
    const config = join(dir, 'sim.json');
    writeFileSync(
      config,
      JSON.stringify({
        seed: 'file',
        faultRate: 0.1,
        truth: { a: { label: 'x' } },
      }),
    );
    expect(
      parseArgs([
        '--config',
        config,
        '--seed',
        '9',
        '--latency-ms',
        '100-300',
        '--port',
        '8123',
      ]),
    ).toEqual({
      seed: '9',
      faultRate: 0.1,
      truth: { a: { label: 'x' } },
      latencyMs: [100, 300],
      port: 8123,
    });
    expect(parseArgs(['--latency-ms', '50', '--fault-rate', '0.2'])).toEqual({
      latencyMs: 50,
      faultRate: 0.2,
    });
    expect(() => parseArgs(['--colour', 'red'])).toThrow(
      /unknown option --colour/,
    );
    expect(() => parseArgs(['--port', 'x'])).toThrow(
      /--port: a number expected/,
    );
  });
});
