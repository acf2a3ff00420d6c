import type {
  ConfigIssue,
  ProjectConfig,
  QuestionConfig,
} from '../config/projectConfig';

/*
 * Checks of item data, model predictions, gold answers and submitted answers
 * against a project's questions. Pure, so the labeling page can check an
 * answer before sending it and the backend checks it again.
 */

/** Reads a dotted field path (`audio.url`) from item data. */
export function readField(data: unknown, path: string): unknown {
  let value: unknown = data;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') {
    return false;
  }
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The data fields each question reads must exist and have the right shape. */
export function validateItemData(
  config: ProjectConfig,
  data: unknown,
): ConfigIssue[] {
  if (!isPlainObject(data)) {
    return [{ path: 'data', message: 'an object expected' }];
  }
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const q of config.questions) {
    const key = `${q.field}:${q.type}`;
    if (seen.has(key)) {
      continue;
    }
    seen.add(key);
    const value = readField(data, q.field);
    const path = `data.${q.field}`;
    if (value === undefined || value === null) {
      // one report per missing field, naming the first question that reads it
      if (!issues.some(i => i.path === path)) {
        issues.push({ path, message: `is required by question "${q.id}"` });
      }
      continue;
    }
    switch (q.type) {
      case 'text-spans':
        if (typeof value !== 'string') {
          issues.push({
            path,
            message: `a string expected (text spans of question "${q.id}")`,
          });
        }
        break;
      case 'audio-segments':
      case 'video-segments':
        if (!isHttpUrl(value)) {
          issues.push({
            path,
            message: `an http(s) URL expected (media of question "${q.id}")`,
          });
        }
        if (q.durationField) {
          const duration = readField(data, q.durationField);
          if (
            typeof duration !== 'number' ||
            !Number.isFinite(duration) ||
            duration <= 0
          ) {
            issues.push({
              path: `data.${q.durationField}`,
              message: `a positive number of seconds expected (duration for question "${q.id}")`,
            });
          }
        }
        break;
      default:
        if (typeof value === 'object' && !Array.isArray(value)) {
          // choice, free text and rating show the field: it must be printable
          issues.push({
            path,
            message: `a string, number or list expected (shown by question "${q.id}")`,
          });
        }
    }
  }
  return issues;
}

/** Model predictions: `{ [questionId]: { label, score } }`. */
export function validatePredictions(
  config: ProjectConfig,
  predictions: unknown,
): ConfigIssue[] {
  if (!isPlainObject(predictions)) {
    return [
      {
        path: 'predictions',
        message: 'an object keyed by question id expected',
      },
    ];
  }
  const issues: ConfigIssue[] = [];
  for (const [id, prediction] of Object.entries(predictions)) {
    const path = `predictions.${id}`;
    const q = config.questions.find(x => x.id === id);
    if (!q) {
      issues.push({ path, message: 'not a question of this project' });
      continue;
    }
    if (!isPlainObject(prediction)) {
      issues.push({ path, message: 'an object { label, score } expected' });
      continue;
    }
    const { label, score } = prediction;
    if (
      'labels' in q &&
      (q.type === 'single-choice' || q.type === 'multiple-choice')
    ) {
      if (!q.labels.some(l => l.value === label)) {
        issues.push({
          path: `${path}.label`,
          message: `one of ${q.labels.map(l => l.value).join(', ')} expected`,
        });
      }
    }
    if (typeof score !== 'number' || !(score >= 0 && score <= 1)) {
      issues.push({
        path: `${path}.score`,
        message: 'a number from 0 to 1 expected',
      });
    }
  }
  return issues;
}

/** The model's uncertainty for ordering: 1 - its lowest top score. */
export function predictionUncertainty(predictions: unknown): number {
  if (!isPlainObject(predictions)) {
    return 0;
  }
  let uncertainty = 0;
  for (const p of Object.values(predictions)) {
    if (isPlainObject(p) && typeof p.score === 'number') {
      uncertainty = Math.max(uncertainty, 1 - p.score);
    }
  }
  return uncertainty;
}

interface Interval {
  start: number;
  end: number;
  label: string;
}

function checkIntervals(
  q: QuestionConfig & { labels: { value: string }[]; allowOverlap: boolean },
  value: unknown,
  path: string,
  limit: number | undefined,
  unit: 'offsets' | 'seconds',
): ConfigIssue[] {
  if (!Array.isArray(value)) {
    return [{ path, message: 'a list of { start, end, label } expected' }];
  }
  const issues: ConfigIssue[] = [];
  const ok: Interval[] = [];
  value.forEach((v, i) => {
    const at = `${path}[${i}]`;
    if (!isPlainObject(v)) {
      issues.push({
        path: at,
        message: 'an object { start, end, label } expected',
      });
      return;
    }
    const { start, end, label } = v as Record<string, unknown>;
    const isNumber = (n: unknown) =>
      typeof n === 'number' &&
      Number.isFinite(n) &&
      (unit === 'seconds' || Number.isInteger(n));
    const what =
      unit === 'offsets' ? 'a whole character offset' : 'a number of seconds';
    if (!isNumber(start) || (start as number) < 0) {
      issues.push({ path: `${at}.start`, message: `${what} from 0 expected` });
      return;
    }
    if (!isNumber(end) || (end as number) <= (start as number)) {
      issues.push({
        path: `${at}.end`,
        message: `${what} greater than start expected`,
      });
      return;
    }
    if (limit !== undefined && (end as number) > limit) {
      issues.push({
        path: `${at}.end`,
        message:
          unit === 'offsets'
            ? `at most ${limit} (the text length) expected`
            : `at most ${limit} (the media duration in seconds) expected`,
      });
      return;
    }
    if (!q.labels.some(l => l.value === label)) {
      issues.push({
        path: `${at}.label`,
        message: `one of ${q.labels.map(l => l.value).join(', ')} expected`,
      });
      return;
    }
    ok.push({
      start: start as number,
      end: end as number,
      label: label as string,
    });
  });
  if (!q.allowOverlap) {
    const sorted = ok
      .map((v, i) => ({ ...v, i }))
      .sort((a, b) => a.start - b.start);
    for (let k = 1; k < sorted.length; k++) {
      if (sorted[k].start < sorted[k - 1].end) {
        issues.push({
          path: `${path}[${sorted[k].i}]`,
          message: `overlaps ${path}[${
            sorted[k - 1].i
          }]; this question does not allow overlaps`,
        });
      }
    }
  }
  return issues;
}

function validateQuestionAnswer(
  q: QuestionConfig,
  value: unknown,
  path: string,
  data: unknown,
): ConfigIssue[] {
  switch (q.type) {
    case 'single-choice':
      return typeof value === 'string' && q.labels.some(l => l.value === value)
        ? []
        : [
            {
              path,
              message: `one of ${q.labels
                .map(l => l.value)
                .join(', ')} expected`,
            },
          ];
    case 'multiple-choice': {
      if (!Array.isArray(value)) {
        return [{ path, message: 'a list of labels expected' }];
      }
      const issues: ConfigIssue[] = [];
      value.forEach((v, i) => {
        if (!q.labels.some(l => l.value === v)) {
          issues.push({
            path: `${path}[${i}]`,
            message: `one of ${q.labels.map(l => l.value).join(', ')} expected`,
          });
        } else if (value.indexOf(v) !== i) {
          issues.push({
            path: `${path}[${i}]`,
            message: `"${v}" is chosen twice`,
          });
        }
      });
      if (q.minSelected !== undefined && value.length < q.minSelected) {
        issues.push({
          path,
          message: `at least ${q.minSelected} labels expected`,
        });
      }
      if (q.maxSelected !== undefined && value.length > q.maxSelected) {
        issues.push({
          path,
          message: `at most ${q.maxSelected} labels expected`,
        });
      }
      return issues;
    }
    case 'text-spans': {
      const text = readField(data, q.field);
      return checkIntervals(
        q,
        value,
        path,
        typeof text === 'string' ? text.length : undefined,
        'offsets',
      );
    }
    case 'audio-segments':
    case 'video-segments': {
      const duration = q.durationField
        ? readField(data, q.durationField)
        : undefined;
      return checkIntervals(
        q,
        value,
        path,
        typeof duration === 'number' ? duration : undefined,
        'seconds',
      );
    }
    case 'free-text':
      if (typeof value !== 'string') {
        return [{ path, message: 'text expected' }];
      }
      if (value.length < q.minLength) {
        return [
          { path, message: `at least ${q.minLength} characters expected` },
        ];
      }
      if (value.length > q.maxLength) {
        return [
          { path, message: `at most ${q.maxLength} characters expected` },
        ];
      }
      return [];
    case 'ordinal-rating':
      return Number.isInteger(value) &&
        (value as number) >= q.min &&
        (value as number) <= q.max
        ? []
        : [
            {
              path,
              message: `a whole number from ${q.min} to ${q.max} expected`,
            },
          ];
    default:
      return [];
  }
}

/**
 * Whether checking an answer reads the item's data (a span question's
 * text, a segment question's duration); choices and ratings do not.
 */
export function answerReadsItemData(config: ProjectConfig): boolean {
  return config.questions.some(
    q =>
      q.type === 'text-spans' ||
      ((q.type === 'audio-segments' || q.type === 'video-segments') &&
        q.durationField !== undefined),
  );
}

/**
 * An answer is `{ [questionId]: value }`: every required question answered,
 * no unknown ids, each value valid for its question and the item's data.
 */
export function validateAnswer(
  config: ProjectConfig,
  data: unknown,
  answer: unknown,
  path = 'answer',
): ConfigIssue[] {
  if (!isPlainObject(answer)) {
    return [{ path, message: 'an object keyed by question id expected' }];
  }
  const issues: ConfigIssue[] = [];
  for (const id of Object.keys(answer)) {
    if (!config.questions.some(q => q.id === id)) {
      issues.push({
        path: `${path}.${id}`,
        message: 'not a question of this project',
      });
    }
  }
  for (const q of config.questions) {
    const value = answer[q.id];
    if (value === undefined || value === null) {
      if (q.required) {
        issues.push({ path: `${path}.${q.id}`, message: 'is required' });
      }
      continue;
    }
    issues.push(...validateQuestionAnswer(q, value, `${path}.${q.id}`, data));
  }
  return issues;
}
