import {
  coreServices,
  createBackendModule,
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { AnnotationProjectProcessor } from './AnnotationProjectProcessor';
import { AnnotationProjectEntityProvider } from './AnnotationProjectEntityProvider';

/** Adds the `AnnotationProject` kind and the Chorus project provider. */
export const catalogModuleAnnotation = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'annotation',
  register(reg) {
    reg.registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        auth: coreServices.auth,
        config: coreServices.rootConfig,
        discovery: coreServices.discovery,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
      },
      async init({ catalog, auth, config, discovery, logger, scheduler }) {
        const scheduleConfig = config.getOptionalConfig(
          'catalog.providers.chorusAnnotation.schedule',
        );
        const schedule = scheduler.createScheduledTaskRunner(
          scheduleConfig
            ? readSchedulerServiceTaskScheduleDefinitionFromConfig(
                scheduleConfig,
              )
            : {
                frequency: { seconds: 30 },
                timeout: { minutes: 1 },
                initialDelay: { seconds: 5 },
              },
        );
        catalog.addProcessor(new AnnotationProjectProcessor());
        catalog.addEntityProvider(
          new AnnotationProjectEntityProvider({
            auth,
            discovery,
            logger,
            schedule,
          }),
        );
      },
    });
  },
});
