/**
 * Chorus frontend plugin (legacy frontend system). The new frontend system
 * uses `@chorus/plugin-annotation/alpha`.
 *
 * @packageDocumentation
 */
export {
  annotationPlugin,
  ChorusPage,
  EntityAnnotationProjectOverviewCard,
  EntityModelAnnotationCard,
  EntityDatasetLineageCard,
} from './plugin';
export { annotationApiRef, createAnnotationApi } from './api';
export type { AnnotationApi } from './api';
export {
  rootRouteRef,
  projectRouteRef,
  labelingRouteRef,
  newProjectRouteRef,
  qualityRouteRef,
  qaRouteRef,
  llmRouteRef,
} from './routes';
export {
  isAnnotationProjectEntity,
  isAiModelEntity,
  isDatasetEntity,
} from '@chorus/plugin-annotation-common';
