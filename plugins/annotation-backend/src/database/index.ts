export * from './ProjectStore';
export * from './migrations';
export * from './util';
