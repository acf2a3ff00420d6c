import { fleissKappa, gwetAC1, percentAgreement, perLabel } from './agreement';
import {
  AnswerEncoder,
  AnswerRow,
  encodeAnswers,
  strideItems,
} from './codedAnswers';
import { encodeMultipleChoice } from './multipleChoice';
import { krippendorffAlpha } from './krippendorff';
import {
  categoricalAgreement,
  labelAgreement,
  PER_LABEL_MAX_CATEGORIES,
  plainMeasure,
} from './projectAgreement';
import {
  codedSpanAgreement,
  Interval,
  SpanAnswerEncoder,
  spanAgreement,
} from './spans';
import { randomInt, seededRandom } from './__testUtils__/random';

/** Rows of `items` items with 2–4 answers each, from 6 raters, labels a–c. */
function randomRows(seed: number, items: number): AnswerRow[] {
  const random = seededRandom(seed);
  const rows: AnswerRow[] = [];
  for (let i = 0; i < items; i++) {
    const truth = randomInt(random, 3);
    const n = 2 + randomInt(random, 3);
    const start = randomInt(random, 6);
    for (let r = 0; r < n; r++) {
      const code = random() < 0.7 ? truth : randomInt(random, 3);
      rows.push({
        item: `item-${i}`,
        rater: `rater-${(start + r) % 6}`,
        value: ['a', 'b', 'c'][code],
      });
    }
  }
  // answers arrive in submission order, not grouped by item
  const random2 = seededRandom(seed + 1);
  return rows
    .map(row => ({ row, key: random2() }))
    .sort((x, y) => x.key - y.key)
    .map(x => x.row);
}

describe('AnswerEncoder', () => {
  it('builds, one answer at a time and past its capacity, what encodeAnswers builds', () => {
    const rows = randomRows(7, 500);
    const encoder = new AnswerEncoder({ categories: ['a', 'b', 'c'] }, 16);
    rows.forEach(r => encoder.add(r.item, r.rater, r.value));
    expect(encoder.answerCount).toBe(rows.length);
    const incremental = encoder.finish();
    const whole = encodeAnswers(rows, { categories: ['a', 'b', 'c'] });
    expect(incremental).toEqual(whole);
    expect(incremental.codes).toHaveLength(rows.length);
    expect(incremental.itemCount).toBe(500);
  });

  it('takes item indexes as they are with denseItems', () => {
    const rows = randomRows(9, 100);
    const index = new Map<string | number, number>();
    const dense = new AnswerEncoder({
      categories: ['a', 'b', 'c'],
      denseItems: true,
    });
    for (const r of rows) {
      if (!index.has(r.item)) {
        index.set(r.item, index.size);
      }
      dense.add(index.get(r.item)!, r.rater, r.value);
    }
    const { itemKeys, ...keyed } = encodeAnswers(rows, {
      categories: ['a', 'b', 'c'],
    });
    expect(itemKeys).toHaveLength(100);
    expect(dense.finish()).toEqual(keyed);
    // an index never added is an item without answers
    const gap = new AnswerEncoder({ denseItems: true });
    gap.add(2, 'r', 'x');
    expect(Array.from(gap.finish().itemOffsets)).toEqual([0, 0, 0, 1]);
    expect(() => gap.add('item-1', 'r', 'x')).toThrow(
      'item item-1: an index from 0 expected (denseItems)',
    );
  });

  it("slices one label's units out of item × label units", () => {
    const random = seededRandom(13);
    const labels = ['pop', 'rock', 'jazz'];
    const rows = Array.from({ length: 90 }, (_, n) => ({
      item: Math.floor(n / 3),
      rater: `rater-${n % 3}`,
      labels: labels.filter(() => random() < 0.4),
    }));
    const pooled = new AnswerEncoder({ categories: [0, 1], denseItems: true });
    for (const row of rows) {
      labels.forEach((label, l) =>
        pooled.add(
          row.item * labels.length + l,
          row.rater,
          row.labels.includes(label) ? 1 : 0,
        ),
      );
    }
    const data = pooled.finish();
    encodeMultipleChoice(rows, labels).forEach(({ data: expected }, l) => {
      const { itemKeys, ...keyed } = expected;
      expect(itemKeys).toHaveLength(30);
      expect(strideItems(data, labels.length, l)).toEqual(keyed);
    });
  });

  it('refuses an answer outside the given categories', () => {
    const encoder = new AnswerEncoder({ categories: ['a', 'b'] });
    expect(() => encoder.add(1, 'r', 'z')).toThrow(
      'answer "z" is not one of the categories',
    );
  });
});

describe('categoricalAgreement', () => {
  it('stores exactly the coefficients of the shared functions, without their parts', () => {
    const data = encodeAnswers(randomRows(11, 300), {
      categories: ['a', 'b', 'c'],
    });
    const table = categoricalAgreement(data, 'nominal');
    const value = (m: object) => (m as { value: number }).value;
    expect(table).toEqual({
      percent: { value: value(percentAgreement(data)) },
      fleissKappa: { value: value(fleissKappa(data)) },
      krippendorffAlphaNominal: {
        value: value(krippendorffAlpha(data, 'nominal')),
      },
      gwetAC1: { value: value(gwetAC1(data)) },
    });
    expect(value(table.fleissKappa)).toBeGreaterThan(0.2);
  });

  it('names the ordinal alpha and says why a measure is undefined', () => {
    const one = encodeAnswers([{ item: 1, rater: 'r', value: 3 }], {
      categories: [1, 2, 3, 4, 5],
    });
    expect(categoricalAgreement(one, 'ordinal')).toEqual({
      percent: { undefined: 'no-pairable-values' },
      fleissKappa: { undefined: 'no-pairable-values' },
      krippendorffAlphaOrdinal: { undefined: 'no-pairable-values' },
      gwetAC1: { undefined: 'no-pairable-values' },
    });
  });

  it('gives one-vs-rest kappa per label, and none for very long label lists', () => {
    const data = encodeAnswers(randomRows(3, 200), {
      categories: ['a', 'b', 'c'],
    });
    const labels = labelAgreement(data);
    expect(labels.map(l => l.label)).toEqual(['a', 'b', 'c']);
    const expected = perLabel(data, fleissKappa);
    labels.forEach((l, i) =>
      expect(l.measures.fleissKappa).toEqual(plainMeasure(expected[i].measure)),
    );
    const many = Array.from(
      { length: PER_LABEL_MAX_CATEGORIES + 1 },
      (_, i) => `l${i}`,
    );
    expect(
      labelAgreement(
        encodeAnswers([{ item: 1, rater: 'r', value: 'l0' }], {
          categories: many,
        }),
      ),
    ).toEqual([]);
  });
});

describe('codedSpanAgreement', () => {
  it('equals spanAgreement over the same answers added in any order', () => {
    const random = seededRandom(5);
    const items: Interval[][][] = Array.from({ length: 60 }, () =>
      Array.from({ length: 1 + randomInt(random, 3) }, () => {
        const units: Interval[] = [];
        for (let at = randomInt(random, 5); at < 60; ) {
          const length = 1 + randomInt(random, 8);
          if (random() < 0.6) {
            units.push({
              start: at,
              end: at + length,
              label: random() < 0.8 ? 'x' : 'y',
            });
          }
          at += length + randomInt(random, 4);
        }
        return units;
      }),
    );
    const added = items.flatMap((answers, i) =>
      answers.map(units => ({ i, units, key: random() })),
    );
    added.sort((x, y) => x.key - y.key);
    const encoder = new SpanAnswerEncoder();
    added.forEach(a => encoder.add(a.i, a.units));
    const coded = encoder.finish();
    expect(coded.itemCount).toBe(60);
    expect(codedSpanAgreement(coded)).toEqual(spanAgreement(items));
    const result = codedSpanAgreement(coded);
    expect('value' in result.microF1).toBe(true);
  });

  it('has no value without an item of two answers', () => {
    const encoder = new SpanAnswerEncoder();
    encoder.add('only', [{ start: 0, end: 3 }]);
    expect(codedSpanAgreement(encoder.finish())).toEqual({
      microF1: { undefined: 'no-pairable-values' },
      meanItemAgreement: { undefined: 'no-pairable-values' },
    });
  });
});
