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
 * a demo project someone deleted does not come back at the next start. Then
 * imports the items of every seeded project whose seed import never finished
 * (a backend stopped between creating a project and importing its items):
 * checked at every start, and safe to repeat, as imports are idempotent.
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
  if ((await store.list()).length === 0) {
    for (const { project, config } of seeds) {
      const key = `${project.namespace ?? 'default'}/${project.name}`;
      try {
        await store.create(project, config, SEED_ACTOR);
        logger.info(`Seeded annotation project ${key}`);
      } catch (error) {
        // another replica seeded it first
        if (isError(error) && error.name === 'ConflictError') {
          continue;
        }
        throw error;
      }
    }
  }
  const projects = await store.list();
  for (const { project, config, items } of seeds) {
    const key = `${project.namespace ?? 'default'}/${project.name}`;
    const seeded = projects.find(p => `${p.namespace}/${p.name}` === key);
    if (
      !items ||
      !seeded ||
      !(await needsSeedItems(store, itemStore, seeded.id))
    ) {
      continue;
    }
    const summary = await importItems({
      projectId: seeded.id,
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
}

/**
 * True for a project the seed created (its first config is the seed's) and
 * whose seed import has not finished: never someone's own project of the
 * same name.
 */
async function needsSeedItems(
  store: ProjectStore,
  itemStore: ItemStore,
  projectId: string,
): Promise<boolean> {
  const first = await store.getConfig(projectId, 1);
  if (first?.createdBy !== SEED_ACTOR) {
    return false;
  }
  const imports = await itemStore.listImports(projectId, 50);
  return !imports.some(i => i.createdBy === SEED_ACTOR && i.status === 'done');
}
