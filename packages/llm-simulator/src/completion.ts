/**
 * One chat completion: from the checked request to the response body, shared
 * by the online endpoint and batch lines. Faults that are the model's
 * (refusal, malformed output) happen here; those of the transport (429, 500,
 * timeout) are the caller's.
 */
import { AnswerContext, deriveAnswer, simulatedSentence } from './answers';
import { ChatRequest } from './chatRequest';
import { REFUSAL_TEXT, decideFault, truncateOutput } from './faults';
import { ScoredRange, renderJson, tokenLogprobs } from './logprobs';
import { FaultKind, ResolvedOptions } from './options';
import { Random, shortHash } from './random';
import {
  PromptMessage,
  Tokenizer,
  countPromptTokens,
  encodingForModel,
} from './tokens';

/** How the simulator marks every completion as simulated. */
export const SIMULATED_FINGERPRINT = 'chorus-simulator';

const tokenizers = new Map<string, Tokenizer>();
function tokenizerFor(model: string, options: ResolvedOptions): Tokenizer {
  const name = encodingForModel(model, options.encoding);
  let tokenizer = tokenizers.get(name);
  if (!tokenizer) {
    tokenizer = new Tokenizer(name);
    tokenizers.set(name, tokenizer);
  }
  return tokenizer;
}

/** The last match of a global pattern in the last user message that has one. */
function lastMatch(
  messages: PromptMessage[],
  pattern: RegExp,
): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i].role !== 'user') continue;
    const matches = [...messages[i].content.matchAll(pattern)];
    if (matches.length) return matches[matches.length - 1][1];
  }
  return undefined;
}

export function findItemKey(
  messages: PromptMessage[],
  options: ResolvedOptions,
): string {
  return (
    lastMatch(messages, options.itemKeyPattern) ??
    `prompt:${shortHash(JSON.stringify(messages))}`
  );
}

function findSpanText(
  messages: PromptMessage[],
  options: ResolvedOptions,
): string {
  const found = lastMatch(messages, options.spanTextPattern);
  if (found !== undefined) return found;
  const lastUser = [...messages].reverse().find(m => m.role === 'user');
  return lastUser?.content ?? '';
}

/** A request ready to answer: its hash, attempt and the fault drawn for it. */
export interface PreparedRequest {
  request: ChatRequest;
  requestHash: string;
  attempt: number;
  fault?: FaultKind;
  itemKey: string;
}

export function prepareRequest(
  request: ChatRequest,
  rawBody: unknown,
  options: ResolvedOptions,
  nextAttempt: (hash: string) => number,
): PreparedRequest {
  const requestHash = shortHash(JSON.stringify(rawBody));
  const attempt = nextAttempt(requestHash);
  return {
    request,
    requestHash,
    attempt,
    fault: decideFault(options.seed, requestHash, attempt, options.faults),
    itemKey: findItemKey(request.messages, options),
  };
}

export interface CompletionResult {
  body: Record<string, unknown>;
  promptTokens: number;
  completionTokens: number;
}

interface Output {
  text: string;
  ranges: ScoredRange[];
}

function deriveOutput(
  prepared: PreparedRequest,
  context: AnswerContext,
): Output {
  const { output } = prepared.request;
  switch (output.kind) {
    case 'json_schema':
    case 'tool': {
      const answer = deriveAnswer(output.schema, context);
      return renderJson(answer.value, answer.scored);
    }
    case 'json_object': {
      const value = context.truth ?? {
        answer: simulatedSentence(
          new Random(
            context.seed,
            'text',
            context.itemKey,
            context.sampleIndex,
          ),
        ),
      };
      return { text: JSON.stringify(value), ranges: [] };
    }
    default:
      return {
        text: simulatedSentence(
          new Random(
            context.seed,
            'text',
            context.itemKey,
            context.sampleIndex,
          ),
        ),
        ranges: [],
      };
  }
}

/** The chat.completion body for a prepared request (n choices, usage, logprobs). */
export function buildCompletion(
  prepared: PreparedRequest,
  options: ResolvedOptions,
): CompletionResult {
  const { request, requestHash, attempt, fault, itemKey } = prepared;
  const tokenizer = tokenizerFor(request.model, options);
  const promptTokens = countPromptTokens(
    tokenizer,
    request.messages,
    request.functions,
    request.schema,
  );
  const id = shortHash(`${options.seed}/${requestHash}/${attempt}`);
  const truth = Object.prototype.hasOwnProperty.call(options.truth, itemKey)
    ? options.truth[itemKey]
    : undefined;
  const spanText = findSpanText(request.messages, options);
  let completionTokens = 0;

  const choices = Array.from({ length: request.n }, (_, index) => {
    const logprobsOf = (text: string, ranges: ScoredRange[] = []) =>
      tokenLogprobs(tokenizer, text, ranges, request.topLogprobs);

    if (fault === 'refusal') {
      completionTokens += tokenizer.count(REFUSAL_TEXT);
      return {
        index,
        message: {
          role: 'assistant',
          content: null,
          refusal: REFUSAL_TEXT,
          annotations: [],
        },
        logprobs: request.logprobs
          ? { content: null, refusal: logprobsOf(REFUSAL_TEXT) }
          : null,
        finish_reason: 'stop',
      };
    }

    const output = deriveOutput(prepared, {
      seed: options.seed,
      itemKey,
      sampleIndex: index,
      truth,
      accuracy: options.accuracy,
      confidence: options.confidence,
      spanText,
    });
    let text = output.text;
    let finishReason = request.output.kind === 'tool' ? 'tool_calls' : 'stop';
    if (fault === 'malformedJson') {
      text = truncateOutput(
        text,
        new Random(options.seed, 'malformed', requestHash, attempt, index),
      );
    }
    if (request.maxTokens !== undefined) {
      const ids = tokenizer.encode(text);
      if (ids.length > request.maxTokens) {
        text = tokenizer.decode(ids.slice(0, request.maxTokens));
        finishReason = 'length';
      }
    }
    completionTokens += tokenizer.count(text);

    if (request.output.kind === 'tool') {
      return {
        index,
        message: {
          role: 'assistant',
          content: null,
          refusal: null,
          tool_calls: [
            {
              id: `call_${shortHash(`${id}/${index}`)}`,
              type: 'function',
              function: { name: request.output.name, arguments: text },
            },
          ],
          annotations: [],
        },
        // as with OpenAI, tool call arguments come without logprobs
        logprobs: request.logprobs ? { content: null, refusal: null } : null,
        finish_reason: finishReason,
      };
    }
    return {
      index,
      message: {
        role: 'assistant',
        content: text,
        refusal: null,
        annotations: [],
      },
      logprobs: request.logprobs
        ? { content: logprobsOf(text, output.ranges), refusal: null }
        : null,
      finish_reason: finishReason,
    };
  });

  return {
    body: {
      id: `chatcmpl-${id}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      choices,
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: {
          reasoning_tokens: 0,
          audio_tokens: 0,
          accepted_prediction_tokens: 0,
          rejected_prediction_tokens: 0,
        },
      },
      service_tier: 'default',
      system_fingerprint: SIMULATED_FINGERPRINT,
    },
    promptTokens,
    completionTokens,
  };
}
