import { createExtensionPoint } from '@backstage/backend-plugin-api';

/** Price of a model, per million tokens, in the provider's currency. */
export interface LlmModelPrice {
  inputPerMillion: number;
  outputPerMillion: number;
}

/**
 * An OpenAI-compatible endpoint the LLM annotator can call (OpenAI, Azure
 * OpenAI, vLLM, Ollama, llama.cpp server, ...). Chorus calls it through the
 * official `openai` SDK. Providers come from `annotation.llm.providers` in
 * app-config, or from a backend module through
 * {@link annotationLlmProvidersExtensionPoint}.
 */
export interface LlmProvider {
  /** What LLM annotator configs name, e.g. `openai` or `local-vllm`. */
  id: string;
  title?: string;
  /** The API's base URL, including `/v1` where the server wants it. */
  baseUrl: string;
  /**
   * The key sent as a bearer token, asked for each client so a module can
   * rotate it. Never sent to the frontend, never logged.
   */
  apiKey(): string | Promise<string>;
  /** The model used when a config names none. */
  defaultModel: string;
  /** Per model name; a model without a price costs 0 (and says so). */
  prices: Record<string, LlmModelPrice>;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  /** Per request, before the SDK gives up and the runner retries. */
  timeoutMs: number;
  /**
   * False for servers without `response_format: json_schema`: the
   * annotator then asks for a tool call (or JSON mode) and validates.
   */
  supportsJsonSchema?: boolean;
  /** Answers of a simulator, shown as simulated everywhere. */
  simulated?: boolean;
}

export interface AnnotationLlmProvidersExtensionPoint {
  /** Adds a provider; an id taken by another provider is an error at startup. */
  addProvider(provider: LlmProvider): void;
}

/** Lets a backend module add LLM providers to Chorus. */
export const annotationLlmProvidersExtensionPoint =
  createExtensionPoint<AnnotationLlmProvidersExtensionPoint>({
    id: 'annotation.llm-providers',
  });
