/*
 * `yarn bench <name> [--db sqlite|postgres|both] [options]`: runs one
 * benchmark of docs/benchmarks.md against the real backend and prints one
 * JSON line per figure on stdout (progress goes to stderr).
 */
import { resolve } from 'path';
import { runB1 } from './b1Import';
import { runB2 } from './b2Lease';
import { runB3 } from './b3Quality';
import { runB4 } from './b4Llm';
import { runB7 } from './b7Economics';
import { DbKind } from './databases';
import { log } from './report';

const USAGE = `usage: yarn bench <b1|b2|b3|b4|b7> [--db sqlite|postgres|both]
  [--items N] [--seed N] [--seconds N] [--annotators N] [--warmup N]
  [--cpu-prof DIR]   write V8 CPU profiles of the backend into DIR`;

function parseArgs(argv: string[]) {
  const [name, ...rest] = argv;
  const flags: Record<string, string> = {};
  for (let i = 0; i < rest.length; i += 2) {
    if (!rest[i].startsWith('--') || rest[i + 1] === undefined) {
      throw new Error(`unexpected argument ${rest[i]}\n${USAGE}`);
    }
    flags[rest[i].slice(2)] = rest[i + 1];
  }
  const number = (key: string, fallback: number) => {
    const value = flags[key] === undefined ? fallback : Number(flags[key]);
    if (!Number.isFinite(value) || value <= 0) {
      throw new Error(`--${key}: a positive number expected`);
    }
    return value;
  };
  const db = flags.db ?? 'both';
  if (!['sqlite', 'postgres', 'both'].includes(db)) {
    throw new Error(`--db: sqlite, postgres or both expected\n${USAGE}`);
  }
  const known = [
    'db',
    'items',
    'seed',
    'seconds',
    'annotators',
    'warmup',
    'cpu-prof',
  ];
  const unknown = Object.keys(flags).filter(k => !known.includes(k));
  if (unknown.length) {
    throw new Error(`unknown option --${unknown[0]}\n${USAGE}`);
  }
  return {
    name,
    dbs: (db === 'both' ? ['sqlite', 'postgres'] : [db]) as DbKind[],
    items: number('items', 1_000_000),
    seed: number('seed', 42),
    seconds: number('seconds', 60),
    annotators: number('annotators', 64),
    warmupSeconds: number('warmup', 3),
    cpuProfileDir: flags['cpu-prof']
      ? // yarn runs the script in this package; INIT_CWD is where it was typed
        resolve(process.env.INIT_CWD ?? process.cwd(), flags['cpu-prof'])
      : undefined,
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.name === 'b3') {
    // pure computation, no database: --items defaults to 300,000
    const pass = await runB3({
      items: process.argv.includes('--items') ? args.items : 300_000,
      seed: args.seed,
    });
    log(pass ? 'all targets met' : 'some targets missed');
    process.exitCode = pass ? 0 : 1;
    return;
  }
  if (args.name === 'b7' && !process.argv.includes('--items')) {
    args.items = 20_000; // B7's fixed size
  }
  const run = {
    b1: runB1,
    b2: runB2,
    b4: runB4,
    b7: runB7,
  }[args.name];
  if (!run) {
    throw new Error(`unknown benchmark "${args.name}"\n${USAGE}`);
  }
  let pass = true;
  // one database after the other: the machine has two cores
  for (const db of args.dbs) {
    pass = (await run(db, args)) && pass;
  }
  log(pass ? 'all targets met' : 'some targets missed');
  process.exitCode = pass ? 0 : 1;
}

main().catch(error => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exitCode = 2;
});
