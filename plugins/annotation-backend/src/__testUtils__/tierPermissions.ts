import {
  BackstageCredentials,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  Permission,
} from '@backstage/plugin-permission-common';
import { AnnotationTierPolicy } from '../permissions';
import { demoUserInfo } from './demoUsers';

/**
 * The permissions service deciding in process with Chorus's tier policy and
 * the demo memberships. The real permission backend cannot be used with the
 * mock auth service: its on-behalf-of tokens lack the plugin actor, so the
 * permission backend refuses conditional requests. Only that transport is
 * skipped; services are allowed, as the real permissions client allows them.
 */
export const tierPermissionsFactory = createServiceFactory({
  service: coreServices.permissions,
  deps: {},
  factory() {
    const policy = new AnnotationTierPolicy(demoUserInfo);
    async function decide(
      permission: Permission,
      credentials: BackstageCredentials,
    ) {
      switch ((credentials.principal as { type: string }).type) {
        case 'service':
          return { result: AuthorizeResult.ALLOW } as const;
        case 'user':
          return policy.handle(
            { permission },
            { credentials, info: await demoUserInfo.getUserInfo(credentials) },
          );
        default:
          return policy.handle({ permission });
      }
    }
    return {
      async authorize(requests, options) {
        return Promise.all(
          requests.map(async r => {
            const decision = await decide(r.permission, options.credentials);
            if (decision.result === AuthorizeResult.CONDITIONAL) {
              throw new Error('resource checks use authorizeConditional');
            }
            return decision;
          }),
        );
      },
      async authorizeConditional(requests, options) {
        return Promise.all(
          requests.map(r => decide(r.permission, options.credentials)),
        );
      },
    };
  },
});
