import { parseProjectConfig, ProjectConfig } from '../config/projectConfig';
import { goldAgreement } from './gold';

const workforce = {
  annotators: ['group:default/a'],
  qualityAnalysts: ['group:default/q'],
  managers: ['group:default/m'],
};

function configOf(questions: unknown[]): ProjectConfig {
  const parsed = parseProjectConfig({ workforce, questions });
  if (!parsed.success) {
    throw new Error(JSON.stringify(parsed.issues));
  }
  return parsed.config;
}

const config = configOf([
  {
    id: 'mood',
    type: 'single-choice',
    title: 'Mood',
    field: 'text',
    labels: ['happy', 'sad'],
  },
  {
    id: 'tags',
    type: 'multiple-choice',
    title: 'Tags',
    field: 'text',
    labels: ['a', 'b', 'c'],
    required: false,
  },
  {
    id: 'names',
    type: 'text-spans',
    title: 'Names',
    field: 'text',
    labels: ['person'],
    required: false,
  },
  {
    id: 'speech',
    type: 'audio-segments',
    title: 'Speech',
    field: 'audio',
    labels: ['voice'],
    required: false,
  },
  {
    id: 'quality',
    type: 'ordinal-rating',
    title: 'Quality',
    field: 'text',
    required: false,
  },
  {
    id: 'note',
    type: 'free-text',
    title: 'Note',
    field: 'text',
    required: false,
  },
]);

const gold = {
  mood: 'happy',
  tags: ['a', 'c'],
  names: [
    { start: 0, end: 10, label: 'person' },
    { start: 20, end: 30, label: 'person' },
  ],
  speech: [{ start: 1.5, end: 4, label: 'voice' }],
  quality: 4,
  note: 'a cheerful text',
};

describe('goldAgreement', () => {
  it('counts an answer equal to the gold as right on every scored question', () => {
    expect(goldAgreement(config, gold, gold)).toEqual({
      questions: {
        mood: true,
        tags: true,
        names: true,
        speech: true,
        quality: true,
      },
      scored: 5,
      correct: true,
    });
  });

  it('ignores free text, and the order of multiple-choice labels and of spans', () => {
    const answer = {
      ...gold,
      tags: ['c', 'a'],
      names: [...gold.names].reverse(),
      note: 'something else entirely',
    };
    expect(goldAgreement(config, answer, gold).correct).toBe(true);
  });

  it('tells which question is wrong', () => {
    const result = goldAgreement(
      config,
      { ...gold, mood: 'sad', tags: ['a'], quality: 5 },
      gold,
    );
    expect(result.questions).toEqual({
      mood: false,
      tags: false,
      names: true,
      speech: true,
      quality: false,
    });
    expect(result.correct).toBe(false);
    expect(
      goldAgreement(config, { ...gold, tags: ['a', 'b', 'c'] }, gold).questions
        .tags,
    ).toBe(false);
  });

  it('matches spans and segments by IoU at the threshold, every unit one to one', () => {
    const shifted = {
      ...gold,
      names: [
        { start: 1, end: 10, label: 'person' }, // IoU 0.9
        { start: 22, end: 30, label: 'person' }, // IoU 0.8
      ],
    };
    expect(goldAgreement(config, shifted, gold).questions.names).toBe(true);
    expect(
      goldAgreement(config, shifted, gold, { iouThreshold: 0.85 }).questions
        .names,
    ).toBe(false);
    // a missed unit, an extra unit, a wrong label
    for (const names of [
      [gold.names[0]],
      [...gold.names, { start: 40, end: 45, label: 'person' }],
      [gold.names[0], { ...gold.names[1], label: 'place' }],
    ]) {
      expect(
        goldAgreement(config, { ...gold, names }, gold).questions.names,
      ).toBe(false);
    }
    expect(
      goldAgreement(
        config,
        { ...gold, speech: [{ start: 3, end: 6, label: 'voice' }] },
        gold,
      ).questions.speech,
    ).toBe(false); // IoU 1 / 4.5
  });

  it('scores only the questions the gold answers; a left-out answer has no labels', () => {
    const partialGold = { mood: 'sad', names: [] };
    expect(goldAgreement(config, { mood: 'sad' }, partialGold)).toEqual({
      questions: { mood: true, names: true },
      scored: 2,
      correct: true,
    });
    expect(goldAgreement(config, {}, partialGold).questions).toEqual({
      mood: false,
      names: true,
    });
    expect(goldAgreement(config, gold, { note: 'only text' })).toEqual({
      questions: {},
      scored: 0,
      correct: true,
    });
  });
});
