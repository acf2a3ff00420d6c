import {
  LlmAnnotatorConfig,
  LlmJobScope,
  Measure,
} from '@chorus/plugin-annotation-common';
import {
  describeMeasure,
  formatShare,
  undefinedReason,
} from '../QualityDashboard/measures';

/*
 * How the LLM annotator page writes its figures: costs, tokens, shares,
 * latencies, confidences, job scopes and roles, one way everywhere.
 */

export { describeMeasure, formatShare };
export { formatDuration, shortRef } from '../ProjectOverviewPage';

/**
 * A cost in the provider's currency: three significant digits below 1
 * (requests cost fractions of a cent), two decimals from 1 up.
 */
export function formatCost(value: number): string {
  if (value === 0) {
    return '0';
  }
  return Math.abs(value) < 1
    ? value.toLocaleString('en-US', { maximumSignificantDigits: 3 })
    : value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** `12,345`. */
export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** A confidence or threshold: at most three decimals (`0.92`, `0.873`). */
export function formatConfidence(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

export function formatLatency(ms: number): string {
  return ms < 1000
    ? `${Math.round(ms)} ms`
    : `${(ms / 1000).toLocaleString('en-US', {
        maximumFractionDigits: 1,
      })} s`;
}

/**
 * Cohen's kappa of the LLM with the humans' consensus, or why there is
 * none: with no item both answered, in this comparison's words.
 */
export function formatKappa(measure: Measure): string {
  if (!('value' in measure) && measure.undefined === 'no-pairable-values') {
    return 'none yet (no item with a human consensus)';
  }
  return describeMeasure('cohensKappa', measure);
}

/** The expected calibration error (a share of confidence), or why none. */
export function formatCalibrationError(measure: Measure): string {
  return 'value' in measure
    ? measure.value.toFixed(3)
    : `not enough data (${undefinedReason(measure.undefined)})`;
}

/** What a job covers, in words. */
export function formatScope(scope: LlmJobScope): string {
  switch (scope.kind) {
    case 'missing':
      return 'Items without an answer of this version';
    case 'sample':
      return `A sample of ${formatCount(scope.size)} items (seed ${
        scope.seed
      })`;
    case 'items':
      return scope.ids.length === 1
        ? `Item ${scope.ids[0]}`
        : `${formatCount(scope.ids.length)} listed items`;
    default: {
      const states = scope.states ?? ['open', 'full', 'complete'];
      return `Items ${states.join(', ')}${
        scope.minPriority !== undefined
          ? `, priority ≥ ${scope.minPriority}`
          : ''
      }`;
    }
  }
}

/** The role of a config, with its auto-accept settings. */
export function formatRole(
  config: Pick<LlmAnnotatorConfig, 'role' | 'autoAccept'>,
): string {
  const { role, autoAccept } = config;
  return role === 'auto-accept' && autoAccept
    ? `auto-accept ≥ ${formatConfidence(
        autoAccept.threshold,
      )} (audit ${formatShare(autoAccept.auditRate)})`
    : role;
}
