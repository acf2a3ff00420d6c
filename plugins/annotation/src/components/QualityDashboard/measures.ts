import {
  Measure,
  MeasureTable,
  QualityUndefinedReason,
  QuestionAgreement,
} from '@chorus/plugin-annotation-common';

/*
 * How the dashboard and the entity card read stored measures: their names,
 * which one heads a question, what a value means (Landis & Koch's bands for
 * chance-corrected coefficients) and why a measure has no value.
 */

const NAMES: Record<string, string> = {
  percent: 'Percent agreement',
  fleissKappa: "Fleiss' kappa",
  krippendorffAlphaNominal: "Krippendorff's alpha (nominal)",
  krippendorffAlphaOrdinal: "Krippendorff's alpha (ordinal)",
  krippendorffAlphaInterval: "Krippendorff's alpha (interval)",
  gwetAC1: "Gwet's AC1",
  spanMicroF1: 'Span F1 (pooled)',
  spanMeanItemF1: 'Span F1 (mean per item)',
};

export function measureName(name: string): string {
  return NAMES[name] ?? name;
}

/** Chance-corrected coefficients: the ones the bands are made for. */
export function isChanceCorrected(name: string): boolean {
  return /^(fleissKappa|krippendorffAlpha|gwetAC1|cohensKappa)/.test(name);
}

/**
 * Landis & Koch (1977), "The measurement of observer agreement for
 * categorical data": the usual reading of kappa-like values.
 */
export function agreementBand(value: number): string {
  if (value < 0) {
    return 'poor';
  }
  if (value <= 0.2) {
    return 'slight';
  }
  if (value <= 0.4) {
    return 'fair';
  }
  if (value <= 0.6) {
    return 'moderate';
  }
  if (value <= 0.8) {
    return 'substantial';
  }
  return 'almost perfect';
}

const REASONS: Record<QualityUndefinedReason, string> = {
  'no-pairable-values': 'no item has two answers yet',
  'single-category':
    'every answer falls in one category, so chance agreement is total',
  'non-numeric-values': 'the answers are not numbers',
  'no-units': 'no span was marked',
  'too-few-answers': 'fewer than two answers',
  'no-answers': 'no answers',
  tie: 'a tie',
};

/** Why a measure has no value, in words. */
export function undefinedReason(reason: QualityUndefinedReason): string {
  return REASONS[reason] ?? reason;
}

/** `0.653` → `0.65`; shares as percentages elsewhere. */
export function formatCoefficient(value: number): string {
  return value.toFixed(2);
}

export function formatShare(value: number): string {
  return `${Math.round(value * 1000) / 10}%`;
}

/** A measure as text: its value (with its band) or why it has none. */
export function describeMeasure(name: string, measure: Measure): string {
  if (!('value' in measure)) {
    return `not enough data (${undefinedReason(measure.undefined)})`;
  }
  if (isChanceCorrected(name)) {
    return `${formatCoefficient(measure.value)} · ${agreementBand(
      measure.value,
    )}`;
  }
  return formatShare(measure.value);
}

/**
 * The measure that heads a question: Krippendorff's alpha (with the metric
 * its question got) for choices and ratings, pooled F1 for spans.
 */
export function headlineMeasure(
  question: Pick<QuestionAgreement, 'measures'>,
): { name: string; measure: Measure } | undefined {
  const names = Object.keys(question.measures as MeasureTable);
  const name =
    names.find(n => n.startsWith('krippendorffAlpha')) ??
    names.find(n => n === 'spanMicroF1') ??
    names[0];
  return name ? { name, measure: question.measures[name] } : undefined;
}
