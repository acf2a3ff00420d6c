/**
 * The Batch API: a batch reads its JSONL input file, answers each line in
 * the background at a configured speed with the same completion code as the
 * online endpoint, and writes an output file (successes) and an error file
 * (failures) in OpenAI's batch output format.
 */
import { Router } from 'express';
import { randomBytes } from 'crypto';
import { parseChatRequest } from './chatRequest';
import { buildCompletion, prepareRequest } from './completion';
import { OpenAiError, handle, invalidRequest, notFound } from './errors';
import { AttemptCounter, SERVER_ERROR_BODY } from './faults';
import { FileStore } from './files';
import { ResolvedOptions } from './options';
import { shortHash } from './random';
import { COMPLETIONS_PATH, RequestLog } from './requestLog';

type BatchStatus =
  | 'validating'
  | 'failed'
  | 'in_progress'
  | 'finalizing'
  | 'completed'
  | 'cancelling'
  | 'cancelled';

interface BatchLine {
  customId: string;
  body: unknown;
}

interface BatchError {
  code: string;
  message: string;
  param: string | null;
  line: number | null;
}

interface BatchState {
  id: string;
  status: BatchStatus;
  inputFileId: string;
  completionWindow: string;
  metadata: Record<string, string> | null;
  createdAt: number;
  times: Partial<Record<string, number>>;
  errors: BatchError[];
  lines: BatchLine[];
  next: number;
  output: string[];
  errorLines: string[];
  usage: { input: number; output: number };
  outputFileId: string | null;
  errorFileId: string | null;
  model?: string;
  timer?: NodeJS.Timeout;
}

const TICK_MS = 50;
const now = () => Math.floor(Date.now() / 1000);

export interface BatchDeps {
  files: FileStore;
  log: RequestLog;
  attempts: AttemptCounter;
  options: () => ResolvedOptions;
}

export class BatchRunner {
  private readonly batches = new Map<string, BatchState>();

  constructor(private readonly deps: BatchDeps) {}

  create(body: unknown): BatchState {
    const params = (body ?? {}) as Record<string, unknown>;
    if (typeof params.input_file_id !== 'string') {
      throw invalidRequest(
        'input_file_id',
        "Invalid 'input_file_id': expected the id of a file uploaded with purpose 'batch'.",
      );
    }
    if (params.endpoint !== COMPLETIONS_PATH) {
      throw invalidRequest(
        'endpoint',
        `Invalid 'endpoint': the Chorus LLM simulator batches only ${COMPLETIONS_PATH}.`,
        'invalid_value',
      );
    }
    if (params.completion_window !== '24h') {
      throw invalidRequest(
        'completion_window',
        "Invalid 'completion_window': expected '24h'.",
        'invalid_value',
      );
    }
    const file = this.deps.files.get(params.input_file_id);
    if (file.purpose !== 'batch') {
      throw invalidRequest(
        'input_file_id',
        `Invalid 'input_file_id': file ${file.id} has purpose '${file.purpose}', not 'batch'.`,
      );
    }
    const batch: BatchState = {
      id: `batch_${randomBytes(12).toString('hex')}`,
      status: 'validating',
      inputFileId: file.id,
      completionWindow: '24h',
      metadata: (params.metadata as Record<string, string>) ?? null,
      createdAt: now(),
      times: {},
      errors: [],
      lines: [],
      next: 0,
      output: [],
      errorLines: [],
      usage: { input: 0, output: 0 },
      outputFileId: null,
      errorFileId: null,
    };
    this.batches.set(batch.id, batch);
    batch.timer = setTimeout(
      () => this.validate(batch, file.content.toString('utf8')),
      TICK_MS,
    );
    return batch;
  }

  get(id: string): BatchState {
    const batch = this.batches.get(id);
    if (!batch) throw notFound('batch', id);
    return batch;
  }

  list(): BatchState[] {
    return [...this.batches.values()].reverse();
  }

  cancel(id: string): BatchState {
    const batch = this.get(id);
    if (batch.status !== 'validating' && batch.status !== 'in_progress') {
      throw new OpenAiError(
        400,
        `Cannot cancel a batch with status '${batch.status}'.`,
        'invalid_request_error',
        'batch_id',
      );
    }
    batch.status = 'cancelling';
    batch.times.cancelling_at = now();
    return batch;
  }

  /** Stops every batch's timer (server shutdown). */
  close(): void {
    for (const batch of this.batches.values()) clearTimeout(batch.timer);
  }

  private validate(batch: BatchState, text: string): void {
    if (batch.status === 'cancelling') {
      this.finish(batch, 'cancelled');
      return;
    }
    const seen = new Set<string>();
    const raw = text.split('\n');
    raw.forEach((lineText, i) => {
      if (!lineText.trim()) return;
      const error = (code: string, message: string, param: string | null) =>
        batch.errors.push({ code, message, param, line: i + 1 });
      let line: any;
      try {
        line = JSON.parse(lineText);
      } catch {
        error(
          'invalid_json_line',
          'This line is not parseable as valid JSON.',
          null,
        );
        return;
      }
      if (typeof line !== 'object' || line === null || Array.isArray(line)) {
        error('invalid_request', 'Each line must be a JSON object.', null);
      } else if (typeof line.custom_id !== 'string' || !line.custom_id) {
        error(
          'missing_required_parameter',
          "Missing 'custom_id'.",
          'custom_id',
        );
      } else if (seen.has(line.custom_id)) {
        error(
          'duplicate_custom_id',
          `The custom_id '${line.custom_id}' is used more than once.`,
          'custom_id',
        );
      } else if (line.method !== 'POST') {
        error('invalid_method', "Expected method 'POST'.", 'method');
      } else if (line.url !== COMPLETIONS_PATH) {
        error(
          'invalid_url',
          `Expected url '${COMPLETIONS_PATH}', the batch's endpoint.`,
          'url',
        );
      } else if (typeof line.body !== 'object' || line.body === null) {
        error('invalid_request', "Expected a 'body' object.", 'body');
      } else {
        seen.add(line.custom_id);
        batch.lines.push({ customId: line.custom_id, body: line.body });
      }
    });
    if (batch.errors.length === 0 && batch.lines.length === 0) {
      batch.errors.push({
        code: 'empty_file',
        message: 'The input file has no requests.',
        param: null,
        line: null,
      });
    }
    if (batch.errors.length) {
      batch.lines = [];
      batch.status = 'failed';
      batch.times.failed_at = now();
      return;
    }
    const model = (batch.lines[0].body as { model?: unknown }).model;
    if (typeof model === 'string') batch.model = model;
    batch.status = 'in_progress';
    batch.times.in_progress_at = now();
    this.schedule(batch);
  }

  private schedule(batch: BatchState): void {
    batch.timer = setTimeout(() => this.step(batch), TICK_MS);
  }

  private step(batch: BatchState): void {
    if (batch.status === 'cancelling') {
      this.finish(batch, 'cancelled');
      return;
    }
    const perTick = Math.max(
      1,
      Math.round((this.deps.options().batchLinesPerSecond * TICK_MS) / 1000),
    );
    const end = Math.min(batch.lines.length, batch.next + perTick);
    for (; batch.next < end; batch.next++) {
      this.runLine(batch, batch.lines[batch.next]);
    }
    if (batch.next < batch.lines.length) {
      this.schedule(batch);
    } else {
      batch.status = 'finalizing';
      batch.times.finalizing_at = now();
      batch.timer = setTimeout(() => this.finish(batch, 'completed'), TICK_MS);
    }
  }

  /** One line through the completion code; transport faults do not apply to batches, a server error fails the line. */
  private runLine(batch: BatchState, line: BatchLine): void {
    const options = this.deps.options();
    const started = Date.now();
    let status = 200;
    let body: object;
    let entry: Record<string, unknown> = {};
    let tokens = { promptTokens: 0, completionTokens: 0 };
    try {
      const prepared = prepareRequest(
        parseChatRequest(line.body),
        line.body,
        options,
        hash => this.deps.attempts.next(hash),
      );
      const fault =
        prepared.fault === 'rateLimit' || prepared.fault === 'timeout'
          ? undefined
          : prepared.fault;
      entry = {
        model: prepared.request.model,
        itemKey: prepared.itemKey,
        requestHash: prepared.requestHash,
        attempt: prepared.attempt,
        fault,
      };
      if (fault === 'serverError') {
        status = 500;
        body = SERVER_ERROR_BODY;
      } else {
        const result = buildCompletion({ ...prepared, fault }, options);
        body = result.body;
        tokens = result;
      }
    } catch (error) {
      if (!(error instanceof OpenAiError)) throw error;
      status = error.status;
      body = error.body();
    }
    const billed = status === 200;
    this.deps.log.add({
      time: started,
      durationMs: Date.now() - started,
      method: 'POST',
      path: COMPLETIONS_PATH,
      status,
      ...entry,
      promptTokens: tokens.promptTokens,
      completionTokens: tokens.completionTokens,
      billed,
      batchId: batch.id,
      customId: line.customId,
    });
    const json = JSON.stringify({
      id: `batch_req_${shortHash(`${batch.id}/${line.customId}`)}`,
      custom_id: line.customId,
      response: {
        status_code: status,
        request_id: `req_${shortHash(`${batch.id}/${line.customId}/request`)}`,
        body,
      },
      error: null,
    });
    if (billed) {
      batch.output.push(json);
      batch.usage.input += tokens.promptTokens;
      batch.usage.output += tokens.completionTokens;
    } else {
      batch.errorLines.push(json);
    }
  }

  private finish(batch: BatchState, status: 'completed' | 'cancelled'): void {
    const write = (lines: string[], suffix: string) =>
      lines.length
        ? this.deps.files.add(
            `${batch.id}_${suffix}.jsonl`,
            'batch_output',
            Buffer.from(`${lines.join('\n')}\n`),
          ).id
        : null;
    batch.outputFileId = write(batch.output, 'output');
    batch.errorFileId = write(batch.errorLines, 'error');
    batch.status = status;
    batch.times[status === 'completed' ? 'completed_at' : 'cancelled_at'] =
      now();
  }
}

export function batchObject(batch: BatchState) {
  const completed = batch.output.length;
  const failed = batch.errorLines.length;
  return {
    id: batch.id,
    object: 'batch',
    endpoint: COMPLETIONS_PATH,
    model: batch.model,
    errors: batch.errors.length ? { object: 'list', data: batch.errors } : null,
    input_file_id: batch.inputFileId,
    completion_window: batch.completionWindow,
    status: batch.status,
    output_file_id: batch.outputFileId,
    error_file_id: batch.errorFileId,
    created_at: batch.createdAt,
    in_progress_at: batch.times.in_progress_at ?? null,
    expires_at: batch.createdAt + 24 * 3600,
    finalizing_at: batch.times.finalizing_at ?? null,
    completed_at: batch.times.completed_at ?? null,
    failed_at: batch.times.failed_at ?? null,
    expired_at: null,
    cancelling_at: batch.times.cancelling_at ?? null,
    cancelled_at: batch.times.cancelled_at ?? null,
    request_counts: {
      total: batch.lines.length,
      completed,
      failed,
    },
    usage: {
      input_tokens: batch.usage.input,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: batch.usage.output,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: batch.usage.input + batch.usage.output,
    },
    metadata: batch.metadata,
  };
}

export function batchRoutes(runner: BatchRunner): Router {
  const router = Router();
  router.post(
    '/batches',
    handle((req, res) => {
      res.json(batchObject(runner.create(req.body)));
    }),
  );
  router.get(
    '/batches',
    handle((_req, res) => {
      const data = runner.list().map(batchObject);
      res.json({
        object: 'list',
        data,
        first_id: data[0]?.id ?? null,
        last_id: data[data.length - 1]?.id ?? null,
        has_more: false,
      });
    }),
  );
  router.get(
    '/batches/:id',
    handle((req, res) => {
      res.json(batchObject(runner.get(req.params.id)));
    }),
  );
  router.post(
    '/batches/:id/cancel',
    handle((req, res) => {
      res.json(batchObject(runner.cancel(req.params.id)));
    }),
  );
  return router;
}
