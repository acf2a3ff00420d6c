import { Config } from '@backstage/config';
import { InputError, NotFoundError } from '@backstage/errors';
import { LlmProviderInfo } from '@chorus/plugin-annotation-common';
import { LlmProvider } from '@chorus/plugin-annotation-node';

const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Reads `annotation.llm.providers`: OpenAI-compatible endpoints with their
 * key (usually `${ENV_VAR}` in the YAML), default model, prices and limits.
 * A bad entry fails the startup with its path, never a job later.
 */
export function readLlmProviders(config: Config): LlmProvider[] {
  const entries = config.getOptionalConfigArray('annotation.llm.providers');
  return (entries ?? []).map((entry, index) => {
    const at = `annotation.llm.providers[${index}]`;
    const id = entry.getString('id');
    if (!/^[a-z][a-z0-9_-]{0,62}$/.test(id)) {
      throw new InputError(
        `${at}.id: an id expected (lower-case letter, then letters, digits, _ or -)`,
      );
    }
    const baseUrl = entry.getString('baseUrl');
    try {
      new URL(baseUrl); // eslint-disable-line no-new
    } catch {
      throw new InputError(`${at}.baseUrl: an http(s) URL expected`);
    }
    const apiKey = entry.getOptionalString('apiKey') ?? '';
    const models = entry.getOptionalConfig('models');
    const prices = Object.fromEntries(
      (models?.keys() ?? []).map(model => [
        model,
        {
          inputPerMillion:
            models!.getOptionalNumber(`${model}.inputPerMillion`) ?? 0,
          outputPerMillion:
            models!.getOptionalNumber(`${model}.outputPerMillion`) ?? 0,
        },
      ]),
    );
    return {
      id,
      title: entry.getOptionalString('title'),
      baseUrl,
      apiKey: () => apiKey,
      defaultModel: entry.getString('defaultModel'),
      prices,
      requestsPerMinute: entry.getOptionalNumber('requestsPerMinute'),
      tokensPerMinute: entry.getOptionalNumber('tokensPerMinute'),
      timeoutMs: entry.getOptionalNumber('timeoutMs') ?? DEFAULT_TIMEOUT_MS,
      supportsJsonSchema: entry.getOptionalBoolean('supportsJsonSchema'),
      simulated: entry.getOptionalBoolean('simulated'),
    };
  });
}

/** The providers Chorus knows: from config, then from modules. */
export class LlmProviderRegistry {
  private readonly providers = new Map<string, LlmProvider>();

  add(provider: LlmProvider) {
    if (this.providers.has(provider.id)) {
      throw new InputError(
        `LLM provider "${provider.id}" is defined twice (annotation.llm.providers or a module)`,
      );
    }
    this.providers.set(provider.id, provider);
  }

  get(id: string): LlmProvider {
    const provider = this.providers.get(id);
    if (!provider) {
      throw new NotFoundError(
        `LLM provider "${id}" is not configured (known: ${
          [...this.providers.keys()].join(', ') || 'none'
        })`,
      );
    }
    return provider;
  }

  has(id: string): boolean {
    return this.providers.has(id);
  }

  list(): LlmProviderInfo[] {
    return [...this.providers.values()].map(p => ({
      id: p.id,
      title: p.title ?? p.id,
      defaultModel: p.defaultModel,
      models: [...new Set([p.defaultModel, ...Object.keys(p.prices)])],
      ...(p.requestsPerMinute
        ? { requestsPerMinute: p.requestsPerMinute }
        : {}),
      ...(p.tokensPerMinute ? { tokensPerMinute: p.tokensPerMinute } : {}),
      simulated: !!p.simulated,
    }));
  }
}
