import { LoggerService, SchedulerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { ItemStore } from '../database';
import { readDurationMs } from './durations';

/** Batches touch a running import every few seconds; two minutes is dead. */
export const DEFAULT_STALE_IMPORT_MS = 2 * 60 * 1000;

const KEY = 'annotation.import.staleAfter';

/** `annotation.import.staleAfter` (a duration such as `2m`), in ms. */
export function readStaleImportMs(config: Config): number {
  return readDurationMs(config, KEY, DEFAULT_STALE_IMPORT_MS);
}

/**
 * A backend killed mid-import leaves its import `running`. Sweep such rows
 * now (this replica may be the one that died) and every minute after. The
 * update is conditional on `running`, so replicas sweeping together agree.
 */
export async function startImportSweep(options: {
  items: ItemStore;
  scheduler: SchedulerService;
  logger: LoggerService;
  staleAfterMs: number;
}): Promise<void> {
  const { items, scheduler, logger, staleAfterMs } = options;
  const sweep = async () => {
    const swept = await items.sweepStaleImports(staleAfterMs);
    if (swept > 0) {
      logger.warn(
        `marked ${swept} import(s) interrupted: no batch stored for ${staleAfterMs} ms`,
      );
    }
  };
  await sweep();
  await scheduler.scheduleTask({
    id: 'annotation-stale-import-sweep',
    frequency: { minutes: 1 },
    timeout: { minutes: 1 },
    initialDelay: { minutes: 1 },
    fn: sweep,
  });
}
