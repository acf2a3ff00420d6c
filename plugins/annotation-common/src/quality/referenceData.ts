/* Published data sets the tests reproduce (kept apart from the tests so
 * the benchmark and other tests can reuse them). */
import { CategoryCode } from './types';

/**
 * Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability",
 * section C, the reliability data of 4 observers (A–D) × 12 units with
 * missing values, printed there with observers as rows; here transposed,
 * one row per unit. Published: nominal α = 0.743, ordinal 0.815,
 * interval 0.849.
 */
export const krippendorff2011: (number | null)[][] = [
  [1, 1, null, 1],
  [2, 2, 3, 2],
  [3, 3, 3, 3],
  [3, 3, 3, 3],
  [2, 2, 2, 2],
  [1, 2, 3, 4],
  [4, 4, 4, 4],
  [1, 1, 2, 1],
  [2, 2, 2, 2],
  [null, 5, 5, 5],
  [null, null, 1, 1],
  [null, 3, null, null],
];

/**
 * Fleiss (1971), "Measuring nominal scale agreement among many raters",
 * Psychological Bulletin 76(5), Table 1: 30 patients, each diagnosed by 6
 * psychiatrists into 1 depression, 2 personality disorder, 3 schizophrenia,
 * 4 neurosis, 5 other; per patient the number of psychiatrists choosing
 * each category. Published: κ = .430.
 */
export const fleiss1971: number[][] = [
  [0, 0, 0, 6, 0],
  [0, 3, 0, 0, 3],
  [0, 1, 4, 0, 1],
  [0, 0, 0, 0, 6],
  [0, 3, 0, 3, 0],
  [2, 0, 4, 0, 0],
  [0, 0, 4, 0, 2],
  [2, 0, 3, 1, 0],
  [2, 0, 0, 4, 0],
  [0, 0, 0, 0, 6],
  [1, 0, 0, 5, 0],
  [1, 1, 0, 4, 0],
  [0, 3, 3, 0, 0],
  [1, 0, 0, 5, 0],
  [0, 2, 0, 3, 1],
  [0, 0, 5, 0, 1],
  [3, 0, 0, 1, 2],
  [5, 1, 0, 0, 0],
  [0, 2, 0, 4, 0],
  [1, 0, 2, 0, 3],
  [0, 0, 0, 0, 6],
  [0, 1, 0, 5, 0],
  [0, 2, 0, 1, 3],
  [2, 0, 0, 4, 0],
  [1, 0, 0, 4, 1],
  [0, 5, 0, 1, 0],
  [4, 0, 0, 0, 2],
  [0, 2, 0, 4, 0],
  [1, 0, 5, 0, 0],
  [0, 0, 0, 0, 6],
];

/**
 * Dawid & Skene (1979), "Maximum likelihood estimation of observer
 * error-rates using the EM algorithm", Applied Statistics 28(1), Table 1:
 * 45 patients rated by 5 anaesthetists on a 4-point scale; observer 1 rated
 * every patient three times. `dawidSkene1979[p][o]` lists observer o+1's
 * ratings of patient p+1 (as reproduced in the widely used `dawid_skene.py`
 * reference implementation's `generate_sample_data`).
 */
export const dawidSkene1979: number[][][] = [
  [[1, 1, 1], [1], [1], [1], [1]],
  [[3, 3, 3], [4], [3], [3], [4]],
  [[1, 1, 2], [2], [1], [2], [2]],
  [[2, 2, 2], [3], [1], [2], [1]],
  [[2, 2, 2], [3], [2], [2], [2]],
  [[2, 2, 2], [3], [3], [2], [2]],
  [[1, 2, 2], [2], [1], [1], [1]],
  [[3, 3, 3], [3], [4], [3], [3]],
  [[2, 2, 2], [2], [2], [2], [3]],
  [[2, 3, 2], [2], [2], [2], [3]],
  [[4, 4, 4], [4], [4], [4], [4]],
  [[2, 2, 2], [3], [3], [4], [3]],
  [[1, 1, 1], [1], [1], [1], [1]],
  [[2, 2, 2], [3], [2], [1], [2]],
  [[1, 2, 1], [1], [1], [1], [1]],
  [[1, 1, 1], [2], [1], [1], [1]],
  [[1, 1, 1], [1], [1], [1], [1]],
  [[1, 1, 1], [1], [1], [1], [1]],
  [[2, 2, 2], [2], [2], [2], [1]],
  [[2, 2, 2], [1], [3], [2], [2]],
  [[2, 2, 2], [2], [2], [2], [2]],
  [[2, 2, 2], [2], [2], [2], [1]],
  [[2, 2, 2], [3], [2], [2], [2]],
  [[2, 2, 1], [2], [2], [2], [2]],
  [[1, 1, 1], [1], [1], [1], [1]],
  [[1, 1, 1], [1], [1], [1], [1]],
  [[2, 3, 2], [2], [2], [2], [2]],
  [[1, 1, 1], [1], [1], [1], [1]],
  [[1, 1, 1], [1], [1], [1], [1]],
  [[1, 1, 2], [1], [1], [2], [1]],
  [[1, 1, 1], [1], [1], [1], [1]],
  [[3, 3, 3], [3], [2], [3], [3]],
  [[1, 1, 1], [1], [1], [1], [1]],
  [[2, 2, 2], [2], [2], [2], [2]],
  [[2, 2, 2], [3], [2], [3], [2]],
  [[4, 3, 3], [4], [3], [4], [3]],
  [[2, 2, 1], [2], [2], [3], [2]],
  [[2, 3, 2], [3], [2], [3], [3]],
  [[3, 3, 3], [3], [4], [3], [2]],
  [[1, 1, 1], [1], [1], [1], [1]],
  [[1, 1, 1], [1], [1], [1], [1]],
  [[1, 2, 1], [2], [1], [1], [1]],
  [[2, 3, 2], [2], [2], [2], [2]],
  [[1, 2, 1], [1], [1], [1], [1]],
  [[2, 2, 2], [2], [2], [2], [2]],
];

/** Rows of per-category counts → one answer row per rating. */
export function countsToRows(
  counts: number[][],
  categories: CategoryCode[],
): { item: number; rater: string; value: CategoryCode }[] {
  const rows: { item: number; rater: string; value: CategoryCode }[] = [];
  counts.forEach((row, item) => {
    let rater = 0;
    row.forEach((n, c) => {
      for (let x = 0; x < n; x++) {
        rows.push({ item, rater: `r${rater++}`, value: categories[c] });
      }
    });
  });
  return rows;
}
