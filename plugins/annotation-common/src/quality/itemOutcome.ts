import {
  ProjectConfig,
  QuestionConfig,
  questionQualityPolicy,
} from '../config';
import { majorityVote } from './consensus';
import { DawidSkeneModel, dawidSkeneItemPosterior } from './dawidSkene';
import { itemPercentAgreement } from './agreement';
import { Interval, itemSpanAgreement, matchSpans } from './spans';
import { CategoryCode, Measure } from './types';

/** One stored answer of an item: `{ [questionId]: value }`. */
export interface ItemAnswer {
  annotator: string;
  answer: Record<string, unknown>;
}

export type ConsensusMethod = 'majority' | 'dawid-skene';

/** Why an item is not settled by consensus, with the numbers. */
export type OutcomeReason =
  | {
      code: 'low-agreement';
      question: string;
      measure: string;
      value: number;
      threshold: number;
    }
  | {
      code: 'low-confidence';
      question: string;
      /** The consensus confidence; 0 for a tie or no usable answer. */
      value: number;
      threshold: number;
    };

export interface ItemOutcomeInput {
  config: ProjectConfig;
  /** The item's answers, in submission order. */
  answers: readonly ItemAnswer[];
  /** Annotators granted beyond the overlap so far. */
  extraAnnotators: number;
  /** Per question id: the project's latest Dawid-Skene fit. */
  models?: Readonly<Record<string, DawidSkeneModel>>;
  /** Annotators whose answers do not count (gold accuracy too low). */
  excluded?: ReadonlySet<string>;
}

interface Settled {
  /** Consensus answer per question id (questions someone answered). */
  answer: Record<string, unknown>;
  method: ConsensusMethod;
  /** The lowest confidence of the gated questions (1 when none is gated). */
  confidence: number;
  /** Per gated question id: the item's agreement, or why it has none. */
  agreement: Record<string, Measure>;
}

/**
 * What the answers decide for a complete item:
 * - `resolved`: every gated question's agreement and consensus confidence
 *   reach the policy's thresholds;
 * - `pending`: they do not, and the item gets one more annotator
 *   (`extraAnnotators`, the new total, stays within the policy's cap);
 * - `escalated`: they do not, and the cap is used up: quality analysts
 *   decide. The tentative consensus comes along for them to see.
 */
export type ItemDecision =
  | ({ status: 'resolved'; reasons: [] } & Settled)
  | ({
      status: 'pending';
      extraAnnotators: number;
      reasons: OutcomeReason[];
    } & Settled)
  | ({ status: 'escalated'; reasons: OutcomeReason[] } & Settled);

interface QuestionConsensus {
  value: unknown;
  confidence: number;
  method: ConsensusMethod;
}

const CATEGORICAL = new Set<QuestionConfig['type']>([
  'single-choice',
  'ordinal-rating',
]);

/** A multiple-choice answer as one comparable code: its labels, sorted. */
function setCode(value: unknown): string {
  return JSON.stringify([...(value as string[])].sort());
}

function textCode(value: unknown): string {
  return String(value).trim().replace(/\s+/g, ' ').toLowerCase();
}

function isSpanQuestion(q: QuestionConfig) {
  return (
    q.type === 'text-spans' ||
    q.type === 'audio-segments' ||
    q.type === 'video-segments'
  );
}

/** The item's agreement on one question by the policy's measure. */
function questionAgreement(
  q: QuestionConfig,
  measure: string,
  values: readonly unknown[],
  iouThreshold: number,
): Measure {
  if (measure === 'span-f1' || isSpanQuestion(q)) {
    return itemSpanAgreement(values as Interval[][], { iouThreshold });
  }
  if (q.type === 'multiple-choice') {
    return itemPercentAgreement(values.map(setCode));
  }
  if (q.type === 'free-text') {
    return itemPercentAgreement(values.map(textCode));
  }
  return itemPercentAgreement(values as CategoryCode[]);
}

/**
 * Consensus on one question:
 * - single choice and rating: the Dawid-Skene posterior under the project's
 *   fit when there is one that knows every answer, else majority vote (a tie
 *   has no consensus: confidence 0);
 * - multiple choice: each label kept when more than half the answers chose
 *   it; confidence = the least clear label's majority share;
 * - spans and segments: the answer closest to the others (highest mean F1),
 *   confidence = that mean F1;
 * - free text: the most common text (normalised), confidence its share.
 */
function questionConsensus(
  q: QuestionConfig,
  rows: readonly { annotator: string; value: unknown }[],
  model: DawidSkeneModel | undefined,
  iouThreshold: number,
): QuestionConsensus {
  const values = rows.map(r => r.value);
  if (CATEGORICAL.has(q.type)) {
    const codes = values as CategoryCode[];
    if (model && codes.every(c => model.categories.includes(c))) {
      const posterior = dawidSkeneItemPosterior(
        model,
        rows.map(r => ({ rater: r.annotator, value: r.value as CategoryCode })),
      );
      if ('label' in posterior) {
        return {
          value: posterior.label,
          confidence: posterior.confidence,
          method: 'dawid-skene',
        };
      }
    }
    const vote = majorityVote(codes);
    return 'label' in vote
      ? { value: vote.label, confidence: vote.share, method: 'majority' }
      : { value: undefined, confidence: 0, method: 'majority' };
  }
  if (q.type === 'multiple-choice') {
    const counts = new Map<string, number>();
    for (const v of values as string[][]) {
      for (const label of v) {
        counts.set(label, (counts.get(label) ?? 0) + 1);
      }
    }
    let confidence = 1;
    const chosen: string[] = [];
    for (const label of q.labels.map(l => l.value)) {
      const share = (counts.get(label) ?? 0) / values.length;
      confidence = Math.min(confidence, Math.max(share, 1 - share));
      if (share > 0.5) {
        chosen.push(label);
      }
    }
    return { value: chosen, confidence, method: 'majority' };
  }
  if (isSpanQuestion(q)) {
    const units = values as Interval[][];
    if (units.length === 1) {
      return { value: units[0], confidence: 1, method: 'majority' };
    }
    let best = 0;
    let bestF1 = -1;
    units.forEach((mine, i) => {
      let sum = 0;
      units.forEach((other, j) => {
        if (i !== j) {
          const { f1 } = matchSpans(mine, other, { iouThreshold });
          sum += 'value' in f1 ? f1.value : 0;
        }
      });
      const mean = sum / (units.length - 1);
      if (mean > bestF1) {
        best = i;
        bestF1 = mean;
      }
    });
    return { value: units[best], confidence: bestF1, method: 'majority' };
  }
  const texts = values.map(textCode);
  const vote = majorityVote(texts, { tie: 'first-answer' });
  const index = 'label' in vote ? texts.indexOf(String(vote.label)) : 0;
  return {
    value: values[index],
    confidence: 'label' in vote ? vote.share : 0,
    method: 'majority',
  };
}

/**
 * Decides a complete item from its answers alone, in O(answers × questions)
 * (spans: O(answers² × units³) at worst, items have few answers). Pure: the
 * backend calls it on the submit that completes the item, the UI can show
 * what it would decide.
 *
 * A question with measure `none` is never gated. An agreement that is
 * undefined (one counted answer) does not gate either: there is nothing to
 * compare, and the confidence gate still applies.
 */
export function decideItemOutcome(input: ItemOutcomeInput): ItemDecision {
  const { config, excluded } = input;
  const counted = input.answers.filter(a => !excluded?.has(a.annotator));
  const policy = config.quality;
  const settled: Settled = {
    answer: {},
    method: 'majority',
    confidence: 1,
    agreement: {},
  };
  const reasons: OutcomeReason[] = [];
  for (const q of config.questions) {
    const rows = counted
      .filter(a => a.answer[q.id] !== undefined && a.answer[q.id] !== null)
      .map(a => ({ annotator: a.annotator, value: a.answer[q.id] }));
    if (rows.length === 0) {
      continue;
    }
    const { measure, threshold } = questionQualityPolicy(config, q);
    const iouThreshold = policy.questions[q.id]?.iouThreshold ?? 0.5;
    const consensus = questionConsensus(
      q,
      rows,
      input.models?.[q.id],
      iouThreshold,
    );
    settled.answer[q.id] = consensus.value;
    if (measure === 'none') {
      continue;
    }
    if (consensus.method === 'dawid-skene') {
      settled.method = 'dawid-skene';
    }
    settled.confidence = Math.min(settled.confidence, consensus.confidence);
    const agreement = questionAgreement(
      q,
      measure,
      rows.map(r => r.value),
      iouThreshold,
    );
    settled.agreement[q.id] = agreement;
    if ('value' in agreement && agreement.value < threshold) {
      reasons.push({
        code: 'low-agreement',
        question: q.id,
        measure,
        value: agreement.value,
        threshold,
      });
    }
    if (
      consensus.value === undefined ||
      consensus.confidence < policy.minConfidence
    ) {
      reasons.push({
        code: 'low-confidence',
        question: q.id,
        value: consensus.confidence,
        threshold: policy.minConfidence,
      });
    }
  }
  if (reasons.length === 0) {
    return { status: 'resolved', reasons: [], ...settled };
  }
  if (input.extraAnnotators < policy.extraAnnotatorCap) {
    return {
      status: 'pending',
      extraAnnotators: input.extraAnnotators + 1,
      reasons,
      ...settled,
    };
  }
  return { status: 'escalated', reasons, ...settled };
}
