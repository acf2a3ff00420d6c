import { ConflictError, NotFoundError } from '@backstage/errors';
import { AssignmentOrder } from '@chorus/plugin-annotation-common';
import { Knex } from 'knex';
import { v4 as uuid } from 'uuid';
import {
  ADD_TO_COUNTER_SQL,
  addToCounters,
  counterRows,
  counterShard,
} from './counters';
import { itemFromRow, ItemRecord, ItemRow } from './ItemStore';
import { pgPrepared } from './postgres';
import { expireLeases, freeSlot, isPostgres, lockItem } from './slots';
import { sqliteWrite } from './sqlite';
import { toNumber } from './util';

/** An item handed to one annotator until `expiresAt`. */
export interface Lease {
  token: string;
  projectId: string;
  annotator: string;
  expiresAt: string;
  item: ItemRecord;
}

export interface ClaimOptions {
  projectId: string;
  annotator: string;
  overlap: number;
  ordering: AssignmentOrder;
  ttlMs: number;
  /** How many live leases one annotator may hold (current + prefetched). */
  maxHeld: number;
  /** Tokens the caller already holds: never returned again by `next`. */
  exclude?: string[];
  /**
   * The project's `quality.goldRate`: the share of claims that first try
   * a gold item (a honeypot) the annotator has not answered, skipped or
   * leased, while they have regular work too. 0 or absent: never.
   */
  goldRate?: number;
}

export interface LeaseStoreOptions {
  /** Uniform in [0, 1): decides which claims try a gold item. */
  random?: () => number;
}

/** Work distribution: who holds which item, until when. */
export interface LeaseStore {
  /**
   * The caller's next item: a live lease they hold and did not exclude, or
   * a newly claimed one. Never beyond an item's overlap, never an item the
   * annotator answered, skipped or holds. At `goldRate`, a gold item
   * instead (its lease takes no slot). Undefined when nothing is left.
   */
  next(options: ClaimOptions): Promise<Lease | undefined>;
  /** Extends a live lease; a ConflictError once it has expired. */
  heartbeat(
    projectId: string,
    token: string,
    annotator: string,
    ttlMs: number,
  ): Promise<{ expiresAt: string }>;
  release(projectId: string, token: string, annotator: string): Promise<void>;
  skip(
    projectId: string,
    token: string,
    annotator: string,
    reason: string,
  ): Promise<void>;
  /** Frees the slots of expired leases (also done on every claim). */
  expire(projectId: string): Promise<number>;
}

const ORDER: Record<AssignmentOrder, Array<[string, 'asc' | 'desc']>> = {
  priority: [
    ['priority', 'desc'],
    ['id', 'asc'],
  ],
  random: [
    ['random_key', 'asc'],
    ['id', 'asc'],
  ],
  uncertainty: [
    ['uncertainty', 'desc'],
    ['id', 'asc'],
  ],
};

/**
 * How the candidate reads are written for each database.
 *
 * PostgreSQL turns a NOT EXISTS into an anti join. With the statistics of
 * a young project (few answers), the prepared claim kept a plan that read
 * all of `annotations` on every claim (a sequential scan, growing with the
 * project; most of the database's work in B2). `OFFSET 0` keeps each NOT
 * EXISTS a probe of its unique index per candidate row, whatever the
 * statistics say.
 *
 * SQLite probes the indexes by itself, but would compile the claim anew on
 * every run if it could weigh the project's id (see `sqlite.ts`): it is
 * bound as `+:projectId`, an expression the planner does not look at.
 */
type Dialect = 'postgres' | 'sqlite';

/** Item `i` is not answered, skipped or held by :annotator. */
function notMine(dialect: Dialect): string {
  const probe = dialect === 'postgres' ? 'OFFSET 0' : '';
  return `NOT EXISTS (SELECT 1 FROM annotations a
                      WHERE a.item_id = i.id AND a.annotator = :annotator ${probe})
      AND NOT EXISTS (SELECT 1 FROM skips s
                      WHERE s.item_id = i.id AND s.annotator = :annotator ${probe})
      AND NOT EXISTS (SELECT 1 FROM leases l
                      WHERE l.item_id = i.id AND l.annotator = :annotator ${probe})`;
}

function projectIdParam(dialect: Dialect): string {
  return dialect === 'postgres' ? ':projectId' : '+:projectId';
}

/**
 * The first item the annotator may take, in the project's order: open, not
 * answered, skipped or held by them. Named bindings: projectId, annotator.
 */
function candidateSql(
  dialect: Dialect,
  options: ClaimOptions,
  extra: { where?: string; lock?: string } = {},
): string {
  const order = ORDER[options.ordering]
    .map(([column, direction]) => `i.${column} ${direction}`)
    .join(', ');
  return `SELECT i.id FROM items i
    WHERE i.project_id = ${projectIdParam(dialect)}
      AND i.state = 'open'
      AND ${notMine(dialect)}
      ${extra.where ?? ''}
    ORDER BY ${order}
    LIMIT 1 ${extra.lock ?? ''}`;
}

/**
 * The first gold item the annotator may take (the gold index's order):
 * imported gold, or a QA resolution once the item is complete; not
 * answered, skipped or held by them. A gold lease changes nothing on the
 * item, so PostgreSQL's claim only keeps it from being rewritten meanwhile
 * (a key-share lock). Named bindings: projectId, annotator.
 */
function goldCandidateSql(
  dialect: Dialect,
  extra: { where?: string; lock?: string } = {},
): string {
  return `SELECT i.id FROM items i
    WHERE i.project_id = ${projectIdParam(dialect)}
      AND i.gold IS NOT NULL
      AND i.state IN ('gold', 'complete')
      AND ${notMine(dialect)}
      ${extra.where ?? ''}
    ORDER BY i.id
    LIMIT 1 ${extra.lock ?? ''}`;
}

function candidateBindings(options: ClaimOptions) {
  return { projectId: options.projectId, annotator: options.annotator };
}

interface LeaseRow {
  item_id: number | string;
  annotator: string;
  project_id: string;
  token: string;
  expires_at: number | string;
  /** A honeypot lease: no slot held (0/1 on SQLite). */
  gold: boolean | number;
}

/** How often `next` frees the slots of expired leases, per project. */
const SWEEP_INTERVAL_MS = 1_000;

export class KnexLeaseStore implements LeaseStore {
  private readonly lastSweep = new Map<string, number>();
  private readonly random: () => number;

  constructor(private readonly knex: Knex, options: LeaseStoreOptions = {}) {
    this.random = options.random ?? Math.random;
  }

  async next(options: ClaimOptions): Promise<Lease | undefined> {
    const { projectId } = options;
    // sweeping on every claim would cost a statement per request; once a
    // second per project is enough, and when nothing is left we sweep
    // anyway, so no one is told "no work" while a dead lease holds a slot
    const last = this.lastSweep.get(projectId) ?? 0;
    if (Date.now() - last >= SWEEP_INTERVAL_MS) {
      await this.expire(projectId);
    }
    let lease = await this.resumeOrClaim(options);
    if (!lease && (await this.expire(projectId)) > 0) {
      lease = await this.resumeOrClaim(options);
    }
    if (lease) {
      return lease;
    }
    const held = await this.knex('leases')
      .where({ project_id: projectId, annotator: options.annotator })
      .andWhere('expires_at', '>', Date.now())
      .count({ n: '*' });
    const n = toNumber(held[0].n);
    if (n >= options.maxHeld) {
      throw new ConflictError(
        `you already hold ${n} items of this project; submit, skip or release one first`,
      );
    }
    return undefined;
  }

  /**
   * The first live lease the caller holds and did not exclude, else a new
   * claim unless they hold `maxHeld` already. Undefined when neither.
   */
  private async resumeOrClaim(
    options: ClaimOptions,
  ): Promise<Lease | undefined> {
    // drawn only when the project mixes gold in: at rate 0 the claim is
    // the same statements as without gold
    const tryGold =
      (options.goldRate ?? 0) > 0 && this.random() < options.goldRate!;
    if (isPostgres(this.knex)) {
      const lease = await this.claimOnPostgres(options, tryGold);
      // nothing at all: no work left, or a concurrent `next` of the same
      // annotator took this gold item first; the regular claim decides
      return lease || !tryGold ? lease : this.claimOnPostgres(options, false);
    }
    return this.claimOnSqlite(options, tryGold);
  }

  /** One statement: a round trip is the dearest part of a claim here. */
  private async claimOnPostgres(
    options: ClaimOptions,
    tryGold: boolean,
  ): Promise<Lease | undefined> {
    const now = Date.now();
    // a gold item only while regular work is left, so "nothing left" is
    // never followed by honeypots alone; it takes no slot, so the regular
    // candidate is claimed only when no gold one was found
    const gold = tryGold
      ? `gold AS (
           ${goldCandidateSql('postgres', {
             where: 'AND EXISTS (SELECT 1 FROM candidate)',
             // shared: honeypot claims do not wait on each other; an
             // import rewriting the item holds it, and it is skipped
             lock: 'FOR KEY SHARE OF i SKIP LOCKED',
           })}
         ),
         gold_leased AS (
           INSERT INTO leases (item_id, annotator, project_id, token,
             expires_at, created_at, gold)
           SELECT id, :annotator, :projectId, :token, :expiresAt, :now, TRUE
           FROM gold
           ON CONFLICT DO NOTHING
           RETURNING item_id, token, expires_at
         ),`
      : '';
    const rows = await pgPrepared(
      this.knex,
      `WITH held AS (
         SELECT token, item_id, expires_at, created_at FROM leases
         WHERE project_id = :projectId AND annotator = :annotator
           AND expires_at > :now
       ),
       resumed AS (
         SELECT * FROM held
         WHERE token NOT IN (SELECT json_array_elements_text(:exclude::json))
         ORDER BY created_at LIMIT 1
       ),
       candidate AS (
         ${candidateSql('postgres', options, {
           where: `AND NOT EXISTS (SELECT 1 FROM resumed)
                   AND (SELECT count(*) FROM held) < :maxHeld`,
           // replicas and concurrent requests skip rows a claim holds
           lock: 'FOR NO KEY UPDATE OF i SKIP LOCKED',
         })}
       ),
       ${gold}
       claimed AS (
         UPDATE items SET
           slots_taken = items.slots_taken + 1,
           state = CASE WHEN items.slots_taken + 1
                     >= :overlap + items.extra_slots
                   THEN 'full' ELSE 'open' END,
           updated_at = :now
         FROM candidate WHERE items.id = candidate.id
           ${tryGold ? 'AND NOT EXISTS (SELECT 1 FROM gold)' : ''}
         RETURNING items.*
       ),
       leased AS (
         INSERT INTO leases
           (item_id, annotator, project_id, token, expires_at, created_at)
         SELECT id, :annotator, :projectId, :token, :expiresAt, :now
         FROM claimed
         RETURNING item_id, token, expires_at
       ),
       counted AS (
         INSERT INTO project_counters (project_id, name, shard, value)
         SELECT :projectId, n.name, :shard, n.value
         FROM claimed,
           (VALUES ('items.full', 1), ('items.open', -1)) AS n(name, value)
         WHERE claimed.state = 'full'
         ON CONFLICT (project_id, name, shard)
         DO UPDATE SET value = project_counters.value + excluded.value
       )
       SELECT r.token AS lease_token, r.expires_at AS lease_expires_at, i.*
       FROM resumed r JOIN items i ON i.id = r.item_id
       UNION ALL
       SELECT l.token, l.expires_at, c.*
       FROM leased l JOIN claimed c ON c.id = l.item_id
       ${
         tryGold
           ? `UNION ALL
              SELECT g.token, g.expires_at, i.*
              FROM gold_leased g JOIN items i ON i.id = g.item_id`
           : ''
       }`,
      {
        ...candidateBindings(options),
        now,
        exclude: JSON.stringify(options.exclude ?? []),
        maxHeld: options.maxHeld,
        overlap: options.overlap,
        token: uuid(),
        expiresAt: now + options.ttlMs,
        shard: counterShard(),
      },
    );
    return rows[0] ? this.toLease(options, rows[0]) : undefined;
  }

  /** SQLite runs one write transaction at a time: plain steps are atomic. */
  private async claimOnSqlite(
    options: ClaimOptions,
    tryGold: boolean,
  ): Promise<Lease | undefined> {
    const now = Date.now();
    const params = {
      ...candidateBindings(options),
      now,
      overlap: options.overlap,
      token: uuid(),
      expiresAt: now + options.ttlMs,
    };
    const leased = (item: ItemRow) =>
      this.toLease(options, {
        ...item,
        lease_token: params.token,
        lease_expires_at: params.expiresAt,
      });
    return sqliteWrite(this.knex, db => {
      // by the annotator's index (`+` keeps the planner off the expiry
      // index, which holds every live lease of the project), sorted here:
      // a sort in SQLite opens a temporary b-tree, dearer than the read
      const held = (
        db
          .prepare(
            `SELECT token, item_id, expires_at, created_at FROM leases
             WHERE project_id = :projectId AND annotator = :annotator
               AND +expires_at > :now`,
          )
          .all(params) as Array<LeaseRow & { created_at: number }>
      ).sort((a, b) => a.created_at - b.created_at);
      const resumable = held.find(l => !options.exclude?.includes(l.token));
      if (resumable) {
        const item = db
          .prepare('SELECT * FROM items WHERE id = :id')
          .get({ id: resumable.item_id });
        return this.toLease(options, {
          ...item,
          lease_token: resumable.token,
          lease_expires_at: resumable.expires_at,
        });
      }
      if (held.length >= options.maxHeld) {
        return undefined;
      }
      const candidate: number | undefined = db
        .prepare(candidateSql('sqlite', options))
        .get(params)?.id;
      if (candidate === undefined) {
        return undefined;
      }
      // a gold item instead, only while regular work is left
      const gold = tryGold
        ? db.prepare(goldCandidateSql('sqlite')).get(params)
        : null;
      if (gold) {
        db.prepare(
          `INSERT INTO leases (item_id, annotator, project_id, token,
             expires_at, created_at, gold)
           VALUES (:id, :annotator, :projectId, :token, :expiresAt, :now,
             TRUE)`,
        ).run({ ...params, id: gold.id });
        return leased(
          db.prepare('SELECT * FROM items WHERE id = :id').get(gold),
        );
      }
      // `state` is written only when the item fills: writing it at all
      // rewrites the item's entries in the three ordering indexes, which
      // made the claim several times dearer
      const claimParams = { ...params, candidate };
      const claimed: ItemRow =
        db
          .prepare(
            `UPDATE items SET slots_taken = slots_taken + 1, updated_at = :now
             WHERE id = :candidate
               AND slots_taken + 1 < :overlap + extra_slots
             RETURNING *`,
          )
          .get(claimParams) ??
        db
          .prepare(
            `UPDATE items SET slots_taken = slots_taken + 1, state = 'full',
               updated_at = :now
             WHERE id = :candidate
             RETURNING *`,
          )
          .get(claimParams);
      db.prepare(
        `INSERT INTO leases
           (item_id, annotator, project_id, token, expires_at, created_at)
         VALUES (:id, :annotator, :projectId, :token, :expiresAt, :now)`,
      ).run({ ...params, id: claimed.id });
      if (claimed.state === 'full') {
        const counter = db.prepare(ADD_TO_COUNTER_SQL);
        for (const row of counterRows(options.projectId, {
          'items.open': -1,
          'items.full': 1,
        })) {
          counter.run(row);
        }
      }
      return leased(claimed);
    });
  }

  private toLease(
    options: ClaimOptions,
    row: ItemRow & { lease_token: string; lease_expires_at: number | string },
  ): Lease {
    return {
      token: row.lease_token,
      projectId: options.projectId,
      annotator: options.annotator,
      expiresAt: new Date(toNumber(row.lease_expires_at)).toISOString(),
      item: itemFromRow(row),
    };
  }

  private async liveLease(
    tx: Knex | Knex.Transaction,
    projectId: string,
    token: string,
    annotator: string,
  ): Promise<LeaseRow> {
    const row: LeaseRow | undefined = await tx('leases')
      .where({ project_id: projectId, token })
      .first();
    if (!row || row.annotator !== annotator) {
      throw new NotFoundError(`lease ${token} not found`);
    }
    if (toNumber(row.expires_at) <= Date.now()) {
      throw new ConflictError(
        `lease ${token} expired at ${new Date(
          toNumber(row.expires_at),
        ).toISOString()}; ask for the next item again`,
      );
    }
    return row;
  }

  async heartbeat(
    projectId: string,
    token: string,
    annotator: string,
    ttlMs: number,
  ): Promise<{ expiresAt: string }> {
    return this.knex.transaction(async tx => {
      await this.liveLease(tx, projectId, token, annotator);
      const expiresAt = Date.now() + ttlMs;
      // only while still live: an expiry sweep may have won meanwhile
      const updated = await tx('leases')
        .where({ token })
        .andWhere('expires_at', '>', Date.now())
        .update({ expires_at: expiresAt });
      if (!updated) {
        throw new ConflictError(
          `lease ${token} expired; ask for the next item again`,
        );
      }
      return { expiresAt: new Date(expiresAt).toISOString() };
    });
  }

  async release(
    projectId: string,
    token: string,
    annotator: string,
  ): Promise<void> {
    await this.knex.transaction(async tx => {
      const lease = await this.liveLease(tx, projectId, token, annotator);
      await lockItem(tx, lease.item_id); // item before lease, as every writer
      const deleted = await tx('leases').where({ token }).delete();
      if (deleted && !lease.gold) {
        await freeSlot(tx, projectId, lease.item_id);
      }
    });
  }

  async skip(
    projectId: string,
    token: string,
    annotator: string,
    reason: string,
  ): Promise<void> {
    await this.knex.transaction(async tx => {
      const lease = await this.liveLease(tx, projectId, token, annotator);
      await lockItem(tx, lease.item_id); // item before lease, as every writer
      const deleted = await tx('leases').where({ token }).delete();
      if (!deleted) {
        throw new ConflictError(`lease ${token} was already used`);
      }
      const now = Date.now();
      await tx('skips').insert({
        item_id: lease.item_id,
        annotator,
        project_id: projectId,
        reason,
        created_at: now,
      });
      if (!lease.gold) {
        await freeSlot(tx, projectId, lease.item_id);
      }
      await addToCounters(tx, projectId, { skips: 1 });
      await tx('annotator_stats')
        .insert({ project_id: projectId, annotator, skips: 1, last_at: now })
        .onConflict(['project_id', 'annotator'])
        .merge({ skips: tx.raw('annotator_stats.skips + 1'), last_at: now });
    });
  }

  async expire(projectId: string): Promise<number> {
    this.lastSweep.set(projectId, Date.now());
    if (this.lastSweep.size > 10_000) {
      this.lastSweep.clear();
    }
    return this.knex.transaction(tx =>
      expireLeases(tx, projectId, Date.now(), 1000),
    );
  }
}
