/*
 * Comparing two versions of an LLM annotator's config: the fields that
 * differ, by path, and for long texts (prompts) the lines that differ.
 */

/** A field that differs; `undefined` is "not set" on that side. */
export interface ConfigChange {
  /** `temperature`, `fewShot.source`, `fewShot.examples[1].answer.belongs`. */
  path: string;
  before: unknown;
  after: unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Both objects' keys in order: `before`'s, each key only `after` has
 * placed after the key it follows there (a field set in the newer version
 * shows where the config has it).
 */
function mergedKeys(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): string[] {
  const keys = Object.keys(before);
  let previous = -1;
  for (const k of Object.keys(after)) {
    const at = keys.indexOf(k);
    if (at >= 0) {
      previous = at;
    } else {
      keys.splice(++previous, 0, k);
    }
  }
  return keys;
}

/**
 * The fields in which `after` differs from `before`, in the configs'
 * order, objects and lists descended into, so a changed few-shot answer
 * is named down to its question. Nothing is a change only in key order.
 */
export function diffConfigs(
  before: unknown,
  after: unknown,
  path = '',
): ConfigChange[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    return mergedKeys(before, after).flatMap(k =>
      diffConfigs(before[k], after[k], path ? `${path}.${k}` : k),
    );
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    return Array.from(
      { length: Math.max(before.length, after.length) },
      (_, i) => diffConfigs(before[i], after[i], `${path}[${i}]`),
    ).flat();
  }
  return Object.is(before, after) ? [] : [{ path, before, after }];
}

export interface DiffLine {
  op: 'same' | 'added' | 'removed';
  text: string;
}

/** Above this many line pairs a changed middle is shown removed then added. */
const MAX_CELLS = 4_000_000;

/**
 * A line diff of two texts (a longest common subsequence of lines): the
 * lines both keep, those only `before` has (removed) and those only
 * `after` has (added), in reading order.
 */
export function lineDiff(before: string, after: string): DiffLine[] {
  // an empty text has no lines (not one empty line)
  const a = before ? before.split('\n') : [];
  const b = after ? after.split('\n') : [];
  // the common head and tail need no table (most edits are small)
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) {
    head++;
  }
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  ) {
    tail++;
  }
  const same = (lines: string[]) =>
    lines.map(text => ({ op: 'same' as const, text }));
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);
  let middle: DiffLine[];
  if (x.length * y.length > MAX_CELLS) {
    middle = [
      ...x.map(text => ({ op: 'removed' as const, text })),
      ...y.map(text => ({ op: 'added' as const, text })),
    ];
  } else {
    // lcs[i][j]: the common lines of x[i..] and y[j..]
    const lcs = Array.from({ length: x.length + 1 }, () =>
      new Array<number>(y.length + 1).fill(0),
    );
    for (let i = x.length - 1; i >= 0; i--) {
      for (let j = y.length - 1; j >= 0; j--) {
        lcs[i][j] =
          x[i] === y[j]
            ? lcs[i + 1][j + 1] + 1
            : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    middle = [];
    let i = 0;
    let j = 0;
    while (i < x.length || j < y.length) {
      if (i < x.length && j < y.length && x[i] === y[j]) {
        middle.push({ op: 'same', text: x[i] });
        i++;
        j++;
      } else if (
        i < x.length &&
        (j === y.length || lcs[i + 1][j] >= lcs[i][j + 1])
      ) {
        // removed before added: a replaced line reads old, then new
        middle.push({ op: 'removed', text: x[i] });
        i++;
      } else {
        middle.push({ op: 'added', text: y[j] });
        j++;
      }
    }
  }
  return [
    ...same(a.slice(0, head)),
    ...middle,
    ...same(a.slice(a.length - tail)),
  ];
}
