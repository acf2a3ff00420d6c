/**
 * Chorus frontend plugin for the new frontend system.
 *
 * @packageDocumentation
 */
import { createFrontendPlugin } from '@backstage/frontend-plugin-api';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import {
  isAiModelEntity,
  isAnnotationProjectEntity,
  isDatasetEntity,
} from '@chorus/plugin-annotation-common';

/** Overview card on `AnnotationProject` entity pages. */
export const annotationProjectOverviewCard = EntityCardBlueprint.make({
  name: 'project-overview',
  params: {
    filter: isAnnotationProjectEntity,
    loader: () =>
      import('./components/AnnotationProjectOverviewCard').then(m => (
        <m.AnnotationProjectOverviewCard />
      )),
  },
});

/** Lineage card on ML model (`Resource` of type `ai-model`) pages. */
export const modelAnnotationCard = EntityCardBlueprint.make({
  name: 'model-lineage',
  params: {
    filter: isAiModelEntity,
    loader: () =>
      import('./components/ModelAnnotationCard').then(m => (
        <m.ModelAnnotationCard />
      )),
  },
});

/** Lineage card on dataset (`Resource` of type `dataset`) pages. */
export const datasetLineageCard = EntityCardBlueprint.make({
  name: 'dataset-lineage',
  params: {
    filter: isDatasetEntity,
    loader: () =>
      import('./components/DatasetLineageCard').then(m => (
        <m.DatasetLineageCard />
      )),
  },
});

export { catalogGraphLineageModule } from './catalogGraphModule';

export default createFrontendPlugin({
  pluginId: 'annotation',
  extensions: [
    annotationProjectOverviewCard,
    modelAnnotationCard,
    datasetLineageCard,
  ],
});
