import { Config } from '@backstage/config';
import { InputError, isError } from '@backstage/errors';
import {
  describeConfigIssues,
  NewAnnotationProject,
  parseNewProject,
  ProjectConfig,
} from '@chorus/plugin-annotation-common';
import { LoggerService } from '@backstage/backend-plugin-api';
import { ProjectStore } from '../database';

/** Who the audit log names for seeded projects. */
export const SEED_ACTOR = 'chorus:seed';

export interface SeedProject {
  project: NewAnnotationProject;
  config: ProjectConfig;
}

/**
 * Reads `annotation.seed.projects`: projects created at startup when no
 * project of that name exists yet (the demo uses it). Bad entries are errors
 * naming the entry and field, so a typo never starts a half-seeded backend.
 */
export function readSeedProjects(config: Config): SeedProject[] {
  const entries = config.getOptionalConfigArray('annotation.seed.projects');
  return (entries ?? []).map((entry, index) => {
    const parsed = parseNewProject(entry.get());
    if (!parsed.success) {
      const at = `annotation.seed.projects[${index}]`;
      throw new InputError(
        describeConfigIssues(
          parsed.issues.map(i => ({
            ...i,
            path: i.path ? `${at}.${i.path}` : at,
          })),
        ),
      );
    }
    return { project: parsed.project, config: parsed.config };
  });
}

/**
 * Creates the seed projects, once: only while the project table is empty, so
 * a demo project someone deleted does not come back at the next start.
 */
export async function seedProjects(
  store: ProjectStore,
  seeds: SeedProject[],
  logger: LoggerService,
): Promise<void> {
  if (!seeds.length) {
    return;
  }
  if ((await store.list()).length > 0) {
    return;
  }
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
