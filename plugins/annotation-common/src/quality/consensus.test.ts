import { encodeMatrix } from './codedAnswers';
import { majorityVote, majorityVotes } from './consensus';
import { randomMatrix, seededRandom } from './__testUtils__/random';

describe('majorityVote', () => {
  it('returns the winning label and its vote share', () => {
    expect(majorityVote(['a', 'b', 'a'])).toEqual({
      label: 'a',
      votes: 2,
      share: 2 / 3,
      tieBroken: false,
    });
  });

  it('leaves a tie undefined by default, so the item escalates', () => {
    expect(majorityVote(['b', 'a', 'a', 'b', 'c'])).toEqual({
      undefined: 'tie',
      tied: ['b', 'a'],
    });
    expect(majorityVote([])).toEqual({ undefined: 'no-answers' });
  });

  it('breaks ties deterministically when asked', () => {
    expect(
      majorityVote(['b', 'a', 'a', 'b'], {
        tie: 'first-category',
        categories: ['a', 'b'],
      }),
    ).toMatchObject({ label: 'a', share: 0.5, tieBroken: true });
    expect(
      majorityVote(['b', 'a', 'a', 'b'], { tie: 'first-answer' }),
    ).toMatchObject({ label: 'b', tieBroken: true });
  });

  it('agrees item by item with the bulk version over coded answers', () => {
    const matrix = randomMatrix(seededRandom(4), 300, 4, 3, 0.3);
    const data = encodeMatrix(matrix, { categories: [1, 2, 3] });
    for (const tie of ['undefined', 'first-category'] as const) {
      const bulk = majorityVotes(data, tie);
      matrix.forEach((row, i) => {
        const one = majorityVote(
          row.filter((v): v is number => v !== null),
          { tie, categories: [1, 2, 3] },
        );
        const label = 'label' in one ? one.label : undefined;
        expect(bulk.labels[i] === -1 ? undefined : bulk.labels[i] + 1).toBe(
          label,
        );
        expect(bulk.shares[i]).toBe('share' in one ? one.share : 0);
      });
    }
  });
});
