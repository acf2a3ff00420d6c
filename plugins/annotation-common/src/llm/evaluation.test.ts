import { evaluateLlmAnswers, EvaluationRow } from './evaluation';

// hand-made: 6 known items, the LLM refuses one
const rows: EvaluationRow[] = [
  { llm: 'yes', confidence: 0.95, truth: 'yes', consensus: 'yes', cost: 1 },
  { llm: 'yes', confidence: 0.9, truth: 'yes', consensus: 'yes', cost: 1 },
  { llm: 'no', confidence: 0.85, truth: 'no', consensus: 'no', cost: 1 },
  { llm: 'yes', confidence: 0.6, truth: 'no', consensus: 'no', cost: 1 },
  { llm: 'no', confidence: 0.55, truth: 'no', consensus: 'yes', cost: 1 },
  { truth: 'yes', consensus: 'yes', cost: 1 },
  // no known answer: counts for the kappa only
  { llm: 'no', confidence: 0.7, consensus: 'no', cost: 1 },
];

describe('evaluateLlmAnswers', () => {
  const e = evaluateLlmAnswers(rows, { targetPrecision: 0.95 });

  it('counts accuracy with and without abstentions, and per label', () => {
    expect(e.items).toBe(6);
    expect(e.answered).toBe(5);
    expect(e.accuracy).toEqual({ value: 4 / 5 });
    expect(e.accuracyWithAbstentions).toEqual({ value: 4 / 6 });
    expect(e.perLabel).toEqual([
      { label: 'yes', items: 3, accuracy: { value: 2 / 3 } },
      { label: 'no', items: 3, accuracy: { value: 2 / 3 } },
    ]);
  });

  it("computes Cohen's kappa with the consensus on the answered pairs", () => {
    // pairs (llm, consensus): yy yy nn yn ny nn → po = 4/6;
    // llm yes 3/6, consensus yes 3/6 → pe = 0.25 + 0.25 = 0.5
    expect(
      'value' in e.kappaWithConsensus && e.kappaWithConsensus.value,
    ).toBeCloseTo((4 / 6 - 0.5) / (1 - 0.5), 12);
  });

  it('bins confidences for calibration', () => {
    expect(e.reliability).toEqual([
      { from: 0.5, to: 0.6, count: 1, meanConfidence: 0.55, accuracy: 1 },
      { from: 0.6, to: 0.7, count: 1, meanConfidence: 0.6, accuracy: 0 },
      { from: 0.8, to: 0.9, count: 1, meanConfidence: 0.85, accuracy: 1 },
      {
        from: 0.9,
        to: 1,
        count: 2,
        meanConfidence: 0.925,
        accuracy: 1,
      },
    ]);
    // ECE = Σ n_b/N |acc_b − conf_b| = (0.45 + 0.6 + 0.15 + 2 · 0.075) / 5
    expect(
      'value' in e.expectedCalibrationError && e.expectedCalibrationError.value,
    ).toBeCloseTo((0.45 + 0.6 + 0.15 + 0.15) / 5, 12);
  });

  it('recommends the lowest threshold that keeps the target precision', () => {
    expect(e.riskCoverage.map(p => p.threshold)).toEqual([
      0.95, 0.9, 0.85, 0.6, 0.55,
    ]);
    expect(e.riskCoverage[3]).toEqual({
      threshold: 0.6,
      coverage: 4 / 6,
      precision: 3 / 4,
    });
    expect(e.recommended).toEqual({
      threshold: 0.85,
      coverage: 3 / 6,
      precision: 1,
      targetPrecision: 0.95,
      costPerAcceptedLabel: 6 / 3, // the known items' cost
    });
    // an unreachable target recommends nothing
    expect(
      evaluateLlmAnswers(rows.slice(3), { targetPrecision: 0.99 }).recommended,
    ).toBeUndefined();
  });

  it('says why a figure is missing instead of NaN', () => {
    const none = evaluateLlmAnswers([{ truth: 'yes', cost: 0 }], {
      targetPrecision: 0.9,
    });
    expect(none.accuracy).toEqual({ undefined: 'no-answers' });
    expect(none.expectedCalibrationError).toEqual({ undefined: 'no-answers' });
    expect(none.riskCoverage).toEqual([]);
  });
});
