import { UserInfoService } from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  isResourcePermission,
  Permission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  ANNOTATION_PROJECT_RESOURCE_TYPE,
  annotationItemImportPermission,
  annotationItemLabelPermission,
  annotationItemReviewPermission,
  annotationProjectCreatePermission,
  annotationProjectMetricsReadPermission,
  annotationProjectReadPermission,
  annotationProjectUpdatePermission,
} from '@chorus/plugin-annotation-common';
import {
  annotationProjectConditions,
  createAnnotationProjectConditionalDecision,
  WorkforceRole,
} from './rules';

/** Which workforce tiers get each project permission. */
export const TIER_GRANTS: Record<string, WorkforceRole[]> = {
  [annotationProjectReadPermission.name]: [
    'annotator',
    'qualityAnalyst',
    'manager',
  ],
  [annotationProjectUpdatePermission.name]: ['manager'],
  [annotationItemImportPermission.name]: ['manager'],
  [annotationItemLabelPermission.name]: ['annotator'],
  // QA decisions are final and become gold: quality analysts only. Managers
  // read the escalation backlog through the metrics permission; a manager
  // who also resolves adds their group to workforce.qualityAnalysts.
  [annotationItemReviewPermission.name]: ['qualityAnalyst'],
  [annotationProjectMetricsReadPermission.name]: ['manager', 'qualityAnalyst'],
};

/**
 * Chorus's default decisions: projects are open to the tiers named in their
 * workforce (see TIER_GRANTS), and any signed-in user may create a project
 * (the API then checks they will manage it). `claims` are the caller's
 * ownership refs, undefined for an anonymous caller. Returns undefined for
 * other plugins' permissions, so a policy can combine it with its own rules.
 *
 * Service callers (CLI, batch jobs) never reach a policy: the permissions
 * service allows them within their token's access restrictions.
 */
export function annotationTierDecision(
  permission: Permission,
  claims: string[] | undefined,
): PolicyDecision | undefined {
  if (!permission.name.startsWith('annotation.')) {
    return undefined;
  }
  if (!claims) {
    return { result: AuthorizeResult.DENY };
  }
  if (permission.name === annotationProjectCreatePermission.name) {
    return { result: AuthorizeResult.ALLOW };
  }
  const roles = TIER_GRANTS[permission.name];
  if (
    !roles ||
    !isResourcePermission(permission, ANNOTATION_PROJECT_RESOURCE_TYPE)
  ) {
    return { result: AuthorizeResult.DENY };
  }
  return createAnnotationProjectConditionalDecision(
    permission,
    annotationProjectConditions.hasWorkforceRole({ roles, claims }),
  );
}

/**
 * A complete policy for the demo portal: Chorus's tiers for Chorus's
 * permissions, everything else allowed. Real deployments combine
 * `annotationTierDecision` (or the exported conditions) with their own rules.
 */
export class AnnotationTierPolicy implements PermissionPolicy {
  constructor(private readonly userInfo: UserInfoService) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    if (!request.permission.name.startsWith('annotation.')) {
      return { result: AuthorizeResult.ALLOW };
    }
    const claims = user
      ? (await this.userInfo.getUserInfo(user.credentials)).ownershipEntityRefs
      : undefined;
    return annotationTierDecision(request.permission, claims)!;
  }
}
