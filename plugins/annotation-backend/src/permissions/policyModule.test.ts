import { startTestBackend } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { PermissionPolicy } from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  annotationItemLabelPermission,
  annotationProjectCreatePermission,
} from '@chorus/plugin-annotation-common';
import { annotationPermissionPolicyModule } from './policyModule';
import { AnnotationTierPolicy } from './tierPolicy';

describe('annotationPermissionPolicyModule', () => {
  it('installs the tier policy in the permission plugin', async () => {
    let installed: PermissionPolicy | undefined;
    await startTestBackend({
      extensionPoints: [
        [
          policyExtensionPoint,
          {
            setPolicy: (policy: PermissionPolicy) => {
              installed = policy;
            },
          },
        ],
      ],
      features: [annotationPermissionPolicyModule],
    });
    expect(installed).toBeInstanceOf(AnnotationTierPolicy);
    // without a signed-in user: Chorus permissions are denied
    await expect(
      installed!.handle({ permission: annotationProjectCreatePermission }),
    ).resolves.toEqual({ result: AuthorizeResult.DENY });
    await expect(
      installed!.handle({ permission: annotationItemLabelPermission }),
    ).resolves.toEqual({ result: AuthorizeResult.DENY });
  });
});
