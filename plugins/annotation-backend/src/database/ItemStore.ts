import { ProjectProgress } from '@chorus/plugin-annotation-common';
import { Knex } from 'knex';
import { CopyStreamQuery, from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import { v4 as uuid } from 'uuid';
import { addToCounters, CounterName, readCounters } from './counters';
import { isPostgres } from './slots';
import { isSqlite } from './sqlite';
import { isItemId, isUniqueViolation, parseJson, toNumber } from './util';

/**
 * One valid line of an import, ready to store: its JSON fields as text, so a
 * batch waiting to be stored holds strings rather than object graphs.
 */
export interface ImportItem {
  line: number;
  externalId: string;
  dataJson: string;
  predictionsJson?: string;
  goldJson?: string;
  priority: number;
  uncertainty: number;
  contentHash: string;
}

export interface ImportRejection {
  line: number;
  externalId?: string;
  reason: string;
}

export interface ImportBatchOutcome {
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: ImportRejection[];
}

/**
 * `open`, `full` and `complete` are the regular items' slot states (see
 * slots.ts); `gold` is an item imported with its answer, a honeypot: never
 * in the regular pool, leased to any number of annotators without a slot.
 */
export type ItemState = 'open' | 'full' | 'complete' | 'gold';

export interface ItemRecord {
  id: string;
  projectId: string;
  externalId: string;
  data: unknown;
  predictions?: unknown;
  gold?: unknown;
  priority: number;
  state: ItemState;
  answerCount: number;
}

/** Storage of a project's items. */
export interface ItemStore {
  /**
   * Stores a batch in one transaction, by external id: new ones are
   * inserted, changed ones updated unless someone has answered or holds
   * them (then rejected), identical ones left alone. Safe to re-run.
   * `likelyNew` (the import's batches so far were all new) lets PostgreSQL
   * copy the batch without looking its ids up first; any stored id sends
   * it down the usual path, with the same outcome.
   */
  importBatch(
    projectId: string,
    items: ImportItem[],
    importId?: string,
    options?: { likelyNew?: boolean },
  ): Promise<ImportBatchOutcome>;
  get(projectId: string, itemId: string): Promise<ItemRecord | undefined>;
  /**
   * Items by state, answers, skips and per-annotator figures, from counters;
   * with `medians`, also each annotator's median time per answer.
   */
  progress(
    projectId: string,
    options?: { medians?: boolean },
  ): Promise<ProjectProgress>;
  /**
   * One annotator's queue: items they can still answer (not complete, not
   * answered or skipped by them) and their own counts.
   */
  queueFor(
    projectId: string,
    annotator: string,
  ): Promise<{ remaining: number; annotations: number; skips: number }>;
  /** Records the start of an import request; returns its id. */
  startImport(projectId: string, actor: string): Promise<string>;
  finishImport(
    importId: string,
    status: 'done' | 'failed',
    summary: unknown,
  ): Promise<void>;
  /** A project's import requests, newest first. */
  listImports(projectId: string, limit: number): Promise<ImportRecord[]>;
  /** The first items of a project (by id): samples of its data's shape. */
  firstItems(projectId: string, limit: number): Promise<ItemRecord[]>;
  /**
   * Marks `interrupted` the imports still `running` whose last batch is
   * older than `staleAfterMs` (their backend died); returns how many.
   */
  sweepStaleImports(staleAfterMs: number): Promise<number>;
}

export type ImportStatus = 'running' | 'done' | 'failed' | 'interrupted';

export interface ImportRecord {
  id: string;
  status: ImportStatus;
  createdBy: string;
  startedAt: string;
  updatedAt: string;
  finishedAt?: string;
  /** The import's summary, or `{ error }` when it stopped. */
  summary?: Record<string, unknown>;
}

/** The summary of an import whose backend stopped while it ran. */
export const INTERRUPTED_IMPORT_MESSAGE =
  'the import stopped when its backend did; re-run it with the same file (imports are idempotent: stored items are not duplicated)';

export interface ItemRow {
  id: number | string;
  project_id: string;
  external_id: string;
  data: string;
  predictions: string | null;
  gold: string | null;
  priority: number;
  state: ItemState;
  answer_count: number | string;
  slots_taken: number | string;
  content_hash: string;
}

// multi-row inserts (PostgreSQL's fallback path): 14 bound values per row
const INSERT_CHUNK = 1000;

export function itemFromRow(row: ItemRow): ItemRecord {
  return {
    id: String(row.id),
    projectId: row.project_id,
    externalId: row.external_id,
    data: parseJson(row.data),
    ...(row.predictions ? { predictions: parseJson(row.predictions) } : {}),
    ...(row.gold ? { gold: parseJson(row.gold) } : {}),
    priority: toNumber(row.priority),
    state: row.state,
    answerCount: toNumber(row.answer_count),
  };
}

/**
 * PostgreSQL plans by its statistics, which autovacuum renews a minute or
 * more after a table has grown by a tenth. An import is faster: with
 * statistics taken when the project was small, the batch's existing-id
 * lookup was planned as a walk over the whole project (B1: 300 ms per batch
 * at 500,000 items, and growing). So the import renews them itself, each
 * time a project has doubled (and at least this much) since.
 */
const ANALYZE_AFTER_ITEMS = 10_000;

export class KnexItemStore implements ItemStore {
  /** Per project: items this process inserted by its last ANALYZE, and since. */
  private readonly growth = new Map<
    string,
    { analysed: number; since: number }
  >();

  constructor(private readonly knex: Knex) {}

  async importBatch(
    projectId: string,
    items: ImportItem[],
    importId?: string,
    options: { likelyNew?: boolean } = {},
  ): Promise<ImportBatchOutcome> {
    const outcome: ImportBatchOutcome = {
      inserted: 0,
      updated: 0,
      unchanged: 0,
      rejected: [],
    };
    // a repeated external id within one batch: the first line wins
    const byId = new Map<string, ImportItem>();
    for (const item of items) {
      const first = byId.get(item.externalId);
      if (first) {
        outcome.rejected.push({
          line: item.line,
          externalId: item.externalId,
          reason: `externalId: "${item.externalId}" already appears on line ${first.line}`,
        });
      } else {
        byId.set(item.externalId, item);
      }
    }
    if (byId.size === 0) {
      return outcome;
    }
    if (
      options.likelyNew &&
      isPostgres(this.knex) &&
      (await this.copyAllNew(projectId, [...byId.values()], importId))
    ) {
      outcome.inserted = byId.size;
      await this.keepStatisticsFresh(projectId, outcome.inserted);
      return outcome;
    }

    await this.knex.transaction(async tx => {
      const existing = await findExisting(tx, projectId, [...byId.keys()]);
      const now = Date.now();
      if (importId) {
        // the sweep's sign of life
        await tx('imports').where({ id: importId }).update({ updated_at: now });
      }
      const fresh: ImportItem[] = [];
      const changed: Changed[] = [];
      const moved: Partial<Record<CounterName, number>> = {};
      for (const item of byId.values()) {
        const row = existing.get(item.externalId);
        if (!row) {
          fresh.push(item);
        } else if (row.content_hash === item.contentHash) {
          outcome.unchanged += 1;
        } else {
          changed.push({ row, item });
        }
      }
      const written = await updateChanged(tx, changed, now);
      for (const { row, item } of changed) {
        if (!written.has(String(row.id))) {
          outcome.rejected.push(notUpdated(item));
          continue;
        }
        // it was `open` or `gold` and still is: adding or removing the
        // gold answer moves it in or out of the regular pool
        const state = initialState(item);
        if (state !== row.state) {
          addTo(moved, `items.${row.state}`, -1);
          addTo(moved, `items.${state}`, 1);
        }
        outcome.updated += 1;
      }

      // another import of the same file may have inserted some meanwhile:
      // those count as unchanged
      const inserted = await insertFresh(tx, projectId, fresh, now);
      outcome.inserted += inserted.open + inserted.gold;
      outcome.unchanged += fresh.length - inserted.open - inserted.gold;
      addTo(moved, 'items.open', inserted.open);
      addTo(moved, 'items.gold', inserted.gold);
      await addToCounters(tx, projectId, moved);
    });
    // as in copyItems: not left reachable through the finished transaction
    byId.clear();
    await this.keepStatisticsFresh(projectId, outcome.inserted);
    return outcome;
  }

  /**
   * PostgreSQL: the batch in one COPY, no lookup (a 2,000-id lookup's
   * planning alone costs milliseconds); false, with nothing stored, when
   * any of its ids is stored already.
   */
  private async copyAllNew(
    projectId: string,
    fresh: ImportItem[],
    importId: string | undefined,
  ): Promise<boolean> {
    // let go of once sent, for the reason given in copyItems
    let batch: ImportItem[] | undefined = fresh;
    try {
      await this.knex.transaction(async tx => {
        const now = Date.now();
        if (importId) {
          await tx('imports')
            .where({ id: importId })
            .update({ updated_at: now });
        }
        await copyItems(tx, projectId, batch!, now);
        const moved: Partial<Record<CounterName, number>> = {};
        batch!.forEach(item => addTo(moved, `items.${initialState(item)}`, 1));
        await addToCounters(tx, projectId, moved);
      });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) {
        return false;
      }
      throw error;
    } finally {
      batch = undefined;
    }
  }

  private async keepStatisticsFresh(projectId: string, inserted: number) {
    if (!isPostgres(this.knex) || !inserted) {
      return;
    }
    const growth = this.growth.get(projectId) ?? { analysed: 0, since: 0 };
    this.growth.set(projectId, growth);
    growth.since += inserted;
    if (growth.since >= Math.max(ANALYZE_AFTER_ITEMS, growth.analysed)) {
      growth.analysed += growth.since;
      growth.since = 0;
      // the batch is stored: statistics are only a planner's aid, and a
      // failure here must not report the import as failed
      await this.knex.raw('ANALYZE items').catch(() => {});
    }
  }

  async progress(
    projectId: string,
    options: { medians?: boolean } = {},
  ): Promise<ProjectProgress> {
    const counters = await readCounters(this.knex, projectId);
    const stats = await this.knex('annotator_stats')
      .where({ project_id: projectId })
      .orderBy('annotator');
    const medians = options.medians
      ? await medianTimes(this.knex, projectId)
      : new Map<string, number>();
    const open = counters['items.open'];
    const full = counters['items.full'];
    const complete = counters['items.complete'];
    return {
      items: {
        total: open + full + complete,
        open,
        full,
        complete,
        gold: counters['items.gold'],
      },
      annotations: counters.annotations,
      skips: counters.skips,
      annotators: stats.map(row => ({
        annotator: row.annotator,
        annotations: toNumber(row.annotations),
        skips: toNumber(row.skips),
        timeSpentMs: toNumber(row.time_spent_ms),
        ...(medians.has(row.annotator)
          ? { medianTimeMs: medians.get(row.annotator) }
          : {}),
      })),
    };
  }

  async queueFor(projectId: string, annotator: string) {
    const counters = await readCounters(this.knex, projectId);
    const stats = await this.knex('annotator_stats')
      .where({ project_id: projectId, annotator })
      .first('annotations', 'skips');
    // Open and full items minus the ones this annotator is done with (gold
    // items are no one's queue). The query walks their own answers and
    // skips (by index), then each item by key: it grows with their work,
    // never with the project's size.
    const [{ n }] = await this.knex
      .from(
        this.knex
          .select('item_id')
          .from('annotations')
          .where({ project_id: projectId, annotator })
          .union(qb =>
            qb
              .select('item_id')
              .from('skips')
              .where({ project_id: projectId, annotator }),
          )
          .as('mine'),
      )
      .join('items', 'items.id', 'mine.item_id')
      .whereIn('items.state', ['open', 'full'])
      .count({ n: '*' });
    const notComplete = counters['items.open'] + counters['items.full'];
    return {
      remaining: Math.max(0, notComplete - toNumber(n)),
      annotations: toNumber(stats?.annotations),
      skips: toNumber(stats?.skips),
    };
  }

  async startImport(projectId: string, actor: string): Promise<string> {
    const id = uuid();
    await this.knex('imports').insert(startImportRow(id, projectId, actor));
    return id;
  }

  async finishImport(
    importId: string,
    status: 'done' | 'failed',
    summary: unknown,
  ): Promise<void> {
    const now = Date.now();
    await this.knex('imports')
      .where({ id: importId })
      .update({
        status,
        summary: JSON.stringify(summary),
        finished_at: now,
        updated_at: now,
      });
  }

  async firstItems(projectId: string, limit: number): Promise<ItemRecord[]> {
    const rows = await this.knex<ItemRow>('items')
      .where({ project_id: projectId })
      .orderBy('id')
      .limit(limit);
    return rows.map(itemFromRow);
  }

  async listImports(projectId: string, limit: number): Promise<ImportRecord[]> {
    const rows = await this.knex('imports')
      .where({ project_id: projectId })
      .orderBy('started_at', 'desc')
      .limit(limit);
    return rows.map(row => ({
      id: row.id,
      status: row.status,
      createdBy: row.created_by,
      startedAt: new Date(toNumber(row.started_at)).toISOString(),
      updatedAt: new Date(toNumber(row.updated_at)).toISOString(),
      ...(row.finished_at !== null
        ? { finishedAt: new Date(toNumber(row.finished_at)).toISOString() }
        : {}),
      ...(row.summary ? { summary: parseJson(row.summary) } : {}),
    }));
  }

  async sweepStaleImports(staleAfterMs: number): Promise<number> {
    const now = Date.now();
    // conditional on `running`: a replica's finish and the sweep never both win
    return this.knex('imports')
      .where({ status: 'running' })
      .where('updated_at', '<', now - staleAfterMs)
      .update({
        status: 'interrupted',
        summary: JSON.stringify({ error: INTERRUPTED_IMPORT_MESSAGE }),
        finished_at: now,
      });
  }

  async get(
    projectId: string,
    itemId: string,
  ): Promise<ItemRecord | undefined> {
    if (!isItemId(itemId)) {
      return undefined;
    }
    const row = await this.knex<ItemRow>('items')
      .where({ project_id: projectId, id: itemId })
      .first();
    return row ? itemFromRow(row) : undefined;
  }
}

/** Answers per annotator that the median reads: their latest ones. */
export const MEDIAN_WINDOW = 1000;

/**
 * Each annotator's median time per answer over their latest MEDIAN_WINDOW
 * answers, in whole ms. Bounded work per annotator (the history index gives
 * their latest answers), however large the project; the window also shows
 * the current pace rather than last month's.
 */
async function medianTimes(
  knex: Knex,
  projectId: string,
): Promise<Map<string, number>> {
  const medians = new Map<string, number>();
  if (isPostgres(knex)) {
    const { rows } = await knex.raw(
      `SELECT s.annotator,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY x.time_spent_ms) AS median
       FROM annotator_stats s
       CROSS JOIN LATERAL (
         SELECT a.time_spent_ms FROM annotations a
         WHERE a.project_id = s.project_id AND a.annotator = s.annotator
         ORDER BY a.created_at DESC LIMIT ?
       ) x
       WHERE s.project_id = ?
       GROUP BY s.annotator`,
      [MEDIAN_WINDOW, projectId],
    );
    for (const row of rows as Array<{ annotator: string; median: unknown }>) {
      medians.set(row.annotator, Math.round(toNumber(row.median)));
    }
    return medians;
  }
  const annotators = await knex('annotator_stats')
    .where({ project_id: projectId })
    .andWhere('annotations', '>', 0)
    .pluck('annotator');
  for (const annotator of annotators) {
    const times = (
      await knex('annotations')
        .where({ project_id: projectId, annotator })
        .orderBy('created_at', 'desc')
        .limit(MEDIAN_WINDOW)
        .pluck('time_spent_ms')
    )
      .map(toNumber)
      .sort((a, b) => a - b);
    if (times.length) {
      const mid = times.length >> 1;
      // as percentile_cont: the mean of the middle two of an even count
      medians.set(
        annotator,
        Math.round(
          times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2,
        ),
      );
    }
  }
  return medians;
}

export function startImportRow(
  importId: string,
  projectId: string,
  actor: string,
) {
  const now = Date.now();
  return {
    id: importId,
    project_id: projectId,
    created_by: actor,
    status: 'running',
    started_at: now,
    updated_at: now,
  };
}

type ExistingRow = Pick<
  ItemRow,
  'id' | 'external_id' | 'content_hash' | 'state'
>;

/** A new item is a honeypot when it comes with its gold answer. */
function initialState(item: ImportItem): ItemState {
  return item.goldJson === undefined ? 'open' : 'gold';
}

function addTo(
  deltas: Partial<Record<CounterName, number>>,
  name: CounterName,
  delta: number,
) {
  deltas[name] = (deltas[name] ?? 0) + delta;
}

/** Whether anyone holds a lease on the item (live or not yet swept). */
function notUpdated(item: ImportItem) {
  return {
    line: item.line,
    externalId: item.externalId,
    reason:
      'item already has annotations or is being annotated; it was not updated',
  };
}

/** A stored item whose line changed, and that line. */
interface Changed {
  row: ExistingRow;
  item: ImportItem;
}

/** The columns a changed line rewrites. */
function changedColumns(item: ImportItem) {
  return {
    data: item.dataJson,
    predictions: item.predictionsJson ?? null,
    gold: item.goldJson ?? null,
    priority: item.priority,
    uncertainty: item.uncertainty,
    content_hash: item.contentHash,
    state: initialState(item),
  };
}

/**
 * The items a changed line may rewrite: in the state it was read in, and
 * nobody's work, that is `open` or `gold` (not settled, say by an
 * auto-accepting LLM), unanswered, no slot taken and no lease (a gold
 * lease takes no slot). `readState` is SQL for the state read.
 */
function rewritable(readState: string): string {
  return `items.state = ${readState} AND items.state IN ('open', 'gold')
    AND items.answer_count = 0 AND items.slots_taken = 0
    AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.item_id = items.id)`;
}

/**
 * Rewrites the changed items that are still `rewritable`; the ids written.
 * PostgreSQL: the batch's rows are locked in id order (the order of every
 * many-row writer; a claim holds its item's row, and a gold lease's
 * foreign-key check waits for the lock), then one statement, with a
 * snapshot taken after the lock, writes them all (a statement per item made
 * a re-import of changed lines several times slower than the first
 * import). SQLite: one write transaction at a time, a statement per item.
 */
async function updateChanged(
  tx: Knex.Transaction,
  changed: Changed[],
  now: number,
): Promise<Set<string>> {
  const written = new Set<string>();
  if (!changed.length) {
    return written;
  }
  if (isPostgres(tx)) {
    const ids = changed.map(({ row }) => String(row.id));
    await tx.raw(
      'SELECT id FROM items WHERE id = ANY(:ids) ORDER BY id FOR UPDATE',
      { ids },
    );
    const { rows } = await tx.raw(
      `UPDATE items SET data = c.data, predictions = c.predictions,
         gold = c.gold, priority = c.priority, uncertainty = c.uncertainty,
         content_hash = c.content_hash, state = c.state, updated_at = :now
       FROM json_to_recordset(:changed::json) AS c(id bigint, data text,
         predictions text, gold text, priority integer,
         uncertainty double precision, content_hash text, state text,
         read_state text)
       WHERE items.id = c.id AND ${rewritable('c.read_state')}
       RETURNING items.id`,
      {
        now,
        changed: JSON.stringify(
          changed.map(({ row, item }) => ({
            id: String(row.id),
            ...changedColumns(item),
            read_state: row.state,
          })),
        ),
      },
    );
    rows.forEach((r: { id: string | number }) => written.add(String(r.id)));
    return written;
  }
  for (const { row, item } of changed) {
    const count = await tx('items')
      .where({ id: row.id })
      .whereRaw(rewritable('?'), [row.state])
      .update({ ...changedColumns(item), updated_at: now });
    if (count) {
      written.add(String(row.id));
    }
  }
  return written;
}

const ITEM_COLUMNS = [
  'project_id',
  'external_id',
  'data',
  'predictions',
  'gold',
  'priority',
  'uncertainty',
  'random_key',
  'content_hash',
  'state',
  'slots_taken',
  'answer_count',
  'created_at',
  'updated_at',
] as const;

function itemValues(projectId: string, item: ImportItem, now: number) {
  return [
    projectId,
    item.externalId,
    item.dataJson,
    item.predictionsJson ?? null,
    item.goldJson ?? null,
    item.priority,
    item.uncertainty,
    Math.floor(Math.random() * 2_147_483_647),
    item.contentHash,
    initialState(item),
    0,
    0,
    now,
    now,
  ];
}

/*
 * The import's two hot statements go to the driver directly: through knex,
 * each SQLite statement is compiled anew and multi-row inserts become
 * compound SELECTs (at most 500 terms), and PostgreSQL has no COPY. The
 * connection is the transaction's own (knex hands it out inside `tx`).
 */

interface SqliteStatement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
}
interface SqliteConnection {
  prepare(sql: string): SqliteStatement;
}

const sqliteStatements = new WeakMap<
  SqliteConnection,
  { existing: SqliteStatement; insert: SqliteStatement }
>();

async function sqliteStatementsOf(tx: Knex.Transaction) {
  const conn: SqliteConnection = await tx.client.acquireConnection();
  let statements = sqliteStatements.get(conn);
  if (!statements) {
    statements = {
      existing: conn.prepare(
        `SELECT id, external_id, content_hash, state
         FROM items WHERE project_id = ? AND external_id = ?`,
      ),
      insert: conn.prepare(
        `INSERT INTO items (${ITEM_COLUMNS.join(', ')})
         VALUES (${ITEM_COLUMNS.map(() => '?').join(', ')})
         ON CONFLICT (project_id, external_id) DO NOTHING`,
      ),
    };
    sqliteStatements.set(conn, statements);
  }
  return statements;
}

/** The stored rows of these external ids, by external id. */
async function findExisting(
  tx: Knex.Transaction,
  projectId: string,
  ids: string[],
): Promise<Map<string, ExistingRow>> {
  const existing = new Map<string, ExistingRow>();
  if (isSqlite(tx)) {
    const { existing: select } = await sqliteStatementsOf(tx);
    for (const id of ids) {
      const row = select.get(projectId, id) as ExistingRow | undefined;
      if (row) {
        existing.set(id, row);
      }
    }
    return existing;
  }
  const query = tx<ItemRow>('items')
    .select('id', 'external_id', 'content_hash', 'state')
    .where('project_id', projectId);
  const rows = isPostgres(tx)
    ? await query.whereRaw('external_id = ANY(?)', [ids])
    : await query.whereIn('external_id', ids);
  rows.forEach(r => existing.set(r.external_id, r));
  return existing;
}

/**
 * Inserts new items, skipping external ids stored meanwhile; how many of
 * each initial state.
 */
async function insertFresh(
  tx: Knex.Transaction,
  projectId: string,
  fresh: ImportItem[],
  now: number,
): Promise<{ open: number; gold: number }> {
  const inserted = { open: 0, gold: 0 };
  if (!fresh.length) {
    return inserted;
  }
  if (isSqlite(tx)) {
    const { insert } = await sqliteStatementsOf(tx);
    for (const item of fresh) {
      inserted[initialState(item) as 'open' | 'gold'] += insert.run(
        itemValues(projectId, item, now),
      ).changes;
    }
    return inserted;
  }
  if (isPostgres(tx)) {
    // COPY is several times faster than INSERT, but cannot skip conflicts:
    // if a concurrent import stored some of these ids, undo and insert
    await tx.raw('SAVEPOINT items_copy');
    try {
      await copyItems(tx, projectId, fresh, now);
      await tx.raw('RELEASE SAVEPOINT items_copy');
      // COPY stores every row or fails
      for (const item of fresh) {
        inserted[initialState(item) as 'open' | 'gold'] += 1;
      }
      return inserted;
    } catch (error) {
      if (!isUniqueViolation(error)) {
        throw error;
      }
      await tx.raw('ROLLBACK TO SAVEPOINT items_copy');
    }
  }
  for (let i = 0; i < fresh.length; i += INSERT_CHUNK) {
    const rows = fresh.slice(i, i + INSERT_CHUNK).map(item => {
      const values = itemValues(projectId, item, now);
      return Object.fromEntries(ITEM_COLUMNS.map((c, k) => [c, values[k]]));
    });
    const stored: Array<{ state: 'open' | 'gold' }> = await tx('items')
      .insert(rows)
      .onConflict(['project_id', 'external_id'])
      .ignore()
      .returning('state');
    for (const { state } of stored) {
      inserted[state] += 1;
    }
  }
  return inserted;
}

const COPY_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

const NEEDS_ESCAPE = /[\\\n\r\t]/;
const ESCAPE_ALL = new RegExp(NEEDS_ESCAPE.source, 'g');

/** A value in COPY's text format: backslash escapes, \N for null. */
export function copyText(value: unknown): string {
  if (value === null || value === undefined) {
    return '\\N';
  }
  const text = String(value);
  // most values need no escape: test first, as replace builds a new string
  return NEEDS_ESCAPE.test(text)
    ? text.replace(ESCAPE_ALL, c => COPY_ESCAPES[c])
    : text;
}

async function copyItems(
  tx: Knex.Transaction,
  projectId: string,
  items: ImportItem[],
  now: number,
): Promise<void> {
  const conn: { query(stream: CopyStreamQuery): CopyStreamQuery } =
    await tx.client.acquireConnection();
  const copy = conn.query(
    copyFrom(`COPY items (${ITEM_COLUMNS.join(', ')}) FROM STDIN`),
  );
  // After the COPY, this generator and the caller's transaction callback
  // stay reachable from V8's old generation until a full collection, and
  // with them the batch: its lines were promoted and a million-line import
  // grew the backend by hundreds of megabytes (B1). Both let go of the
  // batch once it is sent.
  let batch: ImportItem[] | undefined = items;
  // 500 rows a chunk, each chunk joined once (no string per row)
  function* rows() {
    for (let i = 0; i < batch!.length; i += 500) {
      const parts: string[] = [];
      for (const item of batch!.slice(i, i + 500)) {
        const values = itemValues(projectId, item, now);
        for (let v = 0; v < values.length; v++) {
          parts.push(copyText(values[v]), v < values.length - 1 ? '\t' : '\n');
        }
      }
      yield parts.join('');
    }
  }
  try {
    await pipeline(Readable.from(rows()), copy);
  } finally {
    batch = undefined;
  }
}
