export * from './projectConfig';
export * from './summary';
export * from './newProject';
export * from './lifecycle';
