import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { ChildProcess, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import fs from 'fs';
import knexFactory, { Knex } from 'knex';
import net from 'net';
import os from 'os';
import path from 'path';

/*
 * A real backend holding only Chorus, in a child process a test can kill
 * with SIGKILL and start again on the same database (R2). The process is
 * the demo backend's Chorus-only fixture
 * (packages/backend/src/integration/__fixtures__/annotationBackend.ts),
 * started by path: this package cannot depend on the backend, which
 * depends on it. The backend's own R2 test imports these helpers through
 * `@chorus/plugin-annotation-backend/testUtils`.
 */

// this package's directory is plugins/annotation-backend in the repository
const REPO = path.resolve(
  resolvePackagePath('@chorus/plugin-annotation-backend'),
  '../..',
);
const BACKEND_DIR = path.join(REPO, 'packages/backend');
const FIXTURE = path.join(
  BACKEND_DIR,
  'src/integration/__fixtures__/annotationBackend.ts',
);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** A database for the child, and the test's own connection to it. */
export interface ChildDatabase {
  /** `backend.database` of the child's config. */
  config: object;
  /** The Chorus plugin's own database, as the backend names it. */
  open(): Knex;
  cleanup(): Promise<void>;
}

export function sqliteDatabase(): ChildDatabase {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-kill-'));
  return {
    config: { client: 'better-sqlite3', connection: { directory: dir } },
    open: () =>
      knexFactory({
        client: 'better-sqlite3',
        connection: { filename: path.join(dir, 'annotation.sqlite') },
        useNullAsDefault: true,
      }),
    cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export function postgresDatabase(): ChildDatabase {
  const url = new URL(
    process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING ??
      'postgresql://postgres@127.0.0.1:5432',
  );
  const prefix = `chorus_kill_${randomBytes(4).toString('hex')}_`;
  const connection = {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username || 'postgres'),
    password: decodeURIComponent(url.password),
  };
  return {
    config: { client: 'pg', connection, prefix },
    open: () =>
      knexFactory({
        client: 'pg',
        connection: { ...connection, database: `${prefix}annotation` },
      }),
    cleanup: async () => {
      const admin = knexFactory({
        client: 'pg',
        connection: { ...connection, database: 'postgres' },
      });
      await admin.raw(`DROP DATABASE IF EXISTS "${prefix}annotation"`);
      await admin.destroy();
    },
  };
}

/**
 * Writes the child's config file: port, database, `annotation`, and any
 * more `backend` settings (such as `auth.externalAccess`).
 */
export function backendConfig(
  port: number,
  database: ChildDatabase,
  annotation: object,
  backend: object = {},
): string {
  const file = path.join(
    fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-kill-config-')),
    'app-config.json',
  );
  fs.writeFileSync(
    file,
    JSON.stringify({
      backend: {
        ...backend,
        baseUrl: `http://localhost:${port}`,
        listen: { port },
        database: database.config,
      },
      annotation,
    }),
  );
  return file;
}

/** Starts the Chorus-only backend; resolves once it is ready. */
export async function startBackend(
  configFile: string,
  port: number,
): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--require',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      FIXTURE,
      '--config',
      configFile,
    ],
    { cwd: BACKEND_DIR, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', d => (output += d));
  child.stderr!.on('data', d => (output += d));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`backend exited early:\n${output.slice(-3000)}`);
    }
    try {
      const res = await fetch(
        `http://localhost:${port}/.backstage/health/v1/readiness`,
      );
      if (res.ok) {
        return child;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`backend did not start:\n${output.slice(-3000)}`);
    }
    await new Promise(r => setTimeout(r, 250));
  }
}

/** SIGKILL, and wait until it is gone. */
export async function killed(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  await new Promise(resolve => {
    child.once('exit', resolve);
    child.kill('SIGKILL');
  });
}
