import { createHash } from 'crypto';
import {
  describeConfigIssues,
  predictionUncertainty,
  ProjectConfig,
  validateAnswer,
  validateItemData,
  validatePredictions,
} from '@chorus/plugin-annotation-common';
import { ImportItem, ImportRejection, ItemStore } from '../database';
import { findUnstorableText } from '../schema/requestChecks';

/** Limits of one import request (`annotation.import.*` in config). */
export interface ImportLimits {
  maxLineBytes: number;
  maxBodyBytes: number;
  batchSize: number;
}

export const DEFAULT_IMPORT_LIMITS: ImportLimits = {
  maxLineBytes: 1024 * 1024,
  maxBodyBytes: 2 * 1024 * 1024 * 1024,
  // two batches are in flight (one read, one stored), so memory stays
  // small; a batch of new items costs one COPY on PostgreSQL, so smaller
  // batches cost little speed (B1)
  batchSize: 2000,
};

/** How many rejected lines an import reports one by one. */
export const MAX_REPORTED_REJECTIONS = 1000;

export interface ImportSummary {
  importId: string;
  lines: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** The first rejected lines, with line number and reason. */
  errors: ImportRejection[];
  /** Set when a line or the body went over its limit: later lines were not read. */
  truncated?: string;
}

const KNOWN = new Set([
  'externalId',
  'data',
  'predictions',
  'priority',
  'gold',
]);

/**
 * A checked line, made with `new` rather than as an object literal. V8
 * (Node 24) pretenured the literal, whose objects outlive a scavenge in a
 * batch: each line was allocated straight in the old generation, where it
 * kept its young strings alive until the next full collection, so every
 * scavenge promoted them. Objects made with `new` are not pretenured. This
 * and the batch held after its COPY (see `copyItems`) each kept the
 * promotion going on its own; together they grew the backend by 350 MB in
 * a million-line import (B1).
 */
class CheckedLine implements ImportItem {
  constructor(
    readonly line: number,
    readonly externalId: string,
    readonly dataJson: string,
    readonly predictionsJson: string | undefined,
    readonly goldJson: string | undefined,
    readonly priority: number,
    readonly uncertainty: number,
    readonly contentHash: string,
  ) {}
}

/** One NDJSON line, checked against the project's questions. */
export function parseImportLine(
  config: ProjectConfig,
  text: string,
  line: number,
): ImportItem | ImportRejection {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { line, reason: `not valid JSON: ${(error as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { line, reason: 'a JSON object expected' };
  }
  const unstorable = findUnstorableText(value);
  if (unstorable) {
    return { line, reason: unstorable };
  }
  const raw = value as Record<string, unknown>;
  const { externalId } = raw;
  if (
    typeof externalId !== 'string' ||
    !externalId ||
    externalId.length > 255
  ) {
    return {
      line,
      reason:
        'externalId: a non-empty string of at most 255 characters expected',
    };
  }
  const problems: string[] = [];
  const unknown = Object.keys(raw).filter(k => !KNOWN.has(k));
  if (unknown.length) {
    problems.push(
      `${unknown
        .map(k => `"${k}"`)
        .join(
          ', ',
        )}: not a known field (externalId, data, predictions, priority, gold)`,
    );
  }
  const issues = validateItemData(config, raw.data);
  if (raw.predictions !== undefined) {
    issues.push(...validatePredictions(config, raw.predictions));
  }
  if (raw.gold !== undefined) {
    issues.push(...validateAnswer(config, raw.data, raw.gold, 'gold'));
  }
  const priority = raw.priority ?? 0;
  if (
    !Number.isInteger(priority) ||
    Math.abs(priority as number) > 1_000_000_000
  ) {
    issues.push({ path: 'priority', message: 'a whole number expected' });
  }
  if (issues.length) {
    problems.push(describeConfigIssues(issues));
  }
  if (problems.length) {
    return { line, externalId, reason: problems.join('; ') };
  }
  const dataJson = JSON.stringify(raw.data);
  const predictionsJson = jsonText(raw.predictions);
  const goldJson = jsonText(raw.gold);
  // the same text as JSON.stringify([data, predictions, priority, gold]),
  // which stored hashes were made from: re-imports stay unchanged
  const contentHash = createHash('sha256')
    .update(
      `[${dataJson},${predictionsJson ?? 'null'},${JSON.stringify(priority)},${
        goldJson ?? 'null'
      }]`,
    )
    .digest('hex');
  return new CheckedLine(
    line,
    externalId,
    dataJson,
    predictionsJson,
    goldJson,
    priority as number,
    predictionUncertainty(raw.predictions),
    contentHash,
  );
}

function jsonText(value: unknown): string | undefined {
  return value === undefined ? undefined : JSON.stringify(value);
}

/** Thrown when the body is larger than allowed. */
export class BodyTooLargeError extends Error {
  name = 'PayloadTooLargeError';
}

/**
 * Splits a byte stream into lines without holding more than one line (and
 * never more than `maxLineBytes` of it) in memory.
 */
export async function* ndjsonLines(
  body: AsyncIterable<Buffer | string>,
  limits: Pick<ImportLimits, 'maxLineBytes' | 'maxBodyBytes'>,
): AsyncGenerator<{ line: number; text?: string; tooLong?: boolean }> {
  let parts: Buffer[] = [];
  let partBytes = 0;
  let tooLong = false;
  let line = 0;
  let total = 0;
  const finish = function* finishLine() {
    line += 1;
    if (tooLong) {
      yield { line, tooLong: true };
    } else if (partBytes > 0) {
      yield { line, text: Buffer.concat(parts, partBytes).toString('utf8') };
    } else {
      yield { line, text: '' };
    }
    parts = [];
    partBytes = 0;
    tooLong = false;
  };
  for await (const chunk of body) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    total += buffer.length;
    if (total > limits.maxBodyBytes) {
      throw new BodyTooLargeError(
        `body: at most ${limits.maxBodyBytes} bytes expected (annotation.import.maxBodyBytes), read up to line ${line}`,
      );
    }
    let start = 0;
    for (;;) {
      const newline = buffer.indexOf(10, start);
      const end = newline < 0 ? buffer.length : newline;
      if (
        newline >= 0 &&
        partBytes === 0 &&
        !tooLong &&
        end - start <= limits.maxLineBytes
      ) {
        // the whole line lies in this chunk (most do): decoded from it,
        // without copying it into a buffer of its own first
        line += 1;
        yield { line, text: buffer.toString('utf8', start, end) };
        start = newline + 1;
        continue;
      }
      if (!tooLong) {
        if (partBytes + (end - start) > limits.maxLineBytes) {
          tooLong = true;
          parts = [];
          partBytes = 0;
        } else if (end > start) {
          parts.push(buffer.subarray(start, end));
          partBytes += end - start;
        }
      }
      if (newline < 0) {
        break;
      }
      yield* finish();
      start = newline + 1;
    }
  }
  if (partBytes > 0 || tooLong) {
    yield* finish();
  }
}

/**
 * Streams NDJSON into a project in batches. Good lines are stored, bad ones
 * reported with their line number; re-running the same file changes nothing.
 * A line or body over its limit stops the import (`truncated`): batches
 * stored before stay, the batch being read is dropped, so a small file over
 * a limit stores nothing. The `imports` row is written with the first batch:
 * a refused import leaves no trace.
 */
export async function importItems(options: {
  projectId: string;
  actor: string;
  config: ProjectConfig;
  body: AsyncIterable<Buffer | string>;
  items: ItemStore;
  limits: ImportLimits;
}): Promise<ImportSummary> {
  const { projectId, config, items, limits } = options;
  const summary: ImportSummary = {
    importId: '',
    lines: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    errors: [],
  };
  const start = async () => {
    if (!summary.importId) {
      summary.importId = await items.startImport(projectId, options.actor);
    }
  };
  const reject = (r: ImportRejection) => {
    summary.rejected += 1;
    if (summary.errors.length < MAX_REPORTED_REJECTIONS) {
      summary.errors.push(r);
    }
  };
  // Batch N is stored while batch N + 1 is read and checked (one batch in
  // flight, stored in order). A batch's bad lines are reported with it, so
  // the report keeps the order of a one-at-a-time import.
  let batch: ImportItem[] = [];
  let batchRejections: ImportRejection[] = [];
  let storing: Promise<void> = Promise.resolve();
  /** The last line of the batches handed to `storing`. */
  let storedThrough = 0;
  /** Every batch so far was new items only: the next one likely is too. */
  let likelyNew = true;
  const flush = async () => {
    const stored = batch;
    const rejections = batchRejections;
    batch = [];
    batchRejections = [];
    storedThrough = summary.lines;
    await storing;
    storing = (async () => {
      await start();
      const outcome = stored.length
        ? await items.importBatch(projectId, stored, summary.importId, {
            likelyNew,
          })
        : undefined;
      rejections.forEach(reject);
      if (outcome) {
        likelyNew = outcome.inserted === stored.length;
        summary.inserted += outcome.inserted;
        summary.updated += outcome.updated;
        summary.unchanged += outcome.unchanged;
        outcome.rejected.forEach(reject);
      }
    })();
    // a failure surfaces at the next await of `storing`
    storing.catch(() => {});
  };
  const rejectLine = async (r: ImportRejection) => {
    batchRejections.push(r);
    // a run of bad lines must not pile up in memory
    if (batchRejections.length >= limits.batchSize) {
      await flush();
    }
  };
  /** Over a limit: keep the batches already stored, drop the one being read. */
  const stop = async (reason: string) => {
    await storing;
    summary.truncated =
      storedThrough === 0
        ? `${reason}; the import stopped there and stored nothing`
        : `${reason}; the import stopped there: lines 1 to ${storedThrough} were stored, later ones were not (importing the corrected file again leaves stored items unchanged)`;
    if (summary.importId) {
      await items.finishImport(summary.importId, 'failed', summary);
    }
    return summary;
  };
  try {
    for await (const { line, text, tooLong } of ndjsonLines(
      options.body,
      limits,
    )) {
      summary.lines = line;
      if (tooLong) {
        // most likely not NDJSON at all (a JSON array on one line)
        return await stop(
          `line ${line}: at most ${limits.maxLineBytes} bytes per line expected (annotation.import.maxLineBytes; one JSON object per line)`,
        );
      }
      if (!text || !text.trim()) {
        continue;
      }
      const parsed = parseImportLine(config, text, line);
      if ('reason' in parsed) {
        await rejectLine(parsed);
        continue;
      }
      batch.push(parsed);
      if (batch.length >= limits.batchSize) {
        await flush();
      }
    }
    await flush();
    await storing;
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      return await stop(error.message);
    }
    await storing.catch(() => {}); // never two writers at once
    if (summary.importId) {
      await items.finishImport(summary.importId, 'failed', {
        ...summary,
        error: String(error),
      });
    }
    throw error;
  }
  await items.finishImport(summary.importId, 'done', summary);
  return summary;
}
