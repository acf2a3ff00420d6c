export * from './projectConfig';
