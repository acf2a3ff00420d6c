export * from './ProjectStore';
export * from './migrations';
export * from './util';
export * from './ItemStore';
export * from './counters';
export * from './LeaseStore';
export * from './slots';
export * from './AnnotationStore';
