import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { ChildProcess, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import { closeSync, openSync, readFileSync, writeFileSync } from 'fs';
import net from 'net';
import { join } from 'path';
import { BenchDatabase } from './databases';
import { HttpClient } from './http';
import { log } from './report';
import { BENCH_USER_HEADER } from './benchSignIn';

export interface BenchBackend {
  baseUrl: string;
  pid: number;
  /** Caller with the static service token (acts as project manager). */
  service: HttpClient;
  /** Resident set size of the backend process, in bytes. */
  rssBytes(): number;
  /** CPU seconds the backend process has used so far. */
  cpuSeconds(): number;
  /** Signs a simulated annotator in through the bench auth provider. */
  signIn(userName: string): Promise<string>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** CPU seconds (user + system) a process has used so far. */
export function readCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // fields after the command name, which is in parentheses
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks
}

export function readRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status);
  return kb ? Number(kb[1]) * 1024 : NaN;
}

/**
 * Starts the bench backend (./backend.ts, TypeScript through the Backstage
 * CLI's require hook, no build) as a child process on a free port.
 */
export async function startBackend(
  db: BenchDatabase,
  options: {
    cpuProfileDir?: string;
    /** More `annotation` config (e.g. LLM providers and runner options). */
    annotation?: object;
  } = {},
): Promise<BenchBackend> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const serviceToken = randomBytes(24).toString('base64url');
  const configPath = join(db.dir, 'app-config.yaml');
  // JSON is YAML
  writeFileSync(
    configPath,
    JSON.stringify({
      app: { baseUrl },
      backend: {
        baseUrl,
        listen: { host: '127.0.0.1', port },
        database: db.backendConfig,
        auth: {
          externalAccess: [
            {
              type: 'static',
              options: { token: serviceToken, subject: 'chorus-bench' },
            },
          ],
        },
      },
      auth: { environment: 'development', providers: { bench: {} } },
      // the tier policy decides, as in the portal
      permission: { enabled: true },
      ...(options.annotation ? { annotation: options.annotation } : {}),
    }),
  );
  const logPath = join(db.dir, 'backend.log');
  const logFd = openSync(logPath, 'a');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--enable-source-maps',
      '--require',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      ...(options.cpuProfileDir
        ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir]
        : []),
      resolvePackagePath('@chorus/bench', 'src/backend.ts'),
      '--config',
      configPath,
    ],
    {
      // Backstage looks for the repository root from the working directory
      cwd: resolvePackagePath('@chorus/bench'),
      env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn' },
      stdio: ['ignore', logFd, logFd],
    },
  );
  closeSync(logFd);
  let exited: number | null = null;
  const exit = new Promise<void>(resolve =>
    child.on('exit', code => {
      exited = code ?? -1;
      resolve();
    }),
  );

  const probe = new HttpClient(baseUrl);
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited !== null) {
      throw new Error(
        `bench backend exited with ${exited}:\n${readFileSync(logPath, 'utf8')
          .split('\n')
          .slice(-40)
          .join('\n')}`,
      );
    }
    const ready = await probe
      .request('GET', '/.backstage/health/v1/readiness')
      .catch(() => undefined);
    if (ready?.status === 200) {
      break;
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`bench backend not ready after 120 s; see ${logPath}`);
    }
    await new Promise(r => setTimeout(r, 250));
  }
  probe.close();
  log(`backend pid ${child.pid} on ${baseUrl} (${db.kind})`);

  const anonymous = new HttpClient(baseUrl);
  return {
    baseUrl,
    pid: child.pid!,
    service: new HttpClient(baseUrl, serviceToken),
    rssBytes: () => readRssBytes(child.pid!),
    cpuSeconds: () => readCpuSeconds(child.pid!),
    async signIn(userName) {
      const body = await anonymous.expect<{
        backstageIdentity: { token: string };
      }>(200, 'GET', '/api/auth/bench/refresh?env=development', {
        headers: {
          [BENCH_USER_HEADER]: userName,
          'x-requested-with': 'XMLHttpRequest',
        },
      });
      return body.backstageIdentity.token;
    },
    async stop() {
      anonymous.close();
      if (exited === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exit;
        clearTimeout(timer);
      }
    },
  };
}

function machineTicks(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const ticks = cpu.trim().split(/\s+/).slice(1).map(Number);
  const idle = ticks[3] + (ticks[4] ?? 0); // idle + iowait
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/**
 * Where the CPU went during a phase: cores used by the backend, by this
 * (client) process, and by the whole machine (PostgreSQL, other work).
 */
export function startCpuMeter(backend: BenchBackend) {
  const wall = performance.now();
  const backendCpu = backend.cpuSeconds();
  const client = process.cpuUsage();
  const machine = machineTicks();
  return () => {
    const seconds = (performance.now() - wall) / 1000;
    const used = process.cpuUsage(client);
    const m = machineTicks();
    return {
      backendCores: (backend.cpuSeconds() - backendCpu) / seconds,
      clientCores: (used.user + used.system) / 1e6 / seconds,
      machineBusyShare: (m.busy - machine.busy) / (m.total - machine.total),
    };
  };
}

/** The bench's model on the simulator, and its prices (per million tokens). */
export const BENCH_MODEL = 'chorus-sim-1';
export const BENCH_PRICE = { inputPerMillion: 100, outputPerMillion: 400 };

/** The simulator at `url` as the backend's one LLM provider. */
export function simulatorProvider(url: string) {
  return {
    id: 'simulator',
    baseUrl: `${url}/v1`,
    apiKey: 'bench',
    defaultModel: BENCH_MODEL,
    models: { [BENCH_MODEL]: BENCH_PRICE },
    simulated: true,
  };
}
