import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError } from '@backstage/errors';
import {
  authProvidersExtensionPoint,
  createProxyAuthenticator,
  createProxyAuthProviderFactory,
} from '@backstage/plugin-auth-node';

/** Header in which the demo sign-in page names the chosen catalogue user. */
export const DEMO_USER_HEADER = 'x-chorus-demo-user';

const USER_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/i;

/**
 * Sign in as any catalogue user, so each workforce tier's view can be tried.
 * It only exists for the demo: it refuses every request unless
 * `auth.environment` is exactly `development` (fails closed: a missing or
 * mistyped environment refuses too).
 */
export const authModuleDemoProvider = createBackendModule({
  pluginId: 'auth',
  moduleId: 'demo-provider',
  register(reg) {
    reg.registerInit({
      deps: {
        providers: authProvidersExtensionPoint,
        config: coreServices.rootConfig,
      },
      async init({ providers, config }) {
        const enabled =
          config.getOptionalString('auth.environment') === 'development';
        providers.registerProvider({
          providerId: 'demo',
          factory: createProxyAuthProviderFactory({
            authenticator: createProxyAuthenticator({
              defaultProfileTransform: async (result: {
                userName: string;
              }) => ({
                profile: { displayName: result.userName },
              }),
              initialize: () => ({ enabled }),
              async authenticate({ req }, ctx) {
                if (!ctx.enabled) {
                  throw new NotAllowedError(
                    'Demo sign-in is only available when auth.environment is development',
                  );
                }
                const userName = req.header(DEMO_USER_HEADER) ?? '';
                if (!USER_NAME.test(userName)) {
                  throw new InputError(
                    `${DEMO_USER_HEADER}: expected a catalogue user name, got "${userName}"`,
                  );
                }
                return { result: { userName } };
              },
            }),
            // only users that exist in the catalogue can sign in
            signInResolver: async ({ result }, ctx) =>
              ctx.signInWithCatalogUser({
                entityRef: { name: result.userName },
              }),
          }),
        });
      },
    });
  },
});
