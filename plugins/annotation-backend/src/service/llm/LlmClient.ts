import {
  ConfigIssue,
  describeConfigIssues,
  LlmOutputMode,
  logprobConfidence,
  parseLlmOutput,
  repairMessage,
  selfConsistency,
} from '@chorus/plugin-annotation-common';
import { LlmProvider } from '@chorus/plugin-annotation-node';
import OpenAI from 'openai';
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import { isDeepStrictEqual } from 'util';
import {
  backoffDelay,
  classifyError,
  DEFAULT_RETRY_POLICY,
  ProviderFailureReason,
  RetryPolicy,
  sleep,
} from './backoff';
import {
  costOf,
  EstimateCorrection,
  estimatePromptTokens,
  PromptShape,
  priceOf,
  requestReservation,
  Reservation,
} from './budget';
import {
  buildMessages,
  FewShotExample,
  PromptContext,
  PromptItem,
} from './prompt';
import { ProviderLimiter } from './RateLimiter';

/** How the simulator (and only it) marks its completions. */
export const SIMULATED_FINGERPRINT = 'chorus-simulator';
const TOOL_NAME = 'answer';

/** Why an item got no answer. */
export type LlmFailureReason =
  | ProviderFailureReason
  | 'refusal'
  | 'invalid-output'
  /** The budget could not cover the request: nothing was sent. */
  | 'budget'
  /** The job stopped (paused, cancelled, shut down) before the request. */
  | 'stopped'
  /** The annotator cannot run: unknown provider or version. */
  | 'config';

/** What annotating one item gave, with what it cost. */
export interface LlmResult {
  status: 'answered' | 'refused' | 'invalid' | 'error';
  answer?: Record<string, unknown>;
  /** The model's output as received (a JSON array of them for n > 1). */
  rawOutput?: string;
  confidence?: number;
  samples: number;
  model: string;
  /** Answered by the simulator: shown as simulated everywhere. */
  simulated: boolean;
  tokensIn: number;
  tokensOut: number;
  cost: number;
  /** Time the provider took for the requests it answered. */
  latencyMs: number;
  /** HTTP requests sent, retries and repairs included. */
  attempts: number;
  reason?: LlmFailureReason;
  error?: string;
}

/** Thrown by a reservation hook to keep a request from being sent. */
export class RequestRefused extends Error {
  constructor(readonly reason: 'budget' | 'stopped', message: string) {
    super(message);
    this.name = 'RequestRefused';
  }
}

export interface AnnotateInput {
  context: PromptContext;
  provider: LlmProvider;
  item: PromptItem;
  examples: readonly FewShotExample[];
}

export interface AnnotateOptions {
  /**
   * Called before every request with the most it may cost; resolves when
   * the budget covers it, throws RequestRefused when it cannot.
   */
  reserve?: (reservation: Reservation) => Promise<void>;
  /** Aborts waits and requests (shutdown). */
  signal?: AbortSignal;
}

export interface LlmClientOptions {
  retry?: Partial<RetryPolicy>;
  /** The fetch the SDK uses (tests remake errors in their realm). */
  fetch?: typeof fetch;
}

/** How a request asks for structured output, given the provider. */
export function effectiveOutputMode(
  wanted: LlmOutputMode,
  provider: LlmProvider,
): LlmOutputMode {
  return wanted === 'json_schema' && provider.supportsJsonSchema === false
    ? 'tools'
    : wanted;
}

/** The chat completion request for one item (online and batch alike). */
export function completionRequest(
  input: AnnotateInput,
): ChatCompletionCreateParamsNonStreaming {
  const { context, provider } = input;
  const { config } = context;
  const mode = effectiveOutputMode(config.output, provider);
  const body: ChatCompletionCreateParamsNonStreaming = {
    model: config.model || provider.defaultModel,
    messages: buildMessages(context, input.item, input.examples),
    temperature: config.temperature,
    max_tokens: config.maxOutputTokens,
    ...(config.samples > 1 ? { n: config.samples } : {}),
    ...(config.confidence === 'logprobs'
      ? { logprobs: true, top_logprobs: 5 }
      : {}),
  };
  if (mode === 'json_schema') {
    body.response_format = {
      type: 'json_schema',
      json_schema: { name: TOOL_NAME, schema: context.schema, strict: true },
    };
  } else if (mode === 'tools') {
    body.tools = [
      {
        type: 'function',
        function: {
          name: TOOL_NAME,
          description: 'Records the answer to the questions.',
          parameters: context.schema,
          strict: true,
        },
      },
    ];
    body.tool_choice = { type: 'function', function: { name: TOOL_NAME } };
  } else {
    body.response_format = { type: 'json_object' };
  }
  return body;
}

/** The text a request sends, for the estimates. */
export function promptShape(
  body: ChatCompletionCreateParamsNonStreaming,
): PromptShape {
  const texts = body.messages.map(m => {
    const parts = [typeof m.content === 'string' ? m.content : ''];
    if ('tool_calls' in m && m.tool_calls) {
      parts.push(JSON.stringify(m.tool_calls));
    }
    return parts.join('');
  });
  const format = body.response_format ?? body.tools;
  return { texts, schemaJson: format ? JSON.stringify(format) : undefined };
}

/** One sample of a completion, read. */
interface Sample {
  text?: string;
  refusal?: string;
  toolCallId?: string;
  parsed?: ReturnType<typeof parseLlmOutput>;
  tokens?: { token: string; logprob: number }[];
}

function readSample(
  choice: ChatCompletion.Choice,
  input: AnnotateInput,
): Sample {
  const { message } = choice;
  if (message.refusal) {
    return { refusal: message.refusal };
  }
  const call = message.tool_calls?.find(c => c.type === 'function');
  const text =
    call && call.type === 'function'
      ? call.function.arguments
      : message.content ?? undefined;
  return {
    text,
    toolCallId: call?.id,
    parsed: parseLlmOutput(input.context.project, text, input.item.data),
    tokens: choice.logprobs?.content ?? undefined,
  };
}

/** What a completion says: an answer, a refusal, or invalid output. */
export interface Interpretation {
  status: 'answered' | 'refused' | 'invalid';
  answer?: Record<string, unknown>;
  confidence?: number;
  rawOutput?: string;
  issues?: ConfigIssue[];
  /** The sample a repair answers (the first invalid one). */
  repairOf?: Sample;
}

/**
 * Reads every sample: the valid ones make the answer (self-consistency
 * over several), confidence by the config's method; refusals only when
 * every sample refused.
 */
export function interpretCompletion(
  input: AnnotateInput,
  completion: ChatCompletion,
): Interpretation {
  const { project, config } = input.context;
  const samples = completion.choices.map(c => readSample(c, input));
  const outputs = samples.map(s => s.text ?? s.refusal ?? '');
  const rawOutput = outputs.length === 1 ? outputs[0] : JSON.stringify(outputs);
  const valid = samples.filter(s => s.parsed?.ok);
  const answers = valid.map(
    s => (s.parsed as { answer: Record<string, unknown> }).answer,
  );
  if (answers.length) {
    const consensus =
      answers.length > 1 ? selfConsistency(project, answers)! : undefined;
    const answer = consensus?.answer ?? answers[0];
    let confidence: number | undefined;
    if (config.confidence === 'self-consistency') {
      // the share of all samples, invalid ones counting against it
      confidence =
        ((consensus?.confidence ?? 1) * answers.length) / samples.length;
    } else if (config.confidence === 'logprobs') {
      const chosen = valid.find((_, i) =>
        isDeepStrictEqual(answers[i], answer),
      );
      confidence = chosen?.tokens
        ? logprobConfidence(project, answer, chosen.tokens)
        : undefined;
    }
    return { status: 'answered', answer, confidence, rawOutput };
  }
  if (samples.length > 0 && samples.every(s => s.refusal)) {
    return { status: 'refused', rawOutput };
  }
  const invalid = samples.find(s => !s.refusal) ?? {};
  const failure = invalid.parsed;
  return {
    status: 'invalid',
    rawOutput,
    issues:
      failure && !failure.ok
        ? failure.issues
        : [{ path: '', message: 'no output' }],
    repairOf: invalid,
  };
}

/** A request that failed for good (after its retries). */
class ProviderFailure extends Error {
  constructor(readonly reason: ProviderFailureReason, message: string) {
    super(message);
  }
}

/**
 * Annotates one item with one LLM annotator version through the `openai`
 * SDK: one client per provider, the SDK's retries off and this policy's
 * on (429, 5xx, timeouts, connection errors; `retry-after-ms` /
 * `retry-after` honoured, else exponential backoff with full jitter),
 * every attempt through the provider's rate limiter and the caller's
 * budget; invalid output repaired up to `maxRepairs` times by telling the
 * model what was wrong.
 */
export class LlmClient {
  private readonly clients = new Map<string, Promise<OpenAI>>();
  private readonly limiters = new Map<string, ProviderLimiter>();
  private readonly corrections = new Map<string, EstimateCorrection>();
  private readonly policy: RetryPolicy;

  constructor(private readonly options: LlmClientOptions = {}) {
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  }

  /** The SDK client of a provider (batch mode uses its files and batches). */
  sdk(provider: LlmProvider): Promise<OpenAI> {
    let client = this.clients.get(provider.id);
    if (!client) {
      client = Promise.resolve(provider.apiKey()).then(
        apiKey =>
          new OpenAI({
            baseURL: provider.baseUrl,
            // servers without keys (vLLM, Ollama) take any
            apiKey: apiKey || 'none',
            maxRetries: 0,
            timeout: provider.timeoutMs,
            ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
          }),
      );
      this.clients.set(provider.id, client);
    }
    return client;
  }

  /** The provider's limiter, shared by every job of this process. */
  limiter(provider: LlmProvider): ProviderLimiter {
    let limiter = this.limiters.get(provider.id);
    if (!limiter) {
      limiter = new ProviderLimiter(provider);
      this.limiters.set(provider.id, limiter);
    }
    return limiter;
  }

  private correction(provider: LlmProvider, model: string) {
    const key = `${provider.id}\n${model}`;
    let correction = this.corrections.get(key);
    if (!correction) {
      correction = new EstimateCorrection();
      this.corrections.set(key, correction);
    }
    return correction;
  }

  async annotate(
    input: AnnotateInput,
    options: AnnotateOptions = {},
  ): Promise<LlmResult> {
    const { context, provider } = input;
    const { config } = context;
    const body = completionRequest(input);
    const price = priceOf(provider.prices, body.model);
    const result: LlmResult = {
      status: 'error',
      samples: config.samples,
      model: body.model,
      simulated: Boolean(provider.simulated),
      tokensIn: 0,
      tokensOut: 0,
      cost: 0,
      latencyMs: 0,
      attempts: 0,
    };
    const messages: ChatCompletionMessageParam[] = [...body.messages];
    for (let repairs = 0; ; repairs++) {
      let completion: ChatCompletion;
      try {
        completion = await this.send(
          provider,
          { ...body, messages },
          result,
          options,
        );
      } catch (error) {
        return failed(result, error);
      }
      const usage = completion.usage;
      result.tokensIn += usage?.prompt_tokens ?? 0;
      result.tokensOut += usage?.completion_tokens ?? 0;
      result.cost = costOf(price, result.tokensIn, result.tokensOut);
      result.simulated ||=
        completion.system_fingerprint === SIMULATED_FINGERPRINT;

      const read = interpretCompletion(input, completion);
      result.rawOutput = read.rawOutput;
      if (read.status === 'answered') {
        return {
          ...result,
          status: 'answered',
          answer: read.answer,
          ...(read.confidence !== undefined
            ? { confidence: read.confidence }
            : {}),
        };
      }
      if (read.status === 'refused') {
        return {
          ...result,
          status: 'refused',
          reason: 'refusal',
          error: 'the model refused to answer',
        };
      }
      const issues = read.issues ?? [];
      if (repairs >= config.maxRepairs) {
        return {
          ...result,
          status: 'invalid',
          reason: 'invalid-output',
          error: `invalid output after ${repairs} repair(s): ${describeConfigIssues(
            issues,
          )}`,
        };
      }
      messages.push(...repairTurn(read.repairOf!, repairMessage({ issues })));
    }
  }

  /** One request, retried by the policy; every attempt limited and reserved. */
  private async send(
    provider: LlmProvider,
    body: ChatCompletionCreateParamsNonStreaming,
    result: LlmResult,
    options: AnnotateOptions,
  ): Promise<ChatCompletion> {
    const client = await this.sdk(provider);
    const shape = promptShape(body);
    const price = priceOf(provider.prices, body.model);
    const reservation = requestReservation(
      price,
      shape,
      body.max_tokens ?? 0,
      body.n ?? 1,
    );
    const correction = this.correction(provider, body.model);
    const estimate = estimatePromptTokens(shape);
    const limiter = this.limiter(provider);
    for (let attempt = 1; ; attempt++) {
      await options.reserve?.(reservation);
      // the output is rarely near max_tokens: a quarter of it is counted
      // up front, the usage settles the rest
      const expected =
        correction.apply(estimate) +
        Math.ceil(((body.max_tokens ?? 0) * (body.n ?? 1)) / 4);
      await limiter.acquire(expected, options.signal);
      result.attempts++;
      const started = Date.now();
      try {
        const completion = await client.chat.completions.create(body, {
          signal: options.signal,
        });
        result.latencyMs += Date.now() - started;
        const usage = completion.usage;
        limiter.settle(expected, usage?.total_tokens ?? expected);
        correction.learn(estimate, usage?.prompt_tokens ?? 0);
        return completion;
      } catch (error) {
        if (options.signal?.aborted) {
          throw new RequestRefused('stopped', 'stopped while in flight');
        }
        limiter.settle(expected, 0);
        const c = classifyError(error);
        if (!c.retryable || attempt >= this.policy.maxAttempts) {
          throw new ProviderFailure(
            c.reason,
            `${c.message} (attempt ${attempt} of ${this.policy.maxAttempts})`,
          );
        }
        await sleep(
          backoffDelay(this.policy, attempt, c.retryAfterMs),
          options.signal,
        ).catch(() => {
          throw new RequestRefused('stopped', 'stopped while backing off');
        });
      }
    }
  }
}

/** The messages that tell the model what was wrong with its output. */
function repairTurn(
  sample: Sample,
  message: string,
): ChatCompletionMessageParam[] {
  if (sample.toolCallId) {
    return [
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: sample.toolCallId,
            type: 'function',
            function: { name: TOOL_NAME, arguments: sample.text ?? '' },
          },
        ],
      },
      { role: 'tool', tool_call_id: sample.toolCallId, content: message },
    ];
  }
  return [
    { role: 'assistant', content: sample.text ?? '' },
    { role: 'user', content: message },
  ];
}

function failed(result: LlmResult, error: unknown): LlmResult {
  const message = error instanceof Error ? error.message : String(error);
  if (result.rawOutput !== undefined) {
    // an invalid output was paid for; its repair could not be had
    return {
      ...result,
      status: 'invalid',
      reason: 'invalid-output',
      error: `invalid output; its repair failed: ${message}`,
    };
  }
  let reason: LlmFailureReason = 'provider-error';
  if (error instanceof RequestRefused || error instanceof ProviderFailure) {
    // refused: nothing was sent, and the item goes back to its job
    reason = error.reason;
  }
  return { ...result, status: 'error', reason, error: message };
}
