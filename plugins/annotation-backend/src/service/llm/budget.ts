import { LlmModelPrice } from '@chorus/plugin-annotation-node';

/*
 * Token estimates and costs. Two estimates of a prompt serve two ends:
 *
 * - the rate limiter wants the likely count (characters / 4, corrected by
 *   what the provider reports), so it neither starves nor floods;
 * - the budget wants a bound the provider's count cannot exceed: a
 *   byte-level BPE token spans at least one byte, so the UTF-8 bytes of
 *   the messages and the schema, plus a per-message allowance for the chat
 *   framing, bound the prompt tokens. With the completion bounded by
 *   `max_tokens × n`, a reservation of both is the most a request can cost,
 *   and the budget is never exceeded.
 */

/** What a request sends, as far as counting goes. */
export interface PromptShape {
  /** The text of every message. */
  texts: readonly string[];
  /** The output schema or tool definitions, as sent. */
  schemaJson?: string;
}

// OpenAI's chat framing is 3 or 4 tokens per message and 3 for the reply
const FRAMING_PER_MESSAGE = 8;
const FRAMING = 16;

/** The likely prompt tokens: characters / 4 plus the framing. */
export function estimatePromptTokens(prompt: PromptShape): number {
  let chars = prompt.schemaJson?.length ?? 0;
  for (const text of prompt.texts) {
    chars += text.length;
  }
  return (
    Math.ceil(chars / 4) + FRAMING_PER_MESSAGE * prompt.texts.length + FRAMING
  );
}

/** At most this many prompt tokens (see above). */
export function maxPromptTokens(prompt: PromptShape): number {
  let bytes = prompt.schemaJson ? Buffer.byteLength(prompt.schemaJson) : 0;
  for (const text of prompt.texts) {
    bytes += Buffer.byteLength(text);
  }
  return bytes + FRAMING_PER_MESSAGE * prompt.texts.length + FRAMING;
}

/** The price of a model; one the provider lists no price for costs 0. */
export function priceOf(
  prices: Record<string, LlmModelPrice>,
  model: string,
): LlmModelPrice {
  return prices[model] ?? { inputPerMillion: 0, outputPerMillion: 0 };
}

export function costOf(
  price: LlmModelPrice,
  tokensIn: number,
  tokensOut: number,
): number {
  return (
    (tokensIn * price.inputPerMillion + tokensOut * price.outputPerMillion) /
    1_000_000
  );
}

/** The most a request may cost and use: what a budget reserves for it. */
export interface Reservation {
  cost: number;
  tokens: number;
}

export function requestReservation(
  price: LlmModelPrice,
  prompt: PromptShape,
  maxOutputTokens: number,
  samples: number,
): Reservation {
  const tokensIn = maxPromptTokens(prompt);
  const tokensOut = maxOutputTokens * samples;
  return {
    cost: costOf(price, tokensIn, tokensOut),
    tokens: tokensIn + tokensOut,
  };
}

/**
 * The correction of the likely estimate: the ratio of reported to
 * estimated prompt tokens, smoothed, per provider and model.
 */
export class EstimateCorrection {
  private ratio = 1;

  apply(estimate: number): number {
    return Math.ceil(estimate * this.ratio);
  }

  learn(estimate: number, actual: number) {
    if (estimate > 0 && actual > 0) {
      const observed = Math.min(4, Math.max(0.25, actual / estimate));
      this.ratio = 0.8 * this.ratio + 0.2 * observed;
    }
  }
}
