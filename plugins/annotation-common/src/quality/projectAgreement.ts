import { fleissKappa, gwetAC1, percentAgreement, perLabel } from './agreement';
import { CodedAnswers } from './codedAnswers';
import { AlphaMetric, krippendorffAlpha } from './krippendorff';
import { CategoryCode, Measure } from './types';

/*
 * Project-level agreement of one question, as the scheduled refit stores it
 * and the dashboard shows it: plain `Measure`s (a value or why there is
 * none) by measure name.
 */

/** Measures by name, e.g. `fleissKappa` → `{ value: 0.61 }`. */
export type MeasureTable = Record<string, Measure>;

/** The agreement of one label (one-vs-rest) of a question. */
export interface LabelAgreement {
  label: CategoryCode;
  measures: MeasureTable;
}

/**
 * Names of the stored measures. Krippendorff's alpha carries its metric in
 * the name, so a reader knows which one a question got.
 */
export const MEASURE_NAMES = {
  percent: 'percent',
  fleissKappa: 'fleissKappa',
  gwetAC1: 'gwetAC1',
  alpha: (metric: AlphaMetric) =>
    `krippendorffAlpha${metric[0].toUpperCase()}${metric.slice(1)}`,
  spanMicroF1: 'spanMicroF1',
  spanMeanItemF1: 'spanMeanItemF1',
} as const;

/**
 * Per-label measures cost one pass over the answers per label; questions
 * with more labels than this get none.
 */
export const PER_LABEL_MAX_CATEGORIES = 50;

/** Only the value or the reason: what is stored and served. */
export function plainMeasure(m: Measure): Measure {
  return 'value' in m ? { value: m.value } : { undefined: m.undefined };
}

/**
 * Percent agreement, Fleiss' kappa, Krippendorff's alpha (with `metric`:
 * nominal for labels, ordinal for ratings) and Gwet's AC1 of one question.
 */
export function categoricalAgreement(
  data: CodedAnswers,
  metric: AlphaMetric,
): MeasureTable {
  return {
    [MEASURE_NAMES.percent]: plainMeasure(percentAgreement(data)),
    [MEASURE_NAMES.fleissKappa]: plainMeasure(fleissKappa(data)),
    [MEASURE_NAMES.alpha(metric)]: plainMeasure(
      krippendorffAlpha(data, metric),
    ),
    [MEASURE_NAMES.gwetAC1]: plainMeasure(gwetAC1(data)),
  };
}

/**
 * Fleiss' kappa of each label against the rest (which labels annotators
 * agree on and which they confuse); empty above
 * {@link PER_LABEL_MAX_CATEGORIES} labels.
 */
export function labelAgreement(data: CodedAnswers): LabelAgreement[] {
  if (data.categories.length > PER_LABEL_MAX_CATEGORIES) {
    return [];
  }
  return perLabel(data, binary => plainMeasure(fleissKappa(binary))).map(
    ({ category, measure }) => ({
      label: category,
      measures: { [MEASURE_NAMES.fleissKappa]: measure },
    }),
  );
}
