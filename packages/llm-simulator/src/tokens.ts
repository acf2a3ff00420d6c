/**
 * Token counting with the real BPE encodings (gpt-tokenizer), so usage and
 * budgets in tests and benchmarks look like a real provider's.
 */
import cl100k from 'gpt-tokenizer/encoding/cl100k_base';
import o200k from 'gpt-tokenizer/encoding/o200k_base';
import {
  ChatCompletionFunctionDefinition,
  computeChatCompletionTokenCount,
} from 'gpt-tokenizer/functionCalling';

export type EncodingName = 'o200k_base' | 'cl100k_base';

// Text such as `<|endoftext|>` in a prompt is plain text to a provider, not a
// special token; gpt-tokenizer would throw on it by default.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** gpt-4 and gpt-3.5 models use cl100k; gpt-4o, gpt-4.1, gpt-5, o-series and others o200k. */
export function encodingForModel(
  model: string,
  override?: EncodingName,
): EncodingName {
  if (override) return override;
  return /^(gpt-4(?![o.])|gpt-3\.5)/.test(model) ? 'cl100k_base' : 'o200k_base';
}

export class Tokenizer {
  private readonly encoding: typeof o200k;

  constructor(readonly name: EncodingName) {
    this.encoding = name === 'cl100k_base' ? cl100k : o200k;
  }

  count(text: string): number {
    return text ? this.encoding.countTokens(text, PLAIN_TEXT) : 0;
  }

  encode(text: string): number[] {
    return this.encoding.encode(text, PLAIN_TEXT);
  }

  decode(tokens: number[]): string {
    return this.encoding.decode(tokens);
  }

  /**
   * A text's tokens with the text of each and its character offset. A token
   * that ends inside a multi-byte character decodes alone to a replacement
   * character, so offsets are then taken from decoded prefixes instead.
   */
  pieces(text: string): Array<{ id: number; text: string; offset: number }> {
    const ids = this.encode(text);
    const texts = ids.map(id => this.encoding.decode([id]));
    let offsets: number[];
    if (texts.join('') === text) {
      let at = 0;
      offsets = texts.map(t => {
        const offset = at;
        at += t.length;
        return offset;
      });
    } else {
      offsets = ids.map((_, i) =>
        i === 0 ? 0 : this.encoding.decode(ids.slice(0, i)).length,
      );
    }
    return ids.map((id, i) => ({ id, text: texts[i], offset: offsets[i] }));
  }
}

export interface PromptMessage {
  role: string;
  content: string;
  name?: string;
}

export interface PromptFunction {
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
}

/**
 * Prompt tokens as OpenAI counts them for chat models (the cookbook's
 * formula, as gpt-tokenizer implements it): 3 per message + its role,
 * content and name, 3 to prime the reply, tool definitions in OpenAI's
 * hidden rendering; plus a structured-output schema as its JSON text.
 */
export function countPromptTokens(
  tokenizer: Tokenizer,
  messages: PromptMessage[],
  functions: PromptFunction[],
  schema: unknown,
): number {
  const count = (text: string) => tokenizer.count(text);
  const total = computeChatCompletionTokenCount(
    {
      messages,
      functions: functions.length
        ? (functions as ChatCompletionFunctionDefinition[])
        : undefined,
    },
    count,
  );
  return schema === undefined ? total : total + count(JSON.stringify(schema));
}
