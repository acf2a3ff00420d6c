/**
 * Checks a chat completion request the way the real API does (a 400 naming
 * the parameter) and turns it into what the simulator needs.
 */
import { JsonSchema } from './answers';
import { OpenAiError, invalidRequest } from './errors';
import { PromptFunction, PromptMessage } from './tokens';

export type OutputKind =
  | { kind: 'text' }
  | { kind: 'json_object' }
  | { kind: 'json_schema'; name: string; schema: JsonSchema }
  | { kind: 'tool'; name: string; schema: JsonSchema };

export interface ChatRequest {
  model: string;
  /** Messages with their text content rendered (parts joined, tool calls as JSON). */
  messages: PromptMessage[];
  n: number;
  maxTokens?: number;
  logprobs: boolean;
  topLogprobs: number;
  output: OutputKind;
  /** For prompt token counting: the tool definitions and the output schema. */
  functions: PromptFunction[];
  schema?: JsonSchema;
}

// The chat completion parameters of OpenAI's API; anything else is refused
// as the real API refuses it, so a client's typo does not pass unnoticed.
const KNOWN_PARAMETERS = new Set([
  'messages',
  'model',
  'audio',
  'frequency_penalty',
  'function_call',
  'functions',
  'logit_bias',
  'logprobs',
  'max_completion_tokens',
  'max_tokens',
  'metadata',
  'modalities',
  'n',
  'parallel_tool_calls',
  'prediction',
  'presence_penalty',
  'prompt_cache_key',
  'reasoning_effort',
  'response_format',
  'safety_identifier',
  'seed',
  'service_tier',
  'stop',
  'store',
  'stream',
  'stream_options',
  'temperature',
  'tool_choice',
  'tools',
  'top_logprobs',
  'top_p',
  'user',
  'verbosity',
  'web_search_options',
]);
const ROLES = new Set([
  'system',
  'developer',
  'user',
  'assistant',
  'tool',
  'function',
]);

const isObject = (v: unknown): v is Record<string, any> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function integerParam(
  body: Record<string, any>,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidRequest(
      name,
      `Invalid '${name}': expected an integer from ${min} to ${max}, got ${JSON.stringify(
        value,
      )}.`,
      'invalid_value',
    );
  }
  return value;
}

function renderContent(message: Record<string, any>, at: string): string {
  const { content } = message;
  let text: string;
  if (typeof content === 'string') text = content;
  else if (content === null || content === undefined) text = '';
  else if (Array.isArray(content)) {
    text = content
      .map((part, i) => {
        if (!isObject(part) || typeof part.type !== 'string') {
          throw invalidRequest(
            `${at}.content[${i}]`,
            `Invalid '${at}.content[${i}]': expected a content part object with a type.`,
          );
        }
        return part.type === 'text' && typeof part.text === 'string'
          ? part.text
          : '';
      })
      .join('\n');
  } else {
    throw invalidRequest(
      `${at}.content`,
      `Invalid '${at}.content': expected a string or an array of content parts.`,
    );
  }
  // the calls an assistant made are part of the prompt too
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) {
      if (isObject(call) && isObject(call.function)) {
        text += `${call.function.name ?? ''}${call.function.arguments ?? ''}`;
      }
    }
  }
  return text;
}

function parseMessages(value: unknown): PromptMessage[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw invalidRequest(
      'messages',
      "Invalid 'messages': expected a non-empty array of messages.",
      'invalid_value',
    );
  }
  return value.map((message, i) => {
    const at = `messages[${i}]`;
    if (!isObject(message) || !ROLES.has(message.role)) {
      throw invalidRequest(
        `${at}.role`,
        `Invalid '${at}.role': expected one of ${[...ROLES].join(', ')}.`,
        'invalid_value',
      );
    }
    const rendered: PromptMessage = {
      role: message.role,
      content: renderContent(message, at),
    };
    if (typeof message.name === 'string') rendered.name = message.name;
    return rendered;
  });
}

function parseTools(value: unknown): PromptFunction[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw invalidRequest('tools', "Invalid 'tools': expected an array.");
  }
  const names = new Set<string>();
  return value.map((tool, i) => {
    const at = `tools[${i}]`;
    if (
      !isObject(tool) ||
      tool.type !== 'function' ||
      !isObject(tool.function) ||
      typeof tool.function.name !== 'string' ||
      !/^[a-zA-Z0-9_-]{1,64}$/.test(tool.function.name)
    ) {
      throw invalidRequest(
        at,
        `Invalid '${at}': expected { type: 'function', function: { name, parameters } } with a name of letters, digits, _ or -.`,
      );
    }
    if (names.has(tool.function.name)) {
      throw invalidRequest(
        `${at}.function.name`,
        `Invalid '${at}.function.name': duplicate tool name '${tool.function.name}'.`,
      );
    }
    names.add(tool.function.name);
    if (
      tool.function.parameters !== undefined &&
      !isObject(tool.function.parameters)
    ) {
      throw invalidRequest(
        `${at}.function.parameters`,
        `Invalid '${at}.function.parameters': expected a JSON schema object.`,
      );
    }
    return {
      name: tool.function.name,
      description: tool.function.description,
      parameters: tool.function.parameters,
    };
  });
}

function parseOutput(
  body: Record<string, any>,
  tools: PromptFunction[],
): OutputKind {
  const choice = body.tool_choice ?? (tools.length ? 'auto' : 'none');
  if (choice !== 'none') {
    let name: string | undefined;
    if (choice === 'auto' || choice === 'required') {
      name = tools[0]?.name;
    } else if (
      isObject(choice) &&
      choice.type === 'function' &&
      isObject(choice.function)
    ) {
      name = tools.find(t => t.name === choice.function.name)?.name;
    } else {
      throw invalidRequest(
        'tool_choice',
        "Invalid 'tool_choice': expected 'none', 'auto', 'required' or { type: 'function', function: { name } }.",
      );
    }
    if (!name) {
      throw invalidRequest(
        'tool_choice',
        "Invalid 'tool_choice': it names no tool of 'tools'.",
      );
    }
    const tool = tools.find(t => t.name === name)!;
    return {
      kind: 'tool',
      name,
      schema: (tool.parameters ?? {
        type: 'object',
        properties: {},
      }) as JsonSchema,
    };
  }

  const format = body.response_format;
  if (format === undefined || format === null) return { kind: 'text' };
  if (!isObject(format)) {
    throw invalidRequest(
      'response_format',
      "Invalid 'response_format': expected an object.",
    );
  }
  switch (format.type) {
    case 'text':
      return { kind: 'text' };
    case 'json_object':
      return { kind: 'json_object' };
    case 'json_schema': {
      const spec = format.json_schema;
      if (
        !isObject(spec) ||
        typeof spec.name !== 'string' ||
        !/^[a-zA-Z0-9_-]{1,64}$/.test(spec.name)
      ) {
        throw invalidRequest(
          'response_format.json_schema.name',
          "Invalid 'response_format.json_schema.name': expected a name of 1 to 64 letters, digits, _ or -.",
        );
      }
      if (!isObject(spec.schema)) {
        throw invalidRequest(
          'response_format.json_schema.schema',
          "Invalid 'response_format.json_schema.schema': expected a JSON schema object.",
        );
      }
      return {
        kind: 'json_schema',
        name: spec.name,
        schema: spec.schema as JsonSchema,
      };
    }
    default:
      throw invalidRequest(
        'response_format.type',
        "Invalid 'response_format.type': expected 'text', 'json_object' or 'json_schema'.",
        'invalid_value',
      );
  }
}

/** The checked request, or an OpenAiError (400) naming the parameter. */
export function parseChatRequest(body: unknown): ChatRequest {
  if (!isObject(body)) {
    throw invalidRequest('body', 'The request body must be a JSON object.');
  }
  for (const key of Object.keys(body)) {
    if (!KNOWN_PARAMETERS.has(key)) {
      throw invalidRequest(
        key,
        `Unrecognized request argument supplied: ${key}`,
        'unknown_parameter',
      );
    }
  }
  if (typeof body.model !== 'string' || body.model === '') {
    throw invalidRequest(
      'model',
      "Invalid 'model': expected a model id.",
      'invalid_value',
    );
  }
  if (body.stream === true) {
    throw invalidRequest(
      'stream',
      'Streaming is not supported by the Chorus LLM simulator; send stream: false.',
      'unsupported_value',
    );
  }
  if (body.functions !== undefined || body.function_call !== undefined) {
    throw new OpenAiError(
      400,
      "The deprecated 'functions' / 'function_call' are not supported by the Chorus LLM simulator; use 'tools'.",
      'invalid_request_error',
      body.functions !== undefined ? 'functions' : 'function_call',
      'unsupported_parameter',
    );
  }
  const temperature = body.temperature;
  if (
    temperature !== undefined &&
    temperature !== null &&
    !(typeof temperature === 'number' && temperature >= 0 && temperature <= 2)
  ) {
    throw invalidRequest(
      'temperature',
      "Invalid 'temperature': expected a number from 0 to 2.",
      'invalid_value',
    );
  }
  if (
    body.logprobs !== undefined &&
    body.logprobs !== null &&
    typeof body.logprobs !== 'boolean'
  ) {
    throw invalidRequest('logprobs', "Invalid 'logprobs': expected a boolean.");
  }
  const topLogprobs = integerParam(body, 'top_logprobs', 0, 20);
  if (topLogprobs !== undefined && body.logprobs !== true) {
    throw invalidRequest(
      'top_logprobs',
      "Invalid 'top_logprobs': 'logprobs' must be true when 'top_logprobs' is set.",
    );
  }
  const maxTokens =
    integerParam(body, 'max_completion_tokens', 1, 1_000_000) ??
    integerParam(body, 'max_tokens', 1, 1_000_000);
  const messages = parseMessages(body.messages);
  const functions = parseTools(body.tools);
  const output = parseOutput(body, functions);
  return {
    model: body.model,
    messages,
    n: integerParam(body, 'n', 1, 128) ?? 1,
    maxTokens,
    logprobs: body.logprobs === true,
    topLogprobs: topLogprobs ?? 0,
    output,
    functions,
    schema: output.kind === 'json_schema' ? output.schema : undefined,
  };
}
