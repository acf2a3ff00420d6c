import { BackendFeature } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { JsonObject } from '@backstage/types';
import { Server } from 'http';
import { Knex } from 'knex';
import { annotationPlugin } from '../plugin';
import { demoUserInfoFactory } from './demoUsers';
import { tierPermissionsFactory } from './tierPermissions';

/**
 * The Chorus plugin in a test backend: the given database (else an in-memory
 * one), `annotation.*` config, anonymous callers without a token (as in
 * production), the demo users' group memberships, and permissions decided by
 * Chorus's tier policy.
 */
export async function startAnnotationApi(
  options: {
    knex?: Knex;
    annotation?: JsonObject;
    /** More features, e.g. a module listening to Chorus's events. */
    features?: BackendFeature[];
  } = {},
): Promise<Server> {
  const { server } = await startTestBackend({
    features: [
      annotationPlugin,
      tierPermissionsFactory,
      ...(options.knex
        ? [mockServices.database.factory({ knex: options.knex })]
        : []),
      mockServices.rootConfig.factory({
        data: {
          annotation: options.annotation ?? {},
        },
      }),
      mockServices.httpAuth.factory({
        defaultCredentials: mockCredentials.none(),
      }),
      demoUserInfoFactory,
      ...(options.features ?? []),
    ],
  });
  return server;
}
