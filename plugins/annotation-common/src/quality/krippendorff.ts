import { CodedAnswers, forEachItemCounts } from './codedAnswers';
import { ChanceCorrected } from './types';

/** Krippendorff's levels of measurement supported here. */
export type AlphaMetric = 'nominal' | 'ordinal' | 'interval';

/**
 * The coincidence matrix of the data (Krippendorff 2011, "Computing
 * Krippendorff's Alpha-Reliability", section C): for each item `u` with
 * `m_u ≥ 2` values, every ordered pair of its values from different answers
 * adds `1 / (m_u - 1)`, so `o_ck = Σ_u n_uc (n_uk - [c = k]) / (m_u - 1)`.
 * Items with fewer than two values are not pairable and add nothing.
 * Row-major `k × k`; O(answers + Σ_u distinct_u²).
 */
export function coincidenceMatrix(data: CodedAnswers): Float64Array {
  const k = data.categories.length;
  const o = new Float64Array(k * k);
  forEachItemCounts(data, (_item, m, touched, distinct, counts) => {
    if (m < 2) {
      return;
    }
    const w = 1 / (m - 1);
    for (let x = 0; x < distinct; x++) {
      const c = touched[x];
      const nc = counts[c];
      o[c * k + c] += nc * (nc - 1) * w;
      for (let y = x + 1; y < distinct; y++) {
        const d = touched[y];
        const v = nc * counts[d] * w;
        o[c * k + d] += v;
        o[d * k + c] += v;
      }
    }
  });
  return o;
}

/**
 * Squared distances `δ²_ck` of a metric (Krippendorff 2011, section E):
 * nominal `[c ≠ k]`; ordinal `(Σ_{g=c..k} n_g - (n_c + n_k) / 2)²` with
 * categories ranked in `data.categories` order and `n_g` their pairable
 * frequencies; interval `(v_c - v_k)²` of the numeric category values.
 */
function squaredDistances(
  metric: AlphaMetric,
  data: CodedAnswers,
  marginals: Float64Array,
): Float64Array | 'non-numeric-values' {
  const k = marginals.length;
  const delta = new Float64Array(k * k);
  if (metric === 'interval') {
    const values = data.categories;
    if (!values.every(v => typeof v === 'number' && Number.isFinite(v))) {
      return 'non-numeric-values';
    }
    for (let c = 0; c < k; c++) {
      for (let d = 0; d < k; d++) {
        delta[c * k + d] = ((values[c] as number) - (values[d] as number)) ** 2;
      }
    }
    return delta;
  }
  if (metric === 'nominal') {
    delta.fill(1);
    for (let c = 0; c < k; c++) {
      delta[c * k + c] = 0;
    }
    return delta;
  }
  // ordinal: cumulative frequencies give each Σ_{g=c..d} n_g in O(1)
  const cumulative = new Float64Array(k + 1);
  for (let c = 0; c < k; c++) {
    cumulative[c + 1] = cumulative[c] + marginals[c];
  }
  for (let c = 0; c < k; c++) {
    for (let d = c + 1; d < k; d++) {
      const between =
        cumulative[d + 1] - cumulative[c] - (marginals[c] + marginals[d]) / 2;
      delta[c * k + d] = between * between;
      delta[d * k + c] = between * between;
    }
  }
  return delta;
}

/**
 * Krippendorff's alpha, `α = 1 - D_o / D_e`, from the coincidence matrix:
 * `D_o = Σ_ck o_ck δ²_ck / n` and `D_e = Σ_ck n_c n_k δ²_ck / (n (n - 1))`
 * with `n_c = Σ_k o_ck` and `n = Σ_c n_c` the number of pairable values
 * (Krippendorff 2011). Handles any number of answers per item and missing
 * answers; items with one answer are left out.
 *
 * `observed`/`expected` are `D_o`/`D_e`. Undefined: `no-pairable-values`
 * (no item with two values), `single-category` (all pairable values in one
 * category: `D_e = 0`, no variation to be reliable about),
 * `non-numeric-values` (interval over non-numeric categories). At most 1.
 */
export function krippendorffAlpha(
  data: CodedAnswers,
  metric: AlphaMetric = 'nominal',
): ChanceCorrected<
  'no-pairable-values' | 'single-category' | 'non-numeric-values'
> {
  const k = data.categories.length;
  const o = coincidenceMatrix(data);
  const marginals = new Float64Array(k);
  let n = 0;
  for (let c = 0; c < k; c++) {
    for (let d = 0; d < k; d++) {
      marginals[c] += o[c * k + d];
    }
    n += marginals[c];
  }
  // n is a sum of fractions: a value below 2 means no pairable item
  if (n < 2 - 1e-9) {
    return { undefined: 'no-pairable-values' };
  }
  const delta = squaredDistances(metric, data, marginals);
  if (delta === 'non-numeric-values') {
    return { undefined: delta };
  }
  let observedSum = 0;
  let expectedSum = 0;
  for (let c = 0; c < k; c++) {
    for (let d = 0; d < k; d++) {
      observedSum += o[c * k + d] * delta[c * k + d];
      expectedSum += marginals[c] * marginals[d] * delta[c * k + d];
    }
  }
  if (expectedSum <= 1e-12 * n * n) {
    return { undefined: 'single-category' };
  }
  const observed = observedSum / n;
  const expected = expectedSum / (n * (n - 1));
  return { value: 1 - observed / expected, observed, expected };
}
