import Database from 'better-sqlite3';
import { randomBytes } from 'crypto';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Client } from 'pg';

export type DbKind = 'sqlite' | 'postgres';

/** A fresh database for one benchmark run, removed by `dispose`. */
export interface BenchDatabase {
  kind: DbKind;
  /** Scratch folder of the run (config, logs, profiles, SQLite files). */
  dir: string;
  /** `backend.database` for the bench backend. */
  backendConfig: Record<string, unknown>;
  /** Read-only queries on the Chorus plugin's tables, after a run. */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  dispose(): Promise<void>;
}

/** Server for PostgreSQL runs; the same variable the tests read. */
export function postgresUrl(): string {
  return (
    process.env.CHORUS_BENCH_POSTGRES_URL ??
    process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING ??
    'postgresql://postgres@127.0.0.1:5432'
  );
}

export async function createBenchDatabase(
  kind: DbKind,
): Promise<BenchDatabase> {
  const dir = mkdtempSync(join(tmpdir(), `chorus-bench-${kind}-`));
  if (kind === 'sqlite') {
    return {
      kind,
      dir,
      // one file per plugin in `dir`, as the portal does in development
      backendConfig: {
        client: 'better-sqlite3',
        connection: { directory: dir },
      },
      async query<T>(sql: string) {
        const db = new Database(join(dir, 'annotation.sqlite'), {
          readonly: true,
        });
        try {
          return db.prepare(sql).all() as T[];
        } finally {
          db.close();
        }
      },
      async dispose() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  const server = new URL(postgresUrl());
  const name = `chorus_bench_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: server.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server.toString());
  url.pathname = `/${name}`;
  return {
    kind,
    dir,
    // every plugin in a schema of the one bench database, dropped afterwards
    backendConfig: {
      client: 'pg',
      connection: url.toString(),
      pluginDivisionMode: 'schema',
    },
    async query<T>(sql: string) {
      const client = new Client({ connectionString: url.toString() });
      await client.connect();
      try {
        await client.query('SET search_path TO annotation');
        return (await client.query(sql)).rows as T[];
      } finally {
        await client.end();
      }
    },
    async dispose() {
      const drop = new Client({ connectionString: server.toString() });
      await drop.connect();
      await drop.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await drop.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** URL of the bench database (PostgreSQL runs). */
export function benchDatabaseUrl(db: BenchDatabase): string {
  return String(db.backendConfig.connection);
}
