import { describeConfigIssues, parseProjectConfig } from '../config';
import {
  predictionUncertainty,
  readField,
  validateAnswer,
  validateItemData,
  validatePredictions,
} from './validation';

const result = parseProjectConfig({
  workforce: { annotators: ['a'], qualityAnalysts: ['q'], managers: ['m'] },
  questions: [
    {
      id: 'category',
      type: 'single-choice',
      title: 'C',
      field: 'transcript',
      labels: ['none', 'hate'],
    },
    {
      id: 'topics',
      type: 'multiple-choice',
      title: 'T',
      field: 'transcript',
      labels: ['a', 'b', 'c'],
      maxSelected: 2,
      required: false,
    },
    {
      id: 'evidence',
      type: 'text-spans',
      title: 'E',
      field: 'transcript',
      labels: ['evidence'],
      required: false,
    },
    {
      id: 'music',
      type: 'audio-segments',
      title: 'M',
      field: 'audio.url',
      durationField: 'audio.seconds',
      labels: ['music'],
      allowOverlap: false,
      required: false,
    },
    {
      id: 'note',
      type: 'free-text',
      title: 'N',
      field: 'transcript',
      maxLength: 10,
      required: false,
    },
    {
      id: 'severity',
      type: 'ordinal-rating',
      title: 'S',
      field: 'transcript',
      min: 1,
      max: 5,
      required: false,
    },
  ],
});
if (!result.success) {
  throw new Error(JSON.stringify(result.issues));
}
const config = result.config;
const data = {
  transcript: 'They said something hateful.',
  audio: { url: 'https://media.example.com/ep1.mp3', seconds: 60 },
};

const describe_ = (issues: ReturnType<typeof validateAnswer>) =>
  describeConfigIssues(issues);

describe('validateItemData', () => {
  it('accepts data with every field in the right shape', () => {
    expect(validateItemData(config, data)).toEqual([]);
    expect(readField(data, 'audio.url')).toBe(data.audio.url);
  });

  it('names missing and mis-shaped fields', () => {
    expect(describe_(validateItemData(config, { transcript: 42 }))).toBe(
      [
        'data.transcript: a string expected (text spans of question "evidence")',
        'data.audio.url: is required by question "music"',
      ].join('; '),
    );
    expect(
      describe_(
        validateItemData(config, {
          transcript: 'x',
          audio: { url: ['java', 'script:alert(1)'].join(''), seconds: -1 },
        }),
      ),
    ).toBe(
      [
        'data.audio.url: an http(s) URL expected (media of question "music")',
        'data.audio.seconds: a positive number of seconds expected (duration for question "music")',
      ].join('; '),
    );
    expect(validateItemData(config, [1])).toEqual([
      { path: 'data', message: 'an object expected' },
    ]);
  });
});

describe('validatePredictions', () => {
  it('checks labels and scores, and gives the uncertainty', () => {
    const predictions = { category: { label: 'hate', score: 0.7 } };
    expect(validatePredictions(config, predictions)).toEqual([]);
    expect(predictionUncertainty(predictions)).toBeCloseTo(0.3);
    expect(
      describe_(
        validatePredictions(config, {
          category: { label: 'spam', score: 2 },
          nope: { label: 'x', score: 0.1 },
        }),
      ),
    ).toBe(
      [
        'predictions.category.label: one of none, hate expected',
        'predictions.category.score: a number from 0 to 1 expected',
        'predictions.nope: not a question of this project',
      ].join('; '),
    );
  });
});

describe('validateAnswer', () => {
  it('accepts a full valid answer', () => {
    expect(
      validateAnswer(config, data, {
        category: 'hate',
        topics: ['a', 'c'],
        evidence: [{ start: 5, end: 27, label: 'evidence' }],
        music: [
          { start: 0, end: 10.5, label: 'music' },
          { start: 10.5, end: 60, label: 'music' },
        ],
        note: 'short',
        severity: 4,
      }),
    ).toEqual([]);
  });

  it('requires required questions and refuses unknown ones', () => {
    expect(describe_(validateAnswer(config, data, { extra: 1 }))).toBe(
      'answer.extra: not a question of this project; answer.category: is required',
    );
    expect(describe_(validateAnswer(config, data, 'hate'))).toBe(
      'answer: an object keyed by question id expected',
    );
  });

  it.each([
    [{ category: 'spam' }, 'answer.category: one of none, hate expected'],
    [
      { category: 'none', topics: ['a', 'a', 'z'] },
      'answer.topics[1]: "a" is chosen twice; answer.topics[2]: one of a, b, c expected; answer.topics: at most 2 labels expected',
    ],
    [
      {
        category: 'none',
        evidence: [{ start: 3, end: 99, label: 'evidence' }],
      },
      'answer.evidence[0].end: at most 28 (the text length) expected',
    ],
    [
      {
        category: 'none',
        evidence: [{ start: 1.5, end: 4, label: 'evidence' }],
      },
      'answer.evidence[0].start: a whole character offset from 0 expected',
    ],
    [
      {
        category: 'none',
        music: [
          { start: 0, end: 20, label: 'music' },
          { start: 10, end: 30, label: 'music' },
        ],
      },
      'answer.music[1]: overlaps answer.music[0]; this question does not allow overlaps',
    ],
    [
      { category: 'none', music: [{ start: 50, end: 61, label: 'music' }] },
      'answer.music[0].end: at most 60 (the media duration in seconds) expected',
    ],
    [
      { category: 'none', music: [{ start: 5, end: 4, label: 'music' }] },
      'answer.music[0].end: a number of seconds greater than start expected',
    ],
    [
      { category: 'none', note: 'far too long' },
      'answer.note: at most 10 characters expected',
    ],
    [
      { category: 'none', severity: 6 },
      'answer.severity: a whole number from 1 to 5 expected',
    ],
    [
      { category: 'none', severity: 2.5 },
      'answer.severity: a whole number from 1 to 5 expected',
    ],
  ])('rejects %j', (answer, message) => {
    expect(describe_(validateAnswer(config, data, answer))).toBe(message);
  });
});
