/**
 * Chorus's backend extension points, for modules of the `annotation`
 * plugin.
 */
export * from './llmProviders';
