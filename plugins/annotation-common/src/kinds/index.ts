export * from './AnnotationProject';
export * from './relations';
export * from './fromRecord';
