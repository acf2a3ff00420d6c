import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import { Server } from 'http';
import { AddressInfo } from 'net';
import { Knex } from 'knex';
import request from 'supertest';
import { llmProvidersConfig, workforce } from '../__testUtils__/fixtures';
import { CHORUS_TABLES, snapshotTables } from '../__testUtils__/snapshot';
import { startAnnotationApi } from '../__testUtils__/startApi';
import { KnexQualityStore } from '../database';

jest.setTimeout(180_000);

/*
 * R4: every endpoint against bad input (malformed JSON, wrong types, unknown
 * fields, oversized bodies and NDJSON lines, injection strings). Each bad
 * request gets a 4xx in Backstage's JSON error shape whose message names the
 * field and what was expected, and leaves every Chorus table as it was.
 * Injection strings that are valid values are stored and read back verbatim.
 */

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const as = {
  annotator: mockCredentials.user.header('user:default/amara.okafor'),
  analyst: mockCredentials.user.header('user:default/grace.liu'),
  manager: mockCredentials.user.header('user:default/jonas.berg'),
  service: mockCredentials.service.header(),
};
type Who = keyof typeof as;

/** A recorded import is the one trace an import with only bad lines leaves. */
const TABLES_BUT_IMPORTS = CHORUS_TABLES.filter(t => t !== 'imports');

/** Small import limits, so oversized cases stay cheap. */
const LIMITS = { maxLineBytes: 4096, maxBodyBytes: 65536 };
const JSON_LIMIT = 1024 * 1024;

const SQL = "'; DROP TABLE items; --";
const SQL_OR = '" OR 1=1 --';
const NUL = 'a\u0000b';
const UNICODE = 'Zoë 🎧 مرحبا 你好 e\u0301 \u200b\u202eevil';

/** Injection strings that are valid values: stored and read back verbatim. */
const VALID_TEXTS = [
  SQL,
  SQL_OR,
  "Robert'); DROP TABLE projects;--",
  '1; DELETE FROM annotations WHERE 1=1',
  UNICODE,
  '__proto__',
  'constructor',
  '<script>alert(1)</script>',
  '%00 \\0 \\u0000 ${7*7} {{7*7}}',
  'e'.repeat(255),
];

const config = {
  overlap: 2,
  workforce,
  questions: [
    {
      id: 'belongs',
      type: 'single-choice',
      title: 'Belongs?',
      field: 'track_title',
      labels: ['yes', 'no'],
    },
    {
      id: 'note',
      type: 'free-text',
      title: 'Anything to add?',
      field: 'track_title',
      required: false,
      maxLength: 100_000,
    },
  ],
};

const newProject = {
  name: 'bad-input',
  title: 'Bad input',
  owner: 'group:cu-ml-engineering',
  lifecycle: 'experimental',
  model: 'resource:track-artist-page-placement',
  dataset: 'resource:track-placement-labels',
  config,
};

/** A project that does not exist yet: only the case's own problem is wrong. */
const fresh = { ...newProject, name: 'fresh-project' };

const ndjson = (...lines: object[]) =>
  lines.map(l => JSON.stringify(l)).join('\n');

/** The project every bad request is aimed at. */
interface Scene {
  id: string;
  token: string;
  itemId: string;
  /** The analyst's claim on an escalated item. */
  qaToken: string;
  /** An LLM annotator of the project. */
  llmAnnotatorId: string;
}

const llmConfig = {
  provider: 'simulator',
  promptTemplate: 'Track: {{ data.track_title }}',
};

let server: Server;
const api = (path: string) => `/api/annotation${path}`;

function call(
  method: 'get' | 'post' | 'put' | 'delete',
  path: string,
  who: Who,
) {
  return request(server)[method](api(path)).set('Authorization', as[who]);
}

/** A body sent exactly as written (malformed JSON, `__proto__` keys). */
function raw(
  method: 'post' | 'put' | 'delete',
  path: string,
  who: Who,
  text: string,
  type = 'application/json',
) {
  return call(method, path, who).set('Content-Type', type).send(text);
}

/** `{"__proto__":…}` as a key, which a JS object literal cannot write. */
function withKey(body: object, key: string, value: unknown = { x: 1 }) {
  return JSON.stringify(body).replace(
    /^\{/,
    `{${JSON.stringify(key)}:${JSON.stringify(value)},`,
  );
}

const importNdjson = (s: Scene, text: string) =>
  raw(
    'post',
    `/projects/${s.id}/items/import`,
    'manager',
    text,
    'application/x-ndjson',
  );

/** NDJSON sent in chunks, without a Content-Length. */
async function importStreamed(s: Scene, chunks: string[]) {
  const { port } = server.address() as AddressInfo;
  const encoder = new TextEncoder();
  const res = await fetch(
    `http://localhost:${port}${api(`/projects/${s.id}/items/import`)}`,
    {
      method: 'POST',
      headers: {
        Authorization: as.manager,
        'Content-Type': 'application/x-ndjson',
      },
      body: new ReadableStream({
        start(controller) {
          chunks.forEach(c => controller.enqueue(encoder.encode(c)));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit,
  );
  return { status: res.status, body: await res.json() };
}

/** A setup step's response, or an error saying what came instead. */
async function expectStatus(response: request.Test, status: number) {
  const res = await response;
  if (res.status !== status) {
    throw new Error(
      `${status} expected, got ${res.status}: ${JSON.stringify(res.body)}`,
    );
  }
  return res;
}

const submit = (s: Scene, body: object | string, itemId = s.itemId) =>
  typeof body === 'string'
    ? raw(
        'post',
        `/projects/${s.id}/items/${itemId}/annotations`,
        'annotator',
        body,
      )
    : call(
        'post',
        `/projects/${s.id}/items/${itemId}/annotations`,
        'annotator',
      ).send(body);

interface BadCase {
  endpoint: string;
  name: string;
  send: (s: Scene) => PromiseLike<{ status: number; body: any }>;
  status: number;
  /** What the message must say: the field and what was expected. */
  message: RegExp;
}

const cases: BadCase[] = [
  // --- GET /projects, GET /queues --------------------------------------
  {
    endpoint: 'GET /projects',
    name: 'an unknown query parameter',
    send: () =>
      call('get', `/projects?owner=${encodeURIComponent(SQL)}`, 'service'),
    status: 400,
    message: /^owner: not a known query parameter$/,
  },
  {
    endpoint: 'GET /queues',
    name: 'an unknown query parameter',
    send: () =>
      call('get', `/queues?project=${encodeURIComponent(SQL_OR)}`, 'annotator'),
    status: 400,
    message: /^project: not a known query parameter$/,
  },

  // --- POST /projects --------------------------------------------------
  {
    endpoint: 'POST /projects',
    name: 'malformed JSON',
    send: () => raw('post', '/projects', 'service', '{"name": "x", '),
    status: 400,
    message: /^body: not valid JSON/,
  },
  {
    endpoint: 'POST /projects',
    name: 'a JSON array instead of an object',
    send: () => raw('post', '/projects', 'service', '[1, 2]'),
    status: 400,
    message: /^body: an object expected$/,
  },
  {
    endpoint: 'POST /projects',
    name: 'a JSON scalar instead of an object',
    send: () => raw('post', '/projects', 'service', '"just a string"'),
    status: 400,
    message: /^body: a JSON object expected$/,
  },
  {
    endpoint: 'POST /projects',
    name: 'not JSON at all (text/plain)',
    send: () => raw('post', '/projects', 'service', 'name=x', 'text/plain'),
    status: 415,
    message: /^Content-Type: application\/json expected, got text\/plain/,
  },
  {
    endpoint: 'POST /projects',
    name: 'a number for the name',
    send: () =>
      call('post', '/projects', 'service').send({ ...fresh, name: 5 }),
    status: 400,
    message: /^name: a non-empty string expected$/,
  },
  {
    endpoint: 'POST /projects',
    name: 'one label for a choice question',
    send: () =>
      call('post', '/projects', 'service').send({
        ...fresh,
        config: {
          ...config,
          questions: [{ ...config.questions[0], labels: ['only'] }],
        },
      }),
    status: 400,
    message: /^config\.questions\[0\]\.labels: at least 2 labels expected$/,
  },
  {
    endpoint: 'POST /projects',
    name: 'a string for the overlap',
    send: () =>
      call('post', '/projects', 'service').send({
        ...fresh,
        config: { ...config, overlap: '2' },
      }),
    status: 400,
    message: /^config\.overlap: an integer expected/,
  },
  {
    endpoint: 'POST /projects',
    name: 'an unknown field',
    send: () =>
      call('post', '/projects', 'service').send({ ...fresh, colour: 'red' }),
    status: 400,
    message: /^colour: is not a known field/,
  },
  {
    endpoint: 'POST /projects',
    name: 'an unknown field in a question',
    send: () =>
      call('post', '/projects', 'service').send({
        ...fresh,
        config: {
          ...config,
          questions: [{ ...config.questions[0], colour: 'red' }],
        },
      }),
    status: 400,
    message: /^config\.questions\[0\]: unknown field "colour"$/,
  },
  {
    endpoint: 'POST /projects',
    name: 'a __proto__ key',
    send: () =>
      raw(
        'post',
        '/projects',
        'service',
        withKey(fresh, '__proto__', { polluted: 'yes' }),
      ),
    status: 400,
    message: /^__proto__: is not a known field/,
  },
  {
    endpoint: 'POST /projects',
    name: 'a constructor key',
    send: () =>
      raw(
        'post',
        '/projects',
        'service',
        withKey(fresh, 'constructor', { prototype: { polluted: 'yes' } }),
      ),
    status: 400,
    message: /^constructor: is not a known field/,
  },
  {
    endpoint: 'POST /projects',
    name: 'a __proto__ key in the config',
    send: () =>
      raw(
        'post',
        '/projects',
        'service',
        JSON.stringify(fresh).replace(
          '"config":{',
          '"config":{"__proto__":{"polluted":"yes"},',
        ),
      ),
    status: 400,
    message: /^config: unknown field "__proto__"$/,
  },
  {
    endpoint: 'POST /projects',
    name: 'SQL in the name',
    send: () =>
      call('post', '/projects', 'service').send({ ...fresh, name: SQL }),
    status: 400,
    message: /^name: a catalogue entity name expected/,
  },
  {
    endpoint: 'POST /projects',
    name: 'SQL as the owner',
    send: () =>
      call('post', '/projects', 'service').send({ ...fresh, owner: SQL_OR }),
    status: 400,
    message: /^owner: /,
  },
  {
    endpoint: 'POST /projects',
    name: 'a NUL byte in the title',
    send: () =>
      call('post', '/projects', 'service').send({ ...fresh, title: NUL }),
    status: 400,
    message: /^title: text without NUL characters expected$/,
  },
  {
    endpoint: 'POST /projects',
    name: 'a title longer than its column',
    send: () =>
      call('post', '/projects', 'service').send({
        ...fresh,
        title: 't'.repeat(256),
      }),
    status: 400,
    message: /^title: at most 255 characters expected$/,
  },
  {
    endpoint: 'POST /projects',
    name: 'a very long lifecycle',
    send: () =>
      call('post', '/projects', 'service').send({
        ...fresh,
        lifecycle: 'l'.repeat(64),
      }),
    status: 400,
    message: /^lifecycle: at most 63 characters expected$/,
  },
  {
    endpoint: 'POST /projects',
    name: 'JSON nested 100,000 levels deep',
    send: () =>
      raw(
        'post',
        '/projects',
        'service',
        JSON.stringify(fresh).replace(
          '"config":{',
          `"deep":${'['.repeat(100_000)}${']'.repeat(100_000)},"config":{`,
        ),
      ),
    status: 400,
    message: /^deep: at most 64 levels of nesting expected$/,
  },
  {
    endpoint: 'PUT /projects/:id/status',
    name: 'a change the lifecycle does not allow',
    send: s =>
      call('put', `/projects/${s.id}/status`, 'service').send({
        status: 'draft',
      }),
    status: 409,
    message:
      /^status: cannot go from active to draft; from active a project can go to /,
  },
  {
    endpoint: 'PUT /projects/:id/config',
    name: 'a stale expectedVersion',
    send: s =>
      call('put', `/projects/${s.id}/config`, 'service').send({
        config,
        expectedVersion: 7,
      }),
    status: 409,
    message:
      /^expectedVersion: config version 7 expected to be current, but it is 1/,
  },
  {
    endpoint: 'POST /projects',
    name: 'a body over the JSON limit',
    send: () =>
      call('post', '/projects', 'service').send({
        ...fresh,
        description: 'd'.repeat(JSON_LIMIT),
      }),
    status: 413,
    message: new RegExp(`^body: at most ${JSON_LIMIT} bytes of JSON expected`),
  },

  // --- GET /projects/:id -----------------------------------------------
  {
    endpoint: 'GET /projects/:id',
    name: 'SQL as the id',
    send: () => call('get', `/projects/${encodeURIComponent(SQL)}`, 'service'),
    status: 404,
    message: /^project .* not found$/,
  },
  {
    endpoint: 'GET /projects/:id',
    name: 'a NUL byte in the id',
    send: () => call('get', '/projects/a%00b', 'service'),
    status: 400,
    message: /^path: text without NUL characters expected$/,
  },
  {
    endpoint: 'GET /projects/:id',
    name: 'an id longer than 64 characters',
    send: () => call('get', `/projects/${'p'.repeat(65)}`, 'service'),
    status: 400,
    message: /^projectId: at most 64 characters expected$/,
  },
  {
    endpoint: 'GET /projects/:id',
    name: 'a unicode id',
    send: () =>
      call('get', `/projects/${encodeURIComponent(UNICODE)}`, 'service'),
    status: 404,
    message: /^project .* not found$/,
  },

  // --- GET/PUT /projects/:id/config ------------------------------------
  {
    endpoint: 'GET /projects/:id/config',
    name: 'SQL as the version',
    send: s =>
      call(
        'get',
        `/projects/${s.id}/config?version=${encodeURIComponent('1 OR 1=1')}`,
        'service',
      ),
    status: 400,
    message: /^version: text matching .* expected$/,
  },
  {
    endpoint: 'GET /projects/:id/config',
    name: 'version 0',
    send: s => call('get', `/projects/${s.id}/config?version=0`, 'service'),
    status: 400,
    message: /^version: text matching .* expected$/,
  },
  {
    endpoint: 'PUT /projects/:id/config',
    name: 'malformed JSON',
    send: s =>
      raw('put', `/projects/${s.id}/config`, 'service', '{"config": {'),
    status: 400,
    message: /^body: not valid JSON/,
  },
  {
    endpoint: 'PUT /projects/:id/config',
    name: 'no config',
    send: s =>
      call('put', `/projects/${s.id}/config`, 'service').send({
        expectedVersion: 1,
      }),
    status: 400,
    message: /^config: is required$/,
  },
  {
    endpoint: 'PUT /projects/:id/config',
    name: 'a string for expectedVersion',
    send: s =>
      call('put', `/projects/${s.id}/config`, 'service').send({
        config,
        expectedVersion: '1',
      }),
    status: 400,
    message: /^expectedVersion: an integer expected$/,
  },
  {
    endpoint: 'PUT /projects/:id/config',
    name: 'one label for a choice question',
    send: s =>
      call('put', `/projects/${s.id}/config`, 'service').send({
        config: {
          ...config,
          questions: [
            config.questions[0],
            config.questions[1],
            { ...config.questions[0], id: 'third', labels: ['only'] },
          ],
        },
      }),
    status: 400,
    message: /^config\.questions\[2\]\.labels: at least 2 labels expected$/,
  },
  {
    endpoint: 'PUT /projects/:id/config',
    name: 'an unknown field',
    send: s =>
      call('put', `/projects/${s.id}/config`, 'service').send({
        config,
        force: true,
      }),
    status: 400,
    message: /^force: not a known field/,
  },
  {
    endpoint: 'PUT /projects/:id/config',
    name: 'a __proto__ key',
    send: s =>
      raw(
        'put',
        `/projects/${s.id}/config`,
        'service',
        withKey({ config }, '__proto__'),
      ),
    status: 400,
    message: /^__proto__: not a known field/,
  },
  {
    endpoint: 'PUT /projects/:id/config',
    name: 'an unknown question type',
    send: s =>
      call('put', `/projects/${s.id}/config`, 'service').send({
        config: {
          ...config,
          questions: [{ ...config.questions[0], type: SQL }],
        },
      }),
    status: 400,
    message: /^config\.questions\[0\]\.type: a question type expected/,
  },

  // --- PUT /projects/:id/status ----------------------------------------
  {
    endpoint: 'PUT /projects/:id/status',
    name: 'an unknown status',
    send: s =>
      call('put', `/projects/${s.id}/status`, 'service').send({ status: SQL }),
    status: 400,
    message:
      /^status: one of draft, active, paused, completed, archived expected$/,
  },
  {
    endpoint: 'PUT /projects/:id/status',
    name: 'a number for the status',
    send: s =>
      call('put', `/projects/${s.id}/status`, 'service').send({ status: 1 }),
    status: 400,
    message: /^status: a string expected$/,
  },
  {
    endpoint: 'PUT /projects/:id/status',
    name: 'no status',
    send: s => call('put', `/projects/${s.id}/status`, 'service').send({}),
    status: 400,
    message: /^status: is required$/,
  },
  {
    endpoint: 'PUT /projects/:id/status',
    name: 'an unknown field',
    send: s =>
      call('put', `/projects/${s.id}/status`, 'service').send({
        status: 'paused',
        reason: 'x',
      }),
    status: 400,
    message: /^reason: not a known field/,
  },
  {
    endpoint: 'PUT /projects/:id/status',
    name: 'malformed JSON',
    send: s =>
      raw('put', `/projects/${s.id}/status`, 'service', "{'status':'paused'}"),
    status: 400,
    message: /^body: not valid JSON/,
  },

  // --- POST /projects/:id/items/import ---------------------------------
  {
    endpoint: 'POST /projects/:id/items/import',
    name: 'JSON instead of NDJSON',
    send: s =>
      call('post', `/projects/${s.id}/items/import`, 'manager').send({
        items: [],
      }),
    status: 415,
    message: /^Content-Type: application\/x-ndjson expected/,
  },
  {
    endpoint: 'POST /projects/:id/items/import',
    name: 'a line over the line limit',
    send: s =>
      importNdjson(
        s,
        ndjson(
          { externalId: 'fine', data: { track_title: 'ok' } },
          {
            externalId: 'huge',
            data: { track_title: 'h'.repeat(LIMITS.maxLineBytes) },
          },
        ),
      ),
    status: 413,
    message: new RegExp(
      `^line 2: at most ${LIMITS.maxLineBytes} bytes per line expected`,
    ),
  },
  {
    endpoint: 'POST /projects/:id/items/import',
    name: 'a JSON array on one line',
    send: s =>
      importNdjson(
        s,
        JSON.stringify(
          Array.from({ length: 100 }, (_, i) => ({
            externalId: `arr-${i}`,
            data: { track_title: 'x'.repeat(50) },
          })),
        ),
      ),
    status: 413,
    message: /^line 1: at most \d+ bytes per line expected/,
  },
  {
    endpoint: 'POST /projects/:id/items/import',
    name: 'a body over the body limit (Content-Length)',
    send: s =>
      importNdjson(
        s,
        Array.from({ length: 40 }, (_, i) =>
          JSON.stringify({
            externalId: `big-${i}`,
            data: { track_title: 'b'.repeat(2000) },
          }),
        ).join('\n'),
      ),
    status: 413,
    message: new RegExp(`^body: at most ${LIMITS.maxBodyBytes} bytes expected`),
  },

  {
    endpoint: 'POST /projects/:id/items/import',
    name: 'a streamed body over the body limit',
    send: s =>
      importStreamed(
        s,
        Array.from(
          { length: 40 },
          (_, i) =>
            `${JSON.stringify({
              externalId: `streamed-${i}`,
              data: { track_title: 's'.repeat(2000) },
            })}\n`,
        ),
      ),
    status: 413,
    message: new RegExp(
      `^body: at most ${LIMITS.maxBodyBytes} bytes expected \\(annotation\\.import\\.maxBodyBytes\\), read up to line \\d+; the import stopped there and stored nothing$`,
    ),
  },

  // --- POST /projects/:id/next -----------------------------------------
  {
    endpoint: 'POST /projects/:id/next',
    name: 'malformed JSON',
    send: s =>
      raw('post', `/projects/${s.id}/next`, 'annotator', '{"exclude": ['),
    status: 400,
    message: /^body: not valid JSON/,
  },
  {
    endpoint: 'POST /projects/:id/next',
    name: 'a string for exclude',
    send: s =>
      call('post', `/projects/${s.id}/next`, 'annotator').send({
        exclude: SQL,
      }),
    status: 400,
    message: /^exclude: a list expected$/,
  },
  {
    endpoint: 'POST /projects/:id/next',
    name: 'more than 10 excluded tokens',
    send: s =>
      call('post', `/projects/${s.id}/next`, 'annotator').send({
        exclude: Array.from({ length: 11 }, (_, i) => `t${i}`),
      }),
    status: 400,
    message: /^exclude: at most 10 items expected$/,
  },
  {
    endpoint: 'POST /projects/:id/next',
    name: 'an unknown field',
    send: s =>
      call('post', `/projects/${s.id}/next`, 'annotator').send({ count: 5 }),
    status: 400,
    message: /^count: not a known field/,
  },
  {
    endpoint: 'POST /projects/:id/next',
    name: 'a constructor key',
    send: s =>
      raw(
        'post',
        `/projects/${s.id}/next`,
        'annotator',
        withKey({}, 'constructor').replace(',}', '}'),
      ),
    status: 400,
    message: /^constructor: not a known field/,
  },
  {
    endpoint: 'POST /projects/:id/next',
    name: 'SQL as the project id',
    send: () =>
      call(
        'post',
        `/projects/${encodeURIComponent(SQL)}/next`,
        'annotator',
      ).send({}),
    status: 404,
    message: /^project .* not found$/,
  },

  // --- leases: heartbeat, release, skip --------------------------------
  {
    endpoint: 'POST /projects/:id/leases/:token/heartbeat',
    name: 'SQL as the token',
    send: s =>
      call(
        'post',
        `/projects/${s.id}/leases/${encodeURIComponent(SQL)}/heartbeat`,
        'annotator',
      ),
    status: 404,
    message: /^lease .* not found$/,
  },
  {
    endpoint: 'POST /projects/:id/leases/:token/heartbeat',
    name: 'a NUL byte in the token',
    send: s =>
      call('post', `/projects/${s.id}/leases/a%00b/heartbeat`, 'annotator'),
    status: 400,
    message: /^path: text without NUL characters expected$/,
  },
  {
    endpoint: 'POST /projects/:id/leases/:token/heartbeat',
    name: 'a token longer than 64 characters',
    send: s =>
      call(
        'post',
        `/projects/${s.id}/leases/${'t'.repeat(65)}/heartbeat`,
        'annotator',
      ),
    status: 400,
    message: /^token: at most 64 characters expected$/,
  },
  {
    endpoint: 'POST /projects/:id/leases/:token/heartbeat',
    name: 'a body it does not take',
    send: s =>
      call(
        'post',
        `/projects/${s.id}/leases/${s.token}/heartbeat`,
        'annotator',
      ).send({ ttl: 99999 }),
    status: 400,
    message: /^ttl: not a known field \(this request takes no body\)$/,
  },
  {
    endpoint: 'DELETE /projects/:id/leases/:token',
    name: 'SQL as the token',
    send: s =>
      call(
        'delete',
        `/projects/${s.id}/leases/${encodeURIComponent(SQL_OR)}`,
        'annotator',
      ),
    status: 404,
    message: /^lease .* not found$/,
  },
  {
    endpoint: 'DELETE /projects/:id/leases/:token',
    name: 'a body it does not take',
    send: s =>
      call('delete', `/projects/${s.id}/leases/${s.token}`, 'annotator').send({
        all: true,
      }),
    status: 400,
    message: /^all: not a known field \(this request takes no body\)$/,
  },
  {
    endpoint: 'POST /projects/:id/leases/:token/skip',
    name: 'no reason',
    send: s =>
      call(
        'post',
        `/projects/${s.id}/leases/${s.token}/skip`,
        'annotator',
      ).send({}),
    status: 400,
    message: /^reason: is required$/,
  },
  {
    endpoint: 'POST /projects/:id/leases/:token/skip',
    name: 'an empty reason',
    send: s =>
      call(
        'post',
        `/projects/${s.id}/leases/${s.token}/skip`,
        'annotator',
      ).send({ reason: '' }),
    status: 400,
    message: /^reason: at least 1 character expected$/,
  },
  {
    endpoint: 'POST /projects/:id/leases/:token/skip',
    name: 'a reason over 1000 characters',
    send: s =>
      call(
        'post',
        `/projects/${s.id}/leases/${s.token}/skip`,
        'annotator',
      ).send({
        reason: 'r'.repeat(1001),
      }),
    status: 400,
    message: /^reason: at most 1000 characters expected$/,
  },
  {
    endpoint: 'POST /projects/:id/leases/:token/skip',
    name: 'a number for the reason',
    send: s =>
      call(
        'post',
        `/projects/${s.id}/leases/${s.token}/skip`,
        'annotator',
      ).send({ reason: 42 }),
    status: 400,
    message: /^reason: a string expected$/,
  },
  {
    endpoint: 'POST /projects/:id/leases/:token/skip',
    name: 'a NUL byte in the reason',
    send: s =>
      call(
        'post',
        `/projects/${s.id}/leases/${s.token}/skip`,
        'annotator',
      ).send({ reason: NUL }),
    status: 400,
    message: /^reason: text without NUL characters expected$/,
  },
  {
    endpoint: 'POST /projects/:id/leases/:token/skip',
    name: 'an unknown field',
    send: s =>
      call(
        'post',
        `/projects/${s.id}/leases/${s.token}/skip`,
        'annotator',
      ).send({
        reason: 'x',
        item: 1,
      }),
    status: 400,
    message: /^item: not a known field/,
  },
  {
    endpoint: 'POST /projects/:id/leases/:token/skip',
    name: 'malformed JSON',
    send: s =>
      raw(
        'post',
        `/projects/${s.id}/leases/${s.token}/skip`,
        'annotator',
        '{"reason": "x"',
      ),
    status: 400,
    message: /^body: not valid JSON/,
  },

  // --- POST /projects/:id/items/:item/annotations ----------------------
  {
    endpoint: 'POST /projects/:id/items/:item/annotations',
    name: 'malformed JSON',
    send: s => submit(s, '{"answer": {"belongs": "yes"},}'),
    status: 400,
    message: /^body: not valid JSON/,
  },
  {
    endpoint: 'POST /projects/:id/items/:item/annotations',
    name: 'SQL as the item id',
    send: s =>
      submit(
        s,
        { token: s.token, answer: { belongs: 'yes' } },
        encodeURIComponent(SQL),
      ),
    status: 400,
    message: /^itemId: text matching .* expected$/,
  },
  {
    endpoint: 'POST /projects/:id/items/:item/annotations',
    name: 'an item id beyond 18 digits',
    send: s =>
      submit(s, { token: s.token, answer: { belongs: 'yes' } }, '9'.repeat(19)),
    status: 400,
    message: /^itemId: text matching .* expected$/,
  },
  {
    endpoint: 'POST /projects/:id/items/:item/annotations',
    name: 'an item of no project',
    send: s =>
      submit(s, { token: s.token, answer: { belongs: 'yes' } }, '9'.repeat(18)),
    status: 404,
    message: /^item 9+ not found in this project$/,
  },
  {
    endpoint: 'POST /projects/:id/items/:item/annotations',
    name: 'no answer',
    send: s => submit(s, { token: s.token }),
    status: 400,
    message: /^answer: is required$/,
  },
  {
    endpoint: 'POST /projects/:id/items/:item/annotations',
    name: 'a string for the answer',
    send: s => submit(s, { token: s.token, answer: 'yes' }),
    status: 400,
    message: /^answer: an object expected$/,
  },
  {
    endpoint: 'POST /projects/:id/items/:item/annotations',
    name: 'a label that is not offered',
    send: s => submit(s, { token: s.token, answer: { belongs: SQL } }),
    status: 400,
    message: /^answer\.belongs: one of yes, no expected$/,
  },
  {
    endpoint: 'POST /projects/:id/items/:item/annotations',
    name: 'a number for free text',
    send: s =>
      submit(s, { token: s.token, answer: { belongs: 'yes', note: 7 } }),
    status: 400,
    message: /^answer\.note: text expected$/,
  },
  {
    endpoint: 'POST /projects/:id/items/:item/annotations',
    name: 'an unknown question',
    send: s =>
      submit(s, { token: s.token, answer: { belongs: 'yes', mood: 'x' } }),
    status: 400,
    message: /^answer\.mood: not a question of this project$/,
  },
  {
    endpoint: 'POST /projects/:id/items/:item/annotations',
    name: 'a __proto__ key in the answer',
    send: s =>
      submit(
        s,
        JSON.stringify({ token: s.token, answer: { belongs: 'yes' } }).replace(
          '"answer":{',
          '"answer":{"__proto__":{"polluted":"yes"},',
        ),
      ),
    status: 400,
    message: /^answer\.__proto__: not a question of this project$/,
  },
  {
    endpoint: 'POST /projects/:id/items/:item/annotations',
    name: 'a __proto__ key',
    send: s =>
      submit(
        s,
        withKey({ token: s.token, answer: { belongs: 'yes' } }, '__proto__', {
          polluted: 'yes',
        }),
      ),
    status: 400,
    message: /^__proto__: not a known field/,
  },
  {
    endpoint: 'POST /projects/:id/items/:item/annotations',
    name: 'an unknown field',
    send: s =>
      submit(s, { token: s.token, answer: { belongs: 'yes' }, final: true }),
    status: 400,
    message: /^final: not a known field/,
  },
  {
    endpoint: 'POST /projects/:id/items/:item/annotations',
    name: 'a negative time spent',
    send: s =>
      submit(s, {
        token: s.token,
        answer: { belongs: 'yes' },
        timeSpentMs: -1,
      }),
    status: 400,
    message: /^timeSpentMs: at least 0 expected$/,
  },
  {
    endpoint: 'POST /projects/:id/items/:item/annotations',
    name: 'a string for the time spent',
    send: s =>
      submit(s, {
        token: s.token,
        answer: { belongs: 'yes' },
        timeSpentMs: '5',
      }),
    status: 400,
    message: /^timeSpentMs: an integer expected$/,
  },
  {
    endpoint: 'POST /projects/:id/items/:item/annotations',
    name: 'an idempotency key over 128 characters',
    send: s =>
      submit(s, {
        token: s.token,
        answer: { belongs: 'yes' },
        idempotencyKey: 'k'.repeat(129),
      }),
    status: 400,
    message: /^idempotencyKey: at most 128 characters expected$/,
  },
  {
    endpoint: 'POST /projects/:id/items/:item/annotations',
    name: 'a NUL byte in the idempotency key',
    send: s =>
      submit(s, {
        token: s.token,
        answer: { belongs: 'yes' },
        idempotencyKey: NUL,
      }),
    status: 400,
    message: /^idempotencyKey: text without NUL characters expected$/,
  },
  {
    endpoint: 'POST /projects/:id/items/:item/annotations',
    name: 'a NUL byte in the token',
    send: s => submit(s, { token: NUL, answer: { belongs: 'yes' } }),
    status: 400,
    message: /^token: text without NUL characters expected$/,
  },
  {
    endpoint: 'POST /projects/:id/items/:item/annotations',
    name: 'free text longer than the question allows',
    send: s =>
      submit(s, {
        token: s.token,
        answer: { belongs: 'yes', note: 'n'.repeat(100_001) },
      }),
    status: 400,
    message: /^answer\.note: at most 100000 characters expected$/,
  },

  // --- the QA queue ------------------------------------------------------
  {
    endpoint: 'GET /projects/:id/escalations',
    name: 'an unknown status',
    send: s =>
      call('get', `/projects/${s.id}/escalations?status=closed`, 'manager'),
    status: 400,
    message: /^status: one of open, resolved, all expected$/,
  },
  {
    endpoint: 'GET /projects/:id/escalations',
    name: 'a limit of 0',
    send: s => call('get', `/projects/${s.id}/escalations?limit=0`, 'manager'),
    status: 400,
    message: /^limit: an integer from 1 to 200 expected, got 0$/,
  },
  {
    endpoint: 'GET /projects/:id/escalations',
    name: 'a limit over 200',
    send: s =>
      call('get', `/projects/${s.id}/escalations?limit=201`, 'manager'),
    status: 400,
    message: /^limit: an integer from 1 to 200 expected, got 201$/,
  },
  {
    endpoint: 'GET /projects/:id/escalations',
    name: 'a limit that is no number',
    send: s =>
      call('get', `/projects/${s.id}/escalations?limit=ten`, 'manager'),
    status: 400,
    message: /^limit: text matching .* expected$/,
  },
  {
    endpoint: 'GET /projects/:id/escalations',
    name: 'SQL as the cursor',
    send: s =>
      call(
        'get',
        `/projects/${s.id}/escalations?cursor=${encodeURIComponent(SQL)}`,
        'manager',
      ),
    status: 400,
    message: /^cursor: text matching .* expected$/,
  },
  {
    endpoint: 'GET /projects/:id/escalations',
    name: 'an unknown query parameter',
    send: s =>
      call('get', `/projects/${s.id}/escalations?annotator=x`, 'manager'),
    status: 400,
    message: /^annotator: not a known query parameter$/,
  },
  {
    endpoint: 'POST /projects/:id/qa/next',
    name: 'a body it does not take',
    send: s =>
      call('post', `/projects/${s.id}/qa/next`, 'analyst').send({ count: 2 }),
    status: 400,
    message: /^count: not a known field \(this request takes no body\)$/,
  },
  {
    endpoint: 'POST /projects/:id/qa/next',
    name: 'SQL as the project id',
    send: () =>
      call('post', `/projects/${encodeURIComponent(SQL)}/qa/next`, 'analyst'),
    status: 404,
    message: /^project .* not found$/,
  },
  {
    endpoint: 'POST /projects/:id/qa/:token/resolve',
    name: 'malformed JSON',
    send: s =>
      raw(
        'post',
        `/projects/${s.id}/qa/${s.qaToken}/resolve`,
        'analyst',
        '{"answer": {"belongs": "no"}',
      ),
    status: 400,
    message: /^body: not valid JSON/,
  },
  {
    endpoint: 'POST /projects/:id/qa/:token/resolve',
    name: 'no answer',
    send: s =>
      call('post', `/projects/${s.id}/qa/${s.qaToken}/resolve`, 'analyst').send(
        { note: 'x' },
      ),
    status: 400,
    message: /^answer: is required$/,
  },
  {
    endpoint: 'POST /projects/:id/qa/:token/resolve',
    name: 'a string for the answer',
    send: s =>
      call('post', `/projects/${s.id}/qa/${s.qaToken}/resolve`, 'analyst').send(
        { answer: 'no' },
      ),
    status: 400,
    message: /^answer: an object expected$/,
  },
  {
    endpoint: 'POST /projects/:id/qa/:token/resolve',
    name: 'a label that is not offered',
    send: s =>
      call('post', `/projects/${s.id}/qa/${s.qaToken}/resolve`, 'analyst').send(
        { answer: { belongs: SQL } },
      ),
    status: 400,
    message: /^answer\.belongs: one of yes, no expected$/,
  },
  {
    endpoint: 'POST /projects/:id/qa/:token/resolve',
    name: 'a question the project does not have',
    send: s =>
      call('post', `/projects/${s.id}/qa/${s.qaToken}/resolve`, 'analyst').send(
        { answer: { belongs: 'no', mood: 'x' } },
      ),
    status: 400,
    message: /^answer\.mood: not a question of this project$/,
  },
  {
    endpoint: 'POST /projects/:id/qa/:token/resolve',
    name: 'a number for the note',
    send: s =>
      call('post', `/projects/${s.id}/qa/${s.qaToken}/resolve`, 'analyst').send(
        { answer: { belongs: 'no' }, note: 7 },
      ),
    status: 400,
    message: /^note: a string expected$/,
  },
  {
    endpoint: 'POST /projects/:id/qa/:token/resolve',
    name: 'a note over 10000 characters',
    send: s =>
      call('post', `/projects/${s.id}/qa/${s.qaToken}/resolve`, 'analyst').send(
        { answer: { belongs: 'no' }, note: 'n'.repeat(10_001) },
      ),
    status: 400,
    message: /^note: at most 10000 characters expected$/,
  },
  {
    endpoint: 'POST /projects/:id/qa/:token/resolve',
    name: 'a NUL byte in the note',
    send: s =>
      call('post', `/projects/${s.id}/qa/${s.qaToken}/resolve`, 'analyst').send(
        { answer: { belongs: 'no' }, note: NUL },
      ),
    status: 400,
    message: /^note: text without NUL characters expected$/,
  },
  {
    endpoint: 'POST /projects/:id/qa/:token/resolve',
    name: 'an unknown field',
    send: s =>
      call('post', `/projects/${s.id}/qa/${s.qaToken}/resolve`, 'analyst').send(
        { answer: { belongs: 'no' }, gold: true },
      ),
    status: 400,
    message: /^gold: not a known field/,
  },
  {
    endpoint: 'POST /projects/:id/qa/:token/resolve',
    name: 'a __proto__ key',
    send: s =>
      raw(
        'post',
        `/projects/${s.id}/qa/${s.qaToken}/resolve`,
        'analyst',
        withKey({ answer: { belongs: 'no' } }, '__proto__', { polluted: 1 }),
      ),
    status: 400,
    message: /^__proto__: not a known field/,
  },
  {
    endpoint: 'POST /projects/:id/qa/:token/resolve',
    name: 'SQL as the token',
    send: s =>
      call(
        'post',
        `/projects/${s.id}/qa/${encodeURIComponent(SQL_OR)}/resolve`,
        'analyst',
      ).send({ answer: { belongs: 'no' } }),
    status: 404,
    message: /^QA claim .* not found$/,
  },
  {
    endpoint: 'POST /projects/:id/qa/:token/resolve',
    name: 'a token longer than 64 characters',
    send: s =>
      call(
        'post',
        `/projects/${s.id}/qa/${'t'.repeat(65)}/resolve`,
        'analyst',
      ).send({ answer: { belongs: 'no' } }),
    status: 400,
    message: /^token: at most 64 characters expected$/,
  },
  {
    endpoint: 'POST /projects/:id/qa/:token/send-back',
    name: 'no guidance',
    send: s =>
      call(
        'post',
        `/projects/${s.id}/qa/${s.qaToken}/send-back`,
        'analyst',
      ).send({}),
    status: 400,
    message: /^guidance: is required$/,
  },
  {
    endpoint: 'POST /projects/:id/qa/:token/send-back',
    name: 'empty guidance',
    send: s =>
      call(
        'post',
        `/projects/${s.id}/qa/${s.qaToken}/send-back`,
        'analyst',
      ).send({ guidance: '' }),
    status: 400,
    message: /^guidance: at least 1 character expected$/,
  },
  {
    endpoint: 'POST /projects/:id/qa/:token/send-back',
    name: 'guidance of only spaces',
    send: s =>
      call(
        'post',
        `/projects/${s.id}/qa/${s.qaToken}/send-back`,
        'analyst',
      ).send({ guidance: ' \t\n ' }),
    status: 400,
    message:
      /^guidance: text saying what the annotators should look at expected/,
  },
  {
    endpoint: 'POST /projects/:id/qa/:token/send-back',
    name: 'a list for the guidance',
    send: s =>
      call(
        'post',
        `/projects/${s.id}/qa/${s.qaToken}/send-back`,
        'analyst',
      ).send({ guidance: ['listen again'] }),
    status: 400,
    message: /^guidance: a string expected$/,
  },
  {
    endpoint: 'POST /projects/:id/qa/:token/send-back',
    name: 'guidance over 10000 characters',
    send: s =>
      call(
        'post',
        `/projects/${s.id}/qa/${s.qaToken}/send-back`,
        'analyst',
      ).send({ guidance: 'g'.repeat(10_001) }),
    status: 400,
    message: /^guidance: at most 10000 characters expected$/,
  },
  {
    endpoint: 'POST /projects/:id/qa/:token/send-back',
    name: 'an answer it does not take',
    send: s =>
      call(
        'post',
        `/projects/${s.id}/qa/${s.qaToken}/send-back`,
        'analyst',
      ).send({ guidance: 'x', answer: { belongs: 'no' } }),
    status: 400,
    message: /^answer: not a known field/,
  },
  {
    endpoint: 'POST /projects/:id/qa/:token/heartbeat',
    name: 'a body it does not take',
    send: s =>
      call(
        'post',
        `/projects/${s.id}/qa/${s.qaToken}/heartbeat`,
        'analyst',
      ).send({ ttl: 99999 }),
    status: 400,
    message: /^ttl: not a known field \(this request takes no body\)$/,
  },
  {
    endpoint: 'POST /projects/:id/qa/:token/heartbeat',
    name: 'SQL as the token',
    send: s =>
      call(
        'post',
        `/projects/${s.id}/qa/${encodeURIComponent(SQL)}/heartbeat`,
        'analyst',
      ),
    status: 404,
    message: /^QA claim .* not found$/,
  },
  {
    endpoint: 'DELETE /projects/:id/qa/:token',
    name: 'SQL as the token',
    send: s =>
      call(
        'delete',
        `/projects/${s.id}/qa/${encodeURIComponent(SQL_OR)}`,
        'analyst',
      ),
    status: 404,
    message: /^QA claim .* not found$/,
  },
  {
    endpoint: 'DELETE /projects/:id/qa/:token',
    name: 'a NUL byte in the token',
    send: s => call('delete', `/projects/${s.id}/qa/a%00b`, 'analyst'),
    status: 400,
    message: /^path: text without NUL characters expected$/,
  },

  // --- GET /projects/:id/progress --------------------------------------
  {
    endpoint: 'GET /projects/:id/progress',
    name: 'an unknown query parameter',
    send: s =>
      call(
        'get',
        `/projects/${s.id}/progress?annotator=${encodeURIComponent(SQL)}`,
        'manager',
      ),
    status: 400,
    message: /^annotator: not a known query parameter$/,
  },
  {
    endpoint: 'GET /projects/:id/progress',
    name: 'SQL as the project id',
    send: () =>
      call(
        'get',
        `/projects/${encodeURIComponent(SQL_OR)}/progress`,
        'manager',
      ),
    status: 404,
    message: /^project .* not found$/,
  },
  // --- GET /projects/:id/metrics/quality ---------------------------------
  {
    endpoint: 'GET /projects/:id/metrics/quality',
    name: 'an unknown bucket size',
    send: s =>
      call('get', `/projects/${s.id}/metrics/quality?bucket=week`, 'manager'),
    status: 400,
    message: /^bucket: .*hour.*day/,
  },
  {
    endpoint: 'GET /projects/:id/metrics/quality',
    name: 'a since that is no date',
    send: s =>
      call(
        'get',
        `/projects/${s.id}/metrics/quality?since=${encodeURIComponent(SQL)}`,
        'manager',
      ),
    status: 400,
    message: /^since: a date-time expected \(ISO 8601/,
  },
  {
    endpoint: 'GET /projects/:id/metrics/quality',
    name: 'a since in the future',
    send: s =>
      call(
        'get',
        `/projects/${s.id}/metrics/quality?since=2999-01-01T00%3A00%3A00Z`,
        'manager',
      ),
    status: 400,
    message: /^since: a time in the past expected, got 2999-01-01T00:00:00Z$/,
  },
  {
    endpoint: 'GET /projects/:id/metrics/quality',
    name: 'a window longer than the bucket allows',
    send: s =>
      call(
        'get',
        `/projects/${s.id}/metrics/quality?bucket=day&since=2001-01-01`,
        'manager',
      ),
    status: 400,
    message:
      /^since: at most 366 days ago expected with bucket=day, got 2001-01-01$/,
  },
  {
    endpoint: 'GET /projects/:id/metrics/quality',
    name: 'a very long since',
    send: s =>
      call(
        'get',
        `/projects/${s.id}/metrics/quality?since=${'9'.repeat(100)}`,
        'manager',
      ),
    status: 400,
    message: /^since: /,
  },
  {
    endpoint: 'GET /projects/:id/metrics/quality',
    name: 'an unknown query parameter',
    send: s =>
      call(
        'get',
        `/projects/${s.id}/metrics/quality?annotator=${encodeURIComponent(
          SQL,
        )}`,
        'manager',
      ),
    status: 400,
    message: /^annotator: not a known query parameter$/,
  },
  {
    endpoint: 'GET /projects/:id/metrics/quality',
    name: 'SQL as the project id',
    send: () =>
      call(
        'get',
        `/projects/${encodeURIComponent(SQL_OR)}/metrics/quality`,
        'manager',
      ),
    status: 404,
    message: /^project .* not found$/,
  },
  // --- POST /projects/:id/quality/refit -----------------------------------
  {
    endpoint: 'POST /projects/:id/quality/refit',
    name: 'a body where none is taken',
    send: s =>
      call('post', `/projects/${s.id}/quality/refit`, 'manager').send({
        force: true,
      }),
    status: 400,
    message: /force/,
  },
  {
    endpoint: 'POST /projects/:id/quality/refit',
    name: 'malformed JSON',
    send: s =>
      raw('post', `/projects/${s.id}/quality/refit`, 'manager', '{"force":'),
    status: 400,
    message: /^body: not valid JSON/,
  },
  {
    endpoint: 'POST /projects/:id/quality/refit',
    name: 'SQL as the project id',
    send: () =>
      call(
        'post',
        `/projects/${encodeURIComponent(SQL)}/quality/refit`,
        'manager',
      ),
    status: 404,
    message: /^project .* not found$/,
  },
  // --- POST /projects/:id/llm-annotators ---------------------------------
  {
    endpoint: 'POST /projects/:id/llm-annotators',
    name: 'a name that is not an identifier',
    send: s =>
      call('post', `/projects/${s.id}/llm-annotators`, 'manager').send({
        name: "x'; DROP TABLE llm_annotators; --",
        config: llmConfig,
      }),
    status: 400,
    message: /name/,
  },
  {
    endpoint: 'POST /projects/:id/llm-annotators',
    name: 'a config that is not an object',
    send: s =>
      call('post', `/projects/${s.id}/llm-annotators`, 'manager').send({
        name: 'x',
        config: 'be helpful',
      }),
    status: 400,
    message: /config/,
  },
  {
    endpoint: 'POST /projects/:id/llm-annotators',
    name: 'an unknown field in the config',
    send: s =>
      call('post', `/projects/${s.id}/llm-annotators`, 'manager').send({
        name: 'x',
        config: { ...llmConfig, topP: 0.9 },
      }),
    status: 400,
    message: /^config: unknown field "topP"$/,
  },
  {
    endpoint: 'POST /projects/:id/llm-annotators',
    name: 'a __proto__ key in the config',
    send: s =>
      raw(
        'post',
        `/projects/${s.id}/llm-annotators`,
        'manager',
        `{"name":"x","config":{"provider":"simulator","promptTemplate":"t","__proto__":{"polluted":1}}}`,
      ),
    status: 400,
    message: /__proto__/,
  },
  {
    endpoint: 'POST /projects/:id/llm-annotators',
    name: 'a template reading a field the items lack',
    send: s =>
      call('post', `/projects/${s.id}/llm-annotators`, 'manager').send({
        name: 'x',
        config: { ...llmConfig, promptTemplate: '{{ data.lyrics }}' },
      }),
    status: 400,
    message: /^config\.promptTemplate: \{\{ data\.lyrics \}\}: not a field/,
  },
  {
    endpoint: 'POST /projects/:id/llm-annotators',
    name: 'malformed JSON',
    send: s =>
      raw('post', `/projects/${s.id}/llm-annotators`, 'manager', '{"name":'),
    status: 400,
    message: /^body: not valid JSON/,
  },
  // --- PUT /projects/:id/llm-annotators/:annotator ------------------------
  {
    endpoint: 'PUT /projects/:id/llm-annotators/:annotator',
    name: 'a negative temperature',
    send: s =>
      call(
        'put',
        `/projects/${s.id}/llm-annotators/${s.llmAnnotatorId}`,
        'manager',
      ).send({ config: { ...llmConfig, temperature: -1 } }),
    status: 400,
    message: /^config\.temperature: a number from 0 to 2 expected$/,
  },
  {
    endpoint: 'PUT /projects/:id/llm-annotators/:annotator',
    name: 'SQL as the annotator id',
    send: s =>
      call(
        'put',
        `/projects/${s.id}/llm-annotators/${encodeURIComponent(SQL)}`,
        'manager',
      ).send({ config: llmConfig }),
    status: 404,
    message: /^LLM annotator .* not found in this project$/,
  },
  // --- LLM jobs ------------------------------------------------------------
  {
    endpoint: 'POST /projects/:id/llm-annotators/:annotator/jobs',
    name: 'a scope of an unknown kind',
    send: s =>
      call(
        'post',
        `/projects/${s.id}/llm-annotators/${s.llmAnnotatorId}/jobs`,
        'manager',
      ).send({ scope: { kind: 'everything' } }),
    status: 400,
    message: /^scope/,
  },
  {
    endpoint: 'POST /projects/:id/llm-annotators/:annotator/jobs',
    name: 'a negative budget',
    send: s =>
      call(
        'post',
        `/projects/${s.id}/llm-annotators/${s.llmAnnotatorId}/jobs`,
        'manager',
      ).send({ scope: { kind: 'missing' }, budgetCost: -5 }),
    status: 400,
    message: /budgetCost/,
  },
  {
    endpoint: 'POST /projects/:id/llm-annotators/:annotator/jobs',
    name: 'SQL in the item ids',
    send: s =>
      call(
        'post',
        `/projects/${s.id}/llm-annotators/${s.llmAnnotatorId}/jobs`,
        'manager',
      ).send({ scope: { kind: 'items', ids: [SQL] } }),
    status: 400,
    message: /^scope\.ids/,
  },
  {
    endpoint: 'POST /projects/:id/llm-annotators/:annotator/dry-run',
    name: 'too many items',
    send: s =>
      call(
        'post',
        `/projects/${s.id}/llm-annotators/${s.llmAnnotatorId}/dry-run`,
        'manager',
      ).send({ itemIds: ['1', '2', '3', '4', '5', '6'] }),
    status: 400,
    message: /itemIds/,
  },
  {
    endpoint: 'POST /projects/:id/llm-jobs/:job/:action',
    name: 'an unknown action',
    send: s => call('post', `/projects/${s.id}/llm-jobs/x/restart`, 'manager'),
    status: 400,
    message: /action/,
  },
];

describe.each(databases.eachSupportedId())('bad input on %s', dbId => {
  let knex: Knex;
  let scene: Scene;

  beforeAll(async () => {
    knex = await databases.init(dbId);
    server = await startAnnotationApi({
      knex,
      annotation: { import: LIMITS, ...llmProvidersConfig },
    });
    const created = await expectStatus(
      call('post', '/projects', 'service').send(newProject),
      201,
    );
    const id = created.body.id;
    await expectStatus(
      importNdjson(
        { id } as Scene,
        ndjson(
          { externalId: 'a', data: { track_title: 'A' } },
          { externalId: 'b', data: { track_title: 'B' } },
        ),
      ),
      200,
    );
    await expectStatus(
      call('put', `/projects/${id}/status`, 'service').send({
        status: 'active',
      }),
      200,
    );
    const lease = await expectStatus(
      call('post', `/projects/${id}/next`, 'annotator').send({}),
      200,
    );
    const other = await knex('items')
      .where({ project_id: id, external_id: 'b' })
      .first();
    await new KnexQualityStore(knex).escalate(String(other.id), {
      configVersion: 1,
      reasons: [{ code: 'annotator-flag', annotator: 'user:default/x' }],
    });
    const claim = await expectStatus(
      call('post', `/projects/${id}/qa/next`, 'analyst'),
      200,
    );
    const llm = await expectStatus(
      call('post', `/projects/${id}/llm-annotators`, 'manager').send({
        name: 'first-pass',
        config: llmConfig,
      }),
      201,
    );
    scene = {
      id,
      llmAnnotatorId: llm.body.id,
      token: lease.body.token,
      itemId: lease.body.item.id,
      qaToken: claim.body.token,
    };
  });

  it.each(cases)('$endpoint: $name', async c => {
    const before = await snapshotTables(knex);
    const res = await c.send(scene);
    expect({ status: res.status, message: res.body?.error?.message }).toEqual({
      status: c.status,
      message: expect.stringMatching(c.message),
    });
    // Backstage's error shape
    expect(res.body).toEqual({
      error: { name: expect.any(String), message: expect.any(String) },
      request: {
        method: c.endpoint.split(' ')[0],
        url: expect.stringMatching(/^\//),
      },
      response: { statusCode: c.status },
    });
    expect(await snapshotTables(knex)).toBe(before);
    // no key of a body reached a prototype
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
  it('reports bad NDJSON lines by number and field, and stores none of them', async () => {
    const before = await snapshotTables(knex, undefined, TABLES_BUT_IMPORTS);
    const lines = [
      '{"externalId": "broken", "data": {',
      JSON.stringify({
        externalId: 'typed',
        data: { track_title: 'x' },
        priority: 'high',
      }),
      JSON.stringify({
        externalId: 'extra',
        data: { track_title: 'x' },
        colour: 'red',
      }),
      withKey(
        { externalId: 'proto', data: { track_title: 'x' } },
        '__proto__',
        { polluted: 'yes' },
      ),
      JSON.stringify({ externalId: NUL, data: { track_title: 'x' } }),
      JSON.stringify({ externalId: 'no-title', data: { other: 'x' } }),
      JSON.stringify({
        externalId: 'x'.repeat(256),
        data: { track_title: 'x' },
      }),
      JSON.stringify([{ externalId: 'array' }]),
      `{"externalId":"deep","data":{"track_title":${'['.repeat(
        1000,
      )}${']'.repeat(1000)}}}`,
      JSON.stringify({
        externalId: 'gold',
        data: { track_title: 'x' },
        gold: { belongs: SQL },
      }),
    ];
    const res = await importNdjson(scene, lines.join('\n'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ lines: 10, inserted: 0, rejected: 10 });
    expect(
      res.body.errors.map((e: { line: number; reason: string }) => [
        e.line,
        e.reason,
      ]),
    ).toEqual([
      [1, expect.stringMatching(/^not valid JSON: /)],
      [2, 'priority: a whole number expected'],
      [
        3,
        '"colour": not a known field (externalId, data, predictions, priority, gold)',
      ],
      [
        4,
        '"__proto__": not a known field (externalId, data, predictions, priority, gold)',
      ],
      [5, 'externalId: text without NUL characters expected'],
      [6, 'data.track_title: is required by question "belongs"'],
      [7, 'externalId: a non-empty string of at most 255 characters expected'],
      [8, 'a JSON object expected'],
      [9, 'data: at most 64 levels of nesting expected'],
      [10, 'gold.belongs: one of yes, no expected'],
    ]);
    expect(await snapshotTables(knex, undefined, TABLES_BUT_IMPORTS)).toBe(
      before,
    );
    // the request is recorded, with what it rejected
    const recorded = await knex('imports').where({ id: res.body.importId });
    expect(recorded.map(r => r.status)).toEqual(['done']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('stores injection strings that are valid values verbatim, and reads them back unchanged', async () => {
    const description = `${VALID_TEXTS.join('\n')}\n${'d'.repeat(500_000)}`;
    const created = await call('post', '/projects', 'service').send({
      ...newProject,
      name: 'verbatim',
      title: `${SQL} ${UNICODE}`,
      description,
      config: { ...config, overlap: 1 },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const read = await call('get', `/projects/${id}`, 'annotator');
    expect(read.body).toMatchObject({
      title: `${SQL} ${UNICODE}`,
      description,
    });

    // data keys like __proto__ are data too: kept as own keys
    const lines = VALID_TEXTS.map(
      (text, i) =>
        `{"externalId":${JSON.stringify(
          text,
        )},"data":{"__proto__":{"polluted":"yes"},"track_title":${JSON.stringify(
          text,
        )},"n":${i}}}`,
    );
    const imported = await importNdjson({ id } as Scene, lines.join('\n'));
    expect(imported.body).toMatchObject({
      inserted: VALID_TEXTS.length,
      rejected: 0,
    });
    const rows = await knex('items').where({ project_id: id }).orderBy('id');
    expect(rows.map(r => r.external_id)).toEqual(VALID_TEXTS);
    expect(rows.map(r => JSON.parse(r.data))).toEqual(
      lines.map(l => JSON.parse(l).data),
    );
    await call('put', `/projects/${id}/status`, 'service').send({
      status: 'active',
    });

    // every item is leased, seen as imported; the first is skipped with an
    // injection string as the reason, the others answered with the texts
    const seen: string[] = [];
    const leaseNext = async () => {
      const lease = await call(
        'post',
        `/projects/${id}/next`,
        'annotator',
      ).send({});
      if (lease.status === 204) {
        return undefined;
      }
      expect(lease.status).toBe(200);
      const { id: itemId, externalId, data } = lease.body.item;
      expect(data).toEqual(JSON.parse(lines[data.n]).data);
      expect(externalId).toBe(VALID_TEXTS[data.n]);
      seen.push(externalId);
      return { token: lease.body.token as string, itemId, externalId };
    };
    const first = await leaseNext();
    const skipped = await call(
      'post',
      `/projects/${id}/leases/${first?.token}/skip`,
      'annotator',
    ).send({ reason: `${SQL_OR} ${UNICODE}` });
    expect(skipped.status).toBe(204);
    for (
      let n = 1, lease = await leaseNext();
      lease;
      n++, lease = await leaseNext()
    ) {
      const note = n === 1 ? 'n'.repeat(100_000) : `${lease.externalId} ${SQL}`;
      const answered = await call(
        'post',
        `/projects/${id}/items/${lease.itemId}/annotations`,
        'annotator',
      ).send({
        token: lease.token,
        answer: { belongs: 'yes', note },
        idempotencyKey: `${n} ${lease.externalId}`.slice(0, 128),
      });
      expect(answered.status).toBe(201);
      expect(answered.body.annotation.answer).toEqual({ belongs: 'yes', note });
    }
    expect(seen.sort()).toEqual([...VALID_TEXTS].sort());
    const skips = await knex('skips').where({ project_id: id });
    expect(skips.map(r => r.reason)).toEqual([`${SQL_OR} ${UNICODE}`]);
    const answers = await knex('annotations').where({ project_id: id });
    expect(answers).toHaveLength(VALID_TEXTS.length - 1);
    for (const row of answers) {
      const item = rows.find(r => String(r.id) === String(row.item_id));
      const { note } = JSON.parse(row.answer);
      expect(
        note === 'n'.repeat(100_000) || note === `${item.external_id} ${SQL}`,
      ).toBe(true);
      expect(row.idempotency_key).toMatch(/^\d+ /);
    }
    // a QA resolution's answer and note, likewise
    await new KnexQualityStore(knex).escalate(String(answers[0].item_id), {
      configVersion: 1,
      reasons: [{ code: 'annotator-flag', annotator: SQL, note: UNICODE }],
    });
    const claim = await call('post', `/projects/${id}/qa/next`, 'analyst');
    const decision = {
      answer: { belongs: 'no', note: `${SQL} ${UNICODE}` },
      note: `${SQL_OR} ${UNICODE}`,
    };
    const resolved = await call(
      'post',
      `/projects/${id}/qa/${claim.body.token}/resolve`,
      'analyst',
    ).send(decision);
    expect(resolved.status).toBe(200);
    const backlog = await call(
      'get',
      `/projects/${id}/escalations?status=resolved`,
      'manager',
    );
    expect(backlog.body.items).toEqual([
      expect.objectContaining({
        ...decision,
        reasons: [{ code: 'annotator-flag', annotator: SQL, note: UNICODE }],
      }),
    ]);
    const gold = await knex('items').where({ id: answers[0].item_id }).first();
    expect(JSON.parse(gold.gold)).toEqual(decision.answer);

    // nothing was dropped, nothing reached a prototype
    const progress = await call('get', `/projects/${id}/progress`, 'manager');
    expect(progress.body.items).toMatchObject({
      total: VALID_TEXTS.length,
      complete: VALID_TEXTS.length - 1,
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
