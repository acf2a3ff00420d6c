import { parseProjectConfig, ProjectConfig } from '../config';
import { DawidSkeneModel } from './dawidSkene';
import { decideItemOutcome, ItemAnswer } from './itemOutcome';

function config(extra: Record<string, unknown> = {}): ProjectConfig {
  const parsed = parseProjectConfig({
    questions: [
      {
        id: 'mood',
        type: 'single-choice',
        title: 'Mood',
        field: 'title',
        labels: ['happy', 'sad', 'calm'],
      },
      {
        id: 'comment',
        type: 'free-text',
        title: 'Comment',
        field: 'title',
        required: false,
      },
    ],
    overlap: 2,
    workforce: {
      annotators: ['group:a'],
      qualityAnalysts: ['group:qa'],
      managers: ['group:m'],
    },
    ...extra,
  });
  if (!parsed.success) {
    throw new Error(JSON.stringify(parsed.issues));
  }
  return parsed.config;
}

const moods = (...labels: string[]): ItemAnswer[] =>
  labels.map((mood, i) => ({ annotator: `user:${i}`, answer: { mood } }));

describe('decideItemOutcome', () => {
  it('resolves an item whose annotators agree', () => {
    const decision = decideItemOutcome({
      config: config(),
      answers: moods('sad', 'sad'),
      extraAnnotators: 0,
    });
    expect(decision).toEqual({
      status: 'resolved',
      reasons: [],
      answer: { mood: 'sad' },
      method: 'majority',
      confidence: 1,
      agreement: { mood: { value: 1 } },
    });
  });

  it('asks one more annotator on disagreement, then escalates at the cap', () => {
    const c = config({ quality: { extraAnnotatorCap: 1 } });
    const first = decideItemOutcome({
      config: c,
      answers: moods('sad', 'happy'),
      extraAnnotators: 0,
    });
    expect(first.status).toBe('pending');
    expect(first.status === 'pending' && first.extraAnnotators).toBe(1);
    expect(first.reasons).toEqual([
      {
        code: 'low-agreement',
        question: 'mood',
        measure: 'percent',
        value: 0,
        threshold: 0.6,
      },
      { code: 'low-confidence', question: 'mood', value: 0, threshold: 0.7 },
    ]);
    // the tie has no consensus
    expect(first.answer).toEqual({ mood: undefined });

    const second = decideItemOutcome({
      config: c,
      answers: moods('sad', 'happy', 'happy'),
      extraAnnotators: 1,
    });
    expect(second.status).toBe('escalated');
    // 2 of 3 agree: pairwise agreement 1/3, majority share 2/3
    expect(second.reasons).toEqual([
      expect.objectContaining({ code: 'low-agreement', value: 1 / 3 }),
      expect.objectContaining({ code: 'low-confidence', value: 2 / 3 }),
    ]);
    expect(second.answer).toEqual({ mood: 'happy' });
  });

  it('never grants beyond the cap of zero', () => {
    const decision = decideItemOutcome({
      config: config({ quality: { extraAnnotatorCap: 0 } }),
      answers: moods('sad', 'happy'),
      extraAnnotators: 0,
    });
    expect(decision.status).toBe('escalated');
  });

  it('uses the question threshold over the project one', () => {
    const decision = decideItemOutcome({
      config: config({
        quality: {
          minConfidence: 0.6,
          questions: { mood: { threshold: 0.3 } },
        },
      }),
      answers: moods('sad', 'sad', 'calm'),
      extraAnnotators: 0,
    });
    expect(decision.status).toBe('resolved');
    expect(decision.confidence).toBeCloseTo(2 / 3, 12);
  });

  it('weighs annotators by the Dawid-Skene fit when there is one', () => {
    // user:2 is nearly always right, user:0 and user:1 answer at random
    const random = [
      [1 / 3, 1 / 3, 1 / 3],
      [1 / 3, 1 / 3, 1 / 3],
      [1 / 3, 1 / 3, 1 / 3],
    ];
    const model: DawidSkeneModel = {
      categories: ['happy', 'sad', 'calm'],
      classPriors: [1 / 3, 1 / 3, 1 / 3],
      confusion: {
        'user:0': random,
        'user:1': random,
        'user:2': [
          [0.98, 0.01, 0.01],
          [0.01, 0.98, 0.01],
          [0.01, 0.01, 0.98],
        ],
      },
      pooledConfusion: random,
      accuracy: { 'user:0': 1 / 3, 'user:1': 1 / 3, 'user:2': 0.98 },
    };
    const decision = decideItemOutcome({
      config: config({ quality: { questions: { mood: { threshold: 0.3 } } } }),
      answers: moods('sad', 'sad', 'calm'),
      extraAnnotators: 0,
      models: { mood: model },
    });
    expect(decision.status).toBe('resolved');
    expect(decision.method).toBe('dawid-skene');
    expect(decision.answer).toEqual({ mood: 'calm' });
    // P(calm | answers) = 0.98 (1/3)² / (0.98 (1/3)² + 2 · 0.01 (1/3)²)
    expect(decision.confidence).toBeCloseTo(0.98 / 1.0, 12);
  });

  it('leaves out the answers of excluded annotators', () => {
    const decision = decideItemOutcome({
      config: config(),
      answers: moods('happy', 'sad', 'sad'),
      extraAnnotators: 0,
      excluded: new Set(['user:0']),
    });
    expect(decision.status).toBe('resolved');
    expect(decision.answer).toEqual({ mood: 'sad' });
  });

  it('resolves a single answer: no agreement to gate, full confidence', () => {
    const decision = decideItemOutcome({
      config: config({ overlap: 1 }),
      answers: moods('calm'),
      extraAnnotators: 0,
    });
    expect(decision.status).toBe('resolved');
    expect(decision.agreement).toEqual({
      mood: { undefined: 'too-few-answers' },
    });
  });

  it('does not gate free text, and keeps its most common answer', () => {
    const decision = decideItemOutcome({
      config: config(),
      answers: [
        { annotator: 'user:0', answer: { mood: 'sad', comment: 'Rainy ' } },
        { annotator: 'user:1', answer: { mood: 'sad', comment: 'sunny' } },
        { annotator: 'user:2', answer: { mood: 'sad', comment: 'rainy' } },
      ],
      extraAnnotators: 0,
    });
    expect(decision.status).toBe('resolved');
    expect(decision.answer).toEqual({ mood: 'sad', comment: 'Rainy ' });
    expect(Object.keys(decision.agreement)).toEqual(['mood']);
  });

  it('keeps the labels most multiple-choice answers chose', () => {
    const c = config({
      questions: [
        {
          id: 'tags',
          type: 'multiple-choice',
          title: 'Tags',
          field: 'title',
          labels: ['live', 'remix', 'cover'],
        },
      ],
      quality: { minConfidence: 0.6, agreementThreshold: 0.3 },
    });
    const decision = decideItemOutcome({
      config: c,
      answers: [
        { annotator: 'a', answer: { tags: ['live', 'remix'] } },
        { annotator: 'b', answer: { tags: ['remix'] } },
        { annotator: 'c', answer: { tags: ['remix', 'live'] } },
      ],
      extraAnnotators: 0,
    });
    expect(decision.answer).toEqual({ tags: ['live', 'remix'] });
    // 'live' chosen by 2 of 3: the least clear label
    expect(decision.confidence).toBeCloseTo(2 / 3, 12);
    // exact sets: a and c agree (order does not matter), b differs
    expect(decision.agreement).toEqual({ tags: { value: 1 / 3 } });
    expect(decision.status).toBe('resolved');
  });

  it('takes the span answer closest to the others', () => {
    const c = config({
      questions: [
        {
          id: 'names',
          type: 'text-spans',
          title: 'Names',
          field: 'title',
          labels: ['artist', 'song'],
        },
      ],
      quality: { questions: { names: { iouThreshold: 0.5 } } },
    });
    const near = { start: 0, end: 10, label: 'artist' };
    const decision = decideItemOutcome({
      config: c,
      answers: [
        { annotator: 'a', answer: { names: [near] } },
        { annotator: 'b', answer: { names: [{ ...near, end: 9 }] } },
        {
          annotator: 'c',
          answer: { names: [near, { start: 20, end: 25, label: 'song' }] },
        },
      ],
      extraAnnotators: 0,
    });
    // a: F1 1 with b, 2/3 with c → 5/6; b the same; c: 2/3 twice
    expect(decision.answer).toEqual({ names: [near] });
    expect(decision.confidence).toBeCloseTo(5 / 6, 12);
    expect(decision.agreement.names).toEqual({
      value: (1 + 2 / 3 + 2 / 3) / 3,
    });
  });
});
