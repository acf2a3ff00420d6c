import Database from 'better-sqlite3';
import { join } from 'path';
import { Client } from 'pg';
import { pipeline } from 'stream/promises';
import { Readable } from 'stream';
import { from as copyFrom } from 'pg-copy-streams';
import { BenchDatabase } from './databases';
import { generateItems, rawRow, seededRandom } from './items';

/*
 * B1's reference: the same rows straight into a table shaped like `items`
 * (same columns, unique key and ordering indexes), by the driver the
 * backend uses, with no API, validation or knex in between.
 */

const PROJECT = '00000000-0000-0000-0000-000000000001';
const BATCH = 5000;

const COLUMNS = [
  'project_id',
  'external_id',
  'data',
  'predictions',
  'priority',
  'uncertainty',
  'random_key',
  'content_hash',
  'state',
  'slots_taken',
  'answer_count',
  'created_at',
  'updated_at',
];

function tableDdl(bigId: string) {
  return [
    `CREATE TABLE raw_items (
      id ${bigId},
      project_id varchar(36) NOT NULL,
      external_id varchar(255) NOT NULL,
      data text NOT NULL,
      predictions text,
      gold text,
      priority integer NOT NULL DEFAULT 0,
      uncertainty real NOT NULL DEFAULT 0,
      random_key integer NOT NULL,
      content_hash varchar(64) NOT NULL,
      state varchar(16) NOT NULL DEFAULT 'open',
      slots_taken integer NOT NULL DEFAULT 0,
      answer_count integer NOT NULL DEFAULT 0,
      created_at bigint NOT NULL,
      updated_at bigint NOT NULL
    )`,
    'CREATE UNIQUE INDEX raw_items_uniq ON raw_items (project_id, external_id)',
    'CREATE INDEX raw_items_priority ON raw_items (project_id, state, priority DESC, id)',
    'CREATE INDEX raw_items_random ON raw_items (project_id, state, random_key, id)',
    'CREATE INDEX raw_items_uncertainty ON raw_items (project_id, state, uncertainty DESC, id)',
  ];
}

function values(row: ReturnType<typeof rawRow>) {
  return [
    PROJECT,
    row.external_id,
    row.data,
    row.predictions,
    row.priority,
    row.uncertainty,
    row.random_key,
    row.content_hash,
    'open',
    0,
    0,
    row.created_at,
    row.updated_at,
  ];
}

/** Inserts `count` items raw; returns the seconds it took. */
export async function rawInsert(
  db: BenchDatabase,
  count: number,
  seed: number,
): Promise<number> {
  return db.kind === 'sqlite'
    ? rawSqlite(db, count, seed)
    : rawPostgres(db, count, seed);
}

async function rawSqlite(
  db: BenchDatabase,
  count: number,
  seed: number,
): Promise<number> {
  const sqlite = new Database(join(db.dir, 'raw.sqlite'));
  try {
    // as the backend's connection: foreign keys on, write-ahead log
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('journal_mode = WAL');
    for (const ddl of tableDdl('integer PRIMARY KEY AUTOINCREMENT')) {
      sqlite.exec(ddl);
    }
    const insert = sqlite.prepare(
      `INSERT INTO raw_items (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(
        () => '?',
      ).join(', ')})`,
    );
    const insertMany = sqlite.transaction((rows: unknown[][]) => {
      for (const row of rows) {
        insert.run(row);
      }
    });
    const random = seededRandom(seed + 1);
    const started = performance.now();
    let batch: unknown[][] = [];
    for (const item of generateItems(count, seed)) {
      batch.push(values(rawRow(item, Date.now(), random)));
      if (batch.length >= BATCH) {
        insertMany(batch);
        batch = [];
      }
    }
    insertMany(batch);
    return (performance.now() - started) / 1000;
  } finally {
    sqlite.close();
  }
}

const COPY_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** COPY text format: tab separated, backslash escapes, \N for null. */
function copyField(value: unknown): string {
  if (value === null || value === undefined) {
    return '\\N';
  }
  return String(value).replace(/[\\\t\n\r]/g, c => COPY_ESCAPES[c]);
}

/** The rows as COPY text, 500 lines per chunk. */
function* copyLines(count: number, seed: number) {
  const random = seededRandom(seed + 1);
  let chunk: string[] = [];
  for (const item of generateItems(count, seed)) {
    chunk.push(
      values(rawRow(item, Date.now(), random)).map(copyField).join('\t'),
    );
    if (chunk.length >= 500) {
      yield `${chunk.join('\n')}\n`;
      chunk = [];
    }
  }
  if (chunk.length) {
    yield `${chunk.join('\n')}\n`;
  }
}

async function rawPostgres(
  db: BenchDatabase,
  count: number,
  seed: number,
): Promise<number> {
  const client = new Client({
    connectionString: String(db.backendConfig.connection),
  });
  await client.connect();
  try {
    await client.query('CREATE SCHEMA bench_raw');
    await client.query('SET search_path TO bench_raw');
    for (const ddl of tableDdl('bigserial PRIMARY KEY')) {
      await client.query(ddl);
    }
    const started = performance.now();
    // one COPY for the whole stream: the fastest way in
    await pipeline(
      Readable.from(copyLines(count, seed)),
      client.query(
        copyFrom(`COPY raw_items (${COLUMNS.join(', ')}) FROM STDIN`),
      ),
    );
    return (performance.now() - started) / 1000;
  } finally {
    await client.end();
  }
}
