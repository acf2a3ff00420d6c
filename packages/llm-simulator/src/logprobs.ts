/**
 * Output rendering with token logprobs. The first token of a scored value
 * (a label, a rating) carries ln(confidence) and lists the other values in
 * top_logprobs, sharing the rest of the probability; the value's further
 * tokens and every other token carry 0. So the probability of the chosen
 * value is exp(sum of its tokens' logprobs) = its confidence, whichever of
 * the usual ways a client computes it.
 */
import { AnswerPath, ScoredValue } from './answers';
import { Tokenizer } from './tokens';

export interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[];
}

export interface ContentTokenLogprob extends TokenLogprob {
  top_logprobs: TokenLogprob[];
}

/** Where a scored value's text sits in the output (inside the quotes for strings). */
export interface ScoredRange {
  start: number;
  end: number;
  scored: ScoredValue;
}

/** JSON.stringify's compact output, noting where each scored value lands. */
export function renderJson(
  value: unknown,
  scored: ScoredValue[],
): { text: string; ranges: ScoredRange[] } {
  const byPath = new Map(scored.map(s => [JSON.stringify(s.path), s]));
  const ranges: ScoredRange[] = [];
  let text = '';
  const walk = (v: unknown, path: AnswerPath) => {
    if (Array.isArray(v)) {
      text += '[';
      v.forEach((x, i) => {
        if (i) text += ',';
        walk(x, [...path, i]);
      });
      text += ']';
    } else if (v !== null && typeof v === 'object') {
      text += '{';
      Object.entries(v)
        .filter(([, x]) => x !== undefined)
        .forEach(([key, x], i) => {
          text += `${i ? ',' : ''}${JSON.stringify(key)}:`;
          walk(x, [...path, key]);
        });
      text += '}';
    } else {
      const json = JSON.stringify(v) ?? 'null';
      const s = byPath.get(JSON.stringify(path));
      if (s) {
        const quote = typeof v === 'string' ? 1 : 0;
        ranges.push({
          start: text.length + quote,
          end: text.length + json.length - quote,
          scored: s,
        });
      }
      text += json;
    }
  };
  walk(value, []);
  return { text, ranges };
}

const bytesOf = (token: string) => Array.from(Buffer.from(token, 'utf8'));

/** A value as it appears in JSON output, without a string's quotes. */
function innerJson(value: unknown): string {
  const json = JSON.stringify(value) ?? 'null';
  return typeof value === 'string' ? json.slice(1, -1) : json;
}

export function tokenLogprobs(
  tokenizer: Tokenizer,
  text: string,
  ranges: ScoredRange[],
  topLogprobs: number,
): ContentTokenLogprob[] {
  const started = new Set<ScoredRange>();
  return tokenizer.pieces(text).map(piece => {
    const token = piece.text;
    const self = { token, logprob: 0, bytes: bytesOf(token) };
    const end = piece.offset + token.length;
    const range = ranges.find(r => piece.offset < r.end && end > r.start);
    if (!range || started.has(range)) {
      return { ...self, top_logprobs: topLogprobs ? [self] : [] };
    }
    started.add(range);
    const { confidence, alternatives } = range.scored;
    const chosen = { ...self, logprob: Math.log(confidence) };
    // An alternative as the same token would start it: the characters this
    // token has before the value, then the alternative's first token.
    const prefix = text.slice(
      piece.offset,
      Math.max(piece.offset, range.start),
    );
    const rest = 1 - confidence;
    const others: TokenLogprob[] = [];
    if (rest > 0 && alternatives.length) {
      const logprob = Math.log(rest / alternatives.length);
      for (const alternative of alternatives) {
        const ids = tokenizer.encode(innerJson(alternative));
        const alt = prefix + (ids.length ? tokenizer.decode([ids[0]]) : '');
        if (alt !== token && !others.some(o => o.token === alt)) {
          others.push({ token: alt, logprob, bytes: bytesOf(alt) });
        }
      }
    }
    const top = [chosen, ...others]
      .sort((a, b) => b.logprob - a.logprob)
      .slice(0, topLogprobs);
    return { ...chosen, top_logprobs: top };
  });
}
