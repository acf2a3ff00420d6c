/**
 * Why a measure has no value for the data it was given. Every function of
 * the quality math returns one of these instead of NaN or a division by zero.
 *
 * - `no-pairable-values`: no item has two or more answers (or, for Cohen's
 *   kappa, no item was answered by both raters), so nothing can be compared.
 * - `single-category`: every comparable answer is the same category (or the
 *   scale has one category): agreement is perfect but chance agreement is too,
 *   so a chance-corrected measure is 0/0. Percent agreement is defined (1).
 * - `non-numeric-values`: an interval metric was asked of categories that are
 *   not all finite numbers.
 * - `no-units`: span matching where the denominator's annotator marked no
 *   span (precision of an empty answer, recall against an empty reference).
 * - `too-few-answers`: an item-level measure with fewer than two answers.
 * - `no-answers`: consensus over an item that has no answer.
 * - `tie`: majority vote whose top categories have equal votes (and the tie
 *   rule says not to break it).
 */
export type QualityUndefinedReason =
  | 'no-pairable-values'
  | 'single-category'
  | 'non-numeric-values'
  | 'no-units'
  | 'too-few-answers'
  | 'no-answers'
  | 'tie';

/** A measure that could not be computed, with the reason. */
export interface UndefinedMeasure<
  R extends QualityUndefinedReason = QualityUndefinedReason,
> {
  undefined: R;
}

/** A computed measure, or why there is none. */
export type Measure<R extends QualityUndefinedReason = QualityUndefinedReason> =
  { value: number } | UndefinedMeasure<R>;

/**
 * A chance-corrected coefficient: `value = (observed - expected) / (1 -
 * expected)` in agreement form (kappa, AC1), or `1 - observed / expected` in
 * disagreement form (alpha); `observed` and `expected` are reported in the
 * coefficient's own form so a dashboard can show them.
 */
export type ChanceCorrected<
  R extends QualityUndefinedReason = QualityUndefinedReason,
> = { value: number; observed: number; expected: number } | UndefinedMeasure<R>;

/** A category as stored in an answer: a label or a rating. */
export type CategoryCode = string | number;

export function isDefined<T extends object>(
  m: T | UndefinedMeasure,
): m is Exclude<T, UndefinedMeasure> {
  return !('undefined' in m);
}
