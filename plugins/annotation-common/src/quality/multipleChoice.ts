import { CodedAnswers, encodeAnswers } from './codedAnswers';
import { CategoryCode } from './types';

/** One stored multiple-choice answer: the labels a rater selected. */
export interface MultipleChoiceRow {
  item: string | number;
  rater: string;
  labels: readonly CategoryCode[];
}

/**
 * Multiple-choice answers as one binary data set per label ("selected" 1 /
 * "not selected" 0, categories `[0, 1]`), for per-label agreement: apply
 * any measure (alpha, kappa, AC1, percent agreement) to each. An answer
 * that selects nothing counts as "not selected" for every label. O(labels ×
 * answers).
 */
export function encodeMultipleChoice(
  rows: readonly MultipleChoiceRow[],
  labels: readonly CategoryCode[],
): { label: CategoryCode; data: CodedAnswers }[] {
  return labels.map(label => ({
    label,
    data: encodeAnswers(
      rows.map(row => ({
        item: row.item,
        rater: row.rater,
        value: row.labels.includes(label) ? 1 : 0,
      })),
      { categories: [0, 1] },
    ),
  }));
}

/** {@link encodeMultipleChoice} then `measure` on each label. */
export function multipleChoicePerLabel<M>(
  rows: readonly MultipleChoiceRow[],
  labels: readonly CategoryCode[],
  measure: (binary: CodedAnswers) => M,
): { label: CategoryCode; measure: M }[] {
  return encodeMultipleChoice(rows, labels).map(({ label, data }) => ({
    label,
    measure: measure(data),
  }));
}
