import type { AnnotationProjectStatus } from '../kinds';
import type { ConfigIssue, ProjectConfig } from './projectConfig';

/** Which status a project may move to from each status. */
export const STATUS_TRANSITIONS: Record<
  AnnotationProjectStatus,
  AnnotationProjectStatus[]
> = {
  draft: ['active', 'archived'],
  active: ['paused', 'completed'],
  paused: ['active', 'completed', 'archived'],
  completed: ['active', 'archived'],
  archived: [],
};

/** Labeling (leases and submissions) happens only in active projects. */
export function isLabelingOpen(status: AnnotationProjectStatus): boolean {
  return status === 'active';
}

/**
 * Changes that would make existing answers meaningless, once a project has
 * any: a question removed, its type or field changed, a label removed, a
 * rating range narrowed. Adding questions and labels is always allowed.
 */
export function incompatibleConfigChanges(
  before: ProjectConfig,
  after: ProjectConfig,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  before.questions.forEach(old => {
    const index = after.questions.findIndex(q => q.id === old.id);
    if (index < 0) {
      issues.push({
        path: 'questions',
        message: `question "${old.id}" has answers and cannot be removed`,
      });
      return;
    }
    const next = after.questions[index];
    const at = `questions[${index}]`;
    if (next.type !== old.type) {
      issues.push({
        path: `${at}.type`,
        message: `"${old.type}" expected: the question has answers`,
      });
      return;
    }
    if (next.field !== old.field) {
      issues.push({
        path: `${at}.field`,
        message: `"${old.field}" expected: the question has answers`,
      });
    }
    if ('labels' in old && 'labels' in next) {
      const kept = new Set(next.labels.map(l => l.value));
      const removed = old.labels.filter(l => !kept.has(l.value));
      if (removed.length) {
        issues.push({
          path: `${at}.labels`,
          message: `labels with answers cannot be removed: ${removed
            .map(l => `"${l.value}"`)
            .join(', ')}`,
        });
      }
    }
    if (
      old.type === 'ordinal-rating' &&
      next.type === 'ordinal-rating' &&
      (next.min > old.min || next.max < old.max)
    ) {
      issues.push({
        path: at,
        message: `a range containing ${old.min}..${old.max} expected: the question has answers`,
      });
    }
  });
  return issues;
}
