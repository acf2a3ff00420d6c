import {
  AnnotationProjectRecord,
  NewAnnotationProject,
} from '@chorus/plugin-annotation-common';
import { ConflictError } from '@backstage/errors';
import { Knex } from 'knex';
import { v4 as uuid } from 'uuid';

/** Storage of annotation projects. */
export interface ProjectStore {
  list(): Promise<AnnotationProjectRecord[]>;
  get(id: string): Promise<AnnotationProjectRecord | undefined>;
  /** Creates a project; a taken namespace/name is a ConflictError. */
  create(input: NewAnnotationProject): Promise<AnnotationProjectRecord>;
  delete(id: string): Promise<boolean>;
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
  created_at: Date | string | number;
  updated_at: Date | string | number;
}

// SQLite returns timestamps as strings or epoch numbers, PostgreSQL as Date.
function isoDate(value: Date | string | number): string {
  return new Date(value).toISOString();
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
    workforce: JSON.parse(row.workforce),
    taskType: row.task_type as AnnotationProjectRecord['taskType'],
    questions: JSON.parse(row.questions),
    status: row.status as AnnotationProjectRecord['status'],
    createdAt: isoDate(row.created_at),
    updatedAt: isoDate(row.updated_at),
  };
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return (
    e?.code === '23505' || // PostgreSQL
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    /UNIQUE constraint failed/.test(e?.message ?? '')
  );
}

export class KnexProjectStore implements ProjectStore {
  constructor(private readonly knex: Knex) {}

  async list(): Promise<AnnotationProjectRecord[]> {
    const rows = await this.knex<ProjectRow>('projects')
      .select()
      .orderBy([{ column: 'namespace' }, { column: 'name' }]);
    return rows.map(fromRow);
  }

  async get(id: string): Promise<AnnotationProjectRecord | undefined> {
    const row = await this.knex<ProjectRow>('projects').where({ id }).first();
    return row ? fromRow(row) : undefined;
  }

  async create(input: NewAnnotationProject): Promise<AnnotationProjectRecord> {
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
      workforce: JSON.stringify(input.workforce),
      task_type: input.taskType,
      questions: JSON.stringify(input.questions ?? []),
      status: input.status,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.knex<ProjectRow>('projects').insert(row);
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

  async delete(id: string): Promise<boolean> {
    const deleted = await this.knex('projects').where({ id }).delete();
    return deleted > 0;
  }
}
