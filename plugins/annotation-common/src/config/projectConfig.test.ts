import {
  describeConfigIssues,
  parseProjectConfig,
  ProjectConfigInput,
  questionQualityPolicy,
} from './projectConfig';

const workforce = {
  annotators: ['group:cu-annotators'],
  qualityAnalysts: ['group:cu-quality-analysts'],
  managers: ['group:cu-project-managers'],
};

function config(extra: Record<string, unknown> = {}): ProjectConfigInput {
  return {
    questions: [
      {
        id: 'belongs',
        type: 'single-choice',
        title: 'Does the track belong on the artist page?',
        field: 'track.title',
        labels: ['yes', 'no', { value: 'unsure', title: 'Not sure' }],
      },
    ],
    workforce,
    ...extra,
  } as ProjectConfigInput;
}

function issuesOf(input: unknown) {
  const result = parseProjectConfig(input);
  if (result.success) {
    throw new Error('expected the config to be rejected');
  }
  return result.issues;
}

describe('parseProjectConfig', () => {
  it('fills in defaults and normalises labels', () => {
    const result = parseProjectConfig(config());
    expect(result).toEqual({
      success: true,
      config: {
        questions: [
          {
            id: 'belongs',
            type: 'single-choice',
            title: 'Does the track belong on the artist page?',
            field: 'track.title',
            required: true,
            labels: [
              { value: 'yes' },
              { value: 'no' },
              { value: 'unsure', title: 'Not sure' },
            ],
          },
        ],
        instructions: '',
        overlap: 1,
        ordering: 'priority',
        blind: false,
        leaseTtlSeconds: 600,
        allowEditUntilResolved: true,
        workforce,
        quality: {
          agreementThreshold: 0.6,
          questions: {},
          minConfidence: 0.7,
          extraAnnotatorCap: 2,
          minGoldAccuracy: 0,
          goldRate: 0,
          qaSeesAnnotators: true,
        },
      },
    });
  });

  it("resolves each question's agreement measure and threshold", () => {
    const result = parseProjectConfig(
      config({
        questions: [
          ...config().questions,
          {
            id: 'spans',
            type: 'text-spans',
            title: 'S',
            field: 'x',
            labels: ['a'],
          },
          { id: 'note', type: 'free-text', title: 'N', field: 'x' },
        ],
        quality: {
          agreementThreshold: 0.8,
          questions: { spans: { threshold: 0.5 } },
        },
      }),
    );
    if (!result.success) {
      throw new Error(describeConfigIssues(result.issues));
    }
    const { config: parsed } = result;
    expect(parsed.quality.extraAnnotatorCap).toBe(2); // defaults kept
    expect(parsed.questions.map(q => questionQualityPolicy(parsed, q))).toEqual(
      [
        { measure: 'percent', threshold: 0.8 },
        { measure: 'span-f1', threshold: 0.5 },
        { measure: 'none', threshold: 0.8 },
      ],
    );
  });

  it('turns blind mode on by default when overlap > 1, unless told', () => {
    const three = parseProjectConfig(config({ overlap: 3 }));
    expect(three.success && three.config.blind).toBe(true);
    const open = parseProjectConfig(config({ overlap: 3, blind: false }));
    expect(open.success && open.config.blind).toBe(false);
  });

  it('accepts every question type', () => {
    const result = parseProjectConfig({
      workforce,
      questions: [
        {
          id: 'a',
          type: 'single-choice',
          title: 'A',
          field: 'x',
          labels: ['1', '2'],
        },
        {
          id: 'b',
          type: 'multiple-choice',
          title: 'B',
          field: 'x',
          labels: ['1', '2', '3'],
          minSelected: 1,
          maxSelected: 2,
        },
        {
          id: 'c',
          type: 'text-spans',
          title: 'C',
          field: 'transcript',
          labels: ['PER'],
        },
        {
          id: 'd',
          type: 'audio-segments',
          title: 'D',
          field: 'audio_url',
          durationField: 'duration_s',
          labels: ['music'],
        },
        {
          id: 'e',
          type: 'video-segments',
          title: 'E',
          field: 'video_url',
          labels: ['logo'],
        },
        { id: 'f', type: 'free-text', title: 'F', field: 'x', maxLength: 500 },
        {
          id: 'g',
          type: 'ordinal-rating',
          title: 'G',
          field: 'x',
          min: 0,
          max: 10,
        },
      ],
    });
    expect(result.success).toBe(true);
  });

  it('names the path and the expectation: too few labels', () => {
    const input = config();
    (input.questions as any).push(
      { id: 'q1', type: 'free-text', title: 'Q1', field: 'x' },
      {
        id: 'q2',
        type: 'single-choice',
        title: 'Q2',
        field: 'x',
        labels: ['only'],
      },
    );
    const issues = issuesOf(input);
    expect(describeConfigIssues(issues)).toBe(
      'questions[2].labels: at least 2 labels expected',
    );
  });

  it.each([
    [{ overlap: 0 }, 'overlap: at least 1 expected'],
    [{ overlap: 2.5 }, 'overlap: an integer expected'],
    [
      { ordering: 'fifo' },
      'ordering: one of priority, random, uncertainty expected',
    ],
    [{ leaseTtlSeconds: 5 }, 'leaseTtlSeconds: at least 30 seconds expected'],
    [{ blind: 'yes' }, 'blind: true or false expected'],
    [{ colour: 'red' }, 'unknown field "colour"'],
    [
      { quality: { minConfidence: 1.5 } },
      'quality.minConfidence: a probability between 0 and 1 expected',
    ],
    [
      { quality: { extraAnnotatorCap: -1 } },
      'quality.extraAnnotatorCap: at least 0 expected',
    ],
    [
      { quality: { goldRate: 0.9 } },
      'quality.goldRate: a share between 0 and 0.5 expected',
    ],
    [
      { quality: { qaSeesAnnotators: 'no' } },
      'quality.qaSeesAnnotators: true or false expected',
    ],
    [{ quality: { colour: 1 } }, 'quality: unknown field "colour"'],
    [
      { quality: { questions: { nope: { threshold: 0.5 } } } },
      'quality.questions.nope: a question id expected; there is no question "nope"',
    ],
    [
      { quality: { questions: { belongs: { measure: 'span-f1' } } } },
      'quality.questions.belongs.measure: percent or none expected for a single-choice question',
    ],
    [
      { quality: { questions: { belongs: { measure: 'kappa' } } } },
      'quality.questions.belongs.measure: one of percent, span-f1, none expected',
    ],
    [
      {
        questions: [
          { id: 'note', type: 'free-text', title: 'Note', field: 'text' },
        ],
        quality: { goldRate: 0.1 },
      },
      'quality.goldRate: 0 expected: free-text answers cannot be scored against gold; add a question of another type',
    ],
    [{ questions: [] }, 'questions: at least 1 question expected'],
    [
      { workforce: { ...workforce, managers: [] } },
      'workforce.managers: at least 1 group expected',
    ],
  ])('rejects %j with "%s"', (extra, message) => {
    expect(describeConfigIssues(issuesOf(config(extra)))).toBe(message);
  });

  it('rejects unknown question types, fields and bad ids by path', () => {
    const issues = issuesOf({
      workforce,
      questions: [
        { id: 'a', type: 'essay', title: 'A', field: 'x' },
        { id: 'B!', type: 'free-text', title: 'B', field: 'x', colour: 1 },
        { id: 'c', type: 'free-text', title: 'C', field: '1bad' },
      ],
    });
    expect(issues.map(i => i.path)).toEqual([
      'questions[0].type',
      'questions[1].id',
      'questions[1]',
      'questions[2].field',
    ]);
    expect(issues[0].message).toContain('single-choice');
    expect(issues[2].message).toBe('unknown field "colour"');
  });

  it('rejects duplicate ids and labels, and inconsistent ranges', () => {
    const issues = issuesOf({
      workforce,
      questions: [
        {
          id: 'a',
          type: 'single-choice',
          title: 'A',
          field: 'x',
          labels: ['y', 'y'],
        },
        {
          id: 'a',
          type: 'ordinal-rating',
          title: 'R',
          field: 'x',
          min: 5,
          max: 5,
        },
        {
          id: 'm',
          type: 'multiple-choice',
          title: 'M',
          field: 'x',
          labels: ['1', '2'],
          maxSelected: 3,
        },
      ],
    });
    expect(describeConfigIssues(issues)).toBe(
      [
        'questions[0].labels[1].value: duplicate label "y"',
        'questions[1].id: duplicate question id "a"',
        'questions[1].max: greater than min (5) expected',
        'questions[2].maxSelected: between minSelected and the number of labels (2) expected',
      ].join('; '),
    );
  });

  it('says a missing field is required', () => {
    const issues = issuesOf({ questions: config().questions });
    expect(issues).toEqual([
      { path: 'workforce', message: expect.stringMatching(/^is required/) },
    ]);
  });

  it('rejects a document that is not an object', () => {
    expect(issuesOf('questions: []')[0].path).toBe('');
    expect(issuesOf(null).length).toBe(1);
  });
});
