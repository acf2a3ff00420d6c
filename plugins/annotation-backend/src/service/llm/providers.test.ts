import { ConfigReader } from '@backstage/config';
import { JsonObject } from '@backstage/types';
import { LlmProviderRegistry, readLlmProviders } from './providers';

const config = (providers: JsonObject[]) =>
  new ConfigReader({ annotation: { llm: { providers } } });

describe('LLM providers', () => {
  it('reads providers from config, keys and prices included', async () => {
    const [openai] = readLlmProviders(
      config([
        {
          id: 'openai',
          baseUrl: 'https://api.openai.example/v1',
          apiKey: 'sk-test',
          defaultModel: 'small',
          models: { small: { inputPerMillion: 0.15, outputPerMillion: 0.6 } },
          requestsPerMinute: 500,
        },
      ]),
    );
    expect(openai).toMatchObject({
      id: 'openai',
      baseUrl: 'https://api.openai.example/v1',
      defaultModel: 'small',
      prices: { small: { inputPerMillion: 0.15, outputPerMillion: 0.6 } },
      requestsPerMinute: 500,
      timeoutMs: 60_000,
    });
    expect(await openai.apiKey()).toBe('sk-test');
  });

  it('names the entry and field of a bad provider', () => {
    expect(() =>
      readLlmProviders(
        config([{ id: 'Open AI', baseUrl: 'x', defaultModel: 'm' }]),
      ),
    ).toThrow(
      'annotation.llm.providers[0].id: an id expected (lower-case letter, then letters, digits, _ or -)',
    );
    expect(() =>
      readLlmProviders(
        config([{ id: 'a', baseUrl: 'not a url', defaultModel: 'm' }]),
      ),
    ).toThrow('annotation.llm.providers[0].baseUrl: an http(s) URL expected');
    expect(() =>
      readLlmProviders(config([{ id: 'a', baseUrl: 'http://x' }])),
    ).toThrow(/defaultModel/);
  });

  it('lists providers without their keys and refuses a duplicate id', () => {
    const registry = new LlmProviderRegistry();
    for (const p of readLlmProviders(
      config([
        {
          id: 'local',
          baseUrl: 'http://127.0.0.1:9/v1',
          apiKey: 'secret-key',
          defaultModel: 'm',
          simulated: true,
        },
      ]),
    )) {
      registry.add(p);
    }
    expect(registry.list()).toEqual([
      {
        id: 'local',
        title: 'local',
        defaultModel: 'm',
        models: ['m'],
        simulated: true,
      },
    ]);
    expect(JSON.stringify(registry.list())).not.toContain('secret-key');
    expect(() => registry.add(registry.get('local'))).toThrow(
      'LLM provider "local" is defined twice',
    );
    expect(() => registry.get('nope')).toThrow(
      'LLM provider "nope" is not configured (known: local)',
    );
  });
});
