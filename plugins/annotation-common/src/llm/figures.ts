import type { LlmJobInfo } from './annotatorConfig';
import type { LlmEvaluation } from './evaluation';

/*
 * Figures the LLM annotator page derives from what the API returns: a
 * job's throughput, and the one auto-accept threshold a config can take
 * from an evaluation of several questions.
 */

export interface LlmJobRate {
  /** Items finished (answered or failed) per minute; undefined before any. */
  itemsPerMinute?: number;
  /** Time left at that rate, while the job runs. */
  remainingMs?: number;
}

/**
 * A job's rate over its time so far: from its start to its end, to now
 * while it runs, or to its last change while paused (a pause stops the
 * clock only then, so a resumed job's rate includes its pauses).
 */
export function llmJobRate(
  job: Pick<
    LlmJobInfo,
    | 'status'
    | 'createdAt'
    | 'updatedAt'
    | 'finishedAt'
    | 'itemsTotal'
    | 'itemsDone'
    | 'itemsFailed'
  >,
  now: number,
): LlmJobRate {
  const start = Date.parse(job.createdAt);
  let end: number;
  if (job.finishedAt) {
    end = Date.parse(job.finishedAt);
  } else if (job.status === 'running') {
    end = now;
  } else {
    end = Date.parse(job.updatedAt);
  }
  const finished = job.itemsDone + job.itemsFailed;
  const minutes = (end - start) / 60_000;
  if (!(minutes > 0) || finished === 0) {
    return {};
  }
  const itemsPerMinute = finished / minutes;
  const left = Math.max(0, job.itemsTotal - finished);
  return {
    itemsPerMinute,
    ...(job.status === 'running'
      ? { remainingMs: (left / itemsPerMinute) * 60_000 }
      : {}),
  };
}

/** A question's figures at the config's threshold. */
export interface QuestionAtThreshold {
  id: string;
  /** Share of its known items accepted. */
  coverage: number;
  /** Share of the accepted that are right; undefined when none is. */
  precision?: number;
}

export type ConfigThreshold =
  | {
      reachable: true;
      threshold: number;
      targetPrecision: number;
      questions: QuestionAtThreshold[];
    }
  | {
      reachable: false;
      targetPrecision: number;
      /** Questions whose own curve never reaches the target. */
      unreachable: string[];
    };

/** A question at threshold `t`: its point with the least threshold ≥ t. */
function atThreshold(
  id: string,
  evaluation: LlmEvaluation,
  t: number,
): QuestionAtThreshold {
  let point;
  // from the highest threshold down
  for (const p of evaluation.riskCoverage) {
    if (p.threshold < t) {
      break;
    }
    point = p;
  }
  return point
    ? { id, coverage: point.coverage, precision: point.precision }
    : { id, coverage: 0 };
}

/**
 * The auto-accept threshold of a config evaluated on several questions:
 * one confidence per answer gates all of them, so the lowest threshold at
 * which every question's accepted answers reach the target precision (a
 * question accepting none does not object). Precision need not grow with
 * the threshold, so every candidate is tried. With one question it is that
 * question's recommendation. Undefined with no question.
 */
export function configThreshold(
  questions: ReadonlyArray<{ id: string; evaluation: LlmEvaluation }>,
  targetPrecision: number,
): ConfigThreshold | undefined {
  if (!questions.length) {
    return undefined;
  }
  const candidates = [
    ...new Set(
      questions.flatMap(q => q.evaluation.riskCoverage.map(p => p.threshold)),
    ),
  ].sort((a, b) => b - a);
  let best: { threshold: number; questions: QuestionAtThreshold[] } | undefined;
  for (const t of candidates) {
    const at = questions.map(q => atThreshold(q.id, q.evaluation, t));
    // t is some question's point: that one accepts answers
    if (
      at.every(q => q.precision === undefined || q.precision >= targetPrecision)
    ) {
      best = { threshold: t, questions: at };
    }
  }
  return best
    ? { reachable: true, targetPrecision, ...best }
    : {
        reachable: false,
        targetPrecision,
        unreachable: questions
          .filter(q => !q.evaluation.recommended)
          .map(q => q.id),
      };
}
