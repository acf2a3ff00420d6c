import {
  parseLlmAnnotatorConfig,
  parseProjectConfig,
  ProjectConfig,
} from '@chorus/plugin-annotation-common';
import {
  checkLlmDraft,
  draftFromConfig,
  draftToConfig,
  fieldLabel,
  newLlmDraft,
  sampleItem,
  serverIssues,
} from './form';

function project(): ProjectConfig {
  const parsed = parseProjectConfig({
    questions: [
      {
        id: 'belongs',
        type: 'single-choice',
        title: 'Belongs?',
        field: 'track.title',
        labels: ['yes', 'no'],
      },
      {
        id: 'music',
        type: 'audio-segments',
        title: 'Music',
        field: 'audio.url',
        durationField: 'audio.seconds',
        labels: ['music'],
        required: false,
      },
    ],
    workforce: {
      annotators: ['group:a'],
      qualityAnalysts: ['group:q'],
      managers: ['group:m'],
    },
  });
  if (!parsed.success) {
    throw new Error(JSON.stringify(parsed.issues));
  }
  return parsed.config;
}

describe('the LLM annotator form', () => {
  it('starts valid but for the name, which it asks only when creating', () => {
    const draft = newLlmDraft('openai');
    expect(checkLlmDraft(draft, { creating: false })).toMatchObject({
      ok: true,
    });
    expect(checkLlmDraft(draft, { creating: true })).toEqual({
      ok: false,
      issues: [{ path: 'name', message: expect.stringMatching(/lowercase/) }],
    });
    expect(
      checkLlmDraft({ ...draft, name: 'first-pass' }, { creating: true }).ok,
    ).toBe(true);
  });

  it('shows a saved config as it was and gives the same config back', () => {
    const parsed = parseLlmAnnotatorConfig({
      provider: 'openai',
      model: 'gpt-4o',
      systemPrompt: 'You label tracks.',
      promptTemplate: '{{ data.track.title }}',
      fewShot: {
        source: 'fixed',
        examples: [
          { data: { track: { title: 'A' } }, answer: { belongs: 'yes' } },
        ],
      },
      temperature: 0.4,
      samples: 3,
      confidence: 'self-consistency',
      role: 'auto-accept',
      autoAccept: { threshold: 0.9, auditRate: 0.2 },
    });
    if (!parsed.success) {
      throw new Error(JSON.stringify(parsed.issues));
    }
    const draft = draftFromConfig('gate', parsed.config);
    expect(draft).toMatchObject({
      name: 'gate',
      model: 'gpt-4o',
      temperature: '0.4',
      autoAcceptThreshold: '0.9',
    });
    expect(
      checkLlmDraft(draft, { creating: false, project: project() }),
    ).toEqual({ ok: true, config: parsed.config });
  });

  it('drops settings the chosen source and role do not use', () => {
    const draft = {
      ...newLlmDraft('openai'),
      fewShotExamples: '[{"data": {}, "answer": {}}]',
      autoAcceptThreshold: '0.9',
      prelabelInBlind: true,
    };
    const { input } = draftToConfig(draft);
    expect(input.fewShot).toMatchObject({ source: 'none', examples: [] });
    expect(input.autoAccept).toBeUndefined();
    expect(input.prelabelInBlind).toBe(false);
    // empty numbers take the defaults
    expect(
      draftToConfig({ ...draft, temperature: ' ' }).input,
    ).not.toHaveProperty('temperature');
  });

  it('names examples that are not JSON once, and checks their answers', () => {
    const fixed = { ...newLlmDraft('openai'), fewShotSource: 'fixed' as const };
    const notJson = checkLlmDraft(
      { ...fixed, fewShotExamples: '[{' },
      { creating: false },
    );
    expect(notJson.ok ? [] : notJson.issues).toEqual([
      {
        path: 'fewShot.examples',
        message: expect.stringMatching(/^not valid JSON \(/),
      },
    ]);
    const wrong = checkLlmDraft(
      {
        ...fixed,
        fewShotExamples: JSON.stringify([
          { data: {}, answer: { belongs: 'maybe' } },
        ]),
      },
      { creating: false, project: project() },
    );
    expect(wrong.ok ? [] : wrong.issues.map(i => i.path)).toEqual([
      'fewShot.examples[0].answer.belongs',
    ]);
  });

  it('checks the templates’ syntax where the parser does not', () => {
    const result = checkLlmDraft(
      {
        ...newLlmDraft('openai'),
        systemPrompt: '{{ secrets }}',
        promptTemplate: 'Hi {{ data',
      },
      { creating: false },
    );
    expect(result.ok ? [] : result.issues.map(i => i.path)).toEqual([
      'systemPrompt',
      'promptTemplate',
    ]);
  });

  it("reads the server's issues as the form's paths", () => {
    expect(
      serverIssues(
        'config.promptTemplate: {{ data.x }}: not a field of this project\'s items (known: a); config.fewShot.examples[0].answer.belongs: is required; config: unknown field "topP"',
      ),
    ).toEqual([
      {
        path: 'promptTemplate',
        message: "{{ data.x }}: not a field of this project's items (known: a)",
      },
      { path: 'fewShot.examples[0].answer.belongs', message: 'is required' },
      { path: '', message: 'unknown field "topP"' },
    ]);
    expect(serverIssues('name: already taken')).toEqual([
      { path: 'name', message: 'already taken' },
    ]);
  });

  it('labels config paths for the version diff', () => {
    expect(fieldLabel('temperature')).toBe('Temperature');
    expect(fieldLabel('autoAccept.threshold')).toBe('Auto-accept threshold');
    expect(fieldLabel('fewShot.examples[1].answer.belongs')).toBe(
      'Fixed examples [1].answer.belongs',
    );
    expect(fieldLabel('autoAccept')).toBe('Auto-accept settings');
    expect(fieldLabel('stop')).toBe('stop');
  });

  it('builds a sample item from the question fields, nested as in data', () => {
    expect(sampleItem(project())).toEqual({
      externalId: 'sample-item',
      data: {
        track: { title: '‹track.title›' },
        audio: { url: '‹audio.url›', seconds: '‹audio.seconds›' },
      },
    });
  });
});
