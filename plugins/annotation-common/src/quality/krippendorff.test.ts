import { encodeAnswers, encodeMatrix } from './codedAnswers';
import {
  AlphaMetric,
  coincidenceMatrix,
  krippendorffAlpha,
} from './krippendorff';
import { krippendorff2011 } from './referenceData';
import {
  permutation,
  randomMatrix,
  seededRandom,
  summary,
} from './__testUtils__/random';

function value(m: ReturnType<typeof krippendorffAlpha>): number {
  if (!('value' in m)) {
    throw new Error(`undefined: ${m.undefined}`);
  }
  return m.value;
}

/**
 * Alpha straight from its definition (Krippendorff 2011, section A), by
 * enumerating pairs of values, O(n²): the fast coincidence-matrix code must
 * agree with it.
 */
function alphaByPairs(
  matrix: (number | null)[][],
  metric: AlphaMetric,
): number {
  const units = matrix
    .map(row => row.filter((v): v is number => v !== null))
    .filter(values => values.length >= 2);
  const all = units.flat();
  const n = all.length;
  const sorted = [...new Set(all)].sort((a, b) => a - b);
  const freq = new Map<number, number>();
  all.forEach(v => freq.set(v, (freq.get(v) ?? 0) + 1));
  const delta = (c: number, k: number) => {
    if (metric === 'nominal') {
      return c === k ? 0 : 1;
    }
    if (metric === 'interval') {
      return (c - k) ** 2;
    }
    const [lo, hi] = c < k ? [c, k] : [k, c];
    const between = sorted
      .filter(g => g >= lo && g <= hi)
      .reduce((s, g) => s + freq.get(g)!, 0);
    return c === k ? 0 : (between - (freq.get(c)! + freq.get(k)!) / 2) ** 2;
  };
  const sumOverPairs = (values: number[]) => {
    let sum = 0;
    for (let i = 0; i < values.length; i++) {
      for (let j = 0; j < values.length; j++) {
        sum += i === j ? 0 : delta(values[i], values[j]);
      }
    }
    return sum;
  };
  const observed = units.reduce(
    (s, values) => s + sumOverPairs(values) / (values.length - 1),
    0,
  );
  const expected = sumOverPairs(all);
  return 1 - ((n - 1) * observed) / expected;
}

describe('krippendorffAlpha', () => {
  // Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability.
  // Annenberg School for Communication, University of Pennsylvania, section
  // C (4 observers × 12 units with missing values): α_nominal = 0.743,
  // α_ordinal = 0.815, α_interval = 0.849.
  const data = encodeMatrix(krippendorff2011);

  it('reproduces Krippendorff (2011): nominal 0.743, ordinal 0.815, interval 0.849', () => {
    expect(value(krippendorffAlpha(data, 'nominal'))).toBeCloseTo(0.743, 3);
    expect(value(krippendorffAlpha(data, 'ordinal'))).toBeCloseTo(0.815, 3);
    expect(value(krippendorffAlpha(data, 'interval'))).toBeCloseTo(0.849, 3);
  });

  it('matches the exact nominal value worked out in Krippendorff (2011)', () => {
    // n = 40 pairable values (unit 12 has one value); n_c = 9, 13, 10, 5, 3;
    // off-diagonal coincidences: 2 (unit 2) + 4 (unit 6) + 2 (unit 8) = 8;
    // α = 1 - (n - 1) · 8 / (n² - Σ n_c²) = 1 - 39 · 8 / (1600 - 384)
    expect(value(krippendorffAlpha(data))).toBeCloseTo(1 - 312 / 1216, 12);
    const o = coincidenceMatrix(data);
    expect(o.reduce((s, x) => s + x, 0)).toBeCloseTo(40, 12);
    // o_11 = 3·2/2 (unit 1) + 2·1/1 (unit 11) + 3·2/3 (unit 8) = 7
    expect(o[0]).toBeCloseTo(7, 12);
  });

  it('equals alpha computed pair by pair from its definition, to 1e-9', () => {
    const random = seededRandom(7);
    for (let trial = 0; trial < 20; trial++) {
      const matrix = randomMatrix(random, 30, 2 + (trial % 4), 2 + (trial % 5));
      const coded = encodeMatrix(matrix);
      for (const metric of ['nominal', 'ordinal', 'interval'] as const) {
        expect(value(krippendorffAlpha(coded, metric))).toBeCloseTo(
          alphaByPairs(matrix, metric),
          9,
        );
      }
    }
  });

  it('ranks ordinal categories in the declared order, not the numeric one', () => {
    const matrix = [
      ['low', 'mid'],
      ['mid', 'mid'],
      ['high', 'high'],
      ['low', 'high'],
      ['low', 'low'],
    ];
    const ordered = encodeMatrix(matrix, {
      categories: ['low', 'mid', 'high'],
    });
    const numeric = encodeMatrix(
      matrix.map(row => row.map(v => ({ low: 1, mid: 2, high: 3 }[v]!))),
    );
    expect(value(krippendorffAlpha(ordered, 'ordinal'))).toBeCloseTo(
      value(krippendorffAlpha(numeric, 'ordinal')),
      12,
    );
    expect(krippendorffAlpha(ordered, 'interval')).toEqual({
      undefined: 'non-numeric-values',
    });
  });

  it('names why it is undefined instead of returning NaN', () => {
    expect(
      krippendorffAlpha(encodeMatrix([[1], [2, null], [null, 3]])),
    ).toEqual({
      undefined: 'no-pairable-values',
    });
    expect(krippendorffAlpha(encodeMatrix([]))).toEqual({
      undefined: 'no-pairable-values',
    });
    for (const metric of ['nominal', 'ordinal', 'interval'] as const) {
      expect(
        krippendorffAlpha(
          encodeMatrix([
            [2, 2],
            [2, 2, 2],
            [2, null],
          ]),
          metric,
        ),
      ).toEqual({ undefined: 'single-category' });
    }
  });

  it('is 1 for perfect agreement and at most 1 on random data', () => {
    const perfect = encodeMatrix([
      [1, 1, null],
      [2, 2, 2],
      [3, null, 3],
    ]);
    for (const metric of ['nominal', 'ordinal', 'interval'] as const) {
      expect(value(krippendorffAlpha(perfect, metric))).toBeCloseTo(1, 12);
    }
    const random = seededRandom(11);
    const values: (number | string)[] = [];
    for (let trial = 0; trial < 50; trial++) {
      const coded = encodeMatrix(randomMatrix(random, 10, 3, 4, 0.4));
      for (const metric of ['nominal', 'ordinal', 'interval'] as const) {
        values.push(summary(krippendorffAlpha(coded, metric)));
      }
    }
    const numbers = values.filter((v): v is number => typeof v === 'number');
    expect(numbers.length).toBeGreaterThan(100);
    expect(Math.max(...numbers)).toBeLessThanOrEqual(1);
  });

  it('does not change when raters, items or nominal labels are permuted', () => {
    const random = seededRandom(3);
    for (let trial = 0; trial < 20; trial++) {
      const matrix = randomMatrix(random, 25, 4, 5);
      const base = krippendorffAlpha(encodeMatrix(matrix));
      const items = permutation(random, matrix.length);
      const raters = permutation(random, 4);
      const labels = permutation(random, 5);
      const shuffled = items.map(i =>
        raters.map(r => {
          const v = matrix[i][r];
          return v === null ? null : `L${labels[v - 1]}`;
        }),
      );
      const other = krippendorffAlpha(encodeMatrix(shuffled));
      expect(summary(other)).toEqual(summary(base));
    }
  });

  it('takes answer rows in any order, as the backend reads them', () => {
    const rows = krippendorff2011.flatMap((row, item) =>
      row.flatMap((v, r) =>
        v === null ? [] : [{ item: `u${item}`, rater: 'ABCD'[r], value: v }],
      ),
    );
    const order = permutation(seededRandom(5), rows.length);
    const coded = encodeAnswers(order.map(i => rows[i]));
    expect(value(krippendorffAlpha(coded, 'interval'))).toBeCloseTo(
      value(krippendorffAlpha(data, 'interval')),
      12,
    );
  });
});
