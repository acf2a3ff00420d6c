/**
 * An OpenAI-compatible LLM simulator for Chorus's tests, benchmarks and
 * development start. Not a production provider.
 */
export const SIMULATED_MODEL_PREFIX = 'chorus-sim';
