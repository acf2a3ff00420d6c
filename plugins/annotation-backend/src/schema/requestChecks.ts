import { CustomErrorBase, InputError } from '@backstage/errors';
import express, { NextFunction, Request, Response } from 'express';
import { formatPath } from '@chorus/plugin-annotation-common';

/*
 * Checks every request before the OpenAPI validator: the JSON body's size and
 * syntax, its content type, unknown fields (named, where the validator only
 * says "must NOT have additional properties") and text no database column can
 * hold. They run outside the validated router, whose error transformer would
 * turn a 413 or 415 into a 400.
 */

/** 413: the body, or an NDJSON line, is over a size limit. */
export class PayloadTooLargeError extends CustomErrorBase {
  // a getter, not a field: the error body stays { name, message }
  get statusCode() {
    return 413;
  }
}

/** 415: the body is not of the type the endpoint takes. */
export class UnsupportedMediaTypeError extends CustomErrorBase {
  get statusCode() {
    return 415;
  }
}

const MAX_NESTING = 64;

/**
 * The first key or string in a JSON value with a NUL character or an
 * unpaired surrogate, as `path: what was expected`. PostgreSQL text cannot
 * hold NUL, and an unpaired surrogate comes back as U+FFFD: neither could be
 * read back as sent. Also refuses nesting deeper than MAX_NESTING.
 */
export function findUnstorableText(
  value: unknown,
  path: PropertyKey[] = [],
): string | undefined {
  // one path, extended and restored as the walk goes, and formatted only
  // for a finding: an import walks every line this way
  const at = [...path];
  const walk = (v: unknown): string | undefined => {
    if (at.length > MAX_NESTING) {
      // deeper JSON is no real data, and would overflow recursive checks
      return `${
        formatPath(at.slice(0, 1)) || 'body'
      }: at most ${MAX_NESTING} levels of nesting expected`;
    }
    if (typeof v === 'string') {
      return unstorable(v, at);
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        at.push(i);
        const found = walk(v[i]);
        at.pop();
        if (found) {
          return found;
        }
      }
    } else if (typeof v === 'object' && v !== null) {
      // for…in rather than Object.entries: no array per object (import)
      for (const key in v) {
        if (!Object.prototype.hasOwnProperty.call(v, key)) {
          continue;
        }
        at.push(key);
        const found =
          unstorable(key, at) ?? walk((v as Record<string, unknown>)[key]);
        at.pop();
        if (found) {
          return found;
        }
      }
    }
    return undefined;
  };
  return walk(value);
}

function unstorable(text: string, at: PropertyKey[]): string | undefined {
  if (text.includes('\u0000')) {
    return `${formatPath(at) || 'body'}: text without NUL characters expected`;
  }
  if (!text.isWellFormed()) {
    return `${
      formatPath(at) || 'body'
    }: well-formed Unicode text expected (it has an unpaired surrogate)`;
  }
  return undefined;
}

/** express.json, with errors that name the body and the limit. */
export function parseJsonBody(limitBytes: number) {
  const parse = express.json({ limit: limitBytes });
  return (req: Request, res: Response, next: NextFunction) =>
    parse(req, res, (error?: unknown) => {
      const e = error as
        | { type?: string; length?: number; body?: string; message?: string }
        | undefined;
      switch (e?.type) {
        case undefined:
          next(error);
          return;
        case 'entity.too.large':
          next(
            new PayloadTooLargeError(
              `body: at most ${limitBytes} bytes of JSON expected, got ${e.length}`,
            ),
          );
          return;
        case 'entity.parse.failed':
          next(
            new InputError(
              /^\s*[{[]/.test(e.body ?? '')
                ? `body: not valid JSON (${e.message})`
                : 'body: a JSON object expected',
            ),
          );
          return;
        case 'charset.unsupported':
        case 'encoding.unsupported':
          next(
            new UnsupportedMediaTypeError(
              `Content-Type: UTF-8 JSON expected (${e.message})`,
            ),
          );
          return;
        default:
          next(error);
      }
    });
}

type Operation = {
  requestBody?: {
    content?: Record<
      string,
      {
        schema?: {
          additionalProperties?: boolean | object;
          properties?: Record<string, unknown>;
        };
      }
    >;
  };
};
type Spec = { paths: Record<string, Record<string, Operation>> };

/**
 * Per operation of the spec: a body it does not take, a JSON body sent as
 * another type, unknown top-level fields; in any request, text in the path,
 * query or body that cannot be stored.
 */
export function checkRequests(openApi: object) {
  const spec = openApi as Spec;
  const routes = Object.entries(spec.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => {
      const content = operation.requestBody?.content;
      const schema = content?.['application/json']?.schema;
      return {
        method: method.toUpperCase(),
        pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
        takesBody: Boolean(content),
        takesJson: Boolean(content?.['application/json']),
        // undefined: any field goes (checked by the handler)
        known:
          schema?.properties && schema.additionalProperties === false
            ? Object.keys(schema.properties)
            : undefined,
      };
    }),
  );
  return (req: Request, _res: Response, next: NextFunction) => {
    let path: string;
    try {
      path = decodeURIComponent(req.path);
    } catch {
      throw new InputError('path: valid percent-encoding expected');
    }
    const bad =
      findUnstorableText(path, ['path']) ??
      findUnstorableText(req.query, ['query']) ??
      (req.body !== undefined ? findUnstorableText(req.body) : undefined);
    if (bad) {
      throw new InputError(bad);
    }
    const route = routes.find(
      r => r.method === req.method && r.pattern.test(req.path),
    );
    if (!route) {
      next();
      return;
    }
    const body = req.body;
    const fields =
      body && typeof body === 'object' && !Array.isArray(body)
        ? Object.keys(body)
        : [];
    if (!route.takesBody && fields.length) {
      throw new InputError(
        `${fields.join(', ')}: not a known field (this request takes no body)`,
      );
    }
    const hasBody =
      req.headers['transfer-encoding'] !== undefined ||
      Number(req.headers['content-length'] ?? 0) > 0;
    if (route.takesJson && hasBody && !req.is('application/json')) {
      throw new UnsupportedMediaTypeError(
        `Content-Type: application/json expected, got ${
          req.headers['content-type'] ?? 'none'
        }`,
      );
    }
    const unknown = route.known
      ? fields.filter(k => !route.known!.includes(k))
      : [];
    if (unknown.length) {
      throw new InputError(
        `${unknown.join(', ')}: not a known field (expected ${route.known!.join(
          ', ',
        )})`,
      );
    }
    next();
  };
}

/** The OpenAPI validator's wording, as `field: what was expected`. */
const EXPECTATIONS: Array<[RegExp, (...m: string[]) => string]> = [
  [
    /^must be equal to one of the allowed values: (.*)$/,
    v => `one of ${v} expected`,
  ],
  [
    /^must be (string|integer|number|boolean)$/,
    t => `a${t === 'integer' ? 'n' : ''} ${t} expected`,
  ],
  [
    /^must be (object|array)$/,
    t => `a${t === 'object' ? 'n' : ''} ${t === 'array' ? 'list' : t} expected`,
  ],
  [
    /^must NOT have more than (\d+) (character|item)s$/,
    (n, u) => `at most ${n} ${u}${n === '1' ? '' : 's'} expected`,
  ],
  [
    /^must NOT have fewer than (\d+) (character|item)s$/,
    (n, u) => `at least ${n} ${u}${n === '1' ? '' : 's'} expected`,
  ],
  [/^must be >= (\S+)$/, n => `at least ${n} expected`],
  [/^must be <= (\S+)$/, n => `at most ${n} expected`],
  [/^must match pattern "(.*)"$/, p => `text matching ${p} expected`],
];

function explain(part: string): string {
  const unknownQuery = /^Unknown query parameter '(.*)'$/.exec(part);
  if (unknownQuery) {
    return `${unknownQuery[1]}: not a known query parameter`;
  }
  const m = /^request\/(body|params|query|headers)(\/\S*)? (must .*)$/.exec(
    part,
  );
  if (!m) {
    return part;
  }
  const [, where, rest, what] = m;
  const field = (rest ?? '')
    .split('/')
    .filter(Boolean)
    .map(p => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
    .join('')
    .replace(/^\./, '');
  const required = /^must have required property '(.*)'$/.exec(what);
  if (required) {
    return `${field ? `${field}.` : ''}${required[1]}: is required`;
  }
  for (const [pattern, say] of EXPECTATIONS) {
    const found = pattern.exec(what);
    if (found) {
      return `${field || where}: ${say(...found.slice(1))}`;
    }
  }
  return `${field || where}: ${what}`;
}

/**
 * Rewrites the OpenAPI validator's messages (`request/body/status must be
 * string`) in the API's own style (`status: a string expected`).
 */
export function explainValidatorErrors() {
  return (
    error: unknown,
    _req: Request,
    _res: Response,
    next: NextFunction,
  ) => {
    if (
      error instanceof InputError &&
      /^(request\/|Unknown query)/.test(error.message)
    ) {
      error.message = error.message
        .split(/, (?=request\/|Unknown query)/)
        .map(explain)
        .join('; ');
    }
    next(error);
  };
}
