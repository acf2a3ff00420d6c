import { ConflictError } from '@backstage/errors';
import { AnnotationProjectRecord } from '@chorus/plugin-annotation-common';
import { ProjectConfigVersion, ProjectStore } from '../database';

const MAX_CACHED_CONFIGS = 1000;

/**
 * Reads a project's current config version. Saved versions are never
 * changed, so each is read once; the project row (read on every request)
 * says which version is current.
 */
export function currentConfigReader(projects: ProjectStore) {
  const configs = new Map<string, ProjectConfigVersion>();
  return async function currentConfig(
    project: AnnotationProjectRecord,
  ): Promise<ProjectConfigVersion> {
    const key = `${project.id}:${project.configVersion}`;
    let current = configs.get(key);
    if (!current) {
      current = await projects.getConfig(project.id, project.configVersion);
      if (!current) {
        throw new ConflictError(
          `project ${project.id} has no configuration yet`,
        );
      }
      if (configs.size >= MAX_CACHED_CONFIGS) {
        configs.clear();
      }
      configs.set(key, current);
    }
    return current;
  };
}
