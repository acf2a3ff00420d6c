import { QuestionConfig } from '@chorus/plugin-annotation-common';
import {
  parseConfig,
  trackConfigInput,
} from '../../__testUtils__/fakeAnnotationApi';
import { pickOption, toAnswer } from './answers';
import { formatDuration } from '../ProjectOverviewPage';
import { formatRemaining } from './LeaseCountdown';

const questions: QuestionConfig[] = parseConfig({
  ...trackConfigInput,
  questions: [
    {
      id: 'one',
      type: 'single-choice',
      title: 'One',
      field: 'f',
      labels: ['a', 'b', 'c'],
    },
    {
      id: 'many',
      type: 'multiple-choice',
      title: 'Many',
      field: 'f',
      labels: ['x', 'y', 'z'],
    },
    {
      id: 'none-ok',
      type: 'multiple-choice',
      title: 'Zero allowed',
      field: 'f',
      labels: ['x', 'y'],
      minSelected: 0,
    },
    {
      id: 'rate',
      type: 'ordinal-rating',
      title: 'Rate',
      field: 'f',
      min: 0,
      max: 3,
    },
    {
      id: 'text',
      type: 'free-text',
      title: 'Text',
      field: 'f',
      required: false,
    },
  ],
}).questions;
const [one, many, , rate] = questions;

describe('pickOption', () => {
  it('picks the n-th label, toggles checkboxes in label order, and maps ratings from their minimum', () => {
    expect(pickOption(one, undefined, 2)).toBe('b');
    expect(pickOption(many, undefined, 3)).toEqual(['z']);
    expect(pickOption(many, ['z'], 1)).toEqual(['x', 'z']);
    expect(pickOption(many, ['x', 'z'], 3)).toEqual(['x']);
    expect(pickOption(rate, undefined, 1)).toBe(0);
    expect(pickOption(rate, undefined, 4)).toBe(3);
  });

  it('ignores keys beyond the options', () => {
    expect(pickOption(one, 'a', 4)).toBe('a');
    expect(pickOption(rate, 2, 5)).toBe(2);
  });
});

describe('toAnswer', () => {
  it('leaves out what was not answered: empty text, no boxes ticked unless zero is allowed', () => {
    expect(
      toAnswer(questions, {
        one: 'a',
        many: [],
        'none-ok': [],
        rate: 0,
        text: '',
      }),
    ).toEqual({ one: 'a', 'none-ok': [], rate: 0 });
  });
});

describe('formatting', () => {
  it('formats durations and the lease countdown', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(300)).toBe('<1 s');
    expect(formatDuration(12_400)).toBe('12 s');
    expect(formatDuration(185_000)).toBe('3 min 05 s');
    expect(formatDuration(3_720_000)).toBe('1 h 02 min');
    expect(formatRemaining(599_001)).toBe('10:00');
    expect(formatRemaining(61_000)).toBe('1:01');
    expect(formatRemaining(-5)).toBe('0:00');
  });
});
