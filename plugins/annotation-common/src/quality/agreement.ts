import {
  CodedAnswers,
  MissingValue,
  forEachItemCounts,
  oneVsRest,
} from './codedAnswers';
import { CategoryCode, ChanceCorrected, Measure } from './types';

/**
 * Pairwise agreement of one item: the share of pairs of its answers that
 * agree, `Σ_c n_c (n_c - 1) / (m (m - 1))` for `m` answers of which `n_c`
 * are category `c`. Undefined (`too-few-answers`) below two answers. This is
 * what the backend recomputes on each submit, in O(answers of the item).
 */
export function itemPercentAgreement(
  answers: readonly CategoryCode[],
): Measure<'too-few-answers'> {
  const m = answers.length;
  if (m < 2) {
    return { undefined: 'too-few-answers' };
  }
  const counts = new Map<CategoryCode, number>();
  for (const a of answers) {
    counts.set(a, (counts.get(a) ?? 0) + 1);
  }
  let agreeing = 0;
  for (const n of counts.values()) {
    agreeing += n * (n - 1);
  }
  return { value: agreeing / (m * (m - 1)) };
}

/** Sums shared by percent agreement, Fleiss' kappa and Gwet's AC1. */
interface PairwiseSums {
  /** Items with two or more answers. */
  pairable: number;
  /** Σ over those items of their pairwise agreement. */
  agreementSum: number;
  /** Per category: Σ over pairable items of n_ic (all their answers). */
  pooled: Float64Array;
  /** Per category: Σ over items with ≥ 1 answer of n_ic / m_i. */
  perItemShare: Float64Array;
  /** Items with at least one answer. */
  answered: number;
}

function pairwiseSums(data: CodedAnswers): PairwiseSums {
  const k = data.categories.length;
  const sums: PairwiseSums = {
    pairable: 0,
    agreementSum: 0,
    pooled: new Float64Array(k),
    perItemShare: new Float64Array(k),
    answered: 0,
  };
  forEachItemCounts(data, (_item, m, touched, distinct, counts) => {
    if (m === 0) {
      return;
    }
    sums.answered++;
    for (let d = 0; d < distinct; d++) {
      sums.perItemShare[touched[d]] += counts[touched[d]] / m;
    }
    if (m < 2) {
      return;
    }
    sums.pairable++;
    let agreeing = 0;
    for (let d = 0; d < distinct; d++) {
      const n = counts[touched[d]];
      agreeing += n * (n - 1);
      sums.pooled[touched[d]] += n;
    }
    sums.agreementSum += agreeing / (m * (m - 1));
  });
  return sums;
}

/**
 * Percent agreement: the mean over items with two or more answers of
 * {@link itemPercentAgreement} (each item weighs the same, whatever its
 * number of answers; Fleiss' P̄). In [0, 1]. Undefined
 * (`no-pairable-values`) when no item has two answers. One category only is
 * still defined: 1.
 */
export function percentAgreement(
  data: CodedAnswers,
): Measure<'no-pairable-values'> {
  const sums = pairwiseSums(data);
  if (sums.pairable === 0) {
    return { undefined: 'no-pairable-values' };
  }
  return { value: sums.agreementSum / sums.pairable };
}

function chanceCorrected(
  observed: number,
  expected: number,
): ChanceCorrected<'single-category'> {
  // expected = 1 only when every answer is one category: 0/0
  if (expected >= 1 - 1e-12) {
    return { undefined: 'single-category' };
  }
  return { value: (observed - expected) / (1 - expected), observed, expected };
}

/**
 * Fleiss' kappa (Fleiss 1971): `κ = (P̄ - P̄e) / (1 - P̄e)` with `P̄` the
 * percent agreement above and `P̄e = Σ_c p_c²`, `p_c` the share of category
 * `c` among all answers of items with two or more answers.
 *
 * Fleiss assumes the same number of ratings `n` per item (not the same
 * raters). With varying counts, items with fewer than two answers are left
 * out, each remaining item's `P_i` uses its own count, `P̄` is their plain
 * mean and `p_c` pools all their answers; with a fixed count this is exactly
 * Fleiss' formula. Undefined: `no-pairable-values` (no item with two
 * answers), `single-category` (all those answers one category, `P̄e = 1`).
 * At most 1; can be negative.
 */
export function fleissKappa(
  data: CodedAnswers,
): ChanceCorrected<'no-pairable-values' | 'single-category'> {
  const sums = pairwiseSums(data);
  if (sums.pairable === 0) {
    return { undefined: 'no-pairable-values' };
  }
  let total = 0;
  for (const n of sums.pooled) {
    total += n;
  }
  let expected = 0;
  for (const n of sums.pooled) {
    expected += (n / total) ** 2;
  }
  return chanceCorrected(sums.agreementSum / sums.pairable, expected);
}

/**
 * Gwet's AC1 (Gwet 2008; the multi-rater form with missing ratings of Gwet,
 * Handbook of Inter-Rater Reliability, 2014): `AC1 = (pa - pe) / (1 - pe)`
 * with `pa` the percent agreement above, `pe = Σ_c π_c (1 - π_c) / (q - 1)`,
 * `π_c` the mean over items with at least one answer of the item's share of
 * category `c`, and `q` the number of categories of the scale
 * (`data.categories`, chosen or not). For two raters it is Gwet's two-rater
 * AC1. Undefined: `no-pairable-values`, `single-category` (a scale of one
 * category, `q = 1`). At most 1; `pe ≤ 1/q` so it never divides by zero.
 */
export function gwetAC1(
  data: CodedAnswers,
): ChanceCorrected<'no-pairable-values' | 'single-category'> {
  const q = data.categories.length;
  if (q < 2) {
    return { undefined: 'single-category' };
  }
  const sums = pairwiseSums(data);
  if (sums.pairable === 0) {
    return { undefined: 'no-pairable-values' };
  }
  let spread = 0;
  for (const share of sums.perItemShare) {
    const pi = share / sums.answered;
    spread += pi * (1 - pi);
  }
  return chanceCorrected(sums.agreementSum / sums.pairable, spread / (q - 1));
}

/**
 * Cohen's kappa from a contingency table (`table[a][b]`: items rater A put
 * in category `a` and rater B in `b`): `κ = (po - pe) / (1 - pe)`, `po` the
 * diagonal share, `pe = Σ_c rowShare_c · columnShare_c`. Undefined:
 * `no-pairable-values` (empty table), `single-category` (`pe = 1`: both
 * raters always chose the same one category).
 */
export function cohensKappaFromTable(
  table: readonly (readonly number[])[],
): ChanceCorrected<'no-pairable-values' | 'single-category'> {
  const k = table.length;
  const rows = new Float64Array(k);
  const columns = new Float64Array(k);
  let total = 0;
  let diagonal = 0;
  for (let a = 0; a < k; a++) {
    if (table[a].length !== k) {
      throw new Error('cohensKappaFromTable: a square table expected');
    }
    for (let b = 0; b < k; b++) {
      rows[a] += table[a][b];
      columns[b] += table[a][b];
      total += table[a][b];
    }
    diagonal += table[a][a];
  }
  if (total === 0) {
    return { undefined: 'no-pairable-values' };
  }
  let expected = 0;
  for (let c = 0; c < k; c++) {
    expected += (rows[c] / total) * (columns[c] / total);
  }
  return chanceCorrected(diagonal / total, expected);
}

/**
 * Cohen's kappa (Cohen 1960) of two raters' answers given item by item
 * (`a[i]`, `b[i]` for item `i`; missing where a rater gave none). Only items
 * both answered count. See {@link cohensKappaFromTable}.
 */
export function cohensKappa(
  a: readonly (CategoryCode | MissingValue)[],
  b: readonly (CategoryCode | MissingValue)[],
): ChanceCorrected<'no-pairable-values' | 'single-category'> {
  if (a.length !== b.length) {
    throw new Error('cohensKappa: one answer (or a missing value) per item');
  }
  const index = new Map<CategoryCode, number>();
  const pairs: [number, number][] = [];
  const indexOf = (c: CategoryCode) => {
    if (!index.has(c)) {
      index.set(c, index.size);
    }
    return index.get(c)!;
  };
  a.forEach((x, i) => {
    const y = b[i];
    if (x !== null && x !== undefined && y !== null && y !== undefined) {
      pairs.push([indexOf(x), indexOf(y)]);
    }
  });
  const table = Array.from({ length: index.size }, () =>
    new Array<number>(index.size).fill(0),
  );
  for (const [x, y] of pairs) {
    table[x][y]++;
  }
  return cohensKappaFromTable(table);
}

/**
 * Cohen's kappa of two raters of {@link CodedAnswers} (by index in
 * `raterIds`), over the items both answered; a rater's first answer on an
 * item counts. O(answers).
 */
export function cohensKappaForRaters(
  data: CodedAnswers,
  raterA: number,
  raterB: number,
): ChanceCorrected<'no-pairable-values' | 'single-category'> {
  const k = data.categories.length;
  const table = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < data.itemCount; i++) {
    let x = -1;
    let y = -1;
    for (let p = data.itemOffsets[i]; p < data.itemOffsets[i + 1]; p++) {
      if (data.raters[p] === raterA && x < 0) {
        x = data.codes[p];
      } else if (data.raters[p] === raterB && y < 0) {
        y = data.codes[p];
      }
    }
    if (x >= 0 && y >= 0) {
      table[x][y]++;
    }
  }
  return cohensKappaFromTable(table);
}

/**
 * A per-label (one-vs-rest) variant of any measure: for each category `c`,
 * the measure of the answers recoded "is `c`" / "is not `c`". Shows which
 * labels annotators agree on and which they confuse. O(categories × answers).
 */
export function perLabel<M>(
  data: CodedAnswers,
  measure: (binary: CodedAnswers) => M,
): { category: CategoryCode; measure: M }[] {
  return data.categories.map((category, c) => ({
    category,
    measure: measure(oneVsRest(data, c)),
  }));
}
