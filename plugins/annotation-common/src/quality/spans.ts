import { ItemIndex } from './codedAnswers';
import { Measure } from './types';

/**
 * A unit marked on a continuum: a text span (character offsets) or an
 * audio/video segment (seconds), `start < end`, with an optional label.
 */
export interface Interval {
  start: number;
  end: number;
  label?: string;
}

export interface SpanMatchOptions {
  /** Two units match when their IoU is at least this; default 0.5. */
  iouThreshold?: number;
  /** Only units with the same label match; default true. */
  requireSameLabel?: boolean;
  /**
   * `optimal` (default): the one-to-one matching of the largest total IoU
   * among pairs at or above the threshold (Hungarian algorithm, O(u³) for
   * u units). `greedy`: pairs by descending IoU, each unit used once
   * (ties by position). At a threshold ≥ 0.5 with non-overlapping units per
   * answer the two agree: a unit can then reach the threshold with at most
   * one unit of the other answer.
   */
  method?: 'optimal' | 'greedy';
}

/** Intersection over union of two intervals; 0 when disjoint. */
export function intervalIoU(a: Interval, b: Interval): number {
  const inter = Math.min(a.end, b.end) - Math.max(a.start, b.start);
  if (inter <= 0) {
    return 0;
  }
  const union = Math.max(a.end, b.end) - Math.min(a.start, b.start);
  return inter / union;
}

export interface SpanMatch {
  /** Index pairs `[unit of a, unit of b]` matched one to one. */
  pairs: [number, number][];
  /** Matched units over b's units (a taken as the reference). */
  precision: Measure<'no-units'>;
  /** Matched units over a's units. */
  recall: Measure<'no-units'>;
  /**
   * `2 · matches / (|a| + |b|)`, symmetric. Both answers empty: 1 (both
   * found nothing, they agree).
   */
  f1: Measure;
}

function candidateWeights(
  a: readonly Interval[],
  b: readonly Interval[],
  threshold: number,
  sameLabel: boolean,
): number[][] {
  return a.map(x =>
    b.map(y => {
      if (sameLabel && (x.label ?? '') !== (y.label ?? '')) {
        return 0;
      }
      const iou = intervalIoU(x, y);
      return iou >= threshold && iou > 0 ? iou : 0;
    }),
  );
}

function greedyMatch(w: number[][]): [number, number][] {
  const candidates: [number, number, number][] = [];
  w.forEach((row, i) =>
    row.forEach((v, j) => {
      if (v > 0) {
        candidates.push([v, i, j]);
      }
    }),
  );
  candidates.sort((x, y) => y[0] - x[0] || x[1] - y[1] || x[2] - y[2]);
  const usedA = new Set<number>();
  const usedB = new Set<number>();
  const pairs: [number, number][] = [];
  for (const [, i, j] of candidates) {
    if (!usedA.has(i) && !usedB.has(j)) {
      usedA.add(i);
      usedB.add(j);
      pairs.push([i, j]);
    }
  }
  return pairs.sort((x, y) => x[0] - y[0]);
}

/**
 * Maximum-weight one-to-one assignment (Hungarian algorithm, potentials
 * form) on a square matrix padded with zeros; zero-weight assignments are
 * not matches.
 */
function optimalMatch(w: number[][], cols: number): [number, number][] {
  const n = Math.max(w.length, cols);
  if (n === 0) {
    return [];
  }
  const cost = (i: number, j: number) =>
    i < w.length && j < cols ? -w[i][j] : 0;
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const match = new Int32Array(n + 1); // match[col] = row, 1-based
  const way = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    match[0] = i;
    let j0 = 0;
    const minv = new Float64Array(n + 1).fill(Infinity);
    const used = new Uint8Array(n + 1);
    do {
      used[j0] = 1;
      const i0 = match[j0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (!used[j]) {
          const cur = cost(i0 - 1, j - 1) - u[i0] - v[j];
          if (cur < minv[j]) {
            minv[j] = cur;
            way[j] = j0;
          }
          if (minv[j] < delta) {
            delta = minv[j];
            j1 = j;
          }
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[match[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (match[j0] !== 0);
    do {
      const j1 = way[j0];
      match[j0] = match[j1];
      j0 = j1;
    } while (j0);
  }
  const pairs: [number, number][] = [];
  for (let j = 1; j <= n; j++) {
    const i = match[j] - 1;
    if (i < w.length && j - 1 < cols && w[i][j - 1] > 0) {
      pairs.push([i, j - 1]);
    }
  }
  return pairs.sort((x, y) => x[0] - y[0]);
}

/**
 * Matches two annotators' units one to one by overlap and scores the
 * agreement: precision/recall taking `a` as the reference, and F1.
 */
export function matchSpans(
  a: readonly Interval[],
  b: readonly Interval[],
  options: SpanMatchOptions = {},
): SpanMatch {
  const threshold = options.iouThreshold ?? 0.5;
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new Error('matchSpans: iouThreshold must be within [0, 1]');
  }
  const w = candidateWeights(a, b, threshold, options.requireSameLabel ?? true);
  const pairs =
    options.method === 'greedy' ? greedyMatch(w) : optimalMatch(w, b.length);
  const m = pairs.length;
  const ratio = (count: number): Measure<'no-units'> =>
    count === 0 ? { undefined: 'no-units' } : { value: m / count };
  const both = a.length + b.length;
  return {
    pairs,
    precision: ratio(b.length),
    recall: ratio(a.length),
    f1: { value: both === 0 ? 1 : (2 * m) / both },
  };
}

interface PairTotals {
  f1Sum: number;
  pairs: number;
  matched: number;
  units: number;
}

function pairTotals(
  answers: readonly (readonly Interval[])[],
  options: SpanMatchOptions,
): PairTotals {
  const totals = { f1Sum: 0, pairs: 0, matched: 0, units: 0 };
  for (let x = 0; x < answers.length; x++) {
    for (let y = x + 1; y < answers.length; y++) {
      const match = matchSpans(answers[x], answers[y], options);
      totals.f1Sum += 'value' in match.f1 ? match.f1.value : 0;
      totals.pairs++;
      totals.matched += 2 * match.pairs.length;
      totals.units += answers[x].length + answers[y].length;
    }
  }
  return totals;
}

/**
 * Span/segment agreement of one item: the mean F1 of {@link matchSpans} over
 * every pair of its answers (each answer a list of units). Undefined with
 * fewer than two answers. Items have few answers, so the pairs are cheap.
 */
export function itemSpanAgreement(
  answers: readonly (readonly Interval[])[],
  options: SpanMatchOptions = {},
): Measure<'too-few-answers'> {
  if (answers.length < 2) {
    return { undefined: 'too-few-answers' };
  }
  const totals = pairTotals(answers, options);
  return { value: totals.f1Sum / totals.pairs };
}

/** Pooled pair totals over items, for {@link spanAgreement} and the coded form. */
class SpanTotals {
  private matched = 0;
  private units = 0;
  private itemSum = 0;
  private itemCount = 0;

  constructor(private readonly options: SpanMatchOptions) {}

  /** One item's answers (each a list of units). */
  add(answers: readonly (readonly Interval[])[]): void {
    if (answers.length < 2) {
      return;
    }
    const totals = pairTotals(answers, this.options);
    this.itemSum += totals.f1Sum / totals.pairs;
    this.itemCount++;
    this.matched += totals.matched;
    this.units += totals.units;
  }

  result(): { microF1: Measure; meanItemAgreement: Measure } {
    if (this.itemCount === 0) {
      const none = { undefined: 'no-pairable-values' } as const;
      return { microF1: none, meanItemAgreement: none };
    }
    return {
      microF1: { value: this.units === 0 ? 1 : this.matched / this.units },
      meanItemAgreement: { value: this.itemSum / this.itemCount },
    };
  }
}

/**
 * Span/segment agreement over many items (each a list of answers, each
 * answer a list of units): micro F1 pooled over every pair of answers of
 * every item, `2 Σ matches / Σ (|a| + |b|)` (1 when every compared answer is
 * empty), and the mean of the per-item agreement. Both undefined
 * (`no-pairable-values`) when no item has two answers.
 */
export function spanAgreement(
  items: readonly (readonly (readonly Interval[])[])[],
  options: SpanMatchOptions = {},
): { microF1: Measure; meanItemAgreement: Measure } {
  const totals = new SpanTotals(options);
  for (const answers of items) {
    totals.add(answers);
  }
  return totals.result();
}

/**
 * Span answers of one question grouped by item in typed arrays (the span
 * counterpart of `CodedAnswers`): item `i`'s answers are
 * `itemOffsets[i]`…`itemOffsets[i + 1] - 1`; answer `a`'s units are
 * `answerOffsets[a]`…`answerOffsets[a + 1] - 1` of `starts`, `ends` and
 * `labels` (an index into `labelNames`, -1 for none).
 */
export interface CodedSpans {
  itemCount: number;
  itemOffsets: Int32Array;
  answerOffsets: Int32Array;
  starts: Float64Array;
  ends: Float64Array;
  labels: Int32Array;
  labelNames: string[];
}

/**
 * Builds {@link CodedSpans} one answer at a time (answers may come in any
 * item order, e.g. read from the database in batches); `finish` groups them
 * by item in O(units).
 */
export class SpanAnswerEncoder {
  private readonly items: ItemIndex;
  private readonly labelIndex = new Map<string, number>();
  private answerItem = new Int32Array(256);
  private answerUnits = new Int32Array(256);
  private answers = 0;
  private starts = new Float64Array(1024);
  private ends = new Float64Array(1024);
  private labels = new Int32Array(1024);
  private units = 0;

  /**
   * `denseItems`: item keys are already indexes 0, 1, 2, … (see
   * `AnswerEncoder`): no map of item keys is kept.
   */
  constructor(options: { denseItems?: boolean } = {}) {
    this.items = new ItemIndex(options.denseItems);
  }

  add(item: string | number, units: readonly Interval[]): void {
    const i = this.items.indexOf(item);
    if (this.answers === this.answerItem.length) {
      this.answerItem = grown(this.answerItem);
      this.answerUnits = grown(this.answerUnits);
    }
    this.answerItem[this.answers] = i;
    this.answerUnits[this.answers] = units.length;
    this.answers++;
    for (const unit of units) {
      if (this.units === this.starts.length) {
        this.starts = grown(this.starts);
        this.ends = grown(this.ends);
        this.labels = grown(this.labels);
      }
      this.starts[this.units] = unit.start;
      this.ends[this.units] = unit.end;
      this.labels[this.units] = this.labelOf(unit.label);
      this.units++;
    }
  }

  finish(): CodedSpans {
    const itemCount = this.items.size;
    const n = this.answers;
    // where each answer's units start in the order they were added
    const addedAt = new Int32Array(n + 1);
    for (let a = 0; a < n; a++) {
      addedAt[a + 1] = addedAt[a] + this.answerUnits[a];
    }
    const itemOffsets = new Int32Array(itemCount + 1);
    for (let a = 0; a < n; a++) {
      itemOffsets[this.answerItem[a] + 1]++;
    }
    for (let i = 0; i < itemCount; i++) {
      itemOffsets[i + 1] += itemOffsets[i];
    }
    // answers in item order, then their units in that order
    const order = new Int32Array(n);
    const next = itemOffsets.slice(0, itemCount);
    for (let a = 0; a < n; a++) {
      order[next[this.answerItem[a]]++] = a;
    }
    const answerOffsets = new Int32Array(n + 1);
    const starts = new Float64Array(this.units);
    const ends = new Float64Array(this.units);
    const labels = new Int32Array(this.units);
    for (let x = 0; x < n; x++) {
      const a = order[x];
      const from = addedAt[a];
      const count = this.answerUnits[a];
      const at = answerOffsets[x];
      starts.set(this.starts.subarray(from, from + count), at);
      ends.set(this.ends.subarray(from, from + count), at);
      labels.set(this.labels.subarray(from, from + count), at);
      answerOffsets[x + 1] = at + count;
    }
    return {
      itemCount,
      itemOffsets,
      answerOffsets,
      starts,
      ends,
      labels,
      labelNames: [...this.labelIndex.keys()],
    };
  }

  private labelOf(label: string | undefined): number {
    if (label === undefined) {
      return -1;
    }
    let l = this.labelIndex.get(label);
    if (l === undefined) {
      l = this.labelIndex.size;
      this.labelIndex.set(label, l);
    }
    return l;
  }
}

function grown<T extends Int32Array | Float64Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

/**
 * {@link spanAgreement} over {@link CodedSpans}: only one item's units are
 * objects at a time.
 */
export function codedSpanAgreement(
  data: CodedSpans,
  options: SpanMatchOptions = {},
): { microF1: Measure; meanItemAgreement: Measure } {
  const totals = new SpanTotals(options);
  for (let i = 0; i < data.itemCount; i++) {
    const answers: Interval[][] = [];
    for (let a = data.itemOffsets[i]; a < data.itemOffsets[i + 1]; a++) {
      const units: Interval[] = [];
      for (let u = data.answerOffsets[a]; u < data.answerOffsets[a + 1]; u++) {
        const label = data.labels[u];
        units.push({
          start: data.starts[u],
          end: data.ends[u],
          ...(label >= 0 ? { label: data.labelNames[label] } : {}),
        });
      }
      answers.push(units);
    }
    totals.add(answers);
  }
  return totals.result();
}
