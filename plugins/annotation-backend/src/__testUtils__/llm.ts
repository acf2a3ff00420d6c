import {
  LlmAnnotatorConfigInput,
  parseLlmAnnotatorConfig,
} from '@chorus/plugin-annotation-common';
import { LlmProvider } from '@chorus/plugin-annotation-node';
import { LlmSimulator } from '@chorus/llm-simulator';

/*
 * Helpers of the LLM tests: a provider pointing at a simulator, a fetch
 * that works in Jest's realm and shows what was sent.
 */

/** The simulator's model, priced so costs are easy to check by hand. */
export const SIM_MODEL = 'chorus-sim-1';
export const SIM_PRICE = { inputPerMillion: 1000, outputPerMillion: 4000 };

export function simulatorProvider(
  simulator: LlmSimulator,
  overrides: Partial<LlmProvider> = {},
): LlmProvider {
  return {
    id: 'simulator',
    baseUrl: `${simulator.url}/v1`,
    apiKey: () => 'sk-test',
    defaultModel: SIM_MODEL,
    prices: { [SIM_MODEL]: SIM_PRICE },
    timeoutMs: 10_000,
    simulated: true,
    ...overrides,
  };
}

/**
 * `annotation` config for a test backend whose LLM runners call the
 * simulator (looking for work every 50 ms).
 */
export function simulatorAnnotationConfig(simulator: LlmSimulator) {
  return {
    llm: {
      pollSeconds: 0.05,
      providers: [
        {
          id: 'simulator',
          baseUrl: `${simulator.url}/v1`,
          apiKey: 'sk-test',
          defaultModel: SIM_MODEL,
          models: { [SIM_MODEL]: SIM_PRICE },
          simulated: true,
        },
      ],
    },
  };
}

/** A request body as the SDK sent it. */
export type SentBody = Record<string, any>;

/**
 * Node's fetch with its errors remade in the test's realm (Jest runs tests
 * in a VM context where Node's AbortError is not `instanceof Error`, and
 * the SDK would then report its own timeout as a connection error), and
 * every chat completion body kept in `sent`. `afterEach` runs when a
 * completion's response has arrived.
 */
export function recordingFetch(
  afterEach?: (body: SentBody, status: number) => void,
) {
  const sent: SentBody[] = [];
  const fetchInTestRealm: typeof fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    const body =
      url.endsWith('/chat/completions') && typeof init?.body === 'string'
        ? JSON.parse(init.body)
        : undefined;
    if (body) {
      sent.push(body);
    }
    try {
      const response = await fetch(input, init);
      if (body) {
        afterEach?.(body, response.status);
      }
      return response;
    } catch (error: any) {
      throw Object.assign(new Error(error.message), {
        name: error.name,
        cause: error.cause,
      });
    }
  };
  return { fetch: fetchInTestRealm, sent };
}

/** A validated annotator config with the given fields. */
export function llmConfig(input: Partial<LlmAnnotatorConfigInput> = {}) {
  const parsed = parseLlmAnnotatorConfig({
    provider: 'simulator',
    promptTemplate: 'Track: {{ data.track_title }}',
    ...input,
  });
  if (!parsed.success) {
    throw new Error(JSON.stringify(parsed.issues));
  }
  return parsed.config;
}
