import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Chorus's permissions. Resource permissions act on one annotation project;
 * a policy decides them (usually by workforce tier, with the conditions the
 * backend exports as `annotationProjectConditions`).
 */
export const ANNOTATION_PROJECT_RESOURCE_TYPE = 'annotation-project';

/** Create a project (the caller must also belong to its owner group). */
export const annotationProjectCreatePermission = createPermission({
  name: 'annotation.project.create',
  attributes: { action: 'create' },
});

/** See a project, its configuration and instructions. */
export const annotationProjectReadPermission = createPermission({
  name: 'annotation.project.read',
  attributes: { action: 'read' },
  resourceType: ANNOTATION_PROJECT_RESOURCE_TYPE,
});

/** Change a project's configuration or status. */
export const annotationProjectUpdatePermission = createPermission({
  name: 'annotation.project.update',
  attributes: { action: 'update' },
  resourceType: ANNOTATION_PROJECT_RESOURCE_TYPE,
});

/** Import items (and their predictions and gold answers) into a project. */
export const annotationItemImportPermission = createPermission({
  name: 'annotation.item.import',
  attributes: { action: 'create' },
  resourceType: ANNOTATION_PROJECT_RESOURCE_TYPE,
});

/** Lease items and answer them: an annotator's work. */
export const annotationItemLabelPermission = createPermission({
  name: 'annotation.item.label',
  attributes: { action: 'create' },
  resourceType: ANNOTATION_PROJECT_RESOURCE_TYPE,
});

/**
 * Resolve escalated items: claim the next escalation, see every answer side
 * by side, resolve it with a final answer or send it back. A quality
 * analyst's work.
 */
export const annotationItemReviewPermission = createPermission({
  name: 'annotation.item.review',
  attributes: { action: 'update' },
  resourceType: ANNOTATION_PROJECT_RESOURCE_TYPE,
});

/** See a project's progress and per-annotator figures. */
export const annotationProjectMetricsReadPermission = createPermission({
  name: 'annotation.project.metrics.read',
  attributes: { action: 'read' },
  resourceType: ANNOTATION_PROJECT_RESOURCE_TYPE,
});

export const annotationPermissions = [
  annotationProjectCreatePermission,
  annotationProjectReadPermission,
  annotationProjectUpdatePermission,
  annotationItemImportPermission,
  annotationItemLabelPermission,
  annotationItemReviewPermission,
  annotationProjectMetricsReadPermission,
];
