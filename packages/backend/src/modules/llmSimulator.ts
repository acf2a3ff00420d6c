import {
  coreServices,
  createBackendModule,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import { startLlmSimulator, TruthEntry } from '@chorus/llm-simulator';
import { annotationLlmProvidersExtensionPoint } from '@chorus/plugin-annotation-node';

/** The provider id LLM annotator configs name in the demo. */
export const SIMULATOR_PROVIDER_ID = 'simulator';

/**
 * The gold answers of the seeded projects' items (`annotation.seed.projects`,
 * NDJSON lines with `gold`), by external id: the simulator finds the item
 * by the `id:` line every prompt ends with. Against them its answers are
 * right as often as its accuracy says, so the demo's LLM evaluation (which
 * measures against the same gold) shows what a real model's would. Lines
 * that are not JSON are skipped: seeding reports them.
 */
export function seedGoldTruth(
  config: RootConfigService,
): Record<string, TruthEntry> {
  const truth: Record<string, TruthEntry> = {};
  const seeds = config.getOptionalConfigArray('annotation.seed.projects') ?? [];
  for (const seed of seeds) {
    const items = seed.getOptional('items');
    if (typeof items !== 'string') {
      continue;
    }
    for (const line of items.split('\n')) {
      let item: { externalId?: unknown; gold?: unknown };
      try {
        item = JSON.parse(line);
      } catch {
        continue;
      }
      if (
        typeof item?.externalId === 'string' &&
        typeof item.gold === 'object' &&
        item.gold !== null &&
        !Array.isArray(item.gold)
      ) {
        truth[item.externalId] = item.gold as TruthEntry;
      }
    }
  }
  return truth;
}

/**
 * The development start without a real LLM provider: when
 * `annotation.llm.simulator.enabled` is true and `annotation.llm.providers`
 * names none, Chorus's OpenAI-compatible simulator is started on loopback
 * and added as the provider `simulator` (every answer it gives is shown as
 * simulated), knowing the seeded gold answers (`seedGoldTruth`). Not for
 * production: app-config.production.yaml leaves it off.
 */
export const annotationModuleLlmSimulator = createBackendModule({
  pluginId: 'annotation',
  moduleId: 'llm-simulator',
  register(reg) {
    reg.registerInit({
      deps: {
        providers: annotationLlmProvidersExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        lifecycle: coreServices.lifecycle,
      },
      async init({ providers, config, logger, lifecycle }) {
        const enabled = config.getOptionalBoolean(
          'annotation.llm.simulator.enabled',
        );
        const configured =
          config.getOptionalConfigArray('annotation.llm.providers') ?? [];
        if (!enabled || configured.length) {
          return;
        }
        const simulator = await startLlmSimulator({
          seed:
            config.getOptionalString('annotation.llm.simulator.seed') ??
            'chorus',
          latencyMs: [50, 250],
          truth: seedGoldTruth(config),
        });
        lifecycle.addShutdownHook(() => simulator.close());
        const model = 'chorus-sim-1';
        providers.addProvider({
          id: SIMULATOR_PROVIDER_ID,
          title: 'Chorus simulator (simulated answers)',
          baseUrl: `${simulator.url}/v1`,
          apiKey: () => 'simulator',
          defaultModel: model,
          prices: { [model]: { inputPerMillion: 0.15, outputPerMillion: 0.6 } },
          timeoutMs: 30_000,
          simulated: true,
        });
        logger.info(
          `No LLM provider configured: the LLM simulator serves ${simulator.url}/v1 as provider "${SIMULATOR_PROVIDER_ID}" (simulated answers)`,
        );
      },
    });
  },
});
