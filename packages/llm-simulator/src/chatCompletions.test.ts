import OpenAI from 'openai';
import { encode as encodeO200k } from 'gpt-tokenizer/encoding/o200k_base';
import { encode as encodeCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { clientFor, schemaProblems } from './__testUtils__/helpers';
import { SIMULATED_FINGERPRINT } from './completion';
import { LlmSimulator, startLlmSimulator } from './server';

const ITEM_TEXT =
  'Ada Lovelace met Charles Babbage at the Royal Society in London.';

/** Every answer type a project's questions produce. */
const ALL_TYPES_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: [
    'sentiment',
    'topics',
    'quality',
    'summary',
    'entities',
    'flagged',
    'reviewer',
  ],
  properties: {
    sentiment: { type: 'string', enum: ['positive', 'negative', 'neutral'] },
    topics: {
      type: 'array',
      items: {
        type: 'string',
        enum: ['sports', 'politics', 'science', 'arts'],
      },
      minItems: 1,
      maxItems: 2,
    },
    quality: { type: 'integer', minimum: 1, maximum: 7 },
    summary: { type: 'string', maxLength: 40 },
    entities: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['start', 'end', 'label', 'text'],
        properties: {
          start: { type: 'integer', minimum: 0 },
          end: { type: 'integer', minimum: 1 },
          label: { type: 'string', enum: ['PER', 'ORG', 'LOC'] },
          text: { type: 'string' },
        },
      },
    },
    flagged: { type: 'boolean' },
    reviewer: { anyOf: [{ $ref: '#/$defs/reviewer' }, { type: 'null' }] },
  },
  $defs: {
    reviewer: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: { name: { type: 'string' } },
    },
  },
};

const LABEL_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['label'],
  properties: { label: { type: 'string', enum: ['cat', 'dog', 'bird'] } },
};

function messages(key: string, text = ITEM_TEXT) {
  return [
    { role: 'system' as const, content: 'You label items. Answer in JSON.' },
    { role: 'user' as const, content: `item: ${key}\ntext: ${text}` },
  ];
}

function jsonSchema(schema: object, name = 'answer') {
  return {
    type: 'json_schema' as const,
    json_schema: {
      name,
      schema: schema as Record<string, unknown>,
      strict: true,
    },
  };
}

describe('chat completions through the OpenAI SDK', () => {
  let simulator: LlmSimulator;
  let client: OpenAI;

  beforeAll(async () => {
    simulator = await startLlmSimulator({ seed: 7 });
    client = clientFor(simulator);
  });
  afterAll(() => simulator.close());
  beforeEach(() => {
    simulator.setOptions({
      seed: 7,
      accuracy: 0.85,
      confidence: {},
      truth: {},
      faultRate: 0,
      apiKey: undefined,
    });
    simulator.requests.clear();
  });

  it('lists its models, marked as the simulator’s', async () => {
    const models = await client.models.list();
    expect(models.data.map(m => m.id)).toEqual(['chorus-sim-1']);
    expect(models.data[0].owned_by).toBe(SIMULATED_FINGERPRINT);
  });

  it('answers every answer type of a json_schema, valid against it, marked simulated', async () => {
    for (let i = 0; i < 40; i++) {
      const completion = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: messages(`doc-${i}`),
        response_format: jsonSchema(ALL_TYPES_SCHEMA),
      });
      expect(completion.model).toBe('gpt-4o-mini');
      expect(completion.system_fingerprint).toBe(SIMULATED_FINGERPRINT);
      expect(completion.choices[0].finish_reason).toBe('stop');
      const answer = JSON.parse(completion.choices[0].message.content!);
      expect(schemaProblems(answer, ALL_TYPES_SCHEMA)).toEqual([]);
      // spans point into the item's text, do not overlap, and quote it
      let lastEnd = 0;
      for (const span of answer.entities) {
        expect(span.start).toBeGreaterThanOrEqual(lastEnd);
        expect(span.end).toBeGreaterThan(span.start);
        expect(span.end).toBeLessThanOrEqual(ITEM_TEXT.length);
        expect(ITEM_TEXT.slice(span.start, span.end)).toBe(span.text);
        lastEnd = span.end;
      }
      expect(answer.summary).toMatch(/^Simulated/);
    }
  });

  it('answers the truth when the truth table has the item and accuracy is 1', async () => {
    simulator.setOptions({
      accuracy: 1,
      truth: {
        'doc-1': {
          sentiment: 'negative',
          topics: ['science', 'arts'],
          quality: 6,
          summary: 'A meeting of two pioneers.',
          entities: [{ start: 0, end: 12, label: 'PER' }],
          flagged: true,
        },
      },
    });
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: messages('doc-1'),
      response_format: jsonSchema(ALL_TYPES_SCHEMA),
    });
    const answer = JSON.parse(completion.choices[0].message.content!);
    expect(answer).toMatchObject({
      sentiment: 'negative',
      topics: ['science', 'arts'],
      quality: 6,
      summary: 'A meeting of two pioneers.',
      entities: [{ start: 0, end: 12, label: 'PER', text: 'Ada Lovelace' }],
      flagged: true,
    });
  });

  it('answers every field wrong when accuracy is 0', async () => {
    const truth = {
      sentiment: 'negative',
      topics: ['science'],
      quality: 6,
      entities: [{ start: 0, end: 12, label: 'PER' }],
      flagged: true,
    };
    simulator.setOptions({ accuracy: 0, truth: { 'doc-2': truth } });
    for (let n = 0; n < 5; n++) {
      const completion = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: messages('doc-2'),
        response_format: jsonSchema(ALL_TYPES_SCHEMA),
        temperature: n / 4,
      });
      const answer = JSON.parse(completion.choices[0].message.content!);
      expect(schemaProblems(answer, ALL_TYPES_SCHEMA)).toEqual([]);
      expect(answer.sentiment).not.toBe(truth.sentiment);
      expect(answer.topics).not.toEqual(truth.topics);
      expect(answer.quality).not.toBe(truth.quality);
      expect(answer.entities).not.toEqual([
        { ...truth.entities[0], text: 'Ada Lovelace' },
      ]);
      expect(answer.flagged).toBe(false);
    }
  });

  it('finds the item key on the last `item:` line of the last user message', async () => {
    simulator.setOptions({
      accuracy: 1,
      truth: { b: { label: 'bird' }, a: { label: 'cat' } },
    });
    const completion = await client.chat.completions.create({
      model: 'chorus-sim-1',
      messages: [
        {
          role: 'user',
          content: 'Example:\nitem: a\nlabel: cat\n\nNow:\nid: b',
        },
      ],
      response_format: jsonSchema(LABEL_SCHEMA),
    });
    expect(JSON.parse(completion.choices[0].message.content!)).toEqual({
      label: 'bird',
    });
    expect(simulator.requests.entries[0].itemKey).toBe('b');
  });

  it('answers through a tool call with JSON arguments', async () => {
    simulator.setOptions({ accuracy: 1, truth: { t1: { label: 'dog' } } });
    const completion = await client.chat.completions.create({
      model: 'gpt-4.1-mini',
      messages: messages('t1'),
      tools: [
        {
          type: 'function',
          function: {
            name: 'other',
            parameters: { type: 'object', properties: {} },
          },
        },
        {
          type: 'function',
          function: { name: 'submit_label', parameters: LABEL_SCHEMA },
        },
      ],
      tool_choice: { type: 'function', function: { name: 'submit_label' } },
    });
    const choice = completion.choices[0];
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    const call = choice.message.tool_calls![0];
    if (call.type !== 'function') throw new Error('a function call expected');
    expect(call.function.name).toBe('submit_label');
    expect(JSON.parse(call.function.arguments)).toEqual({ label: 'dog' });
    expect(completion.usage!.completion_tokens).toBe(
      encodeO200k(call.function.arguments).length,
    );
  });

  it('gives the chosen label ln(confidence) and the alternatives the rest (hand-computed)', async () => {
    // noise 0: confidence = 0.55 + 0.4 = 0.95 when right, 0.55 when wrong
    simulator.setOptions({
      accuracy: 1,
      confidence: { base: 0.55, gain: 0.4, noise: 0 },
      truth: { l1: { label: 'dog' } },
    });
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: messages('l1'),
      response_format: jsonSchema(LABEL_SCHEMA),
      logprobs: true,
      top_logprobs: 5,
    });
    const choice = completion.choices[0];
    expect(choice.message.content).toBe('{"label":"dog"}');
    const tokens = choice.logprobs!.content!;
    expect(tokens.map(t => t.token).join('')).toBe(choice.message.content);
    const label = tokens.find(t => t.token.includes('dog'))!;
    expect(label.logprob).toBeCloseTo(Math.log(0.95), 12);
    // the others share 0.05: ln(0.025) each
    expect(label.top_logprobs.map(t => t.token)).toEqual([
      'dog',
      'cat',
      'bird',
    ]);
    [0.95, 0.025, 0.025].forEach((p, i) =>
      expect(label.top_logprobs[i].logprob).toBeCloseTo(Math.log(p), 12),
    );
    // every other token is certain, so exp(sum) is the label's probability
    const sum = tokens.reduce((s, t) => s + t.logprob, 0);
    expect(Math.exp(sum)).toBeCloseTo(0.95, 12);
    expect(label.bytes).toEqual([...Buffer.from('dog')]);

    simulator.setOptions({ accuracy: 0 });
    const wrong = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: messages('l1'),
      response_format: jsonSchema(LABEL_SCHEMA),
      logprobs: true,
    });
    const wrongTokens = wrong.choices[0].logprobs!.content!;
    expect(JSON.parse(wrong.choices[0].message.content!).label).not.toBe('dog');
    expect(
      Math.exp(wrongTokens.reduce((s, t) => s + t.logprob, 0)),
    ).toBeCloseTo(0.55, 12);
    expect(wrongTokens.every(t => t.top_logprobs.length === 0)).toBe(true);
  });

  it('gives n different samples, the same again for the same request', async () => {
    simulator.setOptions({ accuracy: 0.5, truth: { s1: { label: 'cat' } } });
    const ask = () =>
      client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: messages('s1'),
        response_format: jsonSchema(LABEL_SCHEMA),
        n: 12,
        logprobs: true,
      });
    const first = await ask();
    expect(first.choices.map(c => c.index)).toEqual([...Array(12).keys()]);
    const labels = first.choices.map(c => JSON.parse(c.message.content!).label);
    expect(new Set(labels).size).toBeGreaterThan(1);
    expect(labels).toContain('cat');
    const again = await ask();
    expect(again.choices.map(c => c.message.content)).toEqual(
      first.choices.map(c => c.message.content),
    );
    // usage bills every sample
    const total = first.choices.reduce(
      (s, c) => s + encodeO200k(c.message.content!).length,
      0,
    );
    expect(first.usage!.completion_tokens).toBe(total);
  });

  it('is deterministic for a seed and differs with another seed', async () => {
    const run = async (seed: number) => {
      simulator.setOptions({ seed });
      const answers: string[] = [];
      for (let i = 0; i < 20; i++) {
        const completion = await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: messages(`d-${i}`),
          response_format: jsonSchema(ALL_TYPES_SCHEMA),
          n: 2,
        });
        answers.push(...completion.choices.map(c => c.message.content!));
      }
      return answers;
    };
    const a = await run(1);
    const b = await run(1);
    const c = await run(2);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(c.filter((answer, i) => answer !== a[i]).length).toBeGreaterThan(10);
  });

  it('counts tokens as gpt-tokenizer does: the content, and the prompt by OpenAI’s formula', async () => {
    const msgs = messages(
      'tok-1',
      'Überraschung! 日本語のテキスト, <|endoftext|> and emoji 🎉.',
    );
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: msgs,
    });
    const content = completion.choices[0].message.content!;
    expect(completion.usage!.completion_tokens).toBe(
      encodeO200k(content).length,
    );
    const plain = { disallowedSpecial: new Set<string>() };
    const prompt =
      3 +
      msgs.reduce(
        (s, m) =>
          s +
          3 +
          encodeO200k(m.role, plain).length +
          encodeO200k(m.content, plain).length,
        0,
      );
    expect(completion.usage!.prompt_tokens).toBe(prompt);
    expect(completion.usage!.total_tokens).toBe(
      prompt + encodeO200k(content).length,
    );

    // gpt-4 models count with cl100k, and a schema adds its JSON text
    const gpt4 = await client.chat.completions.create({
      model: 'gpt-4-turbo',
      messages: msgs,
      response_format: jsonSchema(LABEL_SCHEMA),
    });
    const gpt4Prompt =
      3 +
      msgs.reduce(
        (s, m) =>
          s +
          3 +
          encodeCl100k(m.role, plain).length +
          encodeCl100k(m.content, plain).length,
        0,
      ) +
      encodeCl100k(JSON.stringify(LABEL_SCHEMA)).length;
    expect(gpt4.usage!.prompt_tokens).toBe(gpt4Prompt);
    expect(gpt4.usage!.completion_tokens).toBe(
      encodeCl100k(gpt4.choices[0].message.content!).length,
    );
  });

  it('stops at max_completion_tokens with finish_reason length', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: messages('max-1'),
      response_format: jsonSchema(ALL_TYPES_SCHEMA),
      max_completion_tokens: 5,
    });
    expect(completion.choices[0].finish_reason).toBe('length');
    expect(completion.usage!.completion_tokens).toBe(5);
    expect(() => JSON.parse(completion.choices[0].message.content!)).toThrow();
  });

  it('refuses what the real API refuses, in OpenAI’s error shape', async () => {
    const bad = async (body: Record<string, unknown>) => {
      const error = await client.chat.completions
        .create({ model: 'gpt-4o', messages: messages('x'), ...body } as never)
        .then(
          () => undefined,
          e => e,
        );
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      return error as InstanceType<typeof OpenAI.BadRequestError>;
    };
    expect((await bad({ stream: true })).param).toBe('stream');
    expect((await bad({ n: 0 })).param).toBe('n');
    expect((await bad({ top_logprobs: 3 })).param).toBe('top_logprobs');
    expect((await bad({ temperature: 3 })).param).toBe('temperature');
    expect((await bad({ messages: [] })).param).toBe('messages');
    expect((await bad({ modle: 'x' })).message).toMatch(
      /Unrecognized request argument supplied: modle/,
    );
    expect(
      (
        await bad({
          response_format: { type: 'json_schema', json_schema: { name: 'x' } },
        })
      ).param,
    ).toBe('response_format.json_schema.schema');
    expect(
      (
        await bad({
          tools: [{ type: 'function', function: { name: 'f' } }],
          tool_choice: { type: 'function', function: { name: 'g' } },
        })
      ).param,
    ).toBe('tool_choice');
    // nothing refused was billed
    expect(simulator.requests.stats().billed).toBe(0);
    expect(simulator.requests.stats().byStatus).toEqual({ 400: 8 });
  });

  it('answers a body that is not JSON, an unknown route and a bad upload with OpenAI-shaped 4xx', async () => {
    const post = (path: string, body: string, type = 'application/json') =>
      fetch(`${simulator.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': type },
        body,
      });
    const notJson = await post('/v1/chat/completions', '{"model": ');
    expect(notJson.status).toBe(400);
    expect((await notJson.json()).error.type).toBe('invalid_request_error');
    const unknown = await post('/v1/embeddings', '{}');
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.code).toBe('unknown_url');
    const form = new FormData();
    form.append('purpose', 'nonsense');
    form.append('file', new Blob(['{}\n']), 'a.jsonl');
    const upload = await fetch(`${simulator.url}/v1/files`, {
      method: 'POST',
      body: form,
    });
    expect(upload.status).toBe(400);
    expect((await upload.json()).error.param).toBe('purpose');
  });

  it('checks the API key when one is configured', async () => {
    simulator.setOptions({ apiKey: 'sk-right' });
    const error = await clientFor(simulator, { apiKey: 'sk-wrong' })
      .models.list()
      .then(
        () => undefined,
        e => e,
      );
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error.code).toBe('invalid_api_key');
    const ok = await clientFor(simulator, { apiKey: 'sk-right' }).models.list();
    expect(ok.data.length).toBe(1);
  });

  it('logs each request and counts billed completions per item', async () => {
    for (const key of ['a', 'b', 'a']) {
      await client.chat.completions.create({
        model: 'gpt-4o',
        messages: messages(key),
        response_format: jsonSchema(LABEL_SCHEMA),
      });
    }
    await client.models.list();
    const log = simulator.requests;
    expect(
      log.entries.map(e => [e.path, e.status, e.itemKey, e.billed]),
    ).toEqual([
      ['/v1/chat/completions', 200, 'a', true],
      ['/v1/chat/completions', 200, 'b', true],
      ['/v1/chat/completions', 200, 'a', true],
      ['/v1/models', 200, undefined, false],
    ]);
    expect(log.entries[2].attempt).toBe(1); // the same body seen a second time
    expect([...log.billedByItem()]).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    expect(log.itemsBilledMoreThanOnce()).toEqual(['a']);

    const stats = await (
      await fetch(`${simulator.url}/_simulator/stats`)
    ).json();
    expect(stats).toMatchObject({
      requests: 4,
      completions: 3,
      billed: 3,
      byStatus: { 200: 4 },
    });
    expect(stats.promptTokens).toBe(
      log.entries.reduce((s, e) => s + e.promptTokens, 0),
    );
    await fetch(`${simulator.url}/_simulator/reset`, { method: 'POST' });
    // the reset itself is the one request logged since
    expect(log.entries.map(e => e.path)).toEqual(['/_simulator/reset']);
  });
});
