import { evaluateLlmAnswers, EvaluationRow } from './evaluation';
import { configThreshold, llmJobRate } from './figures';

const job = {
  status: 'running' as const,
  createdAt: '2025-01-01T10:00:00.000Z',
  updatedAt: '2025-01-01T10:01:00.000Z',
  itemsTotal: 100,
  itemsDone: 25,
  itemsFailed: 5,
};
const at = (iso: string) => Date.parse(iso);

describe('llmJobRate', () => {
  it('counts finished items per minute to now while running, with the time left', () => {
    // 30 items in 2 minutes: 15/min; 70 left: 280 s
    expect(llmJobRate(job, at('2025-01-01T10:02:00.000Z'))).toEqual({
      itemsPerMinute: 15,
      remainingMs: 280_000,
    });
  });

  it('stops the clock at the end, or at the last change while paused', () => {
    const now = at('2025-01-01T11:00:00.000Z');
    expect(
      llmJobRate(
        {
          ...job,
          status: 'completed',
          itemsDone: 95,
          finishedAt: '2025-01-01T10:04:00.000Z',
        },
        now,
      ),
    ).toEqual({ itemsPerMinute: 25 });
    // paused: to updatedAt (one minute), no time left to tell
    expect(llmJobRate({ ...job, status: 'paused' }, now)).toEqual({
      itemsPerMinute: 30,
    });
  });

  it('has no rate before the first item or the first millisecond', () => {
    expect(
      llmJobRate({ ...job, itemsDone: 0, itemsFailed: 0 }, at(job.updatedAt)),
    ).toEqual({});
    expect(llmJobRate(job, at(job.createdAt))).toEqual({});
  });
});

const row = (
  llm: string | undefined,
  truth: string,
  confidence?: number,
): EvaluationRow => ({ llm, truth, confidence, cost: 1 });
const evaluate = (rows: EvaluationRow[]) =>
  evaluateLlmAnswers(rows, { targetPrecision: 0.9 });

describe('configThreshold', () => {
  it("is the question's own recommendation with one question", () => {
    const evaluation = evaluate([
      row('a', 'a', 0.99),
      row('a', 'a', 0.95),
      row('b', 'a', 0.9),
      row('b', 'b', 0.8),
    ]);
    expect(evaluation.recommended?.threshold).toBe(0.95);
    expect(configThreshold([{ id: 'q', evaluation }], 0.9)).toEqual({
      reachable: true,
      threshold: 0.95,
      targetPrecision: 0.9,
      questions: [{ id: 'q', coverage: 0.5, precision: 1 }],
    });
  });

  it('reaches the target on every question at once, trying each candidate', () => {
    // q1 alone: 0.7 (3 of 3 right at ≥ 0.7); q2 alone: 0.6 (its wrong
    // answer at 0.75 is outweighed there, 9 of 10, but not at 0.7)
    const q1 = evaluate([
      row('a', 'a', 0.99),
      row('a', 'a', 0.8),
      row('a', 'a', 0.7),
      row('b', 'a', 0.5),
    ]);
    const q2 = evaluate([
      ...[0.99, 0.98, 0.97, 0.96, 0.95, 0.94, 0.93, 0.92].map(c =>
        row('a', 'a', c),
      ),
      row('b', 'a', 0.75),
      row('a', 'a', 0.6),
    ]);
    expect(q1.recommended?.threshold).toBe(0.7);
    expect(q2.recommended?.threshold).toBe(0.6);
    // the higher of the two, 0.7, fails q2 (8 of 9 < 0.9); at 0.6 q1
    // accepts the same three: the lowest where both reach it
    const both = configThreshold(
      [
        { id: 'q1', evaluation: q1 },
        { id: 'q2', evaluation: q2 },
      ],
      0.9,
    );
    expect(both).toEqual({
      reachable: true,
      threshold: 0.6,
      targetPrecision: 0.9,
      questions: [
        { id: 'q1', coverage: 0.75, precision: 1 },
        { id: 'q2', coverage: 1, precision: 0.9 },
      ],
    });
  });

  it('names the questions whose curve never reaches the target', () => {
    const good = evaluate([row('a', 'a', 0.9)]);
    const bad = evaluate([row('b', 'a', 0.99), row('a', 'a', 0.5)]);
    expect(
      configThreshold(
        [
          { id: 'good', evaluation: good },
          { id: 'bad', evaluation: bad },
        ],
        0.9,
      ),
    ).toEqual({ reachable: false, targetPrecision: 0.9, unreachable: ['bad'] });
    // no answer with a confidence at all: nothing to recommend
    expect(
      configThreshold(
        [{ id: 'q', evaluation: evaluate([row('a', 'a')]) }],
        0.9,
      ),
    ).toEqual({ reachable: false, targetPrecision: 0.9, unreachable: ['q'] });
    expect(configThreshold([], 0.9)).toBeUndefined();
  });
});
