import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { AnnotationTierPolicy } from './tierPolicy';

/**
 * Installs `AnnotationTierPolicy` in the permission backend: Chorus projects
 * are open to the workforce tiers they name; every other plugin's permission
 * is allowed. For portals without a policy of their own (the demo, the
 * benchmarks); a portal with its own policy calls `annotationTierDecision`.
 */
export const annotationPermissionPolicyModule = createBackendModule({
  pluginId: 'permission',
  moduleId: 'chorus-tier-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint, userInfo: coreServices.userInfo },
      async init({ policy, userInfo }) {
        policy.setPolicy(new AnnotationTierPolicy(userInfo));
      },
    });
  },
});
