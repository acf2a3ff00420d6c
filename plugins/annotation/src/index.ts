/**
 * Chorus frontend plugin (legacy frontend system). The new frontend system
 * uses `@chorus/plugin-annotation/alpha`.
 *
 * @packageDocumentation
 */
export {
  annotationPlugin,
  EntityAnnotationProjectOverviewCard,
  EntityModelAnnotationCard,
  EntityDatasetLineageCard,
} from './plugin';
export {
  isAnnotationProjectEntity,
  isAiModelEntity,
  isDatasetEntity,
} from '@chorus/plugin-annotation-common';
