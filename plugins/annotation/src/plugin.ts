import {
  createComponentExtension,
  createPlugin,
} from '@backstage/core-plugin-api';

/** The Chorus frontend plugin for the legacy frontend system. */
export const annotationPlugin = createPlugin({ id: 'annotation' });

/** Overview card for `AnnotationProject` entity pages. */
export const EntityAnnotationProjectOverviewCard = annotationPlugin.provide(
  createComponentExtension({
    name: 'EntityAnnotationProjectOverviewCard',
    component: {
      lazy: () =>
        import('./components/AnnotationProjectOverviewCard').then(
          m => m.AnnotationProjectOverviewCard,
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
