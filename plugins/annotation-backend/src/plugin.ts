import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  applyDatabaseMigrations,
  KnexAnnotationStore,
  KnexItemStore,
  KnexLeaseStore,
  KnexProjectStore,
  useWriteAheadLog,
} from './database';
import { createRouter } from './service/router';
import { readSeedProjects, seedProjects } from './service/seedProjects';

/** The Chorus backend plugin, mounted at `/api/annotation`. */
export const annotationPlugin = createBackendPlugin({
  pluginId: 'annotation',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        database: coreServices.database,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        logger: coreServices.logger,
        userInfo: coreServices.userInfo,
      },
      async init({ config, database, httpAuth, httpRouter, logger, userInfo }) {
        const seeds = readSeedProjects(config);
        const knex = await database.getClient();
        if (!database.migrations?.skip) {
          await applyDatabaseMigrations(knex);
        }
        await useWriteAheadLog(knex);
        const projects = new KnexProjectStore(knex);
        const items = new KnexItemStore(knex);
        await seedProjects(projects, items, seeds, logger);
        httpRouter.use(
          await createRouter({
            config,
            httpAuth,
            userInfo,
            projects,
            items,
            leases: new KnexLeaseStore(knex),
            annotations: new KnexAnnotationStore(knex),
          }),
        );
      },
    });
  },
});
