export * from './ProjectStore';
export * from './migrations';
export * from './util';
export * from './ItemStore';
export * from './counters';
