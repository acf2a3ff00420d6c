import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';

/**
 * A duration setting (`2m`, `{ seconds: 30 }`, an ISO duration) in ms, or
 * `fallbackMs` when it is not set.
 */
export function readDurationMs(
  config: Config,
  key: string,
  fallbackMs: number,
): number {
  if (!config.has(key)) {
    return fallbackMs;
  }
  const ms = durationToMilliseconds(readDurationFromConfig(config, { key }));
  if (!(ms > 0)) {
    throw new Error(`${key}: a duration longer than zero expected`);
  }
  return ms;
}
