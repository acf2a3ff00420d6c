/**
 * The HTTP server: OpenAI's routes under /v1 on 127.0.0.1, the simulator's
 * own under /_simulator, and the request log.
 */
import express, { NextFunction, Request, Response } from 'express';
import { AddressInfo } from 'net';
import { BatchRunner, batchRoutes } from './batches';
import { parseChatRequest } from './chatRequest';
import {
  PreparedRequest,
  SIMULATED_FINGERPRINT,
  buildCompletion,
  prepareRequest,
} from './completion';
import { OpenAiError, handle } from './errors';
import {
  AttemptCounter,
  SERVER_ERROR_BODY,
  decideLatency,
  rateLimitResponse,
} from './faults';
import { FileStore, fileRoutes } from './files';
import {
  LlmSimulatorOptions,
  ResolvedOptions,
  resolveOptions,
} from './options';
import { RequestLog, RequestLogEntry } from './requestLog';

export interface LlmSimulator {
  /** `http://127.0.0.1:<port>`; point an OpenAI client at `${url}/v1`. */
  url: string;
  port: number;
  requests: RequestLog;
  /** Changes options on the running server (not the port). */
  setOptions(partial: LlmSimulatorOptions): void;
  options(): ResolvedOptions;
  close(): Promise<void>;
}

/** Details a route adds to its request's log entry. */
type LogDetails = Partial<
  Omit<RequestLogEntry, 'id' | 'time' | 'durationMs' | 'status' | 'billed'>
> & { billable?: boolean };

const JSON_LIMIT = '20mb';
const MAX_UPLOAD_BYTES = 200 * 1024 * 1024;

/**
 * Waits `ms` (forever when null) or until the client closes the connection.
 * Returns whether the client is still there.
 */
function wait(res: Response, ms: number | null): Promise<boolean> {
  if (ms === 0) return Promise.resolve(!res.destroyed);
  return new Promise(resolve => {
    let timer: NodeJS.Timeout | undefined;
    const onClose = () => {
      clearTimeout(timer);
      resolve(false);
    };
    res.once('close', onClose);
    if (ms !== null) {
      timer = setTimeout(() => {
        res.off('close', onClose);
        resolve(!res.destroyed);
      }, ms);
    }
  });
}

export async function startLlmSimulator(
  initial: LlmSimulatorOptions = {},
): Promise<LlmSimulator> {
  let raw = { ...initial };
  let options = resolveOptions(raw);
  const log = new RequestLog();
  const attempts = new AttemptCounter();
  const files = new FileStore();
  const batches = new BatchRunner({
    files,
    log,
    attempts,
    options: () => options,
  });

  const app = express();
  app.disable('x-powered-by');

  // Every response is marked simulated, and every request is logged when
  // its response ends (or the client goes away: 499).
  app.use((req, res, next) => {
    const started = Date.now();
    const path = req.path; // before routers strip their mount paths
    const details: LogDetails = {};
    res.locals.log = details;
    res.setHeader('x-chorus-simulated', 'true');
    res.once('close', () => {
      const status = res.writableFinished ? res.statusCode : 499;
      const { billable, ...rest } = details;
      log.add({
        time: started,
        durationMs: Date.now() - started,
        method: req.method,
        path,
        status,
        promptTokens: 0,
        completionTokens: 0,
        ...rest,
        billed: Boolean(billable) && status === 200,
      });
    });
    next();
  });

  app.get('/_simulator/stats', (_req, res) => {
    res.json(log.stats());
  });
  app.post('/_simulator/reset', (_req, res) => {
    log.clear();
    attempts.clear();
    res.json({ reset: true });
  });

  const v1 = express.Router();
  v1.use((req, _res, next) => {
    if (
      options.apiKey &&
      req.headers.authorization !== `Bearer ${options.apiKey}`
    ) {
      throw new OpenAiError(
        401,
        'Incorrect API key provided. (Chorus LLM simulator)',
        'invalid_request_error',
        null,
        'invalid_api_key',
      );
    }
    next();
  });
  v1.use(fileRoutes(files, MAX_UPLOAD_BYTES));
  v1.use(express.json({ limit: JSON_LIMIT }));

  v1.get('/models', (_req, res) => {
    res.json({ object: 'list', data: options.models.map(modelObject) });
  });
  v1.get('/models/:id', (req, res) => {
    res.json(modelObject(req.params.id));
  });

  v1.post(
    '/chat/completions',
    handle(async (req, res) => {
      const opts = options;
      const details = res.locals.log as LogDetails;
      const prepared: PreparedRequest = prepareRequest(
        parseChatRequest(req.body),
        req.body,
        opts,
        hash => attempts.next(hash),
      );
      const { requestHash, attempt, fault, itemKey } = prepared;
      Object.assign(details, {
        model: prepared.request.model,
        itemKey,
        requestHash,
        attempt,
        fault,
      });

      // a rate limiter answers at once
      if (fault === 'rateLimit') {
        const limited = rateLimitResponse(opts.retryAfterMs);
        res.status(limited.status).set(limited.headers).json(limited.body);
        return;
      }
      const latency = decideLatency(
        opts.seed,
        requestHash,
        attempt,
        opts.latencyMs,
      );
      if (!(await wait(res, latency))) return;
      if (fault === 'serverError') {
        res.status(500).json(SERVER_ERROR_BODY);
        return;
      }
      if (fault === 'timeout' && !(await wait(res, opts.timeoutHoldMs))) {
        return;
      }
      const result = buildCompletion(prepared, opts);
      Object.assign(details, {
        promptTokens: result.promptTokens,
        completionTokens: result.completionTokens,
        billable: true,
      });
      res.json(result.body);
    }),
  );
  v1.use(batchRoutes(batches));

  app.use('/v1', v1);
  app.use((req, _res, next) => {
    next(
      new OpenAiError(
        404,
        `Unknown request URL: ${req.method} ${req.path}. (Chorus LLM simulator)`,
        'invalid_request_error',
        null,
        'unknown_url',
      ),
    );
  });
  app.use(
    (error: unknown, _req: Request, res: Response, _next: NextFunction) => {
      const known = toOpenAiError(error);
      if (res.headersSent) return;
      res.status(known.status).json(known.body());
    },
  );

  const server = app.listen(options.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: log,
    setOptions(partial) {
      const next = { ...raw, ...partial, port: raw.port };
      options = resolveOptions(next);
      raw = next;
    },
    options: () => options,
    close() {
      batches.close();
      return new Promise(resolve => {
        server.close(() => resolve());
        // held (timeout fault) and keep-alive connections end now
        server.closeAllConnections();
      });
    },
  };
}

function modelObject(id: string) {
  return { id, object: 'model', created: 0, owned_by: SIMULATED_FINGERPRINT };
}

/** Body-parser errors and unexpected ones, in OpenAI's shape. */
function toOpenAiError(error: unknown): OpenAiError {
  if (error instanceof OpenAiError) return error;
  const e = error as { type?: string; status?: number; message?: string };
  if (e.type === 'entity.parse.failed') {
    return new OpenAiError(
      400,
      'We could not parse the JSON body of your request. The request body must be valid JSON.',
      'invalid_request_error',
    );
  }
  if (e.type === 'entity.too.large') {
    return new OpenAiError(
      413,
      'The request body is too large.',
      'invalid_request_error',
    );
  }
  if (e.status && e.status >= 400 && e.status < 500) {
    return new OpenAiError(
      e.status,
      e.message ?? 'Bad request',
      'invalid_request_error',
    );
  }
  return new OpenAiError(500, `Simulator error: ${e.message}`, 'server_error');
}
