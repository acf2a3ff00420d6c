import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Response } from 'supertest';
import { spec } from '../schema/openapi';

/*
 * The router validates requests only, so the tests hold every response to the
 * OpenAPI document: status, content type and body. OpenAPI 3.1 schemas are
 * JSON Schema 2020-12; strict mode also catches a misspelt keyword in them.
 */
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
// the document's own fields: allowed at its root, never validated
for (const keyword of ['openapi', 'info', 'servers', 'components', 'paths']) {
  ajv.addKeyword(keyword);
}
const SPEC_ID = 'chorus-openapi';
ajv.addSchema({ $id: SPEC_ID, ...spec });

const BASE = '/api/annotation';
type Operation = {
  responses: Record<
    string,
    { content?: Record<string, { schema: unknown }> } | undefined
  >;
};
const paths = spec.paths as unknown as Record<
  string,
  Record<string, Operation>
>;

/** The spec's path template matching a concrete path. */
function templateOf(path: string) {
  const parts = path.split('/');
  return Object.keys(paths).find(template => {
    const want = template.split('/');
    return (
      want.length === parts.length &&
      want.every(
        (w, i) => w === parts[i] || (/^\{.+\}$/.test(w) && parts[i] !== ''),
      )
    );
  });
}

/** A JSON pointer segment. */
const pointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * What is wrong with a response against the spec (an empty list when
 * nothing): `url` as requested, under /api/annotation, query allowed.
 */
export function specProblems(r: {
  method: string;
  url: string;
  status: number;
  contentType?: string;
  text: string;
}): string[] {
  const path = new URL(r.url, 'http://x').pathname;
  if (!path.startsWith(`${BASE}/`)) {
    return [`${path} is not under ${BASE}`];
  }
  const template = templateOf(path.slice(BASE.length));
  const method = r.method.toLowerCase();
  const operation = template ? paths[template][method] : undefined;
  if (!template || !operation) {
    return [`${r.method} ${path} is not in the spec`];
  }
  const status = String(r.status);
  const key = status in operation.responses ? status : 'default';
  const response = operation.responses[key];
  if (!response) {
    return [`${r.method} ${template}: status ${status} is not in the spec`];
  }
  const where = `${r.method} ${template} ${status}`;
  if (!response.content) {
    return r.text ? [`${where}: a body where the spec has none`] : [];
  }
  if (!r.contentType?.startsWith('application/json')) {
    return [`${where}: content type ${r.contentType}, not application/json`];
  }
  const ref = `${SPEC_ID}#/paths/${pointer(
    template,
  )}/${method}/responses/${key}/content/application~1json/schema`;
  const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
  if (validate(JSON.parse(r.text))) {
    return [];
  }
  return (validate.errors ?? []).map(
    e =>
      `${where}: body${e.instancePath} ${e.message}${
        e.keyword === 'additionalProperties'
          ? ` (${e.params.additionalProperty})`
          : ''
      }`,
  );
}

/** Fails when a supertest response does not match the spec. */
export function expectSpecResponse(res: Response) {
  const req = (res as unknown as { req: { method: string; path: string } }).req;
  const problems = specProblems({
    method: req.method,
    url: req.path,
    status: res.status,
    contentType: res.headers['content-type'],
    text: res.text,
  });
  if (problems.length) {
    throw new Error(`response off the spec:\n${problems.join('\n')}`);
  }
}

/** A fetch that fails when a response does not match the spec. */
export function specCheckedFetch(doFetch: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const response = await doFetch(input, init);
    const problems = specProblems({
      method: init?.method ?? 'GET',
      url: String(input),
      status: response.status,
      contentType: response.headers.get('content-type') ?? undefined,
      text: await response.clone().text(),
    });
    if (problems.length) {
      throw new Error(`response off the spec:\n${problems.join('\n')}`);
    }
    return response;
  };
}
