import {
  cohensKappa,
  cohensKappaForRaters,
  cohensKappaFromTable,
  fleissKappa,
  gwetAC1,
  itemPercentAgreement,
  perLabel,
  percentAgreement,
} from './agreement';
import { encodeAnswers, encodeMatrix } from './codedAnswers';
import { krippendorffAlpha } from './krippendorff';
import { multipleChoicePerLabel } from './multipleChoice';
import { countsToRows, fleiss1971, krippendorff2011 } from './referenceData';
import { ChanceCorrected, Measure } from './types';
import {
  permutation,
  randomMatrix,
  seededRandom,
  summary,
} from './__testUtils__/random';

function value(m: Measure | ChanceCorrected): number {
  if (!('value' in m)) {
    throw new Error(`undefined: ${m.undefined}`);
  }
  return m.value;
}

/** Rows of a two-rater contingency table → the two raters' answer lists. */
function tableToAnswers(table: number[][], labels: string[]) {
  const a: string[] = [];
  const b: string[] = [];
  table.forEach((row, x) =>
    row.forEach((n, y) => {
      for (let i = 0; i < n; i++) {
        a.push(labels[x]);
        b.push(labels[y]);
      }
    }),
  );
  return { a, b };
}

const fleissData = encodeAnswers(countsToRows(fleiss1971, [1, 2, 3, 4, 5]), {
  categories: [1, 2, 3, 4, 5],
});

describe("Cohen's kappa", () => {
  it('reproduces the 50-application yes/no example: κ = 0.4', () => {
    // Wikipedia, "Cohen's kappa", worked example (after Cohen 1960): 50
    // grant applications, both raters yes 20, A yes B no 5, A no B yes 10,
    // both no 15: po = 0.7, pe = 0.5·0.6 + 0.5·0.4 = 0.5, κ = 0.4.
    const table = [
      [20, 5],
      [10, 15],
    ];
    expect(cohensKappaFromTable(table)).toEqual({
      value: expect.closeTo(0.4, 12),
      observed: expect.closeTo(0.7, 12),
      expected: expect.closeTo(0.5, 12),
    });
    const { a, b } = tableToAnswers(table, ['yes', 'no']);
    expect(value(cohensKappa(a, b))).toBeCloseTo(0.4, 12);
  });

  it("reproduces Gwet's cont3x3abstractors example: κ = 0.7964094", () => {
    // Gwet, K. L. (2019), irrCAC R package, vignette "Calculating
    // Chance-corrected Agreement Coefficients", data cont3x3abstractors
    // (100 pregnancies classified Ectopic/AIU/NIU by two abstractors):
    // kappa2.table prints 0.7964094.
    const table = [
      [13, 0, 0],
      [0, 20, 7],
      [0, 4, 56],
    ];
    expect(value(cohensKappaFromTable(table))).toBeCloseTo(0.7964094, 7);
  });

  it('counts only items both raters answered, from coded answers too', () => {
    const a = ['x', 'y', null, 'x', 'y', 'x'];
    const b = ['x', 'y', 'x', undefined, 'x', 'x'];
    // pairs: xx, yy, yx, xx → po = 3/4, A: x 2/4 y 2/4, B: x 3/4 y 1/4
    // pe = 0.5·0.75 + 0.5·0.25 = 0.5 → κ = 0.5
    expect(value(cohensKappa(a, b))).toBeCloseTo(0.5, 12);
    const coded = encodeMatrix(a.map((x, i) => [x, b[i]]));
    expect(value(cohensKappaForRaters(coded, 0, 1))).toBeCloseTo(0.5, 12);
  });

  it('is undefined, not NaN, without pairs or with one category', () => {
    expect(cohensKappa(['a', null], [null, 'b'])).toEqual({
      undefined: 'no-pairable-values',
    });
    expect(cohensKappa(['a', 'a'], ['a', 'a'])).toEqual({
      undefined: 'single-category',
    });
    expect(() => cohensKappa(['a'], [])).toThrow(/one answer/);
  });
});

describe("Fleiss' kappa", () => {
  it('reproduces Fleiss (1971): κ = .430 and the per-category kappas', () => {
    // Fleiss, J. L. (1971). Measuring nominal scale agreement among many
    // raters. Psychological Bulletin 76(5), 378–382: Table 1 (30 patients ×
    // 6 psychiatrists × 5 diagnoses), overall κ = .430; per category
    // (depression, personality disorder, schizophrenia, neurosis, other)
    // κ_j = .245, .245, .520, .471, .566.
    const kappa = fleissKappa(fleissData);
    expect(value(kappa)).toBeCloseTo(0.43, 3);
    expect(kappa).toMatchObject({
      observed: expect.closeTo(0.5556, 4),
      expected: expect.closeTo(0.2199, 4),
    });
    const perCategory = perLabel(fleissData, fleissKappa).map(l =>
      value(l.measure),
    );
    [0.245, 0.245, 0.52, 0.471, 0.566].forEach((k, j) =>
      expect(perCategory[j]).toBeCloseTo(k, 3),
    );
  });

  it('with varying rater counts uses each item its own count', () => {
    // Krippendorff's data: P̄ = 9/11 over the 11 pairable units; p_c pools
    // the 40 pairable values 9, 13, 10, 5, 3 → P̄e = 384/1600 = 0.24
    const kappa = fleissKappa(encodeMatrix(krippendorff2011));
    expect(kappa).toEqual({
      value: expect.closeTo((9 / 11 - 0.24) / 0.76, 12),
      observed: expect.closeTo(9 / 11, 12),
      expected: expect.closeTo(0.24, 12),
    });
  });

  it('names why it is undefined', () => {
    expect(
      fleissKappa(
        encodeMatrix([
          [1, null],
          [null, 2],
        ]),
      ),
    ).toEqual({
      undefined: 'no-pairable-values',
    });
    expect(
      fleissKappa(
        encodeMatrix([
          [1, 1],
          [1, 1, 1],
        ]),
      ),
    ).toEqual({
      undefined: 'single-category',
    });
  });
});

describe("Gwet's AC1", () => {
  it("reproduces Gwet's cont3x3abstractors example: AC1 = 0.8493305", () => {
    // Gwet (2019), irrCAC vignette: gwet.ac1.table(cont3x3abstractors)
    // prints 0.8493305. By hand: pa = 89/100; π = (26, 51, 123)/200;
    // pe = (0.13·0.87 + 0.255·0.745 + 0.615·0.385) / (3 - 1) = 0.269925;
    // AC1 = (0.89 - 0.269925) / (1 - 0.269925) = 0.849330...
    const { a, b } = tableToAnswers(
      [
        [13, 0, 0],
        [0, 20, 7],
        [0, 4, 56],
      ],
      ['Ectopic', 'AIU', 'NIU'],
    );
    const ac1 = gwetAC1(encodeMatrix(a.map((x, i) => [x, b[i]])));
    expect(ac1).toEqual({
      value: expect.closeTo(0.620075 / 0.730075, 12),
      observed: expect.closeTo(0.89, 12),
      expected: expect.closeTo(0.269925, 12),
    });
    expect(value(ac1)).toBeCloseTo(0.8493305, 7);
  });

  it("reproduces Gwet's multi-rater AC1 on Krippendorff's data with missing values: 0.7754", () => {
    // Gwet (2019), irrCAC, gwet.ac1.raw(cac.raw4raters) (the 12 units × 4
    // raters of Krippendorff 2011): pa = 0.8181818, pe = 0.1903212,
    // AC1 = 0.7754441. π_c averages each of the 12 answered units' shares.
    const ac1 = gwetAC1(encodeMatrix(krippendorff2011));
    expect(ac1).toMatchObject({
      observed: expect.closeTo(0.8181818, 7),
      expected: expect.closeTo(0.1903212, 7),
    });
    expect(value(ac1)).toBeCloseTo(0.7754441, 7);
  });

  it('counts declared categories nobody chose in q', () => {
    const matrix = [
      ['a', 'a'],
      ['a', 'b'],
      ['b', 'b'],
    ];
    // pa = 2/3; π = (0.5, 0.5): seen only, q = 2 → pe = 0.5;
    // declared a, b, c: q = 3 → pe = 0.25
    expect(value(gwetAC1(encodeMatrix(matrix)))).toBeCloseTo(1 / 3, 12);
    expect(
      value(gwetAC1(encodeMatrix(matrix, { categories: ['a', 'b', 'c'] }))),
    ).toBeCloseTo((2 / 3 - 0.25) / 0.75, 12);
    expect(gwetAC1(encodeMatrix([['a', 'a']]))).toEqual({
      undefined: 'single-category',
    });
  });
});

describe('percent agreement', () => {
  it('is the mean pairwise agreement of items with two or more answers', () => {
    expect(percentAgreement(encodeMatrix(krippendorff2011))).toEqual({
      value: expect.closeTo(9 / 11, 12),
    });
    expect(itemPercentAgreement(['a', 'a', 'b'])).toEqual({
      value: expect.closeTo(1 / 3, 12),
    });
    expect(itemPercentAgreement(['a'])).toEqual({
      undefined: 'too-few-answers',
    });
    expect(percentAgreement(encodeMatrix([[1], [2]]))).toEqual({
      undefined: 'no-pairable-values',
    });
    // one category is still defined
    expect(percentAgreement(encodeMatrix([[1, 1]]))).toEqual({ value: 1 });
  });
});

describe('per-label agreement', () => {
  it('scores multiple-choice answers label by label', () => {
    const rows = [
      { item: 1, rater: 'a', labels: ['x', 'y'] },
      { item: 1, rater: 'b', labels: ['x'] },
      { item: 2, rater: 'a', labels: ['y'] },
      { item: 2, rater: 'b', labels: ['y'] },
      { item: 3, rater: 'a', labels: [] },
      { item: 3, rater: 'b', labels: ['x'] },
    ];
    const perLabelAgreement = multipleChoicePerLabel(
      rows,
      ['x', 'y', 'z'],
      percentAgreement,
    );
    expect(perLabelAgreement.map(l => [l.label, summary(l.measure)])).toEqual([
      ['x', expect.closeTo(2 / 3, 9)],
      ['y', expect.closeTo(2 / 3, 9)],
      ['z', 1],
    ]);
    const kappa = multipleChoicePerLabel(rows, ['z'], fleissKappa);
    expect(kappa[0].measure).toEqual({ undefined: 'single-category' });
  });
});

describe('properties of the coefficients', () => {
  const measures = {
    percent: percentAgreement,
    fleiss: fleissKappa,
    ac1: gwetAC1,
    alpha: krippendorffAlpha,
  };

  it('perfect agreement gives 1 for every coefficient', () => {
    const perfect = encodeMatrix([
      ['a', 'a', null],
      ['b', 'b', 'b'],
      ['c', null, 'c'],
    ]);
    for (const measure of Object.values(measures)) {
      expect(value(measure(perfect))).toBeCloseTo(1, 12);
    }
    expect(value(cohensKappa(['a', 'b', 'c'], ['a', 'b', 'c']))).toBe(1);
  });

  it('stays within bounds on random data', () => {
    const random = seededRandom(21);
    const found: Record<string, number[]> = {};
    for (let trial = 0; trial < 100; trial++) {
      const data = encodeMatrix(randomMatrix(random, 8, 3, 3, 0.3));
      for (const [name, measure] of Object.entries(measures)) {
        const v = summary(measure(data));
        if (typeof v === 'number') {
          (found[name] ??= []).push(v);
        }
      }
    }
    for (const values of Object.values(found)) {
      expect(values.length).toBeGreaterThan(50);
      expect(Math.max(...values)).toBeLessThanOrEqual(1);
    }
    expect(Math.min(...found.percent)).toBeGreaterThanOrEqual(0);
  });

  it('does not change under relabeling or permutation of raters and items', () => {
    const random = seededRandom(8);
    for (let trial = 0; trial < 20; trial++) {
      const matrix = randomMatrix(random, 20, 4, 4);
      const items = permutation(random, matrix.length);
      const raters = permutation(random, 4);
      const labels = permutation(random, 4);
      const shuffled = items.map(i =>
        raters.map(r => {
          const v = matrix[i][r];
          return v === null ? null : `L${labels[v - 1]}`;
        }),
      );
      const before = encodeMatrix(matrix);
      // the same scale size: relabeling must not add or drop categories
      const after = encodeMatrix(shuffled, {
        categories: [0, 1, 2, 3].map(l => `L${l}`),
      });
      const full = encodeMatrix(matrix, { categories: [1, 2, 3, 4] });
      for (const measure of Object.values(measures)) {
        expect(summary(measure(after))).toEqual(summary(measure(full)));
      }
      const kappa = summary(cohensKappaForRaters(before, 0, 1));
      const swapped = summary(cohensKappaForRaters(before, 1, 0));
      expect(swapped).toEqual(kappa);
    }
  });
});
