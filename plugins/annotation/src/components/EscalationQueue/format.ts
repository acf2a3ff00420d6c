import {
  EscalationReason,
  Measure,
  ProjectConfig,
  questionQualityPolicy,
} from '@chorus/plugin-annotation-common';
import { formatValue } from '../LabelingWorkspace/ItemView';
import { shortRef } from '../ProjectOverviewPage';

/** A share or coefficient with two decimals. */
export function formatNumber(value: number): string {
  return value.toFixed(2);
}

/** `0.33`, or why there is none (`— (too-few-answers)`). */
export function formatMeasure(measure: Measure | undefined): string {
  if (!measure) {
    return '—';
  }
  return 'value' in measure
    ? formatNumber(measure.value)
    : `— (${measure.undefined})`;
}

function questionTitle(config: ProjectConfig, id: string | undefined) {
  const q = config.questions.find(x => x.id === id);
  return q ? `"${q.title}"` : id ?? 'the item';
}

/** Why an item escalated, in words, with its value against the threshold. */
export function formatReason(
  reason: EscalationReason,
  config: ProjectConfig,
): string {
  switch (reason.code) {
    case 'low-agreement':
      return `Low agreement on ${questionTitle(config, reason.question)}: ${
        reason.measure
      } ${
        reason.value === null ? 'undefined' : formatNumber(reason.value)
      } < threshold ${formatNumber(reason.threshold)}`;
    case 'low-confidence':
      return `Low consensus confidence${
        reason.question ? ` on ${questionTitle(config, reason.question)}` : ''
      }: ${formatNumber(reason.value)} < minimum ${formatNumber(
        reason.threshold,
      )}`;
    case 'llm-disagreement':
      return `LLM disagrees on ${questionTitle(
        config,
        reason.question,
      )}: LLM ${formatValue(reason.llmAnswer)}, humans ${formatValue(
        reason.humanAnswer,
      )}`;
    case 'annotator-flag':
      return `Flagged by ${shortRef(reason.annotator)}${
        reason.note ? `: ${reason.note}` : ''
      }`;
    default:
      return `Escalated (${(reason as { code: string }).code})`;
  }
}

/**
 * A question's agreement on the item against its threshold, e.g.
 * `0.33 (threshold 0.60)`, and whether it falls short.
 */
export function agreementOf(
  config: ProjectConfig,
  questionId: string,
  measure: Measure | undefined,
): { text: string; low: boolean } {
  const q = config.questions.find(x => x.id === questionId);
  if (!q) {
    return { text: formatMeasure(measure), low: false };
  }
  const { measure: name, threshold } = questionQualityPolicy(config, q);
  const low = !measure || !('value' in measure) || measure.value < threshold;
  return {
    text: `${formatMeasure(measure)} (${name}, threshold ${formatNumber(
      threshold,
    )})`,
    low: name !== 'none' && low,
  };
}
