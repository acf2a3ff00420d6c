import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { AnnotationTierPolicy } from '@chorus/plugin-annotation-backend';

/**
 * The demo portal's permission policy: Chorus projects are open to the
 * workforce tiers they name; every other plugin's permission is allowed.
 */
export const permissionModuleChorusPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'chorus-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint, userInfo: coreServices.userInfo },
      async init({ policy, userInfo }) {
        policy.setPolicy(new AnnotationTierPolicy(userInfo));
      },
    });
  },
});
