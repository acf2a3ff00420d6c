import { describeConfigIssues } from './projectConfig';
import { parseNewProject } from './newProject';
import { incompatibleConfigChanges, STATUS_TRANSITIONS } from './lifecycle';
import { parseProjectConfig, ProjectConfig } from './projectConfig';
import { summarizeProjectConfig } from './summary';

const workforce = {
  annotators: ['group:cu-annotators'],
  qualityAnalysts: ['group:cu-quality-analysts'],
  managers: ['group:cu-project-managers'],
};
const config = {
  workforce,
  questions: [
    {
      id: 'category',
      type: 'single-choice',
      title: 'Category',
      field: 'transcript',
      labels: ['none', 'hate-speech'],
    },
    {
      id: 'severity',
      type: 'ordinal-rating',
      title: 'Severity',
      field: 'transcript',
      min: 1,
      max: 5,
    },
  ],
};
const project = {
  name: 'podcast-policy-review',
  title: 'Podcast policy review',
  owner: 'group:cu-ml-engineering',
  lifecycle: 'production',
  model: 'resource:podcast-policy-violation',
  dataset: 'resource:podcast-policy-labels',
  config,
};

function issues(input: unknown): string {
  const result = parseNewProject(input);
  if (result.success) {
    throw new Error('expected a rejection');
  }
  return describeConfigIssues(result.issues);
}

function parsed(input: unknown): ProjectConfig {
  const result = parseProjectConfig(input);
  if (!result.success) {
    throw new Error(JSON.stringify(result.issues));
  }
  return result.config;
}

describe('parseNewProject', () => {
  it('accepts a complete project and parses its config', () => {
    const result = parseNewProject(project);
    expect(result.success).toBe(true);
    expect(result.success && result.config.overlap).toBe(1);
  });

  it('names each bad top-level field', () => {
    expect(issues({ ...project, name: 'Bad Name!' })).toMatch(
      /^name: a catalogue entity name expected/,
    );
    expect(issues({ ...project, title: '' })).toBe(
      'title: a non-empty string expected',
    );
    expect(issues({ ...project, status: 'live' })).toBe(
      'status: one of draft, active, paused, completed, archived expected',
    );
    expect(issues({ ...project, colour: 'red' })).toBe(
      'colour: is not a known field',
    );
    expect(issues({ ...project, model: 'component:ranker' })).toBe(
      'model: expected a reference to a resource entity, got kind "component"',
    );
  });

  it('prefixes config problems with config.', () => {
    expect(
      issues({ ...project, config: { ...config, overlap: 'three' } }),
    ).toBe('config.overlap: an integer expected');
    expect(
      issues({
        ...project,
        config: {
          ...config,
          workforce: { ...workforce, managers: ['user:x'] },
        },
      }),
    ).toBe(
      'config.workforce.managers[0]: expected a reference to a group entity, got kind "user"',
    );
    expect(issues({ ...project, config: undefined })).toBe(
      'config: is required (an object expected)',
    );
  });

  it('rejects what is not an object', () => {
    expect(issues([project])).toBe('a project object expected');
    expect(issues(null)).toBe('a project object expected');
  });
});

describe('summarizeProjectConfig', () => {
  it('gives mixed for several question types, else the one type', () => {
    expect(summarizeProjectConfig(parsed(config)).taskType).toBe('mixed');
    expect(
      summarizeProjectConfig(
        parsed({ ...config, questions: [config.questions[0]] }),
      ),
    ).toEqual({
      workforce,
      taskType: 'single-choice',
      questions: [{ id: 'category', type: 'single-choice', title: 'Category' }],
    });
  });
});

describe('lifecycle', () => {
  it('makes archived final and lets paused projects resume', () => {
    expect(STATUS_TRANSITIONS.archived).toEqual([]);
    expect(STATUS_TRANSITIONS.paused).toContain('active');
    expect(STATUS_TRANSITIONS.draft).not.toContain('completed');
  });

  it('allows additions and refuses changes that orphan answers', () => {
    const before = parsed(config);
    expect(
      incompatibleConfigChanges(
        before,
        parsed({
          ...config,
          questions: [
            { ...config.questions[0], labels: ['none', 'hate-speech', 'spam'] },
            { ...config.questions[1], min: 0, max: 7 },
            {
              id: 'notes',
              type: 'free-text',
              title: 'Notes',
              field: 'transcript',
            },
          ],
        }),
      ),
    ).toEqual([]);
    expect(
      incompatibleConfigChanges(
        before,
        parsed({
          ...config,
          questions: [
            { ...config.questions[1], min: 2, max: 5 },
            { ...config.questions[0], field: 'title' },
          ],
        }),
      ),
    ).toEqual([
      {
        path: 'questions[1].field',
        message: '"transcript" expected: the question has answers',
      },
      {
        path: 'questions[0]',
        message: 'a range containing 1..5 expected: the question has answers',
      },
    ]);
    expect(
      incompatibleConfigChanges(
        before,
        parsed({
          ...config,
          questions: [
            {
              id: 'severity',
              type: 'free-text',
              title: 'Severity',
              field: 'transcript',
            },
          ],
        }),
      ).map(i => i.message),
    ).toEqual([
      'question "category" has answers and cannot be removed',
      '"ordinal-rating" expected: the question has answers',
    ]);
  });
});
