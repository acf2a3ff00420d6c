/**
 * The Chorus backend plugin.
 *
 * @packageDocumentation
 */
export { annotationPlugin as default } from './plugin';
export * from './database';
export * from './permissions';
