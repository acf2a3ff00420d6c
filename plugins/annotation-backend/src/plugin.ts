import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  applyDatabaseMigrations,
  KnexAnnotationStore,
  KnexItemStore,
  KnexLeaseStore,
  KnexLlmAnnotatorStore,
  KnexLlmJobStore,
  KnexMetricsStore,
  KnexProjectStore,
  KnexQualityStore,
  startWalCheckpoints,
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
import { annotationLlmProvidersExtensionPoint } from '@chorus/plugin-annotation-node';
import { LlmProviderRegistry, readLlmProviders } from './service/llm/providers';
import { scheduleQualityRefit } from './service/quality/schedule';
import { ItemEvaluator } from './service/quality/ItemEvaluator';
import { startLlmJobs } from './service/llm/startLlmJobs';
import { LlmRoles } from './service/llm/roles';

/** The Chorus backend plugin, mounted at `/api/annotation`. */
export const annotationPlugin = createBackendPlugin({
  pluginId: 'annotation',
  register(env) {
    // modules add providers before init; config's are added in init
    const llmProviders = new LlmProviderRegistry();
    env.registerExtensionPoint(annotationLlmProvidersExtensionPoint, {
      addProvider: provider => llmProviders.add(provider),
    });
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        database: coreServices.database,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        lifecycle: coreServices.lifecycle,
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
        lifecycle,
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
        const checkpoints = await startWalCheckpoints(knex, logger);
        lifecycle.addShutdownHook(() =>
          checkpoints
            .stop()
            .catch(error =>
              logger.warn('stopping SQLite checkpoints failed', error),
            ),
        );
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
        for (const provider of readLlmProviders(config)) {
          llmProviders.add(provider);
        }
        const items = new KnexItemStore(knex);
        await startImportSweep({
          items,
          scheduler,
          logger,
          staleAfterMs: staleImportMs,
        });
        await seedProjects(projects, items, seeds, logger);
        const quality = new KnexQualityStore(knex);
        const annotations = new KnexAnnotationStore(knex);
        const metrics = new KnexMetricsStore(knex);
        await scheduleQualityRefit({
          config,
          scheduler,
          deps: {
            projects,
            quality,
            metrics,
            logger,
            evaluator: new ItemEvaluator({ quality }),
          },
        });
        // LLM annotator jobs run in every replica; the store, runner
        // (annotateOne) and batch runner are for the LLM routes
        const llmRoles = new LlmRoles({
          annotators: new KnexLlmAnnotatorStore(knex),
          projects,
          quality,
          logger,
        });
        const notifier = new ProjectNotifier({
          events,
          signals,
          items,
          logger,
        });
        lifecycle.addShutdownHook(() => notifier.stop());
        const llmJobs = new KnexLlmJobStore(knex);
        const llm = startLlmJobs({
          onResults: (job, outcomes) => llmRoles.actOn(job, outcomes),
          onJobFinished: jobId =>
            void llmJobs
              .find(jobId)
              .then(job => job && notifier.llmJobFinished(job))
              .catch(error =>
                logger.warn(
                  `publishing LLM job ${jobId}'s end failed: ${error}`,
                ),
              ),
          config,
          knex,
          projects,
          items,
          providers: llmProviders,
          logger,
          lifecycle,
        });
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
            annotations,
            quality,
            metrics,
            llmAnnotators: llm.annotators,
            llmProviders,
            llmJobs: llm.jobs,
            llmRunner: llm.runner,
            logger,
            notifier,
          }),
        );
      },
    });
  },
});
