import { KubernetesValidatorFunctions } from '@backstage/catalog-model';
import type { NewAnnotationProject } from '../api';
import {
  ANNOTATION_PROJECT_STATUSES,
  annotationProjectRecordToEntity,
  validateAnnotationProjectEntity,
} from '../kinds';
import {
  ConfigIssue,
  parseProjectConfig,
  ProjectConfig,
} from './projectConfig';
import { summarizeProjectConfig } from './summary';

export type NewProjectParseResult =
  | { success: true; project: NewAnnotationProject; config: ProjectConfig }
  | { success: false; issues: ConfigIssue[] };

const KNOWN_FIELDS = new Set([
  'name',
  'namespace',
  'title',
  'description',
  'owner',
  'lifecycle',
  'model',
  'dataset',
  'status',
  'config',
]);

/**
 * Validates a new project: its catalogue fields (as the catalogue would check
 * the entity) and its config. Every problem names its path, e.g.
 * `model: expected a reference to a resource entity` or
 * `config.questions[0].labels: at least 2 labels expected`.
 */
export function parseNewProject(input: unknown): NewProjectParseResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return {
      success: false,
      issues: [{ path: '', message: 'a project object expected' }],
    };
  }
  const raw = input as Record<string, unknown>;
  const issues: ConfigIssue[] = [];
  for (const key of Object.keys(raw)) {
    if (!KNOWN_FIELDS.has(key)) {
      issues.push({ path: key, message: 'is not a known field' });
    }
  }
  const str = (key: string, required: boolean, maxLength?: number) => {
    const value = raw[key];
    if (value === undefined && !required) {
      return;
    }
    if (typeof value !== 'string' || value.length === 0) {
      issues.push({ path: key, message: 'a non-empty string expected' });
    } else if (maxLength !== undefined && value.length > maxLength) {
      issues.push({
        path: key,
        message: `at most ${maxLength} characters expected`,
      });
    }
  };
  // the lengths of the database columns
  str('name', true);
  str('title', true, 255);
  str('owner', true, 255);
  str('lifecycle', true, 63);
  str('model', true, 255);
  str('dataset', true, 255);
  str('namespace', false);
  str('description', false);
  if (
    typeof raw.name === 'string' &&
    raw.name &&
    !KubernetesValidatorFunctions.isValidObjectName(raw.name)
  ) {
    issues.push({
      path: 'name',
      message:
        'a catalogue entity name expected (letters, digits, - _ . ; at most 63)',
    });
  }
  if (
    typeof raw.namespace === 'string' &&
    raw.namespace &&
    !KubernetesValidatorFunctions.isValidNamespace(raw.namespace)
  ) {
    issues.push({
      path: 'namespace',
      message: 'a catalogue namespace expected',
    });
  }
  if (
    raw.status !== undefined &&
    !ANNOTATION_PROJECT_STATUSES.includes(raw.status as any)
  ) {
    issues.push({
      path: 'status',
      message: `one of ${ANNOTATION_PROJECT_STATUSES.join(', ')} expected`,
    });
  }

  const parsed = parseProjectConfig(raw.config);
  if (!parsed.success) {
    issues.push(
      ...parsed.issues.map(i => ({
        path: i.path ? `config.${i.path}` : 'config',
        message:
          raw.config === undefined
            ? 'is required (an object expected)'
            : i.message,
      })),
    );
  }
  if (issues.length === 0 && parsed.success) {
    // the refs, exactly as the catalogue processor will check them
    const project = raw as unknown as NewAnnotationProject;
    const entity = annotationProjectRecordToEntity({
      ...project,
      namespace: project.namespace ?? 'default',
      status: project.status ?? 'draft',
      ...summarizeProjectConfig(parsed.config),
    });
    for (const issue of validateAnnotationProjectEntity(entity)) {
      const path = issue.field
        .replace(/^spec\.workforce\./, 'config.workforce.')
        .replace(/^spec\./, '');
      issues.push({ path, message: issue.message });
    }
    if (issues.length === 0) {
      return { success: true, project, config: parsed.config };
    }
  }
  // one report per path is enough when the config is missing entirely
  return {
    success: false,
    issues: issues.filter(
      (issue, i) => issues.findIndex(j => j.path === issue.path) === i,
    ),
  };
}
