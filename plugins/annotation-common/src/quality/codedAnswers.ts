import { CategoryCode } from './types';

/**
 * Answers of one question in a compact, item-grouped form (compressed
 * rows): the answers of item `i` are positions `itemOffsets[i]` to
 * `itemOffsets[i + 1] - 1` of `codes` and `raters`. Every measure and
 * Dawid-Skene run over it in one pass, so cost is linear in the number of
 * answers; 1.2 million answers take about 10 MB.
 *
 * - `codes[a]` is the index into `categories` of answer `a`.
 * - `raters[a]` is the index into `raterIds` of who gave it (several answers
 *   of one rater on one item are allowed: repeated ratings).
 * - `categories` is the scale in order: ordinal measures rank by this order,
 *   and Gwet's AC1 counts its length as the number of categories.
 */
export interface CodedAnswers {
  itemCount: number;
  itemOffsets: Int32Array;
  codes: Int32Array;
  raters: Int32Array;
  categories: CategoryCode[];
  raterIds: string[];
  /** The caller's item keys, by item index (when encoded from keyed rows). */
  itemKeys?: (string | number)[];
}

/** One stored answer: which item, who, what category. */
export interface AnswerRow {
  item: string | number;
  rater: string;
  value: CategoryCode;
}

export interface EncodeOptions {
  /**
   * The question's categories in scale order (e.g. its labels or rating
   * values). Categories never chosen still count for AC1; an answer outside
   * the list is an error. Without it, the categories seen are used, numbers
   * sorted ascending, then strings in first-seen order.
   */
  categories?: CategoryCode[];
}

function categoryIndex(
  options: EncodeOptions,
): (value: CategoryCode) => number {
  const index = new Map<CategoryCode, number>();
  const given = options.categories;
  given?.forEach((c, i) => {
    if (index.has(c)) {
      throw new Error(`categories: ${JSON.stringify(c)} is listed twice`);
    }
    index.set(c, i);
  });
  return value => {
    const found = index.get(value);
    if (found !== undefined) {
      return found;
    }
    if (given) {
      throw new Error(
        `answer ${JSON.stringify(value)} is not one of the categories`,
      );
    }
    index.set(value, index.size);
    return index.size - 1;
  };
}

function sortSeenCategories(
  codes: Int32Array,
  seen: CategoryCode[],
): CategoryCode[] {
  const order = seen
    .map((c, i) => ({ c, i }))
    .sort((x, y) => {
      const xn = typeof x.c === 'number';
      const yn = typeof y.c === 'number';
      if (xn && yn) {
        return (x.c as number) - (y.c as number);
      }
      if (xn !== yn) {
        return xn ? -1 : 1;
      }
      return x.i - y.i;
    });
  const remap = new Int32Array(seen.length);
  order.forEach(({ i }, rank) => {
    remap[i] = rank;
  });
  for (let a = 0; a < codes.length; a++) {
    codes[a] = remap[codes[a]];
  }
  return order.map(o => o.c);
}

/**
 * Item keys to indexes 0, 1, 2, … in first-seen order; or, `dense`, keys
 * that already are such indexes (then no map is kept, and `size` is the
 * largest index + 1).
 */
export class ItemIndex {
  private readonly index = new Map<string | number, number>();
  private count = 0;

  constructor(private readonly dense = false) {}

  indexOf(item: string | number): number {
    if (this.dense) {
      if (typeof item !== 'number' || !Number.isInteger(item) || item < 0) {
        throw new Error(`item ${item}: an index from 0 expected (denseItems)`);
      }
      this.count = Math.max(this.count, item + 1);
      return item;
    }
    let i = this.index.get(item);
    if (i === undefined) {
      i = this.index.size;
      this.index.set(item, i);
      this.count = this.index.size;
    }
    return i;
  }

  get size(): number {
    return this.count;
  }

  /** `{ itemKeys }` by index, unless the keys are the indexes. */
  keys(): { itemKeys?: (string | number)[] } {
    return this.dense ? {} : { itemKeys: [...this.index.keys()] };
  }
}

/**
 * Builds {@link CodedAnswers} one answer at a time, so answers read from the
 * database in batches never become one big list of row objects: only the
 * typed arrays (grown by doubling) and the item, rater and category indexes
 * are kept. `finish` groups them by item with a counting sort, in O(answers).
 */
export class AnswerEncoder {
  private readonly items: ItemIndex;
  private readonly raterIndex = new Map<string, number>();
  private readonly toCategory: (value: CategoryCode) => number;
  private readonly seen: CategoryCode[] = [];
  private rowItem: Int32Array;
  private rowCode: Int32Array;
  private rowRater: Int32Array;
  private size = 0;

  /**
   * `capacity`: answers expected (the arrays grow past it as needed).
   * `denseItems`: item keys are already indexes 0, 1, 2, … (one index
   * shared by several encoders, so a large project keeps one map of its
   * items rather than one per question); `itemCount` is then the largest
   * index + 1, an index never added being an item with no answer.
   */
  constructor(
    private readonly options: EncodeOptions & { denseItems?: boolean } = {},
    capacity = 1024,
  ) {
    this.items = new ItemIndex(options.denseItems);
    this.toCategory = categoryIndex(options);
    const initial = Math.max(16, capacity);
    this.rowItem = new Int32Array(initial);
    this.rowCode = new Int32Array(initial);
    this.rowRater = new Int32Array(initial);
  }

  /** Answers added so far. */
  get answerCount(): number {
    return this.size;
  }

  add(item: string | number, rater: string, value: CategoryCode): void {
    const i = this.items.indexOf(item);
    let r = this.raterIndex.get(rater);
    if (r === undefined) {
      r = this.raterIndex.size;
      this.raterIndex.set(rater, r);
    }
    const code = this.toCategory(value);
    if (code === this.seen.length) {
      this.seen.push(value);
    }
    if (this.size === this.rowItem.length) {
      this.grow();
    }
    this.rowItem[this.size] = i;
    this.rowCode[this.size] = code;
    this.rowRater[this.size] = r;
    this.size++;
  }

  finish(): CodedAnswers {
    const { size, rowItem, rowCode, rowRater } = this;
    const itemCount = this.items.size;
    const itemOffsets = new Int32Array(itemCount + 1);
    for (let a = 0; a < size; a++) {
      itemOffsets[rowItem[a] + 1]++;
    }
    for (let i = 0; i < itemCount; i++) {
      itemOffsets[i + 1] += itemOffsets[i];
    }
    const next = itemOffsets.slice(0, itemCount);
    const codes = new Int32Array(size);
    const raters = new Int32Array(size);
    for (let a = 0; a < size; a++) {
      const at = next[rowItem[a]]++;
      codes[at] = rowCode[a];
      raters[at] = rowRater[a];
    }
    const categories = this.options.categories
      ? [...this.options.categories]
      : sortSeenCategories(codes, this.seen);
    return {
      itemCount,
      itemOffsets,
      codes,
      raters,
      categories,
      raterIds: [...this.raterIndex.keys()],
      ...this.items.keys(),
    };
  }

  private grow(): void {
    const bigger = (a: Int32Array) => {
      const b = new Int32Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.rowItem = bigger(this.rowItem);
    this.rowCode = bigger(this.rowCode);
    this.rowRater = bigger(this.rowRater);
  }
}

/**
 * Groups answer rows by item into {@link CodedAnswers}, in O(rows): a
 * counting sort by item, items in first-seen order.
 */
export function encodeAnswers(
  rows: readonly AnswerRow[],
  options: EncodeOptions = {},
): CodedAnswers {
  const encoder = new AnswerEncoder(options, rows.length);
  for (const row of rows) {
    encoder.add(row.item, row.rater, row.value);
  }
  return encoder.finish();
}

/** A missing value in a reliability matrix: the rater did not answer. */
export type MissingValue = null | undefined;

/**
 * Encodes a reliability-data matrix, **one row per item, one column per
 * rater** (`null`/`undefined` where a rater gave no answer). Krippendorff
 * prints his tables the other way round (raters as rows): transpose them.
 */
export function encodeMatrix(
  matrix: readonly (readonly (CategoryCode | MissingValue)[])[],
  options: EncodeOptions & { raterIds?: string[] } = {},
): CodedAnswers {
  const rows: AnswerRow[] = [];
  const width = Math.max(0, ...matrix.map(row => row.length));
  const raterIds =
    options.raterIds ?? Array.from({ length: width }, (_, r) => `${r}`);
  matrix.forEach((row, item) => {
    row.forEach((value, rater) => {
      if (value !== null && value !== undefined) {
        rows.push({ item, rater: raterIds[rater], value });
      }
    });
  });
  const coded = encodeAnswers(rows, options);
  // keep empty rows as items with no answers, so indices match the matrix
  return withAllItems(coded, matrix.length);
}

function withAllItems(coded: CodedAnswers, itemCount: number): CodedAnswers {
  const offsets = new Int32Array(itemCount + 1);
  const keys = coded.itemKeys as number[];
  const counts = new Int32Array(itemCount);
  keys.forEach((key, i) => {
    counts[key] = coded.itemOffsets[i + 1] - coded.itemOffsets[i];
  });
  for (let i = 0; i < itemCount; i++) {
    offsets[i + 1] = offsets[i] + counts[i];
  }
  const codes = new Int32Array(coded.codes.length);
  const raters = new Int32Array(coded.raters.length);
  keys.forEach((key, i) => {
    const from = coded.itemOffsets[i];
    const length = coded.itemOffsets[i + 1] - from;
    codes.set(coded.codes.subarray(from, from + length), offsets[key]);
    raters.set(coded.raters.subarray(from, from + length), offsets[key]);
  });
  return {
    ...coded,
    itemCount,
    itemOffsets: offsets,
    codes,
    raters,
    itemKeys: Array.from({ length: itemCount }, (_, i) => i),
  };
}

/**
 * Per-item category counts, the shared first step of Fleiss, AC1, percent
 * agreement and alpha: calls `visit(item, total, touched, counts)` with the
 * distinct categories of the item in `touched` (only those entries of
 * `counts` are set). O(answers of the item) each.
 */
export function forEachItemCounts(
  data: CodedAnswers,
  visit: (
    item: number,
    total: number,
    touched: Int32Array,
    distinct: number,
    counts: Float64Array,
  ) => void,
): void {
  const counts = new Float64Array(data.categories.length);
  const touched = new Int32Array(data.categories.length);
  const { itemOffsets, codes } = data;
  for (let i = 0; i < data.itemCount; i++) {
    let distinct = 0;
    const from = itemOffsets[i];
    const to = itemOffsets[i + 1];
    for (let a = from; a < to; a++) {
      const c = codes[a];
      if (counts[c] === 0) {
        touched[distinct++] = c;
      }
      counts[c]++;
    }
    visit(i, to - from, touched, distinct, counts);
    for (let d = 0; d < distinct; d++) {
      counts[touched[d]] = 0;
    }
  }
}

/**
 * The same answers recoded as "is category `c`" (1) or not (0): the data of
 * a one-vs-rest measure for one label. O(answers).
 */
export function oneVsRest(data: CodedAnswers, category: number): CodedAnswers {
  const codes = new Int32Array(data.codes.length);
  for (let a = 0; a < codes.length; a++) {
    codes[a] = data.codes[a] === category ? 1 : 0;
  }
  return { ...data, codes, categories: [0, 1] };
}

/**
 * Items `offset`, `offset + stride`, `offset + 2·stride`, … of `data`, as
 * data of their own: e.g. one label's units of a multiple-choice question
 * encoded item × label (unit `item · labels + label`). Copies only those
 * answers. O(items / stride + their answers).
 */
export function strideItems(
  data: CodedAnswers,
  stride: number,
  offset: number,
): CodedAnswers {
  const itemCount = Math.max(0, Math.ceil((data.itemCount - offset) / stride));
  const itemOffsets = new Int32Array(itemCount + 1);
  for (let k = 0; k < itemCount; k++) {
    const i = offset + k * stride;
    itemOffsets[k + 1] =
      itemOffsets[k] + data.itemOffsets[i + 1] - data.itemOffsets[i];
  }
  const codes = new Int32Array(itemOffsets[itemCount]);
  const raters = new Int32Array(itemOffsets[itemCount]);
  for (let k = 0; k < itemCount; k++) {
    const i = offset + k * stride;
    const from = data.itemOffsets[i];
    const to = data.itemOffsets[i + 1];
    codes.set(data.codes.subarray(from, to), itemOffsets[k]);
    raters.set(data.raters.subarray(from, to), itemOffsets[k]);
  }
  return {
    itemCount,
    itemOffsets,
    codes,
    raters,
    categories: data.categories,
    raterIds: data.raterIds,
  };
}
