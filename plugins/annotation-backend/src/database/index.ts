export * from './ProjectStore';
export * from './migrations';
