import {
  parseConfig,
  trackConfigInput,
} from '../../__testUtils__/fakeAnnotationApi';
import { agreementOf, formatMeasure, formatReason } from './format';

const config = parseConfig({
  ...trackConfigInput,
  quality: { questions: { belongs: { threshold: 0.8 } } },
});

describe('escalation reasons and agreement in words', () => {
  it('says each reason with its value against the threshold', () => {
    expect(
      formatReason(
        {
          code: 'low-agreement',
          question: 'belongs',
          measure: 'percent',
          value: null,
          threshold: 0.8,
        },
        config,
      ),
    ).toBe(
      'Low agreement on "Does the track belong on the artist page?": percent undefined < threshold 0.80',
    );
    expect(
      formatReason(
        {
          code: 'low-confidence',
          question: 'belongs',
          value: 0.512,
          threshold: 0.7,
        },
        config,
      ),
    ).toBe(
      'Low consensus confidence on "Does the track belong on the artist page?": 0.51 < minimum 0.70',
    );
    expect(
      formatReason(
        {
          code: 'llm-disagreement',
          question: 'gone',
          llmAnswer: 'yes',
          humanAnswer: ['no', 'unsure'],
        },
        config,
      ),
    ).toBe('LLM disagrees on gone: LLM yes, humans no, unsure');
    expect(
      formatReason(
        { code: 'annotator-flag', annotator: 'annotator 2' },
        config,
      ),
    ).toBe('Flagged by annotator 2');
  });

  it("measures an item's agreement against the question's own threshold", () => {
    expect(agreementOf(config, 'belongs', { value: 0.75 })).toEqual({
      text: '0.75 (percent, threshold 0.80)',
      low: true,
    });
    expect(agreementOf(config, 'belongs', { value: 0.8 })).toEqual({
      text: '0.80 (percent, threshold 0.80)',
      low: false,
    });
    expect(
      agreementOf(config, 'belongs', { undefined: 'too-few-answers' }),
    ).toEqual({
      text: '— (too-few-answers) (percent, threshold 0.80)',
      low: true,
    });
    expect(formatMeasure(undefined)).toBe('—');
  });
});
