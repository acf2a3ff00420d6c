import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { annotationApiRef, createAnnotationApi } from './api';
import {
  labelingRouteRef,
  llmRouteRef,
  newProjectRouteRef,
  projectRouteRef,
  qualityRouteRef,
  qaRouteRef,
  rootRouteRef,
} from './routes';

/** The Chorus frontend plugin for the legacy frontend system. */
export const annotationPlugin = createPlugin({
  id: 'annotation',
  apis: [
    createApiFactory({
      api: annotationApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: createAnnotationApi,
    }),
  ],
  routes: {
    root: rootRouteRef,
    project: projectRouteRef,
    labeling: labelingRouteRef,
    newProject: newProjectRouteRef,
    quality: qualityRouteRef,
    qa: qaRouteRef,
    llm: llmRouteRef,
  },
});

/**
 * The Chorus pages: home (my queues, projects), a new project
 * (`projects/new`), a project's overview (`projects/:projectId`), its
 * labeling workspace (`projects/:projectId/label`), its quality dashboard
 * (`projects/:projectId/quality`), its escalation queue
 * (`projects/:projectId/qa`) and its LLM annotators
 * (`projects/:projectId/llm`). Mount it at e.g. `/chorus`.
 */
export const ChorusPage = annotationPlugin.provide(
  createRoutableExtension({
    name: 'ChorusPage',
    component: () =>
      import('./components/ChorusRouter').then(m => m.ChorusRouter),
    mountPoint: rootRouteRef,
  }),
);

/**
 * Overview card for `AnnotationProject` entity pages, linking to the
 * project's Chorus page when the app mounts `ChorusPage`.
 */
export const EntityAnnotationProjectOverviewCard = annotationPlugin.provide(
  createComponentExtension({
    name: 'EntityAnnotationProjectOverviewCard',
    component: {
      lazy: () =>
        import('./components/AnnotationProjectOverviewCard').then(
          m => m.AnnotationProjectOverviewCardWithLegacyChorusLink,
        ),
    },
  }),
);

/** Card for ML model entity pages: the projects and datasets feeding it. */
export const EntityModelAnnotationCard = annotationPlugin.provide(
  createComponentExtension({
    name: 'EntityModelAnnotationCard',
    component: {
      lazy: () =>
        import('./components/ModelAnnotationCard').then(
          m => m.ModelAnnotationCard,
        ),
    },
  }),
);

/** Card for dataset entity pages: the producing project, consuming models. */
export const EntityDatasetLineageCard = annotationPlugin.provide(
  createComponentExtension({
    name: 'EntityDatasetLineageCard',
    component: {
      lazy: () =>
        import('./components/DatasetLineageCard').then(
          m => m.DatasetLineageCard,
        ),
    },
  }),
);
