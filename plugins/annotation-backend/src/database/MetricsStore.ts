import {
  LlmAnnotatorConfig,
  llmRaterId,
} from '@chorus/plugin-annotation-common';
import { Knex } from 'knex';
import { readCounters } from './counters';
import { parseJson, toNumber } from './util';

/*
 * The metrics read model: what the quality dashboard and the scheduled refit
 * read, and nothing they write. Every per-request query is bounded by an
 * index or by counters, so a project of a million items answers as fast as
 * a small one: items by state and quality status come from the counters,
 * volume from a bounded time window of the annotations' volume index,
 * escalations from the project's own rows. The one full read of a project's
 * answers is `answerBatches`, for the scheduled refit, in keyset batches.
 */

/** One stored answer as the refit reads it. */
export interface AnswerBatchRow {
  itemId: number;
  /** A user ref, or a voting LLM annotator's rater id (`llmRaterId`). */
  annotator: string;
  answer: Record<string, unknown>;
  /** The item's consensus answer, when it is resolved or QA-resolved. */
  consensus?: Record<string, unknown>;
}

export interface QualityCounts {
  /** Complete items not yet resolved or escalated (waiting to be evaluated). */
  notEvaluated: number;
  pending: number;
  resolved: number;
  escalated: number;
  qaResolved: number;
  /** Items with a gold answer (imported, or a QA resolution). */
  gold: number;
}

export interface VolumeBucket {
  /** Epoch ms of the bucket's start. */
  start: number;
  /** Annotations created in the bucket. */
  human: number;
  /** Escalations decided by quality analysts in the bucket. */
  qa: number;
}

export interface EscalationCounts {
  open: number;
  resolved: number;
  sentBack: number;
  /** Median time from escalation to the analyst's decision, in ms. */
  medianTimeToResolutionMs?: number;
}

export interface MetricsStore {
  /**
   * What a fit of the project depends on (the config version, the number
   * of answers and their last change, the number of consensus outcomes;
   * with voting LLM annotators, their vote versions and the number and
   * last time of their answers): an unchanged signature means a new fit
   * would find the same.
   */
  fitSignature(projectId: string, configVersion: number): Promise<string>;
  /**
   * Every answer of the project, `batchSize` at a time, each with its
   * item's consensus answer: the humans' oldest first, then the votes of
   * the LLM annotators whose role is `vote`, each as one rater (see
   * `llmRaterId`). Only one batch is in memory at once.
   */
  answerBatches(
    projectId: string,
    batchSize?: number,
  ): AsyncGenerator<AnswerBatchRow[]>;
  /** Items by quality status, from the counters; gold items by index. */
  qualityCounts(projectId: string): Promise<QualityCounts>;
  /**
   * Annotations and QA decisions per bucket of `bucketMs` from `from`
   * (aligned to a bucket start) to `to`; every bucket, zeros included.
   */
  volume(
    projectId: string,
    window: { from: number; to: number; bucketMs: number },
  ): Promise<VolumeBucket[]>;
  escalationCounts(projectId: string): Promise<EscalationCounts>;
}

interface AnswerRowFromDb {
  id: number | string;
  item_id: number | string;
  annotator: string;
  answer: string;
  created_at: number | string;
  consensus: string | null;
}

interface LlmVoteRowFromDb {
  item_id: number | string;
  answer: string;
  consensus: string | null;
}

/** An LLM annotator of the project with versions whose role is `vote`. */
interface LlmVoter {
  id: string;
  rater: string;
  /** Ascending. */
  voteVersions: number[];
}

export const DEFAULT_ANSWER_BATCH = 5_000;

export class KnexMetricsStore implements MetricsStore {
  constructor(private readonly knex: Knex) {}

  async fitSignature(projectId: string, configVersion: number) {
    const [answers] = await this.knex('annotations')
      .where({ project_id: projectId })
      .count({ n: '*' })
      .max({ last: 'updated_at' });
    const counters = await readCounters(this.knex, projectId);
    const decided =
      counters['quality.resolved'] + counters['quality.qa-resolved'];
    const parts = [
      `v${configVersion}`,
      `answers ${toNumber(answers.n)}`,
      `last ${toNumber(answers.last)}`,
      `decided ${decided}`,
    ];
    const voters = await this.llmVoters(projectId);
    if (voters.length) {
      // every answer of a voting annotator, whatever its version's role: a
      // newer answer on an item replaces the older vote there. Answered
      // rows never change again (a refusal may become an answer, with a
      // new time), so their count and last time say when votes changed.
      const [llm] = await this.knex('llm_answers')
        .whereIn(
          'annotator_id',
          voters.map(v => v.id),
        )
        .andWhere('status', 'answered')
        .count({ n: '*' })
        .max({ last: 'created_at' });
      parts.push(
        `votes ${voters
          .map(v => `${v.rater}@${v.voteVersions.join(',')}`)
          .join(' ')}`,
        `llm answers ${toNumber(llm.n)}`,
        `llm last ${toNumber(llm.last ?? 0)}`,
      );
    }
    return parts.join(' ');
  }

  /**
   * The project's LLM annotators that have versions whose role is `vote`
   * (a handful of rows: configs are few and small).
   */
  private async llmVoters(projectId: string): Promise<LlmVoter[]> {
    const rows: Array<{
      id: string;
      name: string;
      version: number | string;
      config: string;
    }> = await this.knex('llm_annotators as a')
      .join('llm_annotator_versions as v', 'v.annotator_id', 'a.id')
      .where('a.project_id', projectId)
      .select('a.id', 'a.name', 'v.version', 'v.config')
      .orderBy([{ column: 'a.name' }, { column: 'v.version' }]);
    const voters = new Map<string, LlmVoter>();
    for (const row of rows) {
      if (parseJson<LlmAnnotatorConfig>(row.config).role !== 'vote') {
        continue;
      }
      let voter = voters.get(row.id);
      if (!voter) {
        voter = { id: row.id, rater: llmRaterId(row.name), voteVersions: [] };
        voters.set(row.id, voter);
      }
      voter.voteVersions.push(toNumber(row.version));
    }
    return [...voters.values()];
  }

  async *answerBatches(
    projectId: string,
    batchSize = DEFAULT_ANSWER_BATCH,
  ): AsyncGenerator<AnswerBatchRow[]> {
    yield* this.humanAnswerBatches(projectId, batchSize);
    for (const voter of await this.llmVoters(projectId)) {
      for (const version of voter.voteVersions) {
        yield* this.llmVoteBatches(voter, version, batchSize);
      }
    }
  }

  private async *humanAnswerBatches(
    projectId: string,
    batchSize: number,
  ): AsyncGenerator<AnswerBatchRow[]> {
    // keyset on (created_at, id) through the volume index: each batch is a
    // range read, never an OFFSET that rescans what came before
    let after: { createdAt: number; id: number } | undefined;
    for (;;) {
      let query = this.knex('annotations as a')
        .leftJoin('item_outcomes as o', join =>
          join
            .on('o.item_id', 'a.item_id')
            .andOnIn('o.status', ['resolved', 'qa-resolved']),
        )
        .where('a.project_id', projectId)
        .select(
          'a.id',
          'a.item_id',
          'a.annotator',
          'a.answer',
          'a.created_at',
          'o.answer as consensus',
        )
        .orderBy([
          { column: 'a.created_at', order: 'asc' },
          { column: 'a.id', order: 'asc' },
        ])
        .limit(batchSize);
      if (after) {
        const { createdAt, id } = after;
        query = query
          .andWhere('a.created_at', '>=', createdAt)
          .andWhere(q =>
            q.where('a.created_at', '>', createdAt).orWhere('a.id', '>', id),
          );
      }
      const rows: AnswerRowFromDb[] = await query;
      if (!rows.length) {
        return;
      }
      const last = rows[rows.length - 1];
      after = { createdAt: toNumber(last.created_at), id: toNumber(last.id) };
      yield rows.map(row => ({
        itemId: toNumber(row.item_id),
        annotator: row.annotator,
        answer: parseJson(row.answer),
        ...(row.consensus ? { consensus: parseJson(row.consensus) } : {}),
      }));
      if (rows.length < batchSize) {
        return;
      }
    }
  }

  /**
   * One vote version's answers that count, by keyset on item id through
   * the unique (annotator, version, item) index. An answer counts where it
   * is the config's newest answered one on the item (what the per-item
   * evaluation reads; a point read of the item index per row) and where
   * humans answered the item too: the LLM votes only beside humans, and
   * items it alone answered would teach its confusion matrix nothing but
   * its own answers (and, at a million items, be most of the read).
   */
  private async *llmVoteBatches(
    voter: LlmVoter,
    version: number,
    batchSize: number,
  ): AsyncGenerator<AnswerBatchRow[]> {
    let after = -1;
    for (;;) {
      const rows: LlmVoteRowFromDb[] = await this.knex('llm_answers as a')
        .leftJoin('item_outcomes as o', join =>
          join
            .on('o.item_id', 'a.item_id')
            .andOnIn('o.status', ['resolved', 'qa-resolved']),
        )
        .where({
          'a.annotator_id': voter.id,
          'a.version': version,
          'a.status': 'answered',
        })
        .andWhere('a.item_id', '>', after)
        .whereNotExists(
          this.knex('llm_answers as b')
            .select(this.knex.raw('1'))
            .whereRaw('b.item_id = a.item_id')
            .andWhereRaw('b.annotator_id = a.annotator_id')
            .andWhereRaw('b.version > a.version')
            .andWhere('b.status', 'answered'),
        )
        .whereExists(
          this.knex('annotations as h')
            .select(this.knex.raw('1'))
            .whereRaw('h.item_id = a.item_id'),
        )
        .select('a.item_id', 'a.answer', 'o.answer as consensus')
        .orderBy('a.item_id')
        .limit(batchSize);
      if (!rows.length) {
        return;
      }
      after = toNumber(rows[rows.length - 1].item_id);
      yield rows.map(row => ({
        itemId: toNumber(row.item_id),
        annotator: voter.rater,
        answer: parseJson(row.answer),
        ...(row.consensus ? { consensus: parseJson(row.consensus) } : {}),
      }));
      if (rows.length < batchSize) {
        return;
      }
    }
  }

  async qualityCounts(projectId: string): Promise<QualityCounts> {
    const counters = await readCounters(this.knex, projectId);
    // the partial index of gold items: an index-only count
    const [gold] = await this.knex('items')
      .where({ project_id: projectId })
      .whereNotNull('gold')
      .count({ n: '*' });
    // a pending item has been reopened for more answers: not complete
    const evaluated =
      counters['quality.resolved'] +
      counters['quality.escalated'] +
      counters['quality.qa-resolved'];
    return {
      notEvaluated: Math.max(0, counters['items.complete'] - evaluated),
      pending: counters['quality.pending'],
      resolved: counters['quality.resolved'],
      escalated: counters['quality.escalated'],
      qaResolved: counters['quality.qa-resolved'],
      gold: toNumber(gold.n),
    };
  }

  async volume(
    projectId: string,
    window: { from: number; to: number; bucketMs: number },
  ): Promise<VolumeBucket[]> {
    const { bucketMs, to } = window;
    const from = Math.floor(window.from / bucketMs) * bucketMs;
    const bucketsIn = (table: 'annotations' | 'escalations', column: string) =>
      // integer division on both engines: bigint on PostgreSQL, integer
      // on SQLite; the range is on an indexed column's prefix
      this.knex(table)
        .where({ project_id: projectId })
        .andWhere(column, '>=', from)
        .andWhere(column, '<', to)
        .select(
          this.knex.raw(`CAST((${column} - ?) / ? AS INTEGER) as bucket`, [
            from,
            bucketMs,
          ]),
        )
        .count({ n: '*' })
        .groupBy('bucket');
    const [human, qa] = await Promise.all([
      bucketsIn('annotations', 'created_at'),
      bucketsIn('escalations', 'resolved_at'),
    ]);
    const count = Math.max(0, Math.ceil((to - from) / bucketMs));
    const buckets: VolumeBucket[] = Array.from({ length: count }, (_, b) => ({
      start: from + b * bucketMs,
      human: 0,
      qa: 0,
    }));
    for (const row of human as Array<{ bucket: unknown; n: unknown }>) {
      const b = buckets[toNumber(row.bucket)];
      if (b) {
        b.human = toNumber(row.n);
      }
    }
    for (const row of qa as Array<{ bucket: unknown; n: unknown }>) {
      const b = buckets[toNumber(row.bucket)];
      if (b) {
        b.qa = toNumber(row.n);
      }
    }
    return buckets;
  }

  async escalationCounts(projectId: string): Promise<EscalationCounts> {
    const rows: Array<{ resolution: string | null; n: unknown }> =
      await this.knex('escalations')
        .where({ project_id: projectId })
        .select('resolution')
        .count({ n: '*' })
        .groupBy('resolution');
    const byResolution = new Map(
      rows.map(r => [r.resolution ?? 'open', toNumber(r.n)]),
    );
    const decided =
      (byResolution.get('resolved') ?? 0) +
      (byResolution.get('sent-back') ?? 0);
    return {
      open: byResolution.get('open') ?? 0,
      resolved: byResolution.get('resolved') ?? 0,
      sentBack: byResolution.get('sent-back') ?? 0,
      ...(decided
        ? {
            medianTimeToResolutionMs: await this.medianDecisionTime(
              projectId,
              decided,
            ),
          }
        : {}),
    };
  }

  /** The median of `decided` decision times: the middle one or two rows. */
  private async medianDecisionTime(
    projectId: string,
    decided: number,
  ): Promise<number> {
    const middle: Array<{ ms: unknown }> = await this.knex('escalations')
      .where({ project_id: projectId })
      .whereNotNull('resolved_at')
      .select(this.knex.raw('resolved_at - created_at as ms'))
      .orderBy('ms')
      .offset(Math.floor((decided - 1) / 2))
      .limit(decided % 2 ? 1 : 2);
    const times = middle.map(r => toNumber(r.ms));
    return Math.round(times.reduce((a, b) => a + b, 0) / times.length);
  }
}
