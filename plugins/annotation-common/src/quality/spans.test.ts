import {
  Interval,
  intervalIoU,
  itemSpanAgreement,
  matchSpans,
  spanAgreement,
} from './spans';
import { randomInt, seededRandom } from './__testUtils__/random';

const span = (start: number, end: number, label = 'x'): Interval => ({
  start,
  end,
  label,
});

/** Non-overlapping spans of one answer, as answer validation requires. */
function randomAnswer(random: () => number): Interval[] {
  const spans: Interval[] = [];
  let at = randomInt(random, 5);
  while (at < 100) {
    const length = 1 + randomInt(random, 10);
    if (random() < 0.6) {
      spans.push(span(at, at + length, random() < 0.8 ? 'x' : 'y'));
    }
    at += length + randomInt(random, 4);
  }
  return spans;
}

describe('span and segment matching', () => {
  it('computes intersection over union', () => {
    expect(intervalIoU(span(0, 10), span(5, 15))).toBeCloseTo(5 / 15, 12);
    expect(intervalIoU(span(0, 10), span(10, 20))).toBe(0);
    expect(intervalIoU(span(1.5, 2.5), span(1.5, 2.5))).toBe(1);
  });

  it('scores precision, recall and F1 with a as the reference', () => {
    const a = [span(0, 10), span(20, 30), span(40, 50)];
    const b = [span(1, 10), span(21, 29), span(60, 70)];
    const m = matchSpans(a, b);
    expect(m.pairs).toEqual([
      [0, 0],
      [1, 1],
    ]);
    expect(m.precision).toEqual({ value: 2 / 3 });
    expect(m.recall).toEqual({ value: 2 / 3 });
    expect(m.f1).toEqual({ value: 2 / 3 });
  });

  it('matches only units at or above the IoU threshold and with the same label', () => {
    const a = [span(0, 10)];
    expect(matchSpans(a, [span(4, 14)]).pairs).toEqual([]); // IoU 6/14
    expect(matchSpans(a, [span(4, 14)], { iouThreshold: 0.4 }).pairs).toEqual([
      [0, 0],
    ]);
    expect(matchSpans(a, [span(0, 10, 'other')]).pairs).toEqual([]);
    expect(
      matchSpans(a, [span(0, 10, 'other')], { requireSameLabel: false }).pairs,
    ).toEqual([[0, 0]]);
  });

  it('finds the optimal one-to-one matching where greedy would not', () => {
    // IoU: a0-b0 0.818, a0-b1 0.6, a1-b0 0.538, a1-b1 0.143. Greedy takes
    // a0-b0 and is stuck with one match; optimal pairs a0-b1 and a1-b0.
    const a = [span(0, 10), span(4, 14)];
    const b = [span(1, 11), span(0, 6)];
    expect(matchSpans(a, b, { method: 'greedy' }).pairs).toEqual([[0, 0]]);
    expect(matchSpans(a, b).pairs).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });

  it('agrees with greedy at threshold 0.5 on non-overlapping spans', () => {
    const random = seededRandom(12);
    let matched = 0;
    for (let trial = 0; trial < 200; trial++) {
      const a = randomAnswer(random);
      const b = a.map(s => ({
        ...s,
        start: s.start + randomInt(random, 3) - 1,
        end: s.end + randomInt(random, 3) - 1,
      }));
      const optimal = matchSpans(
        a,
        b.filter(s => s.end > s.start),
      );
      const greedy = matchSpans(
        a,
        b.filter(s => s.end > s.start),
        {
          method: 'greedy',
        },
      );
      expect(optimal.pairs).toEqual(greedy.pairs);
      matched += optimal.pairs.length;
    }
    expect(matched).toBeGreaterThan(500);
  });

  it('says why precision or recall is undefined, and treats two empty answers as agreeing', () => {
    expect(matchSpans([span(0, 1)], [])).toMatchObject({
      precision: { undefined: 'no-units' },
      recall: { value: 0 },
      f1: { value: 0 },
    });
    expect(matchSpans([], [])).toMatchObject({
      precision: { undefined: 'no-units' },
      recall: { undefined: 'no-units' },
      f1: { value: 1 },
    });
    expect(() => matchSpans([], [], { iouThreshold: 2 })).toThrow(
      /iouThreshold/,
    );
  });

  it('gives an item agreement (mean pairwise F1) and a project micro F1', () => {
    const item = [
      [span(0, 10), span(20, 30)],
      [span(0, 10)],
      [span(0, 10), span(20, 30)],
    ];
    // pairs: F1 2/3, 1, 2/3
    expect(itemSpanAgreement(item)).toEqual({
      value: expect.closeTo((2 / 3 + 1 + 2 / 3) / 3, 12),
    });
    expect(itemSpanAgreement([[span(0, 1)]])).toEqual({
      undefined: 'too-few-answers',
    });
    // audio segments in seconds work the same way
    const audio = [[[span(0.5, 2.25, 'music')], [span(0.6, 2.2, 'music')]]];
    const both = spanAgreement([...audio, item, [[]]]);
    // matches: 1 (audio) + 1 + 2 + 1 (item) → 2·5 / (2 + 3 + 4 + 3) = 10/12
    expect(both.microF1).toEqual({ value: expect.closeTo(10 / 12, 12) });
    expect(both.meanItemAgreement).toEqual({
      value: expect.closeTo((1 + 7 / 9) / 2, 12),
    });
    expect(spanAgreement([[[span(0, 1)]]]).microF1).toEqual({
      undefined: 'no-pairable-values',
    });
  });
});
