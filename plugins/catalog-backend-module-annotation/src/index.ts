/**
 * The `AnnotationProject` kind in the Backstage catalogue.
 *
 * @packageDocumentation
 */
export { catalogModuleAnnotation as default } from './module';
export * from './AnnotationProjectProcessor';
export * from './AnnotationProjectEntityProvider';
