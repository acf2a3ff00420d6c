import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  annotationLlmProvidersExtensionPoint,
  LlmProvider,
} from '@chorus/plugin-annotation-node';
import OpenAI from 'openai';
import { ConfigReader } from '@backstage/config';
import { annotationModuleLlmSimulator, seedGoldTruth } from './llmSimulator';

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

/** Seed items: `mood` gold on each, calm and upbeat alternating. */
function goldItems(n: number): string {
  return Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      externalId: `g-${i}`,
      data: { title: `Track ${i}` },
      gold: { mood: i % 2 ? 'upbeat' : 'calm' },
    }),
  ).join('\n');
}

const MOOD_FORMAT = {
  type: 'json_schema',
  json_schema: {
    name: 'answer',
    strict: true,
    schema: {
      type: 'object',
      properties: { mood: { type: 'string', enum: ['calm', 'upbeat'] } },
      required: ['mood'],
      additionalProperties: false,
    },
  },
} as const;

describe('seedGoldTruth', () => {
  it("collects the seeded items' gold answers by external id", () => {
    const config = new ConfigReader({
      annotation: {
        seed: {
          projects: [
            {
              name: 'a',
              items: `${goldItems(
                2,
              )}\n{"externalId": "x", "data": {}}\nnot json\n`,
            },
            { name: 'b' },
            { name: 'c', items: goldItems(1).replace('g-0', 'other') },
          ],
        },
      },
    });
    expect(seedGoldTruth(config)).toEqual({
      'g-0': { mood: 'calm' },
      'g-1': { mood: 'upbeat' },
      other: { mood: 'calm' },
    });
    expect(seedGoldTruth(new ConfigReader({}))).toEqual({});
  });
});

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

  it('answers the seeded gold items right as often as its accuracy says', async () => {
    const added: LlmProvider[] = [];
    const backend = await startTestBackend({
      features: [
        collectingPlugin(added),
        annotationModuleLlmSimulator,
        mockServices.rootConfig.factory({
          data: {
            annotation: {
              llm: { simulator: { enabled: true } },
              seed: { projects: [{ name: 'moods', items: goldItems(40) }] },
            },
          },
        }),
      ],
    });
    try {
      const [provider] = added;
      const client = new OpenAI({
        baseURL: provider.baseUrl,
        apiKey: await provider.apiKey(),
      });
      const answers = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const completion = await client.chat.completions.create({
            model: provider.defaultModel,
            messages: [
              {
                role: 'user',
                content: `Track ${i}: which mood?\n\nid: g-${i}`,
              },
            ],
            response_format: MOOD_FORMAT,
          });
          return JSON.parse(completion.choices[0].message.content!).mood;
        }),
      );
      const right = answers.filter(
        (mood, i) => mood === (i % 2 ? 'upbeat' : 'calm'),
      ).length;
      // 85% by default; a guess would be right about half the time
      expect(right).toBeGreaterThanOrEqual(30);
      expect(right).toBeLessThan(40);
    } finally {
      await backend.stop();
    }
  });
});
