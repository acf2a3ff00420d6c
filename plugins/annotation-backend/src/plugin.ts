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
  KnexQualityStore,
  tuneSqlite,
} from './database';
import { createRouter } from './service/router';
import { ProjectNotifier } from './service/ProjectNotifier';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { annotationPermissions } from '@chorus/plugin-annotation-common';
import {
  annotationProjectResourceRef,
  annotationProjectRules,
} from './permissions';
import { readSeedProjects, seedProjects } from './service/seedProjects';
import { readStaleImportMs, startImportSweep } from './service/importSweep';

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
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        scheduler: coreServices.scheduler,
        userInfo: coreServices.userInfo,
        events: eventsServiceRef,
        signals: signalsServiceRef,
      },
      async init({
        config,
        database,
        httpAuth,
        httpRouter,
        logger,
        permissions,
        permissionsRegistry,
        scheduler,
        userInfo,
        events,
        signals,
      }) {
        const seeds = readSeedProjects(config);
        const staleImportMs = readStaleImportMs(config);
        const knex = await database.getClient();
        if (!database.migrations?.skip) {
          await applyDatabaseMigrations(knex);
        }
        await tuneSqlite(knex);
        const projects = new KnexProjectStore(knex);
        permissionsRegistry.addResourceType({
          resourceRef: annotationProjectResourceRef,
          permissions: annotationPermissions.filter(p => p.type === 'resource'),
          rules: Object.values(annotationProjectRules),
          getResources: refs => Promise.all(refs.map(ref => projects.get(ref))),
        });
        permissionsRegistry.addPermissions(
          annotationPermissions.filter(p => p.type === 'basic'),
        );
        const items = new KnexItemStore(knex);
        await startImportSweep({
          items,
          scheduler,
          logger,
          staleAfterMs: staleImportMs,
        });
        await seedProjects(projects, items, seeds, logger);
        httpRouter.use(
          await createRouter({
            config,
            httpAuth,
            userInfo,
            permissions,
            permissionsRegistry,
            projects,
            items,
            leases: new KnexLeaseStore(knex),
            annotations: new KnexAnnotationStore(knex),
            quality: new KnexQualityStore(knex),
            notifier: new ProjectNotifier({ events, signals, items, logger }),
          }),
        );
      },
    });
  },
});
