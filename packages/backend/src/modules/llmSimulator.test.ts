import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  annotationLlmProvidersExtensionPoint,
  LlmProvider,
} from '@chorus/plugin-annotation-node';
import OpenAI from 'openai';
import { annotationModuleLlmSimulator } from './llmSimulator';

/** Stands in for the annotation plugin: collects the providers added. */
function collectingPlugin(added: LlmProvider[]) {
  return createBackendModule({
    pluginId: 'annotation',
    moduleId: 'test-collector',
    register(reg) {
      reg.registerExtensionPoint(annotationLlmProvidersExtensionPoint, {
        addProvider: provider => added.push(provider),
      });
      reg.registerInit({ deps: {}, async init() {} });
    },
  });
}

describe('annotationModuleLlmSimulator', () => {
  it('adds a simulated provider that answers through the openai SDK', async () => {
    const added: LlmProvider[] = [];
    const backend = await startTestBackend({
      features: [
        collectingPlugin(added),
        annotationModuleLlmSimulator,
        mockServices.rootConfig.factory({
          data: { annotation: { llm: { simulator: { enabled: true } } } },
        }),
      ],
    });
    try {
      expect(added).toHaveLength(1);
      const [provider] = added;
      expect(provider).toMatchObject({ id: 'simulator', simulated: true });
      const client = new OpenAI({
        baseURL: provider.baseUrl,
        apiKey: await provider.apiKey(),
      });
      const completion = await client.chat.completions.create({
        model: provider.defaultModel,
        messages: [{ role: 'user', content: 'id: a-1\nWhich mood?' }],
        response_format: {
          type: 'json_schema',
          json_schema: {
            name: 'answer',
            strict: true,
            schema: {
              type: 'object',
              properties: {
                mood: { type: 'string', enum: ['calm', 'upbeat'] },
              },
              required: ['mood'],
              additionalProperties: false,
            },
          },
        },
      });
      expect(completion.system_fingerprint).toBe('chorus-simulator');
      expect(['calm', 'upbeat']).toContain(
        JSON.parse(completion.choices[0].message.content!).mood,
      );
    } finally {
      await backend.stop();
    }
  });

  it('stays out of the way when disabled or a real provider is configured', async () => {
    for (const llm of [
      { simulator: { enabled: false } },
      {
        simulator: { enabled: true },
        providers: [
          { id: 'openai', baseUrl: 'https://x.example/v1', defaultModel: 'm' },
        ],
      },
    ]) {
      const added: LlmProvider[] = [];
      const backend = await startTestBackend({
        features: [
          collectingPlugin(added),
          annotationModuleLlmSimulator,
          mockServices.rootConfig.factory({ data: { annotation: { llm } } }),
        ],
      });
      expect(added).toEqual([]);
      await backend.stop();
    }
  });
});
