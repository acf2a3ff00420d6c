import type { QuestionConfig } from '../config/projectConfig';
import { Interval, matchSpans } from './spans';

/** How one answer compares with an item's gold answer. */
export interface GoldAgreement {
  /** Per scored question id: whether the answer matches the gold. */
  questions: Record<string, boolean>;
  /** How many questions were scored. */
  scored: number;
  /**
   * Every scored question right. True when none could be scored: nothing
   * in the answer can be wrong (projects of free text only cannot set a
   * gold rate, see the config).
   */
  correct: boolean;
}

export interface GoldAgreementOptions {
  /** Spans and segments match at this IoU or above; default 0.5. */
  iouThreshold?: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

function sameSet(a: unknown[], b: unknown[]): boolean {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every(v => set.has(v));
}

/**
 * Scores an answer against the gold answer, question by question: single
 * choice and rating equal, multiple choice the same set, spans and
 * segments all matched one to one (same label, IoU at the threshold or
 * above, as `matchSpans`). Free text is not scored, nor a question the
 * gold leaves out. A question the answer leaves out counts as no labels
 * (choices: wrong; lists: empty). O(units³) for spans, else O(labels).
 */
export function goldAgreement(
  config: { questions: readonly QuestionConfig[] },
  answer: unknown,
  gold: unknown,
  options: GoldAgreementOptions = {},
): GoldAgreement {
  const given = isRecord(answer) ? answer : {};
  const expected = isRecord(gold) ? gold : {};
  const questions: Record<string, boolean> = {};
  for (const q of config.questions) {
    const want = expected[q.id];
    if (want === undefined || want === null || q.type === 'free-text') {
      continue;
    }
    const got = given[q.id];
    switch (q.type) {
      case 'multiple-choice':
        questions[q.id] = sameSet(list(want), list(got));
        break;
      case 'text-spans':
      case 'audio-segments':
      case 'video-segments': {
        const reference = list<Interval>(want);
        const units = list<Interval>(got);
        questions[q.id] =
          reference.length === units.length &&
          matchSpans(reference, units, { iouThreshold: options.iouThreshold })
            .pairs.length === reference.length;
        break;
      }
      default:
        questions[q.id] = got === want;
    }
  }
  const results = Object.values(questions);
  return {
    questions,
    scored: results.length,
    correct: results.every(Boolean),
  };
}
