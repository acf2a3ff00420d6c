/**
 * Shared by the Chorus frontend and backend: the `AnnotationProject`
 * catalogue kind, its relations, the API types and the quality math.
 *
 * @packageDocumentation
 */
export * from './kinds';
export * from './api';
export * from './qa';
export * from './config';
export * from './items';
export * from './client';
export * from './permissions';
export * from './quality';
export * from './llm';
