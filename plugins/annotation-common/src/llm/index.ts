/**
 * The LLM annotator's pure parts, shared by the backend (jobs) and the UI
 * (config editor, dry run): its versioned config, the prompt template
 * language, the structured output schema derived from the questions,
 * output parsing and repair, and confidence from logprobs or samples.
 */
export * from './annotatorConfig';
export * from './template';
export * from './outputSchema';
export * from './parseOutput';
export * from './confidence';
export * from './policy';
export * from './evaluation';
export * from './figures';
