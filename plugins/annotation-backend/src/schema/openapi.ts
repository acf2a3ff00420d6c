/*
 * The Chorus HTTP API, OpenAPI 3.1. The router validates requests against it
 * (createValidatedOpenApiRouter) and serves it at `/openapi.json`; handlers
 * are typed from it. Bodies whose checks need the project's config (configs,
 * answers, items) are declared as objects here and checked by the shared
 * validators, which name the exact path of every problem.
 */
/** A JSON response with the given schema. */
function json<S>(description: string, schema: S) {
  return { description, content: { 'application/json': { schema } } } as const;
}

/** A reference to one of the schemas below. */
function ref<N extends string>(name: N) {
  return { $ref: `#/components/schemas/${name}` } as const;
}

const errorResponse = json('Backstage error', ref('Error'));

const projectId = {
  name: 'projectId',
  in: 'path',
  required: true,
  schema: { type: 'string', minLength: 1, maxLength: 64 },
} as const;

const token = {
  name: 'token',
  in: 'path',
  required: true,
  schema: { type: 'string', minLength: 1, maxLength: 64 },
} as const;

const noContent = { description: 'Done' } as const;

/** Backstage's error body (the shape its error handler sends). */
const errorProperties = {
  // a serialised error may carry more fields of its own
  error: {
    type: 'object',
    required: ['name', 'message'],
    properties: {
      name: { type: 'string' },
      message: { type: 'string' },
    },
  },
  request: {
    type: 'object',
    additionalProperties: false,
    required: ['method', 'url'],
    properties: {
      method: { type: 'string' },
      url: { type: 'string' },
    },
  },
  response: {
    type: 'object',
    additionalProperties: false,
    required: ['statusCode'],
    properties: { statusCode: { type: 'integer' } },
  },
} as const;

export const spec = {
  openapi: '3.1.0',
  info: {
    title: 'Chorus annotation API',
    version: '1',
    description: 'Annotation projects, items, leases and answers.',
  },
  servers: [{ url: '/' }],
  components: {
    schemas: {
      Error: {
        type: 'object',
        additionalProperties: false,
        required: ['error', 'request', 'response'],
        properties: errorProperties,
      },
      ImportTooLarge: {
        type: 'object',
        additionalProperties: false,
        required: ['error', 'request', 'response'],
        description:
          'The body went over the size limit. Without `summary` nothing was read; with it, the lines before the limit were stored as it says.',
        properties: { ...errorProperties, summary: ref('ImportSummary') },
      },
      Project: {
        type: 'object',
        additionalProperties: false,
        required: [
          'id',
          'name',
          'namespace',
          'title',
          'owner',
          'lifecycle',
          'model',
          'dataset',
          'workforce',
          'taskType',
          'questions',
          'status',
          'configVersion',
          'createdAt',
          'updatedAt',
        ],
        properties: {
          id: { type: 'string', format: 'uuid' },
          name: { type: 'string' },
          namespace: { type: 'string' },
          title: { type: 'string' },
          description: { type: 'string' },
          owner: { type: 'string' },
          lifecycle: { type: 'string' },
          model: { type: 'string' },
          dataset: { type: 'string' },
          workforce: {
            type: 'object',
            additionalProperties: false,
            required: ['annotators', 'qualityAnalysts', 'managers'],
            properties: {
              annotators: { type: 'array', items: { type: 'string' } },
              qualityAnalysts: { type: 'array', items: { type: 'string' } },
              managers: { type: 'array', items: { type: 'string' } },
            },
          },
          taskType: { type: 'string' },
          questions: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['id', 'type'],
              properties: {
                id: { type: 'string' },
                type: { type: 'string' },
                title: { type: 'string' },
              },
            },
          },
          status: {
            type: 'string',
            enum: ['draft', 'active', 'paused', 'completed', 'archived'],
          },
          configVersion: { type: 'integer', minimum: 1 },
          createdAt: { type: 'string', format: 'date-time' },
          updatedAt: { type: 'string', format: 'date-time' },
        },
      },
      ProjectList: {
        type: 'object',
        additionalProperties: false,
        required: ['items'],
        properties: {
          items: {
            type: 'array',
            items: { $ref: '#/components/schemas/Project' },
          },
        },
      },
      QueueList: {
        type: 'object',
        additionalProperties: false,
        required: ['items'],
        properties: {
          items: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['project', 'openItems', 'myAnnotations', 'mySkips'],
              properties: {
                project: { $ref: '#/components/schemas/Project' },
                openItems: { type: 'integer', minimum: 0 },
                myAnnotations: { type: 'integer', minimum: 0 },
                mySkips: { type: 'integer', minimum: 0 },
              },
            },
          },
        },
      },
      WorkItem: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'externalId', 'data'],
        description:
          "An item as an annotator sees it: never its gold answer nor anyone else's answers.",
        properties: {
          id: { type: 'string', pattern: '^[0-9]+$' },
          externalId: { type: 'string' },
          data: {},
        },
      },
      Lease: {
        type: 'object',
        additionalProperties: false,
        required: ['token', 'expiresAt', 'configVersion', 'item'],
        properties: {
          token: { type: 'string', format: 'uuid' },
          expiresAt: { type: 'string', format: 'date-time' },
          configVersion: { type: 'integer', minimum: 1 },
          item: { $ref: '#/components/schemas/WorkItem' },
        },
      },
      Annotation: {
        type: 'object',
        additionalProperties: false,
        required: [
          'id',
          'projectId',
          'itemId',
          'annotator',
          'configVersion',
          'answer',
          'timeSpentMs',
          'createdAt',
          'updatedAt',
        ],
        properties: {
          id: { type: 'string', pattern: '^[0-9]+$' },
          projectId: { type: 'string', format: 'uuid' },
          itemId: { type: 'string', pattern: '^[0-9]+$' },
          annotator: { type: 'string' },
          configVersion: { type: 'integer', minimum: 1 },
          answer: {},
          timeSpentMs: { type: 'integer', minimum: 0 },
          createdAt: { type: 'string', format: 'date-time' },
          updatedAt: { type: 'string', format: 'date-time' },
        },
      },
      SubmitResult: {
        type: 'object',
        additionalProperties: false,
        required: ['outcome', 'annotation', 'itemCompleted'],
        properties: {
          outcome: { type: 'string', enum: ['created', 'edited', 'replayed'] },
          annotation: { $ref: '#/components/schemas/Annotation' },
          itemCompleted: { type: 'boolean' },
        },
      },
      ImportSummary: {
        type: 'object',
        additionalProperties: false,
        required: [
          'importId',
          'lines',
          'inserted',
          'updated',
          'unchanged',
          'rejected',
          'errors',
        ],
        properties: {
          importId: { type: 'string', format: 'uuid' },
          lines: { type: 'integer', minimum: 0 },
          inserted: { type: 'integer', minimum: 0 },
          updated: { type: 'integer', minimum: 0 },
          unchanged: { type: 'integer', minimum: 0 },
          rejected: { type: 'integer', minimum: 0 },
          errors: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['line', 'reason'],
              properties: {
                line: { type: 'integer', minimum: 1 },
                externalId: { type: 'string' },
                reason: { type: 'string' },
              },
            },
          },
          truncated: { type: 'string' },
        },
      },
      Progress: {
        type: 'object',
        additionalProperties: false,
        required: ['items', 'annotations', 'skips', 'annotators'],
        properties: {
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['total', 'open', 'full', 'complete'],
            properties: {
              total: { type: 'integer', minimum: 0 },
              open: { type: 'integer', minimum: 0 },
              full: { type: 'integer', minimum: 0 },
              complete: { type: 'integer', minimum: 0 },
            },
          },
          annotations: { type: 'integer', minimum: 0 },
          skips: { type: 'integer', minimum: 0 },
          annotators: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['annotator', 'annotations', 'skips', 'timeSpentMs'],
              properties: {
                annotator: { type: 'string' },
                annotations: { type: 'integer', minimum: 0 },
                skips: { type: 'integer', minimum: 0 },
                timeSpentMs: { type: 'integer', minimum: 0 },
              },
            },
          },
        },
      },
      ConfigVersion: {
        type: 'object',
        additionalProperties: false,
        required: ['version', 'config', 'createdBy', 'createdAt'],
        properties: {
          version: { type: 'integer', minimum: 1 },
          config: { type: 'object', additionalProperties: true },
          createdBy: { type: 'string' },
          createdAt: { type: 'string', format: 'date-time' },
        },
      },
    },
  },
  paths: {
    '/projects': {
      get: {
        operationId: 'listProjects',
        description:
          'The projects the caller may read (all of them for services, such as the catalogue provider).',
        responses: {
          '200': json('The projects', ref('ProjectList')),
          default: errorResponse,
        },
      },
      post: {
        operationId: 'createProject',
        description:
          'Creates a project with config version 1. The body is checked field by field; errors name the path.',
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: { type: 'object', additionalProperties: true },
            },
          },
        },
        responses: {
          '201': json('The new project', ref('Project')),
          default: errorResponse,
        },
      },
    },
    '/queues': {
      get: {
        operationId: 'listQueues',
        description:
          'The caller’s work: active projects they may label, with the items still open for answers and their own counts.',
        responses: {
          '200': json('The queues', ref('QueueList')),
          default: errorResponse,
        },
      },
    },
    '/projects/{projectId}': {
      get: {
        operationId: 'getProject',
        parameters: [projectId],
        responses: {
          '200': json('The project', ref('Project')),
          default: errorResponse,
        },
      },
    },
    '/projects/{projectId}/config': {
      get: {
        operationId: 'getProjectConfig',
        parameters: [
          projectId,
          {
            name: 'version',
            in: 'query',
            required: false,
            schema: { type: 'string', pattern: '^[1-9][0-9]{0,8}$' },
          },
        ],
        responses: {
          '200': json(
            'The current (or the asked) config version',
            ref('ConfigVersion'),
          ),
          default: errorResponse,
        },
      },
      put: {
        operationId: 'updateProjectConfig',
        description:
          'Saves a new config version. `expectedVersion` guards against concurrent edits.',
        parameters: [projectId],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['config'],
                additionalProperties: false,
                properties: {
                  config: { type: 'object', additionalProperties: true },
                  expectedVersion: { type: 'integer', minimum: 1 },
                },
              },
            },
          },
        },
        responses: {
          '200': json(
            'The project with its new config version',
            ref('Project'),
          ),
          default: errorResponse,
        },
      },
    },
    '/projects/{projectId}/status': {
      put: {
        operationId: 'setProjectStatus',
        parameters: [projectId],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['status'],
                additionalProperties: false,
                properties: {
                  status: {
                    type: 'string',
                    enum: [
                      'draft',
                      'active',
                      'paused',
                      'completed',
                      'archived',
                    ],
                  },
                },
              },
            },
          },
        },
        responses: {
          '200': json('The project', ref('Project')),
          default: errorResponse,
        },
      },
    },

    '/projects/{projectId}/items/import': {
      post: {
        operationId: 'importItems',
        description:
          'Streams NDJSON items into the project (one JSON object per line: externalId, data, optional predictions, priority, gold). Idempotent by externalId; bad lines are reported with their line number.',
        parameters: [projectId],
        requestBody: {
          required: true,
          content: {
            'application/x-ndjson': {
              schema: { type: 'string', format: 'binary' },
            },
          },
        },
        responses: {
          '200': json(
            'What was stored, and the rejected lines',
            ref('ImportSummary'),
          ),
          '413': json('The body was too large', ref('ImportTooLarge')),
          default: errorResponse,
        },
      },
    },
    '/projects/{projectId}/next': {
      post: {
        operationId: 'nextItem',
        description:
          "A lease on the caller's next item (or the one they already hold). 204 when nothing is left for them.",
        parameters: [projectId],
        requestBody: {
          required: false,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                additionalProperties: false,
                properties: {
                  exclude: {
                    type: 'array',
                    maxItems: 10,
                    items: { type: 'string', maxLength: 64 },
                  },
                },
              },
            },
          },
        },
        responses: {
          '200': json('The lease and its item', ref('Lease')),
          '204': { description: 'Nothing left for the caller' },
          default: errorResponse,
        },
      },
    },
    '/projects/{projectId}/leases/{token}/heartbeat': {
      post: {
        operationId: 'extendLease',
        parameters: [projectId, token],
        responses: {
          '200': {
            description: 'The new expiry',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['expiresAt'],
                  properties: {
                    expiresAt: { type: 'string', format: 'date-time' },
                  },
                },
              },
            },
          },
          default: errorResponse,
        },
      },
    },
    '/projects/{projectId}/leases/{token}': {
      delete: {
        operationId: 'releaseLease',
        parameters: [projectId, token],
        responses: { '204': noContent, default: errorResponse },
      },
    },
    '/projects/{projectId}/leases/{token}/skip': {
      post: {
        operationId: 'skipItem',
        parameters: [projectId, token],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['reason'],
                additionalProperties: false,
                properties: {
                  reason: { type: 'string', minLength: 1, maxLength: 1000 },
                },
              },
            },
          },
        },
        responses: { '204': noContent, default: errorResponse },
      },
    },
    '/projects/{projectId}/items/{itemId}/annotations': {
      post: {
        operationId: 'submitAnnotation',
        description:
          "Submits the caller's answer: with their lease on the item, or as an edit of their own answer. A retried submit with the same idempotencyKey stores nothing new.",
        parameters: [
          projectId,
          {
            name: 'itemId',
            in: 'path',
            required: true,
            schema: { type: 'string', pattern: '^[0-9]{1,18}$' },
          },
        ],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['answer'],
                additionalProperties: false,
                properties: {
                  token: { type: 'string', maxLength: 64 },
                  answer: { type: 'object', additionalProperties: true },
                  idempotencyKey: {
                    type: 'string',
                    minLength: 1,
                    maxLength: 128,
                  },
                  timeSpentMs: {
                    type: 'integer',
                    minimum: 0,
                    maximum: 86400000,
                  },
                },
              },
            },
          },
        },
        responses: {
          '200': json(
            'An edit, or a replay of an earlier submit',
            ref('SubmitResult'),
          ),
          '201': json('The new answer', ref('SubmitResult')),
          default: errorResponse,
        },
      },
    },
    '/projects/{projectId}/progress': {
      get: {
        operationId: 'getProgress',
        parameters: [projectId],
        responses: {
          '200': json(
            'Items by state, answers, and per annotator',
            ref('Progress'),
          ),
          default: errorResponse,
        },
      },
    },
  },
} as const;
