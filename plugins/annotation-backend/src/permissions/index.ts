export {
  annotationProjectConditions,
  annotationProjectResourceRef,
  annotationProjectRules,
  createAnnotationProjectConditionalDecision,
  groupsWithRole,
  holdsWorkforceRole,
  normaliseRef,
  WORKFORCE_ROLES,
} from './rules';
export type { AnnotationProjectFilter, WorkforceRole } from './rules';
export {
  AnnotationTierPolicy,
  annotationTierDecision,
  TIER_GRANTS,
} from './tierPolicy';
export { annotationPermissionPolicyModule } from './policyModule';
