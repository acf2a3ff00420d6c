/**
 * Chorus frontend plugin for the new frontend system.
 *
 * @packageDocumentation
 */
import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import {
  isAiModelEntity,
  isAnnotationProjectEntity,
  isDatasetEntity,
} from '@chorus/plugin-annotation-common';
import AssignmentTurnedInIcon from '@material-ui/icons/AssignmentTurnedIn';
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

/** The Chorus API client (discovery + the signed-in user's fetch). */
export const annotationApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: annotationApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: createAnnotationApi,
    }),
});

/**
 * The Chorus pages at `/chorus`: home (my queues, projects), a project's
 * overview, its labeling workspace, quality dashboard, escalation queue
 * and LLM annotators below it. Its title and icon make the
 * sidebar's "Chorus" item (pages with a route ref, title and icon become
 * nav items in this frontend system).
 */
export const chorusPage = PageBlueprint.make({
  params: {
    path: '/chorus',
    routeRef: rootRouteRef,
    title: 'Chorus',
    icon: <AssignmentTurnedInIcon fontSize="inherit" />,
    // the pages draw their own Backstage header (shared with the legacy system)
    noHeader: true,
    loader: () =>
      import('./components/ChorusRouter').then(m => <m.ChorusRouter />),
  },
});

/** Overview card on `AnnotationProject` entity pages. */
export const annotationProjectOverviewCard = EntityCardBlueprint.make({
  name: 'project-overview',
  params: {
    filter: isAnnotationProjectEntity,
    loader: () =>
      import('./components/AnnotationProjectOverviewCard').then(m => (
        <m.AnnotationProjectOverviewCardWithChorusLink />
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

export { annotationApiRef } from './api';
export {
  rootRouteRef,
  projectRouteRef,
  labelingRouteRef,
  llmRouteRef,
  newProjectRouteRef,
  qualityRouteRef,
  qaRouteRef,
} from './routes';

export default createFrontendPlugin({
  pluginId: 'annotation',
  title: 'Chorus',
  routes: {
    root: rootRouteRef,
    project: projectRouteRef,
    labeling: labelingRouteRef,
    newProject: newProjectRouteRef,
    quality: qualityRouteRef,
    qa: qaRouteRef,
    llm: llmRouteRef,
  },
  extensions: [
    annotationApi,
    chorusPage,
    annotationProjectOverviewCard,
    modelAnnotationCard,
    datasetLineageCard,
  ],
});
