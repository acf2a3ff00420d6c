import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import {
  ANNOTATION_PROJECT_RESOURCE_TYPE,
  AnnotationProjectRecord,
} from '@chorus/plugin-annotation-common';
import {
  createConditionExports,
  createPermissionResourceRef,
  createPermissionRule,
} from '@backstage/plugin-permission-node';
import { z } from 'zod';

/** The workforce tiers a project names (the owner group counts as manager). */
export const WORKFORCE_ROLES = [
  'annotator',
  'qualityAnalyst',
  'manager',
] as const;
export type WorkforceRole = (typeof WORKFORCE_ROLES)[number];

/**
 * What a condition on projects becomes as a query. Projects are few (dozens),
 * so lists are filtered in memory by applying the rule, not in SQL.
 */
export type AnnotationProjectFilter = {
  roles: WorkforceRole[];
  claims: string[];
};

export const annotationProjectResourceRef = createPermissionResourceRef<
  AnnotationProjectRecord,
  AnnotationProjectFilter
>().with({
  pluginId: 'annotation',
  resourceType: ANNOTATION_PROJECT_RESOURCE_TYPE,
});

const normalised = new Map<string, string>();

/** `group:default/x` for `x`, lower-cased: how ownership refs compare. */
export function normaliseRef(ref: string, defaultKind = 'group'): string {
  // every request checks the caller's refs against the project's groups:
  // the same few strings, parsed once each
  const key = `${defaultKind}|${ref}`;
  let result = normalised.get(key);
  if (result === undefined) {
    result = stringifyEntityRef(
      parseEntityRef(ref, { defaultKind, defaultNamespace: 'default' }),
    ).toLocaleLowerCase('en-US');
    if (normalised.size >= 10_000) {
      normalised.clear();
    }
    normalised.set(key, result);
  }
  return result;
}

/** The groups holding a tier in a project. */
export function groupsWithRole(
  project: Pick<AnnotationProjectRecord, 'owner' | 'workforce'>,
  role: WorkforceRole,
): string[] {
  switch (role) {
    case 'annotator':
      return project.workforce.annotators;
    case 'qualityAnalyst':
      return project.workforce.qualityAnalysts;
    default:
      return [...project.workforce.managers, project.owner];
  }
}

/** Whether any of `claims` (ownership refs) holds one of `roles`. */
export function holdsWorkforceRole(
  project: Pick<AnnotationProjectRecord, 'owner' | 'workforce'>,
  filter: AnnotationProjectFilter,
): boolean {
  const mine = new Set(filter.claims.map(c => normaliseRef(c)));
  return filter.roles.some(role =>
    groupsWithRole(project, role).some(g => mine.has(normaliseRef(g))),
  );
}

const hasWorkforceRole = createPermissionRule({
  name: 'HAS_WORKFORCE_ROLE',
  description:
    'Allow when one of the claims (user and group refs) holds one of the given tiers in the project; the owner group counts as manager',
  resourceRef: annotationProjectResourceRef,
  paramsSchema: z.object({
    roles: z
      .array(z.enum(WORKFORCE_ROLES))
      .describe('Tiers that qualify: annotator, qualityAnalyst, manager'),
    claims: z
      .array(z.string())
      .describe('The caller’s ownership refs (user and groups)'),
  }),
  apply: (project, params) => holdsWorkforceRole(project, params),
  toQuery: params => params,
});

export const annotationProjectRules = { hasWorkforceRole };

/**
 * Conditions for writing a policy over Chorus projects, e.g.
 * `createAnnotationProjectConditionalDecision(permission,
 * annotationProjectConditions.hasWorkforceRole({ roles: ['annotator'],
 * claims: user.info.ownershipEntityRefs }))`.
 */
export const {
  conditions: annotationProjectConditions,
  createConditionalDecision: createAnnotationProjectConditionalDecision,
} = createConditionExports({
  resourceRef: annotationProjectResourceRef,
  rules: annotationProjectRules,
});
