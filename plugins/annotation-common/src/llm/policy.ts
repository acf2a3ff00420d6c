import { ProjectConfig } from '../config';
import { goldAgreement } from '../quality/gold';
import { LlmAnnotatorConfig } from './annotatorConfig';

/*
 * How an LLM annotator's answers act beside the humans (its `role`):
 * `vote` counts as one more annotator in consensus, `prelabel` is shown to
 * annotators as a suggestion, `auto-accept` resolves an item by itself when
 * its confidence reaches the threshold, except for an audit sample that
 * still goes to humans; humans who then disagree send the item to QA.
 */

/**
 * FNV-1a over the key, then MurmurHash3's finalizer so that keys differing
 * in one character (item 41, item 42) spread over the whole range.
 */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Whether an item is in an annotator's audit sample: the same answer on
 * every replica and rerun (a hash of the item and annotator), true for a
 * `rate` share of items.
 */
export function inAuditSample(
  itemId: string,
  annotatorId: string,
  rate: number,
): boolean {
  return hash32(`${annotatorId}:${itemId}`) / 2 ** 32 < rate;
}

/**
 * Whether an auto-accepting LLM is confident enough to settle the item
 * alone, audit sample or not. Only such answers are checked against the
 * humans: below the threshold the item goes to humans as usual, and their
 * disagreeing with an unsure LLM is no news.
 */
export function reachesAutoAccept(
  config: LlmAnnotatorConfig,
  confidence: number | undefined,
): boolean {
  return (
    config.role === 'auto-accept' &&
    config.autoAccept !== undefined &&
    confidence !== undefined &&
    confidence >= config.autoAccept.threshold
  );
}

/** Whether this LLM answer resolves its item without humans. */
export function autoAccepts(
  config: LlmAnnotatorConfig,
  answer: { itemId: string; annotatorId: string; confidence?: number },
): boolean {
  if (!reachesAutoAccept(config, answer.confidence) || !config.autoAccept) {
    return false;
  }
  return !inAuditSample(
    answer.itemId,
    answer.annotatorId,
    config.autoAccept.auditRate,
  );
}

/**
 * The questions on which the LLM's answer and the humans' consensus
 * differ (compared as a gold answer is: same label or rating, same set,
 * spans matched; free text not compared).
 */
export function llmDisagreements(
  project: Pick<ProjectConfig, 'questions'>,
  llmAnswer: Record<string, unknown>,
  consensus: Record<string, unknown>,
): string[] {
  const scored = goldAgreement(project, llmAnswer, consensus);
  return Object.entries(scored.questions)
    .filter(([, agrees]) => !agrees)
    .map(([id]) => id);
}

const LLM_RATER_PREFIX = 'llm:';

/**
 * The rater a voting LLM annotator is, in an item's consensus and in the
 * project's quality fit: `llm:<name>`, one per annotator config, all its
 * versions together. Why one: the evaluation counts only the newest answer
 * of a config per item, so a config is one voice per item anyway; most
 * version changes (thresholds, audit rate, wording) leave the model's
 * behaviour as it was, and a rater per version would split its evidence
 * and leave every new version on the pooled matrix until the next fit. A
 * manager who changes the model itself can make it a new annotator. Names
 * are unique in a project and never change; user refs start `user:`.
 */
export function llmRaterId(name: string): string {
  return `${LLM_RATER_PREFIX}${name}`;
}

/** The LLM annotator's name, when `rater` is an LLM annotator's rater. */
export function llmRaterName(rater: string): string | undefined {
  return rater.startsWith(LLM_RATER_PREFIX)
    ? rater.slice(LLM_RATER_PREFIX.length)
    : undefined;
}
