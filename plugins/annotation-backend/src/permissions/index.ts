export {
  annotationProjectConditions,
  annotationProjectResourceRef,
  annotationProjectRules,
  createAnnotationProjectConditionalDecision,
  WORKFORCE_ROLES,
} from './rules';
export type { AnnotationProjectFilter, WorkforceRole } from './rules';
export {
  AnnotationTierPolicy,
  annotationTierDecision,
  TIER_GRANTS,
} from './tierPolicy';
