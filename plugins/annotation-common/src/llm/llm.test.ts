import { parseProjectConfig, ProjectConfig } from '../config';
import { validateAnswer } from '../items';
import {
  answerJsonSchema,
  checkTemplate,
  logprobConfidence,
  parseLlmAnnotatorConfig,
  parseLlmOutput,
  parseTemplate,
  renderTemplate,
  repairMessage,
  selfConsistency,
  TokenLogprob,
  valueProbability,
} from './index';

function project(): ProjectConfig {
  const parsed = parseProjectConfig({
    instructions: 'Be **careful**.',
    questions: [
      {
        id: 'category',
        type: 'single-choice',
        title: 'Which policy?',
        field: 'transcript',
        labels: ['none', 'hate-speech'],
      },
      {
        id: 'tags',
        type: 'multiple-choice',
        title: 'Tags',
        field: 'transcript',
        labels: ['live', 'remix'],
        required: false,
      },
      {
        id: 'evidence',
        type: 'text-spans',
        title: 'Evidence',
        field: 'transcript',
        labels: ['evidence'],
        required: false,
      },
      {
        id: 'severity',
        type: 'ordinal-rating',
        title: 'Severity',
        field: 'transcript',
        min: 1,
        max: 5,
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
      {
        id: 'note',
        type: 'free-text',
        title: 'Note',
        field: 'transcript',
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

const item = {
  externalId: 'ep-1',
  data: {
    transcript: 'they said awful things',
    audio: { url: 'https://example.org/a.mp3', seconds: 30 },
    show: 'Late talk',
  },
};

describe('LLM annotator config', () => {
  it('fills in defaults', () => {
    const parsed = parseLlmAnnotatorConfig({
      provider: 'local',
      promptTemplate: 'Transcript: {{ data.transcript }}',
    });
    expect(parsed).toEqual({
      success: true,
      config: {
        provider: 'local',
        systemPrompt: '',
        promptTemplate: 'Transcript: {{ data.transcript }}',
        fewShot: {
          source: 'none',
          examples: [],
          count: 3,
          selection: 'random',
        },
        output: 'json_schema',
        temperature: 0,
        samples: 1,
        confidence: 'logprobs',
        role: 'vote',
        prelabelInBlind: false,
        maxRepairs: 1,
        maxOutputTokens: 512,
      },
    });
  });

  it('names the field and what was expected', () => {
    const parsed = parseLlmAnnotatorConfig({
      provider: 'Local AI',
      promptTemplate: '',
      temperature: 3,
      role: 'auto-accept',
      confidence: 'self-consistency',
      fewShot: { source: 'fixed' },
      extra: 1,
    });
    expect(parsed.success).toBe(false);
    expect(!parsed.success && parsed.issues).toEqual(
      expect.arrayContaining([
        {
          path: 'provider',
          message: 'a provider id expected (as in annotation.llm.providers)',
        },
        { path: 'promptTemplate', message: 'a prompt template expected' },
        { path: 'temperature', message: 'a number from 0 to 2 expected' },
        { path: '', message: 'unknown field "extra"' },
      ]),
    );
    const refined = parseLlmAnnotatorConfig({
      provider: 'local',
      promptTemplate: 'x',
      role: 'auto-accept',
      confidence: 'self-consistency',
      fewShot: { source: 'fixed' },
    });
    expect(!refined.success && refined.issues).toEqual([
      {
        path: 'autoAccept',
        message: 'is required for role auto-accept ({ threshold, auditRate })',
      },
      {
        path: 'samples',
        message: 'at least 2 samples expected for self-consistency',
      },
      {
        path: 'fewShot.examples',
        message: 'at least 1 example expected for fixed few-shot',
      },
    ]);
  });
});

describe('prompt templates', () => {
  it('renders fields, the data, the instructions and the questions', () => {
    const { template, issues } = parseTemplate(
      '{{externalId}} / {{ data.show }} / {{ data.audio.seconds }} / {{ data.audio }}\n{{ instructions }}\n{{ questions }}',
    );
    expect(issues).toEqual([]);
    expect(template.fields).toEqual(['show', 'audio.seconds', 'audio']);
    expect(renderTemplate(template, item, project())).toBe(
      `ep-1 / Late talk / 30 / {"url":"https://example.org/a.mp3","seconds":30}
Be **careful**.
- category: Which policy? (one of: none, hate-speech)
- tags: Tags (any of: live, remix, optional)
- evidence: Evidence (character spans of "transcript" labelled evidence, optional)
- severity: Severity (a whole number from 1 to 5)
- music: Music (time segments in seconds labelled music, optional)
- note: Note (free text, optional)`,
    );
    // a missing field renders as nothing, never "undefined"
    const missing = parseTemplate('[{{ data.nope }}]').template;
    expect(renderTemplate(missing, item, project())).toBe('[]');
  });

  it('rejects what it cannot render when the config is saved', () => {
    expect(parseTemplate('Hi {{ data.x').issues).toEqual([
      {
        path: 'promptTemplate',
        message: '"{{" at character 4 is never closed with "}}"',
      },
    ]);
    expect(parseTemplate('{{ item.text }}').issues).toEqual([
      {
        path: 'promptTemplate',
        message:
          'unknown placeholder {{ item.text }} at character 1 (data.<field>, data, externalId, instructions or questions expected)',
      },
    ]);
    // fields: those the questions read, and those of the sample items
    expect(
      checkTemplate(
        '{{ data.transcript }} {{ data.show }} {{ data.host }}',
        project(),
        [item.data],
      ),
    ).toEqual([
      {
        path: 'promptTemplate',
        message:
          "{{ data.host }}: not a field of this project's items (known: audio, audio.seconds, audio.url, show, transcript)",
      },
    ]);
  });
});

describe('structured output', () => {
  it('derives a strict schema from every question type', () => {
    const schema = answerJsonSchema(project()) as any;
    expect(schema.required).toEqual([
      'category',
      'tags',
      'evidence',
      'severity',
      'music',
      'note',
    ]);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.category).toEqual({
      type: 'string',
      enum: ['none', 'hate-speech'],
      description: 'Which policy?',
    });
    expect(schema.properties.severity).toEqual({
      type: 'integer',
      minimum: 1,
      maximum: 5,
      description: 'Severity',
    });
    // optional questions may be null
    expect(schema.properties.tags.anyOf[1]).toEqual({ type: 'null' });
    expect(schema.properties.tags.anyOf[0].items.enum).toEqual([
      'live',
      'remix',
    ]);
    const span = schema.properties.evidence.anyOf[0].items;
    expect(span.properties.start.type).toBe('integer');
    expect(span.required).toEqual(['start', 'end', 'label']);
    const segment = schema.properties.music.anyOf[0].items;
    expect(segment.properties.start.type).toBe('number');
    expect(schema.properties.note.anyOf[0]).toEqual({
      type: 'string',
      description: 'Note',
    });
  });
});

describe('output parsing', () => {
  const good = {
    category: 'hate-speech',
    tags: null,
    evidence: [{ start: 10, end: 16, label: 'evidence' }],
    severity: 4,
    music: null,
    note: null,
  };

  it('reads a valid answer, dropping the nulls of optional questions', () => {
    const parsed = parseLlmOutput(project(), JSON.stringify(good), item.data);
    expect(parsed).toEqual({
      ok: true,
      answer: {
        category: 'hate-speech',
        evidence: [{ start: 10, end: 16, label: 'evidence' }],
        severity: 4,
      },
    });
    expect(
      validateAnswer(project(), item.data, parsed.ok && parsed.answer),
    ).toEqual([]);
  });

  it('finds the JSON in a fenced or chatty reply', () => {
    const fenced = `Sure!\n\`\`\`json\n${JSON.stringify(good)}\n\`\`\``;
    expect(parseLlmOutput(project(), fenced, item.data).ok).toBe(true);
    const chatty = `Here it is: ${JSON.stringify(good)} Hope that helps.`;
    expect(parseLlmOutput(project(), chatty, item.data).ok).toBe(true);
  });

  it('says why an output is unusable, for the repair prompt', () => {
    expect(parseLlmOutput(project(), '{"category": "hate', item.data)).toEqual({
      ok: false,
      reason: 'invalid-json',
      issues: [{ path: '', message: 'a JSON object expected' }],
    });
    expect(parseLlmOutput(project(), null, item.data).ok).toBe(false);
    const wrong = parseLlmOutput(
      project(),
      JSON.stringify({
        ...good,
        severity: 9,
        evidence: [{ start: 10, end: 99, label: 'evidence' }],
      }),
      item.data,
    );
    expect(wrong.ok).toBe(false);
    expect(!wrong.ok && wrong.reason).toBe('invalid-answer');
    expect(!wrong.ok && repairMessage(wrong)).toBe(
      'Your answer could not be used: answer.evidence[0].end: at most 22 (the text length) expected; answer.severity: a whole number from 1 to 5 expected. Reply again with only the corrected JSON object.',
    );
  });
});

describe('confidence', () => {
  // {"category":"hate-speech","severity":4}, tokenised as a server might
  const tokens: TokenLogprob[] = [
    { token: '{"', logprob: 0 },
    { token: 'category', logprob: 0 },
    { token: '":"', logprob: -0.01 },
    { token: 'hate', logprob: Math.log(0.8) },
    { token: '-speech', logprob: Math.log(0.9) },
    { token: '","', logprob: 0 },
    { token: 'severity', logprob: 0 },
    { token: '":', logprob: 0 },
    { token: '4', logprob: Math.log(0.6) },
    { token: '}', logprob: 0 },
  ];

  it('multiplies the probabilities of the tokens that spell the value', () => {
    expect(valueProbability(tokens, 'category', 'hate-speech')).toBeCloseTo(
      0.72,
      12,
    );
    expect(valueProbability(tokens, 'severity', 4)).toBeCloseTo(0.6, 12);
    expect(valueProbability(tokens, 'category', 'none')).toBeUndefined();
  });

  it('takes the least sure choice as the answer’s confidence', () => {
    expect(
      logprobConfidence(
        project(),
        { category: 'hate-speech', severity: 4 },
        tokens,
      ),
    ).toBeCloseTo(0.6, 12);
    // nothing to measure: no single-choice or rating value
    expect(logprobConfidence(project(), { note: 'x' }, tokens)).toBeUndefined();
  });

  it('counts the samples that agree', () => {
    const result = selfConsistency(project(), [
      { category: 'none', severity: 2 },
      { category: 'hate-speech', severity: 2 },
      { category: 'hate-speech', severity: 3 },
      { category: 'hate-speech', severity: 2 },
    ]);
    expect(result).toEqual({
      answer: { category: 'hate-speech', severity: 2 },
      confidence: 0.75,
    });
    expect(selfConsistency(project(), [])).toBeUndefined();
  });
});
