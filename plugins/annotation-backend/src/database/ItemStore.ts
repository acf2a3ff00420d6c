import { ProjectProgress } from '@chorus/plugin-annotation-common';
import { Knex } from 'knex';
import { v4 as uuid } from 'uuid';
import { addToCounters, readCounters } from './counters';
import { parseJson, toNumber } from './util';

/** One valid line of an import, ready to store. */
export interface ImportItem {
  line: number;
  externalId: string;
  data: unknown;
  predictions?: unknown;
  gold?: unknown;
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

export type ItemState = 'open' | 'full' | 'complete';

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
   */
  importBatch(
    projectId: string,
    items: ImportItem[],
  ): Promise<ImportBatchOutcome>;
  get(projectId: string, itemId: string): Promise<ItemRecord | undefined>;
  /** Items by state, answers, skips and per-annotator figures, from counters. */
  progress(projectId: string): Promise<ProjectProgress>;
  /** Records the start of an import request; returns its id. */
  startImport(projectId: string, actor: string): Promise<string>;
  finishImport(
    importId: string,
    status: 'done' | 'failed',
    summary: unknown,
  ): Promise<void>;
}

interface ItemRow {
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

// SQLite allows 32766 bound values per statement; 14 columns per row
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

export class KnexItemStore implements ItemStore {
  constructor(private readonly knex: Knex) {}

  async importBatch(
    projectId: string,
    items: ImportItem[],
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

    await this.knex.transaction(async tx => {
      const existing = new Map<
        string,
        Pick<
          ItemRow,
          'id' | 'external_id' | 'content_hash' | 'answer_count' | 'slots_taken'
        >
      >();
      const ids = [...byId.keys()];
      for (let i = 0; i < ids.length; i += INSERT_CHUNK) {
        const rows = await tx<ItemRow>('items')
          .select(
            'id',
            'external_id',
            'content_hash',
            'answer_count',
            'slots_taken',
          )
          .where('project_id', projectId)
          .whereIn('external_id', ids.slice(i, i + INSERT_CHUNK));
        rows.forEach(r => existing.set(r.external_id, r));
      }

      const now = Date.now();
      const fresh: ImportItem[] = [];
      for (const item of byId.values()) {
        const row = existing.get(item.externalId);
        if (!row) {
          fresh.push(item);
        } else if (row.content_hash === item.contentHash) {
          outcome.unchanged += 1;
        } else if (
          toNumber(row.answer_count) > 0 ||
          toNumber(row.slots_taken) > 0
        ) {
          outcome.rejected.push({
            line: item.line,
            externalId: item.externalId,
            reason:
              'item already has annotations or is being annotated; it was not updated',
          });
        } else {
          await tx('items')
            .where({ id: row.id })
            .update({
              data: JSON.stringify(item.data),
              predictions: json(item.predictions),
              gold: json(item.gold),
              priority: item.priority,
              uncertainty: item.uncertainty,
              content_hash: item.contentHash,
              updated_at: now,
            });
          outcome.updated += 1;
        }
      }

      for (let i = 0; i < fresh.length; i += INSERT_CHUNK) {
        const chunk = fresh.slice(i, i + INSERT_CHUNK);
        // another import of the same file may have inserted some meanwhile
        const inserted = await tx('items')
          .insert(
            chunk.map(item => ({
              project_id: projectId,
              external_id: item.externalId,
              data: JSON.stringify(item.data),
              predictions: json(item.predictions),
              gold: json(item.gold),
              priority: item.priority,
              uncertainty: item.uncertainty,
              random_key: Math.floor(Math.random() * 2_147_483_647),
              content_hash: item.contentHash,
              state: 'open',
              slots_taken: 0,
              answer_count: 0,
              created_at: now,
              updated_at: now,
            })),
          )
          .onConflict(['project_id', 'external_id'])
          .ignore()
          .returning('id');
        outcome.inserted += inserted.length;
        outcome.unchanged += chunk.length - inserted.length;
      }
      await addToCounters(tx, projectId, { 'items.open': outcome.inserted });
    });
    return outcome;
  }

  async progress(projectId: string): Promise<ProjectProgress> {
    const counters = await readCounters(this.knex, projectId);
    const stats = await this.knex('annotator_stats')
      .where({ project_id: projectId })
      .orderBy('annotator');
    const open = counters['items.open'];
    const full = counters['items.full'];
    const complete = counters['items.complete'];
    return {
      items: { total: open + full + complete, open, full, complete },
      annotations: counters.annotations,
      skips: counters.skips,
      annotators: stats.map(row => ({
        annotator: row.annotator,
        annotations: toNumber(row.annotations),
        skips: toNumber(row.skips),
        timeSpentMs: toNumber(row.time_spent_ms),
      })),
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
    await this.knex('imports')
      .where({ id: importId })
      .update({
        status,
        summary: JSON.stringify(summary),
        finished_at: Date.now(),
      });
  }

  async get(
    projectId: string,
    itemId: string,
  ): Promise<ItemRecord | undefined> {
    if (!/^\d+$/.test(itemId)) {
      return undefined;
    }
    const row = await this.knex<ItemRow>('items')
      .where({ project_id: projectId, id: itemId })
      .first();
    return row ? itemFromRow(row) : undefined;
  }
}

export function startImportRow(
  importId: string,
  projectId: string,
  actor: string,
) {
  return {
    id: importId,
    project_id: projectId,
    created_by: actor,
    status: 'running',
    started_at: Date.now(),
  };
}

function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}
