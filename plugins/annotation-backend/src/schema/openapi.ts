/*
 * The Chorus HTTP API, OpenAPI 3.1. The router validates requests against it
 * (createValidatedOpenApiRouter) and serves it at `/openapi.json`; handlers
 * are typed from it. Bodies whose checks need the project's config (configs,
 * answers, items) are declared as objects here and checked by the shared
 * validators, which name the exact path of every problem.
 */
const errorResponse = {
  description: 'Backstage error',
  content: {
    'application/json': { schema: { $ref: '#/components/schemas/Error' } },
  },
} as const;

const projectId = {
  name: 'projectId',
  in: 'path',
  required: true,
  schema: { type: 'string', minLength: 1, maxLength: 64 },
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
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['name', 'message'],
            properties: {
              name: { type: 'string' },
              message: { type: 'string' },
            },
          },
        },
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
          id: { type: 'string' },
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
          configVersion: { type: 'integer' },
          createdAt: { type: 'string' },
          updatedAt: { type: 'string' },
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
      ConfigVersion: {
        type: 'object',
        additionalProperties: false,
        required: ['version', 'config', 'createdBy', 'createdAt'],
        properties: {
          version: { type: 'integer' },
          config: { type: 'object', additionalProperties: true },
          createdBy: { type: 'string' },
          createdAt: { type: 'string' },
        },
      },
    },
  },
  paths: {
    '/projects': {
      get: {
        operationId: 'listProjects',
        description: 'All projects (the catalogue provider reads this).',
        responses: {
          '200': {
            description: 'The projects',
            content: {
              'application/json': {
                schema: { $ref: '#/components/schemas/ProjectList' },
              },
            },
          },
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
          '201': {
            description: 'The new project',
            content: {
              'application/json': {
                schema: { $ref: '#/components/schemas/Project' },
              },
            },
          },
          default: errorResponse,
        },
      },
    },
    '/projects/{projectId}': {
      get: {
        operationId: 'getProject',
        parameters: [projectId],
        responses: {
          '200': {
            description: 'The project',
            content: {
              'application/json': {
                schema: { $ref: '#/components/schemas/Project' },
              },
            },
          },
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
          '200': {
            description: 'The current (or the asked) config version',
            content: {
              'application/json': {
                schema: { $ref: '#/components/schemas/ConfigVersion' },
              },
            },
          },
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
          '200': {
            description: 'The project with its new config version',
            content: {
              'application/json': {
                schema: { $ref: '#/components/schemas/Project' },
              },
            },
          },
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
          '200': {
            description: 'The project',
            content: {
              'application/json': {
                schema: { $ref: '#/components/schemas/Project' },
              },
            },
          },
          default: errorResponse,
        },
      },
    },
  },
} as const;
