import { Config } from '@backstage/config';
import { InputError, isError } from '@backstage/errors';
import { KubernetesValidatorFunctions } from '@backstage/catalog-model';
import {
  annotationProjectRecordToEntity,
  NewAnnotationProject,
  validateAnnotationProjectEntity,
} from '@chorus/plugin-annotation-common';
import { LoggerService } from '@backstage/backend-plugin-api';
import { ProjectStore } from '../database';

/**
 * Reads `annotation.seed.projects`: projects created at startup when no
 * project of that name exists yet (the demo uses it). Bad entries are errors
 * naming the entry and field, so a typo never starts a half-seeded backend.
 */
export function readSeedProjects(config: Config): NewAnnotationProject[] {
  const entries = config.getOptionalConfigArray('annotation.seed.projects');
  return (entries ?? []).map((entry, index) => {
    const at = `annotation.seed.projects[${index}]`;
    const project = entry.get() as NewAnnotationProject;
    if (!KubernetesValidatorFunctions.isValidObjectName(project.name)) {
      throw new InputError(
        `${at}.name: expected a catalogue entity name (letters, digits, -_. up to 63), got ${JSON.stringify(
          project.name,
        )}`,
      );
    }
    if (typeof project.title !== 'string' || !project.title) {
      throw new InputError(`${at}.title: expected a non-empty string`);
    }
    const entity = annotationProjectRecordToEntity({
      ...project,
      namespace: project.namespace ?? 'default',
      questions: project.questions ?? [],
    });
    const issues = validateAnnotationProjectEntity(entity);
    if (issues.length) {
      throw new InputError(
        issues
          .map(i => `${at}.${i.field.replace(/^spec\./, '')}: ${i.message}`)
          .join('; '),
      );
    }
    return project;
  });
}

/** Creates the seed projects that do not exist yet. */
export async function seedProjects(
  store: ProjectStore,
  seeds: NewAnnotationProject[],
  logger: LoggerService,
): Promise<void> {
  if (!seeds.length) {
    return;
  }
  const existing = new Set(
    (await store.list()).map(p => `${p.namespace}/${p.name}`),
  );
  for (const seed of seeds) {
    const key = `${seed.namespace ?? 'default'}/${seed.name}`;
    if (existing.has(key)) {
      continue;
    }
    try {
      await store.create(seed);
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
