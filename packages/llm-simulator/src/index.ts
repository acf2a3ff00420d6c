/**
 * An OpenAI-compatible LLM simulator for Chorus's tests, benchmarks and
 * development start. Not a production provider: every answer is simulated
 * and marked so (`system_fingerprint: 'chorus-simulator'`).
 */
export { startLlmSimulator } from './server';
export type { LlmSimulator } from './server';
export {
  B7_CONFIDENCE,
  DEFAULT_MODELS,
  FAULT_KINDS,
  b7Preset,
  resolveOptions,
} from './options';
export type {
  AccuracyOptions,
  ConfidenceOptions,
  FaultKind,
  LlmSimulatorOptions,
  ResolvedOptions,
  TruthEntry,
} from './options';
export { SIMULATED_FINGERPRINT } from './completion';
export { RequestLog } from './requestLog';
export type { RequestLogEntry, SimulatorStats } from './requestLog';

/** Prefix of the simulator's model ids (GET /v1/models). */
export const SIMULATED_MODEL_PREFIX = 'chorus-sim';
