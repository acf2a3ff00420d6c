import {
  AnnotationProjectRecord,
  AnnotationProjectStatus,
  describeConfigIssues,
  incompatibleConfigChanges,
  NewAnnotationProject,
  ProjectConfig,
  STATUS_TRANSITIONS,
  summarizeProjectConfig,
} from '@chorus/plugin-annotation-common';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import { Knex } from 'knex';
import { v4 as uuid } from 'uuid';
import { addToCounters, CounterName } from './counters';
import { isUniqueViolation, parseJson } from './util';

/** One saved version of a project's config. */
export interface ProjectConfigVersion {
  version: number;
  config: ProjectConfig;
  createdBy: string;
  createdAt: string;
}

/**
 * Storage of annotation projects and their immutable config versions. Every
 * change is written with its audit entry in one transaction.
 */
export interface ProjectStore {
  list(): Promise<AnnotationProjectRecord[]>;
  get(id: string): Promise<AnnotationProjectRecord | undefined>;
  /** Creates a project with config version 1; a taken name is a ConflictError. */
  create(
    input: NewAnnotationProject,
    config: ProjectConfig,
    actor: string,
  ): Promise<AnnotationProjectRecord>;
  /** The given config version, or the current one. */
  getConfig(
    id: string,
    version?: number,
  ): Promise<ProjectConfigVersion | undefined>;
  listConfigVersions(id: string): Promise<ProjectConfigVersion[]>;
  /**
   * Saves a new config version. `expectedVersion` guards against two
   * managers editing at once; incompatible changes to answered questions are
   * an InputError naming the path.
   */
  updateConfig(
    id: string,
    config: ProjectConfig,
    actor: string,
    expectedVersion?: number,
  ): Promise<AnnotationProjectRecord>;
  /** Moves the project along its lifecycle (see STATUS_TRANSITIONS). */
  setStatus(
    id: string,
    status: AnnotationProjectStatus,
    actor: string,
  ): Promise<AnnotationProjectRecord>;
  delete(id: string, actor: string): Promise<boolean>;
}

interface ProjectRow {
  id: string;
  namespace: string;
  name: string;
  title: string;
  description: string | null;
  owner: string;
  lifecycle: string;
  model_ref: string;
  dataset_ref: string;
  workforce: string;
  task_type: string;
  questions: string;
  status: string;
  config_version: number | string;
  created_at: Date | string | number;
  updated_at: Date | string | number;
}

interface ConfigRow {
  project_id: string;
  version: number;
  config: string;
  created_by: string;
  created_at: number | string;
}

/**
 * How long this process reuses a project it read. Every request reads its
 * project (status, workforce, config version); reusing it saves a round
 * trip per request. A pause or a workforce change made through another
 * replica applies here within this time (permission decisions are reused
 * for five seconds already, see ProjectAccess).
 */
const PROJECT_REUSE_MS = 1_000;

/** Reused records are shared between requests: none may change one. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    Object.values(value).forEach(deepFreeze);
  }
  return value;
}

// SQLite returns timestamps as strings or epoch numbers, PostgreSQL as Date.
function isoDate(value: Date | string | number): string {
  return new Date(
    typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value,
  ).toISOString();
}

function fromRow(row: ProjectRow): AnnotationProjectRecord {
  return {
    id: row.id,
    namespace: row.namespace,
    name: row.name,
    title: row.title,
    ...(row.description ? { description: row.description } : {}),
    owner: row.owner,
    lifecycle: row.lifecycle,
    model: row.model_ref,
    dataset: row.dataset_ref,
    workforce: parseJson(row.workforce),
    taskType: row.task_type as AnnotationProjectRecord['taskType'],
    questions: parseJson(row.questions),
    status: row.status as AnnotationProjectRecord['status'],
    configVersion: Number(row.config_version),
    createdAt: isoDate(row.created_at),
    updatedAt: isoDate(row.updated_at),
  };
}

function fromConfigRow(row: ConfigRow): ProjectConfigVersion {
  return {
    version: Number(row.version),
    config: parseJson(row.config),
    createdBy: row.created_by,
    createdAt: isoDate(row.created_at),
  };
}

function summaryColumns(config: ProjectConfig) {
  const summary = summarizeProjectConfig(config);
  return {
    workforce: JSON.stringify(summary.workforce),
    task_type: summary.taskType,
    questions: JSON.stringify(summary.questions),
  };
}

export class KnexProjectStore implements ProjectStore {
  /** Projects this process read lately: every request reads its project. */
  private readonly recent = new Map<
    string,
    { at: number; project: AnnotationProjectRecord }
  >();
  /** Moves on every write, so a read that overlapped one is not kept. */
  private writes = 0;

  constructor(private readonly knex: Knex) {}

  async list(): Promise<AnnotationProjectRecord[]> {
    const rows = await this.knex<ProjectRow>('projects')
      .select()
      .orderBy([{ column: 'namespace' }, { column: 'name' }]);
    return rows.map(fromRow);
  }

  /**
   * Reused for up to `PROJECT_REUSE_MS`: a change made through this store
   * shows at once, one made by another replica within that time.
   */
  async get(id: string): Promise<AnnotationProjectRecord | undefined> {
    const recent = this.recent.get(id);
    if (recent && Date.now() - recent.at < PROJECT_REUSE_MS) {
      return recent.project;
    }
    const writes = this.writes;
    const at = Date.now();
    const row = await this.knex<ProjectRow>('projects').where({ id }).first();
    if (!row) {
      this.recent.delete(id); // deleted through another replica
      return undefined;
    }
    const project = deepFreeze(fromRow(row));
    if (writes === this.writes) {
      this.recent.set(id, { at, project });
    }
    return project;
  }

  /** A write of project `id`; its reused read is dropped when it is done. */
  private async changing<T>(id: string, write: () => Promise<T>): Promise<T> {
    this.writes += 1;
    try {
      return await write();
    } finally {
      this.writes += 1;
      this.recent.delete(id);
    }
  }

  async create(
    input: NewAnnotationProject,
    config: ProjectConfig,
    actor: string,
  ): Promise<AnnotationProjectRecord> {
    const now = new Date();
    const row: ProjectRow = {
      id: uuid(),
      namespace: input.namespace ?? 'default',
      name: input.name,
      title: input.title,
      description: input.description ?? null,
      owner: input.owner,
      lifecycle: input.lifecycle,
      model_ref: input.model,
      dataset_ref: input.dataset,
      ...summaryColumns(config),
      status: input.status ?? 'draft',
      config_version: 1,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.knex.transaction(async tx => {
        await tx<ProjectRow>('projects').insert(row);
        await tx<ConfigRow>('project_config_versions').insert({
          project_id: row.id,
          version: 1,
          config: JSON.stringify(config),
          created_by: actor,
          created_at: now.getTime(),
        });
        await audit(tx, row.id, actor, 'project.created', {
          name: `${row.namespace}/${row.name}`,
        });
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError(
          `name: a project named "${row.namespace}/${row.name}" already exists`,
        );
      }
      throw error;
    }
    return fromRow(row);
  }

  async getConfig(
    id: string,
    version?: number,
  ): Promise<ProjectConfigVersion | undefined> {
    let query = this.knex<ConfigRow>('project_config_versions').where({
      project_id: id,
    });
    if (version !== undefined) {
      query = query.where({ version });
    } else {
      query = query.where(
        'version',
        this.knex('projects').select('config_version').where({ id }),
      );
    }
    const row = await query.first();
    return row ? fromConfigRow(row) : undefined;
  }

  async listConfigVersions(id: string): Promise<ProjectConfigVersion[]> {
    const rows = await this.knex<ConfigRow>('project_config_versions')
      .where({ project_id: id })
      .orderBy('version', 'desc');
    return rows.map(fromConfigRow);
  }

  async updateConfig(
    id: string,
    config: ProjectConfig,
    actor: string,
    expectedVersion?: number,
  ): Promise<AnnotationProjectRecord> {
    return this.changing(id, () =>
      this.writeConfig(id, config, actor, expectedVersion),
    );
  }

  private async writeConfig(
    id: string,
    config: ProjectConfig,
    actor: string,
    expectedVersion?: number,
  ): Promise<AnnotationProjectRecord> {
    return this.knex.transaction(async tx => {
      const project = await lockProject(tx, id);
      const current = Number(project.config_version);
      if (expectedVersion !== undefined && expectedVersion !== current) {
        throw new ConflictError(
          `expectedVersion: config version ${expectedVersion} expected to be current, but it is ${current}; reload and apply your change again`,
        );
      }
      const before =
        current > 0
          ? parseJson<ProjectConfig>(
              (await tx<ConfigRow>('project_config_versions')
                .where({ project_id: id, version: current })
                .first())!.config,
            )
          : undefined;
      if (before) {
        const answered = await tx('annotations')
          .where({ project_id: id })
          .first('id');
        if (answered) {
          const issues = incompatibleConfigChanges(before, config);
          if (issues.length) {
            throw new InputError(
              describeConfigIssues(
                issues.map(i => ({ ...i, path: `config.${i.path}` })),
              ),
            );
          }
        }
      }
      const version = current + 1;
      const now = Date.now();
      await tx<ConfigRow>('project_config_versions').insert({
        project_id: id,
        version,
        config: JSON.stringify(config),
        created_by: actor,
        created_at: now,
      });
      await tx('projects')
        .where({ id })
        .update({
          ...summaryColumns(config),
          config_version: version,
          updated_at: new Date(now),
        });
      const moved =
        before && before.overlap !== config.overlap
          ? await restateItems(tx, id, config.overlap, now)
          : 0;
      await audit(tx, id, actor, 'project.config-updated', {
        version,
        ...(moved ? { itemsRestated: moved } : {}),
      });
      return fromRow((await tx<ProjectRow>('projects').where({ id }).first())!);
    });
  }

  async setStatus(
    id: string,
    status: AnnotationProjectStatus,
    actor: string,
  ): Promise<AnnotationProjectRecord> {
    return this.changing(id, () => this.writeStatus(id, status, actor));
  }

  private async writeStatus(
    id: string,
    status: AnnotationProjectStatus,
    actor: string,
  ): Promise<AnnotationProjectRecord> {
    return this.knex.transaction(async tx => {
      const project = await lockProject(tx, id);
      const from = project.status as AnnotationProjectStatus;
      if (from !== status) {
        const allowed = STATUS_TRANSITIONS[from] ?? [];
        if (!allowed.includes(status)) {
          throw new ConflictError(
            `status: cannot go from ${from} to ${status}; from ${from} a project can go to ${
              allowed.length ? allowed.join(', ') : 'nothing (it is final)'
            }`,
          );
        }
        await tx('projects')
          .where({ id })
          .update({ status, updated_at: new Date() });
        await audit(tx, id, actor, 'project.status-changed', {
          from,
          to: status,
        });
      }
      return fromRow((await tx<ProjectRow>('projects').where({ id }).first())!);
    });
  }

  async delete(id: string, actor: string): Promise<boolean> {
    return this.changing(id, () =>
      this.knex.transaction(async tx => {
        const deleted = await tx('projects').where({ id }).delete();
        if (deleted > 0) {
          await audit(tx, id, actor, 'project.deleted', {});
        }
        return deleted > 0;
      }),
    );
  }
}

const ITEM_STATES = ['open', 'full', 'complete'] as const;

/** The condition of an item's state under `overlap` (see slots.ts). */
function stateCondition(
  q: Knex.QueryBuilder,
  state: (typeof ITEM_STATES)[number],
  overlap: number,
) {
  // an item's slots: the overlap plus any extra annotators it was granted
  if (state === 'complete') {
    return q.whereRaw('answer_count >= ? + extra_slots', [overlap]);
  }
  q.whereRaw('answer_count < ? + extra_slots', [overlap]);
  return state === 'full'
    ? q.whereRaw('slots_taken >= ? + extra_slots', [overlap])
    : q.whereRaw('slots_taken < ? + extra_slots', [overlap]);
}

/**
 * After an overlap change, moves each item to the state its answers and
 * slots give under the new overlap (raising it reopens full and complete
 * items; lowering it completes or fills open ones), with the counters in
 * step. One statement per (from, to) pair: its affected-row count is that
 * transition's exact count. Returns how many items moved.
 */
async function restateItems(
  tx: Knex.Transaction,
  projectId: string,
  overlap: number,
  now: number,
): Promise<number> {
  const deltas: Partial<Record<CounterName, number>> = {};
  let moved = 0;
  for (const from of ITEM_STATES) {
    for (const to of ITEM_STATES) {
      if (from === to) {
        continue;
      }
      const n: number = await stateCondition(
        tx('items').where({ project_id: projectId, state: from }),
        to,
        overlap,
      ).update({ state: to, updated_at: now });
      if (n) {
        deltas[`items.${from}`] = (deltas[`items.${from}`] ?? 0) - n;
        deltas[`items.${to}`] = (deltas[`items.${to}`] ?? 0) + n;
        moved += n;
      }
    }
  }
  await addToCounters(tx, projectId, deltas);
  return moved;
}

/** Reads a project row for update, so concurrent changes serialise on it. */
async function lockProject(tx: Knex.Transaction, id: string) {
  let query = tx<ProjectRow>('projects').where({ id });
  if (tx.client.config.client === 'pg') {
    query = query.forUpdate();
  }
  const row = await query.first();
  if (!row) {
    throw new NotFoundError(`project ${id} not found`);
  }
  return row;
}

/** Appends to the audit log inside the caller's transaction. */
export async function audit(
  tx: Knex | Knex.Transaction,
  projectId: string | null,
  actor: string,
  action: string,
  details: unknown,
): Promise<void> {
  await tx('audit_log').insert({
    project_id: projectId,
    actor,
    action,
    details: JSON.stringify(details),
    created_at: Date.now(),
  });
}
