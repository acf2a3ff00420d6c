import { createBackendModule } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  authProvidersExtensionPoint,
  createProxyAuthenticator,
  createProxyAuthProviderFactory,
} from '@backstage/plugin-auth-node';

/** Header naming the simulated annotator to sign in. */
export const BENCH_USER_HEADER = 'x-chorus-bench-user';

export const BENCH_ANNOTATORS_GROUP = 'group:default/bench-annotators';

const BENCH_USER = /^bench-annotator-\d{1,4}$/;

/**
 * Bench-only sign-in (never part of the portal's backend): issues a real
 * Backstage token for `bench-annotator-N`, carrying the annotator group in
 * its `ent` claim, so the real httpAuth and userInfo services resolve the
 * caller's groups without a catalogue.
 */
export const authModuleBenchProvider = createBackendModule({
  pluginId: 'auth',
  moduleId: 'bench-provider',
  register(reg) {
    reg.registerInit({
      deps: { providers: authProvidersExtensionPoint },
      async init({ providers }) {
        providers.registerProvider({
          providerId: 'bench',
          factory: createProxyAuthProviderFactory({
            authenticator: createProxyAuthenticator({
              defaultProfileTransform: async (result: {
                userName: string;
              }) => ({ profile: { displayName: result.userName } }),
              initialize: () => ({}),
              async authenticate({ req }) {
                const userName = req.header(BENCH_USER_HEADER) ?? '';
                if (!BENCH_USER.test(userName)) {
                  throw new InputError(
                    `${BENCH_USER_HEADER}: bench-annotator-N expected`,
                  );
                }
                return { result: { userName } };
              },
            }),
            signInResolver: async ({ result }, ctx) => {
              const ref = `user:default/${result.userName}`;
              return ctx.issueToken({
                claims: { sub: ref, ent: [ref, BENCH_ANNOTATORS_GROUP] },
              });
            },
          }),
        });
      },
    });
  },
});
