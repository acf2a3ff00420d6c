import { SchedulerService } from '@backstage/backend-plugin-api';
import { Config, readDurationFromConfig } from '@backstage/config';
import { HumanDuration } from '@backstage/types';
import { refitChangedProjects, RefitDeps } from './refit';

const EVERY_KEY = 'annotation.quality.refitEvery';
const TIMEOUT_KEY = 'annotation.quality.refitTimeout';

function readDuration(
  config: Config,
  key: string,
  fallback: HumanDuration,
): HumanDuration {
  return config.has(key) ? readDurationFromConfig(config, { key }) : fallback;
}

/**
 * The project quality refit on the Backstage scheduler: every
 * `annotation.quality.refitEvery` (default 5 minutes), at most
 * `annotation.quality.refitTimeout` per run (default 30 minutes), in global
 * scope so one replica runs it at a time. Unchanged projects are skipped.
 */
export async function scheduleQualityRefit(options: {
  config: Config;
  scheduler: SchedulerService;
  deps: RefitDeps;
}): Promise<void> {
  const { config, scheduler, deps } = options;
  await scheduler.scheduleTask({
    id: 'annotation-quality-refit',
    scope: 'global',
    frequency: readDuration(config, EVERY_KEY, { minutes: 5 }),
    timeout: readDuration(config, TIMEOUT_KEY, { minutes: 30 }),
    initialDelay: { minutes: 1 },
    fn: () => refitChangedProjects(deps),
  });
}
