import { ProjectConfig } from '../config';

/** One output token with its log probability (OpenAI `logprobs.content`). */
export interface TokenLogprob {
  token: string;
  logprob: number;
}

/**
 * The probability the model gave to the value it chose for one question:
 * `exp(Σ logprob)` over the tokens that spell the value (inside its quotes)
 * where the output writes `"<questionId>": <value>`. Undefined when the
 * output does not contain that pair verbatim.
 */
export function valueProbability(
  tokens: readonly TokenLogprob[],
  questionId: string,
  value: string | number,
): number | undefined {
  const text = tokens.map(t => t.token).join('');
  const key = new RegExp(
    `"${questionId.replace(/[-]/g, '\\-')}"\\s*:\\s*`,
    'g',
  );
  const spelled =
    typeof value === 'string' ? JSON.stringify(value) : `${value}`;
  for (const match of text.matchAll(key)) {
    const at = match.index + match[0].length;
    if (text.startsWith(spelled, at)) {
      // inside the quotes: a quote merged into a neighbouring token
      // carries (nearly) no doubt about the label
      const quote = typeof value === 'string' ? 1 : 0;
      const from = at + quote;
      const to = at + spelled.length - quote;
      let sum = 0;
      let offset = 0;
      for (const t of tokens) {
        const end = offset + t.token.length;
        if (end > from && offset < to) {
          sum += t.logprob;
        }
        offset = end;
      }
      return Math.exp(sum);
    }
  }
  return undefined;
}

/**
 * The `logprobs` confidence of an answer: the lowest probability of its
 * single-choice and rating values (the questions whose choice is one
 * token sequence). Undefined when the answer has none of them or the
 * output does not spell them.
 */
export function logprobConfidence(
  project: ProjectConfig,
  answer: Record<string, unknown>,
  tokens: readonly TokenLogprob[],
): number | undefined {
  let confidence: number | undefined;
  for (const q of project.questions) {
    const value = answer[q.id];
    if (
      (q.type !== 'single-choice' && q.type !== 'ordinal-rating') ||
      (typeof value !== 'string' && typeof value !== 'number')
    ) {
      continue;
    }
    const p = valueProbability(tokens, q.id, value);
    if (p === undefined) {
      return undefined;
    }
    confidence = Math.min(confidence ?? 1, p);
  }
  return confidence;
}

/**
 * Self-consistency over several sampled answers: per question the most
 * frequent value (compared as JSON; the earliest on ties) and the share of
 * samples that gave it; the answer's confidence is the lowest share.
 */
export function selfConsistency(
  project: ProjectConfig,
  samples: readonly Record<string, unknown>[],
): { answer: Record<string, unknown>; confidence: number } | undefined {
  if (samples.length === 0) {
    return undefined;
  }
  const answer: Record<string, unknown> = {};
  let confidence = 1;
  for (const q of project.questions) {
    const counts = new Map<string, { n: number; value: unknown }>();
    for (const s of samples) {
      if (s[q.id] === undefined) {
        continue;
      }
      const key = JSON.stringify(s[q.id]);
      const seen = counts.get(key);
      counts.set(key, { n: (seen?.n ?? 0) + 1, value: s[q.id] });
    }
    let best: { n: number; value: unknown } | undefined;
    for (const c of counts.values()) {
      if (!best || c.n > best.n) {
        best = c;
      }
    }
    if (best) {
      answer[q.id] = best.value;
      confidence = Math.min(confidence, best.n / samples.length);
    }
  }
  return { answer, confidence };
}
