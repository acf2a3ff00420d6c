import { Config } from '@backstage/config';
import { InputError, isError } from '@backstage/errors';
import {
  describeConfigIssues,
  NewAnnotationProject,
  parseNewProject,
  ProjectConfig,
} from '@chorus/plugin-annotation-common';
import { LoggerService } from '@backstage/backend-plugin-api';
import { Readable } from 'stream';
import { ItemStore, ProjectStore } from '../database';
import { DEFAULT_IMPORT_LIMITS, importItems } from './importItems';

/** Who the audit log names for seeded projects. */
export const SEED_ACTOR = 'chorus:seed';

export interface SeedProject {
  project: NewAnnotationProject;
  config: ProjectConfig;
  /** NDJSON items imported right after the project is created. */
  items?: string;
}

/**
 * Reads `annotation.seed.projects`: projects created at startup when no
 * project of that name exists yet (the demo uses it). Bad entries are errors
 * naming the entry and field, so a typo never starts a half-seeded backend.
 */
export function readSeedProjects(config: Config): SeedProject[] {
  const entries = config.getOptionalConfigArray('annotation.seed.projects');
  return (entries ?? []).map((entry, index) => {
    const at = `annotation.seed.projects[${index}]`;
    const { items, ...fields } = entry.get() as Record<string, unknown>;
    if (items !== undefined && typeof items !== 'string') {
      throw new InputError(
        `${at}.items: NDJSON text expected (e.g. { $file: items.ndjson })`,
      );
    }
    const parsed = parseNewProject(fields);
    if (!parsed.success) {
      throw new InputError(
        describeConfigIssues(
          parsed.issues.map(i => ({
            ...i,
            path: i.path ? `${at}.${i.path}` : at,
          })),
        ),
      );
    }
    return {
      project: parsed.project,
      config: parsed.config,
      ...(items ? { items } : {}),
    };
  });
}

/**
 * Creates the seed projects, once: only while the project table is empty, so
 * a demo project someone deleted does not come back at the next start.
 */
export async function seedProjects(
  store: ProjectStore,
  itemStore: ItemStore,
  seeds: SeedProject[],
  logger: LoggerService,
): Promise<void> {
  if (!seeds.length) {
    return;
  }
  if ((await store.list()).length > 0) {
    return;
  }
  for (const { project, config, items } of seeds) {
    const key = `${project.namespace ?? 'default'}/${project.name}`;
    try {
      const created = await store.create(project, config, SEED_ACTOR);
      logger.info(`Seeded annotation project ${key}`);
      if (items) {
        const summary = await importItems({
          projectId: created.id,
          actor: SEED_ACTOR,
          config,
          body: Readable.from([items]),
          items: itemStore,
          limits: DEFAULT_IMPORT_LIMITS,
        });
        logger.info(
          `Seeded ${summary.inserted} items into ${key}${
            summary.rejected
              ? `; rejected: ${summary.errors
                  .map(e => `line ${e.line}: ${e.reason}`)
                  .join('; ')}`
              : ''
          }`,
        );
      }
    } catch (error) {
      // another replica seeded it first
      if (isError(error) && error.name === 'ConflictError') {
        continue;
      }
      throw error;
    }
  }
}
