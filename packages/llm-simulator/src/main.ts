/*
 * `chorus-llm-simulator [--port N] [--seed S] [--latency-ms N|MIN-MAX]
 *   [--fault-rate R] [--api-key K] [--config file.json]`: serves the
 * simulator on 127.0.0.1 until interrupted. Flags override the config file,
 * whose keys are those of LlmSimulatorOptions.
 */
import { readFileSync } from 'fs';
import { resolve } from 'path';
import { LlmSimulatorOptions } from './options';
import { startLlmSimulator } from './server';

const USAGE = `usage: chorus-llm-simulator [--port N] [--seed S] [--latency-ms N|MIN-MAX]
  [--fault-rate R] [--api-key KEY] [--config file.json]`;

function number(flag: string, value: string): number {
  const n = Number(value);
  if (value === '' || !Number.isFinite(n)) {
    throw new Error(`${flag}: a number expected, got '${value}'\n${USAGE}`);
  }
  return n;
}

export function parseArgs(argv: string[]): LlmSimulatorOptions {
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) {
      throw new Error(`unexpected argument ${argv[i]}\n${USAGE}`);
    }
    flags[argv[i].slice(2)] = argv[i + 1];
  }
  let options: LlmSimulatorOptions = {};
  if (flags.config !== undefined) {
    // yarn runs scripts in the package folder; INIT_CWD is where it was typed
    const file = resolve(process.env.INIT_CWD ?? process.cwd(), flags.config);
    options = JSON.parse(readFileSync(file, 'utf8'));
  }
  for (const [flag, value] of Object.entries(flags)) {
    switch (flag) {
      case 'config':
        break;
      case 'port':
        options.port = number('--port', value);
        break;
      case 'seed':
        options.seed = value;
        break;
      case 'latency-ms': {
        const [min, max] = value.split('-');
        options.latencyMs =
          max === undefined
            ? number('--latency-ms', min)
            : [number('--latency-ms', min), number('--latency-ms', max)];
        break;
      }
      case 'fault-rate':
        options.faultRate = number('--fault-rate', value);
        break;
      case 'api-key':
        options.apiKey = value;
        break;
      default:
        throw new Error(`unknown option --${flag}\n${USAGE}`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  const simulator = await startLlmSimulator(parseArgs(process.argv.slice(2)));
  process.stdout.write(
    `Chorus LLM simulator (simulated answers, not a production provider) on ${simulator.url}/v1\n`,
  );
  const stop = () => {
    simulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** Starts the simulator from the command line's arguments. */
export function runMain(): void {
  main().catch(error => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
}

if (require.main === module) runMain();
