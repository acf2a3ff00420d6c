import { LlmSimulator, startLlmSimulator } from '@chorus/llm-simulator';
import {
  answerJsonSchema,
  LlmAnnotatorConfigInput,
  parseProjectConfig,
  ProjectConfig,
} from '@chorus/plugin-annotation-common';
import { LlmProvider } from '@chorus/plugin-annotation-node';
import { choiceConfig, workforce } from '../../__testUtils__/fixtures';
import {
  llmConfig,
  recordingFetch,
  SentBody,
  SIM_MODEL,
  simulatorProvider,
} from '../../__testUtils__/llm';
import { Reservation } from './budget';
import { LlmClient, RequestRefused } from './LlmClient';
import { promptContext } from './prompt';

jest.setTimeout(30_000);

/** A project asking every question type about one item. */
function everyTypeProject(): ProjectConfig {
  const parsed = parseProjectConfig({
    workforce,
    instructions: 'Label the track as a music editor would.',
    questions: [
      {
        id: 'genre',
        type: 'single-choice',
        title: 'Genre',
        field: 'title',
        labels: ['rock', 'pop', 'jazz'],
      },
      {
        id: 'moods',
        type: 'multiple-choice',
        title: 'Moods',
        field: 'title',
        labels: ['calm', 'happy', 'sad'],
      },
      {
        id: 'people',
        type: 'text-spans',
        title: 'People named',
        field: 'text',
        labels: ['PER', 'ORG'],
      },
      {
        id: 'speech',
        type: 'audio-segments',
        title: 'Speech',
        field: 'audio',
        labels: ['speech', 'music'],
      },
      {
        id: 'scenes',
        type: 'video-segments',
        title: 'Scenes',
        field: 'video',
        labels: ['intro', 'outro'],
      },
      { id: 'summary', type: 'free-text', title: 'Summary', field: 'text' },
      {
        id: 'quality',
        type: 'ordinal-rating',
        title: 'Quality',
        field: 'title',
        min: 1,
        max: 5,
      },
    ],
  });
  if (!parsed.success) {
    throw new Error(JSON.stringify(parsed.issues));
  }
  return parsed.config;
}

const ITEM = {
  id: '1',
  externalId: 'track-1',
  data: {
    title: 'So What',
    text: 'Miles Davis plays with John Coltrane',
    audio: 'https://media.example/so-what.mp3',
    video: 'https://media.example/so-what.mp4',
  },
};
const TRUTH = {
  genre: 'jazz',
  moods: ['calm', 'sad'],
  people: [
    { start: 0, end: 11, label: 'PER' },
    { start: 23, end: 36, label: 'PER' },
  ],
  speech: [{ start: 1.5, end: 4, label: 'speech' }],
  scenes: [{ start: 0, end: 12, label: 'intro' }],
  summary: 'A calm modal jazz piece.',
  quality: 4,
};
const TEMPLATE = 'Title: {{ data.title }}\ntext: {{ data.text }}';

describe('LlmClient against the simulator', () => {
  let simulator: LlmSimulator;

  beforeAll(async () => {
    simulator = await startLlmSimulator({ seed: 11 });
  });
  afterAll(() => simulator.close());
  beforeEach(() => {
    simulator.setOptions({
      faultRate: 0,
      faults: {},
      accuracy: 1,
      truth: { 'track-1': TRUTH },
      confidence: { base: 0.7, gain: 0.2, noise: 0 },
      retryAfterMs: 300,
      apiKey: undefined,
    });
    simulator.requests.clear();
  });

  function setup(
    input: Partial<LlmAnnotatorConfigInput> = {},
    options: {
      project?: ProjectConfig;
      provider?: Partial<LlmProvider>;
      afterEach?: (body: SentBody, status: number) => void;
      retry?: { maxAttempts?: number; baseDelayMs?: number };
    } = {},
  ) {
    const project = options.project ?? everyTypeProject();
    const recorded = recordingFetch(options.afterEach);
    const client = new LlmClient({
      fetch: recorded.fetch,
      retry: { baseDelayMs: 10, ...options.retry },
    });
    const config = llmConfig({ promptTemplate: TEMPLATE, ...input });
    const provider = simulatorProvider(simulator, options.provider);
    const annotate = (
      item:
        | typeof ITEM
        | { id: string; externalId: string; data: unknown } = ITEM,
      reserve?: (r: Reservation) => Promise<void>,
    ) =>
      client.annotate(
        {
          context: promptContext(project, config),
          provider,
          item,
          examples:
            config.fewShot.source === 'fixed' ? config.fewShot.examples : [],
        },
        { reserve },
      );
    return { annotate, sent: recorded.sent, project };
  }

  const completions = () => simulator.requests.completions();

  it('answers every question type through a strict JSON schema', async () => {
    const { annotate, sent, project } = setup();
    const result = await annotate();
    expect(result).toMatchObject({
      status: 'answered',
      answer: TRUTH,
      model: SIM_MODEL,
      simulated: true,
      attempts: 1,
      samples: 1,
    });
    const [entry] = completions();
    expect(result.tokensIn).toBe(entry.promptTokens);
    expect(result.tokensOut).toBe(entry.completionTokens);
    expect(result.cost).toBeCloseTo(
      (entry.promptTokens * 1000 + entry.completionTokens * 4000) / 1e6,
      12,
    );
    expect(entry.itemKey).toBe('track-1');

    const [body] = sent;
    expect(body.response_format).toEqual({
      type: 'json_schema',
      json_schema: {
        name: 'answer',
        schema: answerJsonSchema(project),
        strict: true,
      },
    });
    expect(body.tools).toBeUndefined();
    expect(body.max_tokens).toBe(512);
    expect(body.messages.map((m: any) => m.role)).toEqual(['system', 'user']);
    expect(body.messages[0].content).toContain(
      'Label the track as a music editor would.',
    );
    expect(body.messages[0].content).toContain(
      '- genre: Genre (one of: rock, pop, jazz)',
    );
    expect(body.messages[1].content).toBe(
      'Title: So What\ntext: Miles Davis plays with John Coltrane\n\nid: track-1',
    );
  });

  it('asks for a tool call when the provider has no JSON schema mode', async () => {
    const { annotate, sent, project } = setup(
      {},
      { provider: { supportsJsonSchema: false } },
    );
    const result = await annotate();
    expect(result).toMatchObject({ status: 'answered', answer: TRUTH });
    expect(sent[0].response_format).toBeUndefined();
    expect(sent[0].tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'answer',
          description: 'Records the answer to the questions.',
          parameters: answerJsonSchema(project),
          strict: true,
        },
      },
    ]);
    expect(sent[0].tool_choice).toEqual({
      type: 'function',
      function: { name: 'answer' },
    });
    // tool arguments come without logprobs: no confidence to read
    expect(result.confidence).toBeUndefined();
  });

  it('uses JSON mode with the schema in the prompt when configured', async () => {
    const { annotate, sent } = setup({ output: 'json_object' });
    const result = await annotate();
    expect(result).toMatchObject({ status: 'answered', answer: TRUTH });
    expect(sent[0].response_format).toEqual({ type: 'json_object' });
    expect(sent[0].messages[0].content).toContain(
      'The object follows this JSON schema: {"type":"object"',
    );
  });

  it('repairs malformed output by telling the model what was wrong', async () => {
    simulator.setOptions({ faults: { malformedJson: 1 } });
    const { annotate, sent } = setup(
      { maxRepairs: 2 },
      {
        // the first answer comes back cut off, the repair succeeds
        afterEach: () => simulator.setOptions({ faults: {} }),
      },
    );
    const result = await annotate();
    expect(result).toMatchObject({
      status: 'answered',
      answer: TRUTH,
      attempts: 2,
    });
    const [first, repair] = completions();
    expect(first.fault).toBe('malformedJson');
    expect(result.tokensIn).toBe(first.promptTokens + repair.promptTokens);
    expect(result.tokensOut).toBe(
      first.completionTokens + repair.completionTokens,
    );
    const turn = sent[1].messages.slice(-2);
    expect(turn[0].role).toBe('assistant');
    expect(turn[0].content.length).toBeGreaterThan(0);
    expect(JSON.stringify(TRUTH).startsWith(turn[0].content)).toBe(true);
    expect(turn[1]).toEqual({
      role: 'user',
      content:
        'Your answer could not be used: a JSON object expected. Reply again with only the corrected JSON object.',
    });
  });

  it('repairs a tool call with a tool message', async () => {
    simulator.setOptions({ faults: { malformedJson: 1 } });
    const { annotate, sent } = setup(
      {},
      {
        provider: { supportsJsonSchema: false },
        afterEach: () => simulator.setOptions({ faults: {} }),
      },
    );
    const result = await annotate();
    expect(result).toMatchObject({ status: 'answered', attempts: 2 });
    const [call, reply] = sent[1].messages.slice(-2);
    expect(call).toMatchObject({
      role: 'assistant',
      content: null,
      tool_calls: [{ type: 'function', function: { name: 'answer' } }],
    });
    expect(reply).toMatchObject({
      role: 'tool',
      tool_call_id: call.tool_calls[0].id,
      content: expect.stringMatching(/^Your answer could not be used/),
    });
  });

  it('gives up after maxRepairs, paying for every try', async () => {
    simulator.setOptions({ faults: { malformedJson: 1 } });
    const { annotate } = setup({ maxRepairs: 2 });
    const result = await annotate();
    expect(result).toMatchObject({
      status: 'invalid',
      reason: 'invalid-output',
      attempts: 3,
      error: expect.stringMatching(
        /^invalid output after 2 repair\(s\): a JSON object expected/,
      ),
    });
    const billed = completions().filter(e => e.billed);
    expect(billed).toHaveLength(3);
    expect(result.tokensIn).toBe(
      billed.reduce((sum, e) => sum + e.promptTokens, 0),
    );
    expect(result.rawOutput).toBeDefined();
  });

  it('records a refusal as such, without repairing it', async () => {
    simulator.setOptions({ faults: { refusal: 1 } });
    const { annotate } = setup();
    const result = await annotate();
    expect(result).toMatchObject({
      status: 'refused',
      reason: 'refusal',
      attempts: 1,
      rawOutput:
        "I'm sorry, but I can't help with that request. (simulated refusal)",
    });
    expect(result.tokensOut).toBe(completions()[0].completionTokens);
    expect(result.tokensOut).toBeGreaterThan(0);
  });

  it('reads the logprob confidence the simulator gave the label', async () => {
    const project = choiceConfig();
    const { annotate, sent } = setup(
      { promptTemplate: 'Track: {{ data.track_title }}' },
      { project },
    );
    const item = { id: '2', externalId: 'b-1', data: { track_title: 'Blue' } };
    simulator.setOptions({
      truth: { 'b-1': { belongs: 'no' }, 'b-2': { belongs: 'no' } },
    });
    // right: 0.7 + 0.2; the simulator writes ln(0.9) on the label token
    const right = await annotate(item);
    expect(right.answer).toEqual({ belongs: 'no' });
    expect(right.confidence).toBeCloseTo(0.9, 12);
    expect(sent[0]).toMatchObject({ logprobs: true, top_logprobs: 5 });
    // wrong (accuracy 0): 0.7
    simulator.setOptions({ accuracy: 0 });
    const wrong = await annotate({ ...item, externalId: 'b-2' });
    expect(wrong.answer).not.toEqual({ belongs: 'no' });
    expect(wrong.confidence).toBeCloseTo(0.7, 12);
  });

  it('takes the majority of n samples and its share as the confidence', async () => {
    simulator.setOptions({
      accuracy: 0.5,
      truth: { 'c-1': { belongs: 'yes' } },
    });
    const { annotate, sent } = setup(
      {
        promptTemplate: 'Track: {{ data.track_title }}',
        samples: 7,
        confidence: 'self-consistency',
        temperature: 1,
      },
      { project: choiceConfig() },
    );
    const result = await annotate({
      id: '3',
      externalId: 'c-1',
      data: { track_title: 'Green' },
    });
    expect(sent[0].n).toBe(7);
    expect(sent[0].logprobs).toBeUndefined();
    expect(completions().filter(e => e.billed)).toHaveLength(1);
    const votes: string[] = JSON.parse(result.rawOutput!).map(
      (text: string) => JSON.parse(text).belongs,
    );
    expect(votes).toHaveLength(7);
    const counts = new Map<string, number>();
    votes.forEach(v => counts.set(v, (counts.get(v) ?? 0) + 1));
    const top = Math.max(...counts.values());
    expect(counts.get(result.answer!.belongs as string)).toBe(top);
    expect(result.confidence).toBe(top / 7);
    expect(top).toBeLessThan(7); // the samples did disagree
  });

  it('retries a 429 after the Retry-After it asked for', async () => {
    simulator.setOptions({ faults: { rateLimit: 1 } });
    const { annotate } = setup(
      {},
      {
        afterEach: (_body, status) => {
          if (status === 429) simulator.setOptions({ faults: {} });
        },
      },
    );
    const started = Date.now();
    const result = await annotate();
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(result).toMatchObject({ status: 'answered', attempts: 2 });
    expect(completions().map(e => e.status)).toEqual([429, 200]);
    expect(result.tokensIn).toBe(completions()[1].promptTokens);
  });

  it.each([
    ['serverError', 'provider-error', /^HTTP 500/],
    ['rateLimit', 'rate-limited', /^HTTP 429/],
    ['timeout', 'timeout', /^the request timed out/],
  ] as const)(
    'gives up on %s after the last attempt, saying why',
    async (fault, reason, message) => {
      simulator.setOptions({ faults: { [fault]: 1 }, retryAfterMs: 20 });
      const { annotate } = setup(
        {},
        { retry: { maxAttempts: 3 }, provider: { timeoutMs: 250 } },
      );
      const result = await annotate();
      expect(result).toMatchObject({ status: 'error', reason, attempts: 3 });
      expect(result.error).toMatch(message);
      expect(result.error).toContain('(attempt 3 of 3)');
      expect(result.tokensIn + result.tokensOut + result.cost).toBe(0);
    },
  );

  it('does not retry what a retry cannot fix (401)', async () => {
    simulator.setOptions({ apiKey: 'sk-right' });
    const { annotate } = setup();
    const result = await annotate();
    expect(result).toMatchObject({
      status: 'error',
      reason: 'provider-error',
      attempts: 1,
    });
    expect(result.error).toMatch(/^HTTP 401/);
  });

  it('reserves the most each request can cost before sending it', async () => {
    const reservations: Reservation[] = [];
    const { annotate } = setup({ maxOutputTokens: 200 });
    // emoji and accents: more tokens per character than English
    const item = {
      id: '4',
      externalId: 'track-1',
      data: { ...ITEM.data, title: '🎷🎺 Ça ira — 東京 ☕️'.repeat(20) },
    };
    const result = await annotate(item, async r => {
      reservations.push(r);
    });
    expect(result.status).toBe('answered');
    const [entry] = completions();
    expect(reservations).toHaveLength(1);
    expect(reservations[0].tokens).toBeGreaterThanOrEqual(
      entry.promptTokens + entry.completionTokens,
    );
    expect(reservations[0].cost).toBeGreaterThanOrEqual(result.cost);

    // a refused reservation sends nothing
    simulator.requests.clear();
    const refused = await annotate(ITEM, async () => {
      throw new RequestRefused('budget', 'the job budget is spent');
    });
    expect(refused).toMatchObject({
      status: 'error',
      reason: 'budget',
      attempts: 0,
      cost: 0,
    });
    expect(completions()).toHaveLength(0);
  });

  it('sends fixed few-shot examples as user and assistant turns', async () => {
    const { annotate, sent } = setup(
      {
        promptTemplate: 'Track: {{ data.track_title }}',
        fewShot: {
          source: 'fixed',
          examples: [
            {
              data: { track_title: 'Smells Like Teen Spirit' },
              answer: { belongs: 'yes' },
            },
            {
              data: { track_title: 'Podcast episode 4' },
              answer: { belongs: 'no' },
            },
          ],
        },
      },
      { project: choiceConfig() },
    );
    await annotate({
      id: '5',
      externalId: 'd-1',
      data: { track_title: 'Lithium' },
    });
    expect(sent[0].messages.slice(1)).toEqual([
      { role: 'user', content: 'Track: Smells Like Teen Spirit' },
      { role: 'assistant', content: '{"belongs":"yes"}' },
      { role: 'user', content: 'Track: Podcast episode 4' },
      { role: 'assistant', content: '{"belongs":"no"}' },
      { role: 'user', content: 'Track: Lithium\n\nid: d-1' },
    ]);
    expect(completions()[0].itemKey).toBe('d-1');
  });
});
