import OpenAI, { toFile } from 'openai';
import { clientFor } from './__testUtils__/helpers';
import { LlmSimulator, startLlmSimulator } from './server';

const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['label'],
  properties: { label: { type: 'string', enum: ['a', 'b', 'c'] } },
};

function line(customId: string, key: string) {
  return {
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: `Label it.\nitem: ${key}` }],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'label', schema: SCHEMA, strict: true },
      },
    },
  };
}

async function upload(client: OpenAI, lines: unknown[]) {
  const text = `${lines
    .map(l => (typeof l === 'string' ? l : JSON.stringify(l)))
    .join('\n')}\n`;
  const file = await client.files.create({
    file: await toFile(Buffer.from(text), 'requests.jsonl'),
    purpose: 'batch',
  });
  return { file, text };
}

async function waitFor(client: OpenAI, id: string, statuses: string[]) {
  for (let i = 0; i < 400; i++) {
    const batch = await client.batches.retrieve(id);
    if (statuses.includes(batch.status)) return batch;
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  throw new Error(`batch ${id} never reached ${statuses}`);
}

async function jsonl(client: OpenAI, fileId: string) {
  const text = await (await client.files.content(fileId)).text();
  return text
    .trim()
    .split('\n')
    .map(l => JSON.parse(l));
}

describe('files and batches through the OpenAI SDK', () => {
  let simulator: LlmSimulator;
  let client: OpenAI;

  beforeAll(async () => {
    simulator = await startLlmSimulator({ seed: 5 });
    client = clientFor(simulator);
  });
  afterAll(() => simulator.close());
  beforeEach(() => {
    simulator.setOptions({
      faultRate: 0,
      faults: {},
      batchLinesPerSecond: 2000,
      truth: {},
      accuracy: 0.85,
    });
    simulator.requests.clear();
  });

  it('uploads a JSONL file and serves its metadata and content', async () => {
    const { file, text } = await upload(client, [line('x', 'k')]);
    expect(file).toMatchObject({
      object: 'file',
      purpose: 'batch',
      filename: 'requests.jsonl',
      bytes: Buffer.byteLength(text),
      status: 'processed',
    });
    expect((await client.files.retrieve(file.id)).bytes).toBe(
      Buffer.byteLength(text),
    );
    expect(await (await client.files.content(file.id)).text()).toBe(text);
    await expect(client.files.retrieve('file-missing')).rejects.toBeInstanceOf(
      OpenAI.NotFoundError,
    );
  });

  it('runs a batch to completion: one output line per input, with usage and counts', async () => {
    simulator.setOptions({
      accuracy: 1,
      truth: Object.fromEntries(
        Array.from({ length: 40 }, (_, i) => [
          `k${i}`,
          { label: 'abc'[i % 3] },
        ]),
      ),
    });
    const inputs = Array.from({ length: 40 }, (_, i) =>
      line(`req-${i}`, `k${i}`),
    );
    const { file } = await upload(client, inputs);
    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      metadata: { job: 'test' },
    });
    expect(created.status).toBe('validating');
    const batch = await waitFor(client, created.id, ['completed', 'failed']);
    expect(batch.status).toBe('completed');
    expect(batch.request_counts).toEqual({
      total: 40,
      completed: 40,
      failed: 0,
    });
    expect(batch.error_file_id).toBeNull();
    expect(batch.metadata).toEqual({ job: 'test' });

    const output = await jsonl(client, batch.output_file_id!);
    expect(output.map(o => o.custom_id).sort()).toEqual(
      inputs.map(i => i.custom_id).sort(),
    );
    for (const o of output) {
      const i = Number(o.custom_id.slice(4));
      expect(o.error).toBeNull();
      expect(o.response.status_code).toBe(200);
      expect(o.response.body.system_fingerprint).toBe('chorus-simulator');
      expect(JSON.parse(o.response.body.choices[0].message.content)).toEqual({
        label: 'abc'[i % 3],
      });
    }
    const sum = (key: 'prompt_tokens' | 'completion_tokens') =>
      output.reduce((s, o) => s + o.response.body.usage[key], 0);
    expect(batch.usage).toMatchObject({
      input_tokens: sum('prompt_tokens'),
      output_tokens: sum('completion_tokens'),
    });
    // every line is in the request log, billed once, under its batch
    const lines = simulator.requests.completions();
    expect(lines.length).toBe(40);
    expect(lines.every(e => e.batchId === batch.id && e.billed)).toBe(true);
    expect(simulator.requests.itemsBilledMoreThanOnce()).toEqual([]);
  });

  it('writes failed lines to the error file, each input answered in one file or the other', async () => {
    simulator.setOptions({
      faults: { serverError: 0.3, refusal: 0.2, rateLimit: 0.2 },
    });
    const inputs = Array.from({ length: 60 }, (_, i) =>
      line(`req-${i}`, `e${i}`),
    );
    inputs[7].body.model = '' as never; // an invalid request fails its line only
    const { file } = await upload(client, inputs);
    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    const batch = await waitFor(client, created.id, ['completed']);
    const output = await jsonl(client, batch.output_file_id!);
    const errors = await jsonl(client, batch.error_file_id!);
    expect(batch.request_counts).toEqual({
      total: 60,
      completed: output.length,
      failed: errors.length,
    });
    expect([...output, ...errors].map(o => o.custom_id).sort()).toEqual(
      inputs.map(i => i.custom_id).sort(),
    );
    expect(errors.find(e => e.custom_id === 'req-7').response).toMatchObject({
      status_code: 400,
      body: { error: { param: 'model' } },
    });
    const serverErrors = errors.filter(e => e.response.status_code === 500);
    expect(serverErrors.length).toBeGreaterThan(5);
    // rate limits are the batch's own business: no line fails with 429
    expect(errors.every(e => e.response.status_code !== 429)).toBe(true);
    expect(
      output.filter(o => o.response.body.choices[0].message.refusal).length,
    ).toBeGreaterThan(3);
  });

  it('fails a batch whose input file has bad lines, naming them', async () => {
    const { file } = await upload(client, [
      line('a', 'k1'),
      '{not json',
      line('a', 'k2'),
      { ...line('c', 'k3'), url: '/v1/embeddings' },
    ]);
    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    const batch = await waitFor(client, created.id, ['failed', 'completed']);
    expect(batch.status).toBe('failed');
    expect(batch.errors!.data!.map(e => [e.line, e.code])).toEqual([
      [2, 'invalid_json_line'],
      [3, 'duplicate_custom_id'],
      [4, 'invalid_url'],
    ]);
    expect(simulator.requests.completions()).toEqual([]);
  });

  it('refuses a batch of a missing file or another endpoint', async () => {
    await expect(
      client.batches.create({
        input_file_id: 'file-missing',
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const { file } = await upload(client, [line('a', 'k1')]);
    const error = await client.batches
      .create({
        input_file_id: file.id,
        endpoint: '/v1/embeddings',
        completion_window: '24h',
      })
      .catch(e => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.param).toBe('endpoint');
  });

  it('cancels a running batch, keeping the lines done so far', async () => {
    simulator.setOptions({ batchLinesPerSecond: 40 });
    const inputs = Array.from({ length: 200 }, (_, i) =>
      line(`req-${i}`, `c${i}`),
    );
    const { file } = await upload(client, inputs);
    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    await waitFor(client, created.id, ['in_progress']);
    await new Promise(resolve => setTimeout(resolve, 200));
    const cancelling = await client.batches.cancel(created.id);
    expect(cancelling.status).toBe('cancelling');
    const batch = await waitFor(client, created.id, ['cancelled']);
    const done = batch.request_counts!.completed;
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(200);
    expect((await jsonl(client, batch.output_file_id!)).length).toBe(done);
    expect(simulator.requests.completions().length).toBe(done);
    await expect(client.batches.cancel(created.id)).rejects.toBeInstanceOf(
      OpenAI.BadRequestError,
    );
  });
});
