import { CodedAnswers } from './codedAnswers';
import { CategoryCode, UndefinedMeasure } from './types';

/**
 * What majority vote does when several categories share the top count:
 * - `undefined` (default): no consensus, reason `tie`: the item escalates;
 * - `first-category`: the tied category that comes first in `categories`
 *   (the question's label order), deterministic;
 * - `first-answer`: the tied category answered first (answers in the order
 *   given, e.g. by submission time).
 */
export type TieRule = 'undefined' | 'first-category' | 'first-answer';

export interface MajorityVote {
  label: CategoryCode;
  /** Answers for the label. */
  votes: number;
  /** votes / answers, in (0, 1]. */
  share: number;
  /** Whether the tie rule picked it among equals. */
  tieBroken: boolean;
}

export type MajorityVoteResult =
  | MajorityVote
  | (UndefinedMeasure<'tie' | 'no-answers'> & { tied?: CategoryCode[] });

/**
 * Majority vote over one item's answers: the most frequent category and its
 * share of the answers. O(answers). Ties follow `tie` (see {@link TieRule});
 * `categories` orders them for `first-category` (unknown ones go last, in
 * answer order).
 */
export function majorityVote(
  answers: readonly CategoryCode[],
  options: { tie?: TieRule; categories?: readonly CategoryCode[] } = {},
): MajorityVoteResult {
  if (answers.length === 0) {
    return { undefined: 'no-answers' };
  }
  const counts = new Map<CategoryCode, number>();
  for (const a of answers) {
    counts.set(a, (counts.get(a) ?? 0) + 1);
  }
  let best = 0;
  for (const n of counts.values()) {
    best = Math.max(best, n);
  }
  // Map keeps first-answer order
  const tied = [...counts].filter(([, n]) => n === best).map(([c]) => c);
  const result = (label: CategoryCode, tieBroken: boolean): MajorityVote => ({
    label,
    votes: best,
    share: best / answers.length,
    tieBroken,
  });
  if (tied.length === 1) {
    return result(tied[0], false);
  }
  switch (options.tie ?? 'undefined') {
    case 'first-answer':
      return result(tied[0], true);
    case 'first-category': {
      const order = options.categories ?? [];
      const rank = (c: CategoryCode) => {
        const r = order.indexOf(c);
        return r < 0 ? order.length : r;
      };
      const sorted = [...tied].sort((x, y) => rank(x) - rank(y));
      return result(sorted[0], true);
    }
    default:
      return { undefined: 'tie', tied };
  }
}

/**
 * Majority vote for every item of {@link CodedAnswers} at once, O(answers):
 * `labels[i]` is the winning category index, or -1 (no answers, or a tie
 * under the `undefined` rule); `shares[i]` its vote share (0 when -1). Ties
 * under `first-category` go to the lowest category index.
 */
export function majorityVotes(
  data: CodedAnswers,
  tie: 'undefined' | 'first-category' = 'undefined',
): { labels: Int32Array; shares: Float64Array } {
  const labels = new Int32Array(data.itemCount).fill(-1);
  const shares = new Float64Array(data.itemCount);
  const counts = new Int32Array(data.categories.length);
  for (let i = 0; i < data.itemCount; i++) {
    const from = data.itemOffsets[i];
    const to = data.itemOffsets[i + 1];
    for (let a = from; a < to; a++) {
      counts[data.codes[a]]++;
    }
    let best = -1;
    let bestCount = 0;
    let tied = false;
    for (let a = from; a < to; a++) {
      const c = data.codes[a];
      const n = counts[c];
      if (n > bestCount || (n === bestCount && c < best)) {
        tied = n === bestCount;
        best = c;
        bestCount = n;
      } else if (n === bestCount && c !== best) {
        tied = true;
      }
    }
    if (best >= 0 && !(tied && tie === 'undefined')) {
      labels[i] = best;
      shares[i] = bestCount / (to - from);
    }
    for (let a = from; a < to; a++) {
      counts[data.codes[a]] = 0;
    }
  }
  return { labels, shares };
}
