import { QuestionConfig } from '@chorus/plugin-annotation-common';

/*
 * The annotator's draft and the answer it becomes. A draft holds what the
 * inputs show; the answer (`{ [questionId]: value }`, see validateAnswer in
 * the common package) leaves out what was not answered.
 */

export type DraftValue = string | string[] | number | undefined;
export type Draft = Record<string, DraftValue>;

/** The question types this page has an input for. */
export const SUPPORTED_TYPES = [
  'single-choice',
  'multiple-choice',
  'ordinal-rating',
  'free-text',
] as const;

export function isSupported(q: QuestionConfig): boolean {
  return (SUPPORTED_TYPES as readonly string[]).includes(q.type);
}

/** Questions that number keys answer: choices and ratings. */
export function isKeyboardChoice(q: QuestionConfig): boolean {
  return (
    q.type === 'single-choice' ||
    q.type === 'multiple-choice' ||
    q.type === 'ordinal-rating'
  );
}

/** How many options a number key can pick (at most 9). */
export function optionCount(q: QuestionConfig): number {
  switch (q.type) {
    case 'single-choice':
    case 'multiple-choice':
      return Math.min(q.labels.length, 9);
    case 'ordinal-rating':
      return Math.min(q.max - q.min + 1, 9);
    default:
      return 0;
  }
}

/** The draft after pressing number key `n` (1-based) on question `q`. */
export function pickOption(
  q: QuestionConfig,
  value: DraftValue,
  n: number,
): DraftValue {
  if (n < 1 || n > optionCount(q)) {
    return value;
  }
  switch (q.type) {
    case 'single-choice':
      return q.labels[n - 1].value;
    case 'multiple-choice': {
      const label = q.labels[n - 1].value;
      const chosen = Array.isArray(value) ? value : [];
      return chosen.includes(label)
        ? chosen.filter(v => v !== label)
        : orderedLike(q, [...chosen, label]);
    }
    case 'ordinal-rating':
      return q.min + n - 1;
    default:
      return value;
  }
}

/** Chosen labels in the order the config lists them. */
export function orderedLike(
  q: QuestionConfig & { labels: { value: string }[] },
  chosen: string[],
): string[] {
  return q.labels.map(l => l.value).filter(v => chosen.includes(v));
}

/** The answer to send: answered questions only, empty text left out. */
export function toAnswer(
  questions: QuestionConfig[],
  draft: Draft,
): Record<string, unknown> {
  const answer: Record<string, unknown> = {};
  for (const q of questions) {
    const value = draft[q.id];
    if (value === undefined) {
      continue;
    }
    if (q.type === 'free-text' && value === '') {
      continue;
    }
    if (
      q.type === 'multiple-choice' &&
      Array.isArray(value) &&
      value.length === 0 &&
      q.minSelected !== 0
    ) {
      // nothing ticked is "not answered" unless the config says zero is fine
      continue;
    }
    answer[q.id] = value;
  }
  return answer;
}
