import { cohensKappa } from '../quality/agreement';
import { CategoryCode, ChanceCorrected, Measure } from '../quality/types';

/*
 * How good an LLM annotator version is on one categorical question,
 * against the items whose answer is known (gold, QA resolutions): the
 * figures a manager needs to pick its auto-accept threshold.
 */

/** One known item: what the LLM said, and what is true. */
export interface EvaluationRow {
  /** The LLM's label; undefined when it refused or its output was unusable. */
  llm?: CategoryCode;
  confidence?: number;
  /**
   * The known answer (gold or QA resolution); items without one count for
   * the kappa with the consensus only.
   */
  truth?: CategoryCode;
  /** The humans' consensus, when the item has one (for kappa). */
  consensus?: CategoryCode;
  /** What the item's request(s) cost. */
  cost: number;
}

export interface ReliabilityBin {
  from: number;
  to: number;
  count: number;
  meanConfidence: number;
  accuracy: number;
}

export interface RiskCoveragePoint {
  /** Answers with confidence at or above it are accepted. */
  threshold: number;
  /** Share of the known items accepted. */
  coverage: number;
  /** Share of the accepted that are right. */
  precision: number;
}

export interface LlmEvaluation {
  /** Known items (with a gold or QA answer). */
  items: number;
  /** Items the LLM answered (not refused, output usable). */
  answered: number;
  /** Right among the answered. */
  accuracy: Measure;
  /** Right among all known items: a refusal counts as wrong. */
  accuracyWithAbstentions: Measure;
  /** Per true label: the share of its items the LLM got right. */
  perLabel: { label: CategoryCode; items: number; accuracy: Measure }[];
  /** Cohen's kappa between the LLM and the humans' consensus. */
  kappaWithConsensus: ChanceCorrected;
  /** Expected calibration error over equal-width confidence bins. */
  expectedCalibrationError: Measure;
  reliability: ReliabilityBin[];
  /** From the highest threshold (least coverage) down. */
  riskCoverage: RiskCoveragePoint[];
  /**
   * The lowest threshold whose precision reaches the target (the most
   * coverage at that precision); undefined when none does.
   */
  recommended?: RiskCoveragePoint & {
    targetPrecision: number;
    /** Cost of the known items' requests per label accepted at it. */
    costPerAcceptedLabel?: number;
  };
}

const ratio = (n: number, d: number): Measure =>
  d === 0 ? { undefined: 'no-answers' } : { value: n / d };

/**
 * Evaluates one question. Calibration and risk-coverage use the answers
 * with a confidence; `bins` equal-width bins over [0, 1] (the last one
 * closed). O(n log n).
 */
export function evaluateLlmAnswers(
  all: readonly EvaluationRow[],
  options: { targetPrecision: number; bins?: number },
): LlmEvaluation {
  const rows = all.filter(r => r.truth !== undefined);
  const answered = rows.filter(r => r.llm !== undefined);
  const right = answered.filter(r => r.llm === r.truth).length;

  const byLabel = new Map<CategoryCode, { items: number; right: number }>();
  for (const r of rows) {
    const entry = byLabel.get(r.truth!) ?? { items: 0, right: 0 };
    entry.items++;
    entry.right += r.llm === r.truth ? 1 : 0;
    byLabel.set(r.truth!, entry);
  }

  const withConsensus = all.filter(r => r.consensus !== undefined);
  const kappa = cohensKappa(
    withConsensus.map(r => r.llm),
    withConsensus.map(r => r.consensus),
  );

  const bins = options.bins ?? 10;
  const scored = answered.filter(r => r.confidence !== undefined);
  const reliability: ReliabilityBin[] = [];
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const from = b / bins;
    const to = (b + 1) / bins;
    const inBin = scored.filter(r => {
      const c = r.confidence!;
      return c >= from && (c < to || (b === bins - 1 && c <= to));
    });
    if (!inBin.length) {
      continue;
    }
    const meanConfidence =
      inBin.reduce((s, r) => s + r.confidence!, 0) / inBin.length;
    const accuracy = inBin.filter(r => r.llm === r.truth).length / inBin.length;
    reliability.push({
      from,
      to,
      count: inBin.length,
      meanConfidence,
      accuracy,
    });
    ece += (inBin.length / scored.length) * Math.abs(accuracy - meanConfidence);
  }

  // accept the most confident first; one point per distinct confidence
  const sorted = [...scored].sort((x, y) => y.confidence! - x.confidence!);
  const riskCoverage: RiskCoveragePoint[] = [];
  let accepted = 0;
  let acceptedRight = 0;
  sorted.forEach((r, i) => {
    accepted++;
    acceptedRight += r.llm === r.truth ? 1 : 0;
    if (i === sorted.length - 1 || sorted[i + 1].confidence! < r.confidence!) {
      riskCoverage.push({
        threshold: r.confidence!,
        coverage: accepted / rows.length,
        precision: acceptedRight / accepted,
      });
    }
  });
  const reaching = riskCoverage.filter(
    p => p.precision >= options.targetPrecision,
  );
  const best = reaching[reaching.length - 1];
  const totalCost = rows.reduce((s, r) => s + r.cost, 0);
  const acceptedLabels = best ? Math.round(best.coverage * rows.length) : 0;

  return {
    items: rows.length,
    answered: answered.length,
    accuracy: ratio(right, answered.length),
    accuracyWithAbstentions: ratio(right, rows.length),
    perLabel: [...byLabel].map(([label, e]) => ({
      label,
      items: e.items,
      accuracy: ratio(e.right, e.items),
    })),
    kappaWithConsensus: kappa,
    expectedCalibrationError: scored.length
      ? { value: ece }
      : { undefined: 'no-answers' },
    reliability,
    riskCoverage,
    ...(best
      ? {
          recommended: {
            ...best,
            targetPrecision: options.targetPrecision,
            ...(acceptedLabels
              ? { costPerAcceptedLabel: totalCost / acceptedLabels }
              : {}),
          },
        }
      : {}),
  };
}

/** The evaluation endpoint's answer: per single-choice or rating question. */
export interface LlmEvaluationReport {
  version: number;
  targetPrecision: number;
  questions: {
    id: string;
    title: string;
    type: string;
    evaluation: LlmEvaluation;
  }[];
}
