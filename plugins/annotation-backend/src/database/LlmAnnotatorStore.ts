import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  LlmAnnotatorConfig,
  LlmAnnotatorRecord,
  LlmAnnotatorVersion,
  llmRequestConfig,
} from '@chorus/plugin-annotation-common';
import { createHash } from 'crypto';
import { Knex } from 'knex';
import { isDeepStrictEqual } from 'util';
import { v4 as uuid } from 'uuid';
import { audit } from './ProjectStore';
import { isUniqueViolation, parseJson, toNumber } from './util';

/** Versions with the same key send the same requests (see the migration). */
function requestKey(config: LlmAnnotatorConfig): string {
  return createHash('sha256')
    .update(JSON.stringify(llmRequestConfig(config)))
    .digest('hex');
}

/**
 * LLM annotator configs. Every change is a new immutable version (the
 * answers and jobs name the version they ran); saving the same config again
 * makes none.
 */
export interface LlmAnnotatorStore {
  create(
    projectId: string,
    name: string,
    config: LlmAnnotatorConfig,
    actor: string,
  ): Promise<LlmAnnotatorRecord>;
  /**
   * A new version when the config differs from the current one; the record
   * returned is the version this call saved.
   */
  update(
    projectId: string,
    id: string,
    config: LlmAnnotatorConfig,
    actor: string,
  ): Promise<{ annotator: LlmAnnotatorRecord; created: boolean }>;
  get(projectId: string, id: string): Promise<LlmAnnotatorRecord>;
  list(projectId: string): Promise<LlmAnnotatorRecord[]>;
  versions(projectId: string, id: string): Promise<LlmAnnotatorVersion[]>;
  version(
    projectId: string,
    id: string,
    version: number,
  ): Promise<LlmAnnotatorVersion>;
}

const iso = (ms: unknown) => new Date(toNumber(ms)).toISOString();

interface JoinedRow {
  id: string;
  project_id: string;
  name: string;
  current_version: number;
  created_at: number | string;
  updated_at: number | string;
  config: string;
}

function fromRow(row: JoinedRow): LlmAnnotatorRecord {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    version: toNumber(row.current_version),
    config: parseJson(row.config),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export class KnexLlmAnnotatorStore implements LlmAnnotatorStore {
  constructor(private readonly knex: Knex) {}

  private current(db: Knex | Knex.Transaction) {
    return db('llm_annotators as a')
      .join('llm_annotator_versions as v', join =>
        join
          .on('v.annotator_id', 'a.id')
          .andOn('v.version', 'a.current_version'),
      )
      .select('a.*', 'v.config');
  }

  async create(
    projectId: string,
    name: string,
    config: LlmAnnotatorConfig,
    actor: string,
  ): Promise<LlmAnnotatorRecord> {
    const id = uuid();
    const now = Date.now();
    try {
      await this.knex.transaction(async tx => {
        await tx('llm_annotators').insert({
          id,
          project_id: projectId,
          name,
          current_version: 1,
          created_at: now,
          updated_at: now,
        });
        await tx('llm_annotator_versions').insert({
          annotator_id: id,
          version: 1,
          config: JSON.stringify(config),
          request_key: requestKey(config),
          created_by: actor,
          created_at: now,
        });
        await audit(tx, projectId, actor, 'llm.create', { id, name });
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError(
          `name: this project already has an LLM annotator named "${name}"`,
        );
      }
      throw error;
    }
    return this.get(projectId, id);
  }

  async update(
    projectId: string,
    id: string,
    config: LlmAnnotatorConfig,
    actor: string,
  ): Promise<{ annotator: LlmAnnotatorRecord; created: boolean }> {
    const saved = await this.knex.transaction(async tx => {
      // the row lock orders concurrent saves: each gets its own version
      const row = await tx('llm_annotators')
        .where({ id, project_id: projectId })
        .forUpdate()
        .first();
      if (!row) {
        throw new NotFoundError(
          `LLM annotator ${id} not found in this project`,
        );
      }
      const current = await tx('llm_annotator_versions')
        .where({ annotator_id: id, version: row.current_version })
        .first();
      if (isDeepStrictEqual(parseJson(current.config), config)) {
        return { version: toNumber(row.current_version), created: false };
      }
      const version = toNumber(row.current_version) + 1;
      const now = Date.now();
      await tx('llm_annotator_versions').insert({
        annotator_id: id,
        version,
        config: JSON.stringify(config),
        request_key: requestKey(config),
        created_by: actor,
        created_at: now,
      });
      await tx('llm_annotators')
        .where({ id })
        .update({ current_version: version, updated_at: now });
      await audit(tx, projectId, actor, 'llm.version', { id, version });
      return { version, created: true };
    });
    // the version this call saved, even if another save followed it
    const annotator = await this.get(projectId, id);
    return {
      annotator: { ...annotator, version: saved.version, config },
      created: saved.created,
    };
  }

  async get(projectId: string, id: string): Promise<LlmAnnotatorRecord> {
    const row = await this.current(this.knex)
      .where({ 'a.id': id, 'a.project_id': projectId })
      .first();
    if (!row) {
      throw new NotFoundError(`LLM annotator ${id} not found in this project`);
    }
    return fromRow(row);
  }

  async list(projectId: string): Promise<LlmAnnotatorRecord[]> {
    const rows = await this.current(this.knex)
      .where({ 'a.project_id': projectId })
      .orderBy('a.name');
    return rows.map(fromRow);
  }

  async versions(
    projectId: string,
    id: string,
  ): Promise<LlmAnnotatorVersion[]> {
    await this.get(projectId, id);
    const rows = await this.knex('llm_annotator_versions')
      .where({ annotator_id: id })
      .orderBy('version', 'desc');
    return rows.map(row => ({
      version: toNumber(row.version),
      config: parseJson(row.config),
      createdBy: row.created_by,
      createdAt: iso(row.created_at),
    }));
  }

  async version(
    projectId: string,
    id: string,
    version: number,
  ): Promise<LlmAnnotatorVersion> {
    const found = (await this.versions(projectId, id)).find(
      v => v.version === version,
    );
    if (!found) {
      throw new NotFoundError(`LLM annotator ${id} has no version ${version}`);
    }
    return found;
  }
}
