/*
 * The Chorus HTTP API, OpenAPI 3.1. The router validates requests against it
 * (createValidatedOpenApiRouter) and serves it at `/openapi.json`; handlers
 * are typed from it. Bodies whose checks need the project's config (configs,
 * answers, items) are declared as objects here and checked by the shared
 * validators, which name the exact path of every problem.
 *
 * The helpers below return `as const` values (and take `const` type
 * parameters), so the router still infers every literal type from the spec;
 * openapi.test.ts checks that it does.
 */

/** A JSON response with the given schema. */
function json<const S>(description: string, schema: S) {
  return { description, content: { 'application/json': { schema } } } as const;
}

/** A required JSON request body with the given schema. */
function jsonBody<const S>(schema: S) {
  return {
    required: true,
    content: { 'application/json': { schema } },
  } as const;
}

/** A reference to one of the schemas below. */
function ref<const N extends string>(name: N) {
  return { $ref: `#/components/schemas/${name}` } as const;
}

/** An object of exactly these properties, the `required` ones required. */
function object<
  const P extends Record<string, unknown>,
  const R extends readonly (keyof P & string)[],
>(required: R, properties: P) {
  return {
    type: 'object',
    additionalProperties: false,
    required,
    properties,
  } as const;
}

/** A parameter in the path. */
function inPath<const N extends string, const S>(name: N, schema: S) {
  return { name, in: 'path', required: true, schema } as const;
}

const text = { type: 'string' } as const;
const count = { type: 'integer', minimum: 0 } as const;
const version = { type: 'integer', minimum: 1 } as const;
const timestamp = { type: 'string', format: 'date-time' } as const;
const uuid = { type: 'string', format: 'uuid' } as const;
/** Item and annotation ids: bigint keys, as strings. */
const numericId = { type: 'string', pattern: '^[0-9]+$' } as const;
/** A config, or a body checked by the shared validators. */
const anyObject = { type: 'object', additionalProperties: true } as const;
const texts = { type: 'array', items: text } as const;
const status = {
  type: 'string',
  enum: ['draft', 'active', 'paused', 'completed', 'archived'],
} as const;

const share = { type: 'number', minimum: 0, maximum: 1 } as const;

const errorResponse = json('Backstage error', ref('Error'));
const noContent = { description: 'Done' } as const;

const key = { type: 'string', minLength: 1, maxLength: 64 } as const;
const projectId = inPath('projectId', key);
const token = inPath('token', key);

/** Backstage's error body (the shape its error handler sends). */
const errorProperties = {
  // a serialised error may carry more fields of its own
  error: {
    type: 'object',
    required: ['name', 'message'],
    properties: { name: text, message: text },
  },
  request: object(['method', 'url'], { method: text, url: text }),
  response: object(['statusCode'], { statusCode: { type: 'integer' } }),
} as const;

/** Items by slot state, as progress and the quality metrics report them. */
const progressItems = object(['total', 'open', 'full', 'complete', 'gold'], {
  total: {
    ...count,
    description: 'The regular items: open + full + complete',
  },
  open: count,
  full: count,
  complete: count,
  gold: {
    ...count,
    description:
      'Gold items (imported with their answer): honeypots mixed into queues at the gold rate to score annotators; not in total',
  },
});

export const spec = {
  openapi: '3.1.0',
  info: {
    title: 'Chorus annotation API',
    version: '1',
    description:
      "Annotation projects, items, leases and answers; the quality analysts' escalation queue.",
  },
  servers: [{ url: '/' }],
  components: {
    schemas: {
      Error: object(['error', 'request', 'response'], errorProperties),
      Project: object(
        [
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
        {
          id: uuid,
          name: text,
          namespace: text,
          title: text,
          description: text,
          owner: text,
          lifecycle: text,
          model: text,
          dataset: text,
          workforce: object(['annotators', 'qualityAnalysts', 'managers'], {
            annotators: texts,
            qualityAnalysts: texts,
            managers: texts,
          }),
          taskType: text,
          questions: {
            type: 'array',
            items: object(['id', 'type'], {
              id: text,
              type: text,
              title: text,
            }),
          },
          status,
          configVersion: version,
          createdAt: timestamp,
          updatedAt: timestamp,
        },
      ),
      ProjectList: object(['items'], {
        items: { type: 'array', items: ref('Project') },
      }),
      QueueList: object(['items'], {
        items: {
          type: 'array',
          items: object(
            ['project', 'remainingForMe', 'myAnnotations', 'mySkips'],
            {
              project: ref('Project'),
              remainingForMe: {
                ...count,
                description:
                  'Items the caller can still answer: not complete, not answered or skipped by them (some may be leased by others for now)',
              },
              myAnnotations: count,
              mySkips: count,
            },
          ),
        },
      }),
      WorkItem: {
        ...object(['id', 'externalId', 'data'], {
          id: numericId,
          externalId: text,
          data: {},
        }),
        description:
          "An item as an annotator sees it: never its gold answer nor anyone else's answers.",
      },
      Lease: object(['token', 'expiresAt', 'configVersion', 'item'], {
        token: uuid,
        expiresAt: timestamp,
        configVersion: version,
        item: ref('WorkItem'),
        suggestion: object(
          ['source', 'annotator', 'answer', 'simulated', 'preselect'],
          {
            source: { type: 'string', enum: ['llm'] },
            annotator: {
              ...text,
              description: 'The LLM annotator (role prelabel) that answered',
            },
            answer: anyObject,
            confidence: share,
            simulated: { type: 'boolean' },
            preselect: {
              type: 'boolean',
              description:
                'Whether the workspace fills it in: never in blind projects unless the annotator config says so',
            },
          },
        ),
      }),
      Annotation: object(
        [
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
        {
          id: numericId,
          projectId: uuid,
          itemId: numericId,
          annotator: text,
          configVersion: version,
          answer: {},
          timeSpentMs: count,
          createdAt: timestamp,
          updatedAt: timestamp,
        },
      ),
      SubmitResult: object(['outcome', 'annotation', 'itemCompleted'], {
        outcome: { type: 'string', enum: ['created', 'edited', 'replayed'] },
        annotation: ref('Annotation'),
        itemCompleted: { type: 'boolean' },
      }),
      EscalationReason: {
        description:
          'Why an item went to the quality analysts, with the numbers: an agreement under its threshold (`value` null when the measure is undefined), a consensus confidence under the minimum, the LLM disagreeing with the humans, or an annotator flagging it.',
        oneOf: [
          object(['code', 'question', 'measure', 'value', 'threshold'], {
            code: { type: 'string', enum: ['low-agreement'] },
            question: text,
            measure: text,
            // the served document is labelled OpenAPI 3.0: no type lists
            value: { anyOf: [{ type: 'number' }, { enum: [null] }] },
            threshold: { type: 'number' },
          }),
          object(['code', 'value', 'threshold'], {
            code: { type: 'string', enum: ['low-confidence'] },
            question: text,
            value: { type: 'number' },
            threshold: { type: 'number' },
          }),
          object(['code', 'question', 'llmAnswer', 'humanAnswer'], {
            code: { type: 'string', enum: ['llm-disagreement'] },
            question: text,
            llmAnswer: {},
            humanAnswer: {},
          }),
          object(['code', 'annotator'], {
            code: { type: 'string', enum: ['annotator-flag'] },
            annotator: text,
            note: text,
          }),
        ],
      },
      Escalation: object(
        ['id', 'projectId', 'itemId', 'reasons', 'createdAt'],
        {
          id: numericId,
          projectId: uuid,
          itemId: numericId,
          externalId: text,
          reasons: { type: 'array', items: ref('EscalationReason') },
          createdAt: timestamp,
          claimedBy: {
            ...text,
            description: 'The analyst holding it, while their claim is live',
          },
          claimExpiresAt: timestamp,
          resolution: { type: 'string', enum: ['resolved', 'sent-back'] },
          resolvedAt: timestamp,
          resolvedBy: text,
          answer: { ...anyObject, description: 'The final answer' },
          note: {
            ...text,
            description: "The resolution's note, or the guidance sent back",
          },
        },
      ),
      EscalationPage: object(['items', 'open'], {
        items: { type: 'array', items: ref('Escalation') },
        nextCursor: {
          ...text,
          description: 'The `cursor` of the next page; absent on the last',
        },
        open: { ...count, description: 'Open escalations in the project' },
      }),
      QaClaim: object(
        [
          'token',
          'expiresAt',
          'configVersion',
          'escalation',
          'item',
          'answers',
          'annotatorsShown',
        ],
        {
          token: uuid,
          expiresAt: timestamp,
          configVersion: version,
          escalation: ref('Escalation'),
          item: object(['id', 'externalId', 'data'], {
            id: numericId,
            externalId: text,
            data: {},
            predictions: {},
            gold: { description: 'Imported gold, if any' },
          }),
          answers: {
            type: 'array',
            items: object(
              [
                'annotator',
                'answer',
                'configVersion',
                'timeSpentMs',
                'createdAt',
                'updatedAt',
              ],
              {
                annotator: {
                  ...text,
                  description:
                    'The annotator, or a pseudonym ("annotator 1") when the project hides them from QA',
                },
                answer: anyObject,
                configVersion: version,
                timeSpentMs: count,
                createdAt: timestamp,
                updatedAt: timestamp,
              },
            ),
          },
          annotatorsShown: {
            type: 'boolean',
            description: "The project's quality.qaSeesAnnotators",
          },
          outcome: object(['status', 'agreement'], {
            status: {
              type: 'string',
              enum: ['pending', 'resolved', 'escalated', 'qa-resolved'],
            },
            agreement: {
              type: 'object',
              description:
                'Per question id: `{ value }`, or `{ undefined: reason }` when the measure has none',
              additionalProperties: {
                oneOf: [
                  object(['value'], { value: { type: 'number' } }),
                  object(['undefined'], { undefined: text }),
                ],
              },
            },
            answer: { ...anyObject, description: 'The consensus, if any' },
            method: {
              type: 'string',
              enum: ['majority', 'dawid-skene', 'qa', 'llm'],
            },
            confidence: { type: 'number', minimum: 0, maximum: 1 },
            guidance: text,
          }),
        },
      ),
      QaDecision: object(['escalation', 'replayed'], {
        escalation: ref('Escalation'),
        replayed: {
          type: 'boolean',
          description: 'The same decision was made before: nothing changed',
        },
      }),
      QaQueueList: object(['items'], {
        items: {
          type: 'array',
          items: object(['project', 'open'], {
            project: ref('Project'),
            open: { ...count, description: 'Open escalations' },
          }),
        },
      }),
      ImportSummary: object(
        [
          'importId',
          'lines',
          'inserted',
          'updated',
          'unchanged',
          'rejected',
          'errors',
        ],
        {
          importId: uuid,
          lines: count,
          inserted: count,
          updated: count,
          unchanged: count,
          rejected: count,
          errors: {
            type: 'array',
            items: object(['line', 'reason'], {
              line: { type: 'integer', minimum: 1 },
              externalId: text,
              reason: text,
            }),
          },
        },
      ),
      ImportList: object(['items'], {
        items: {
          type: 'array',
          items: object(
            ['id', 'status', 'createdBy', 'startedAt', 'updatedAt'],
            {
              id: uuid,
              status: {
                type: 'string',
                enum: ['running', 'done', 'failed', 'interrupted'],
                description:
                  '`interrupted`: the backend stopped during the import; re-run it (imports are idempotent)',
              },
              createdBy: text,
              startedAt: timestamp,
              updatedAt: {
                ...timestamp,
                description: 'when the last batch was stored',
              },
              finishedAt: timestamp,
              summary: {
                type: 'object',
                additionalProperties: true,
                description:
                  'what was stored (as the import response), or `error` saying why it stopped',
              },
            },
          ),
        },
      }),
      Progress: object(['items', 'annotations', 'skips', 'annotators'], {
        items: progressItems,
        annotations: count,
        skips: count,
        annotators: {
          type: 'array',
          items: object(['annotator', 'annotations', 'skips', 'timeSpentMs'], {
            annotator: text,
            annotations: count,
            skips: count,
            timeSpentMs: count,
            medianTimeMs: {
              ...count,
              description:
                'Median time spent per answer over their latest 1,000 answers; absent before their first answer',
            },
          }),
        },
      }),
      QualityMeasure: {
        description:
          "A measure's value, or why it has none (e.g. `no-pairable-values`: no item has two answers; `single-category`: every answer is one category, so chance agreement is 1).",
        oneOf: [
          object(['value'], { value: { type: 'number' } }),
          object(['undefined'], {
            undefined: {
              type: 'string',
              enum: [
                'no-pairable-values',
                'single-category',
                'non-numeric-values',
                'no-units',
                'too-few-answers',
                'no-answers',
                'tie',
              ],
            },
          }),
        ],
      },
      QualityMeasures: {
        type: 'object',
        description:
          'Measures by name: `percent` (mean pairwise agreement per item), `fleissKappa`, `krippendorffAlphaNominal` (labels) or `krippendorffAlphaOrdinal` (ratings), `gwetAC1`; for spans and segments `spanMicroF1` (units matched by IoU ≥ 0.5, pooled) and `spanMeanItemF1`.',
        additionalProperties: ref('QualityMeasure'),
      },
      QualityMetrics: object(
        [
          'generatedAt',
          'progress',
          'volume',
          'annotators',
          'minGoldAccuracy',
          'escalations',
          'canRefit',
        ],
        {
          generatedAt: {
            ...timestamp,
            description: 'When these figures were read',
          },
          progress: object(
            ['items', 'completionRate', 'quality', 'annotations', 'skips'],
            {
              items: progressItems,
              completionRate: {
                ...share,
                description: 'Complete items over all items',
              },
              quality: {
                ...object(
                  [
                    'notEvaluated',
                    'pending',
                    'resolved',
                    'escalated',
                    'qaResolved',
                    'gold',
                  ],
                  {
                    notEvaluated: {
                      ...count,
                      description:
                        'Complete items not yet resolved or escalated (never evaluated, or waiting to be evaluated again after extra answers)',
                    },
                    pending: {
                      ...count,
                      description:
                        'Waiting for extra annotators (low agreement, or sent back by QA)',
                    },
                    resolved: {
                      ...count,
                      description: 'Resolved by consensus',
                    },
                    escalated: {
                      ...count,
                      description: "In the quality analysts' queue",
                    },
                    qaResolved: {
                      ...count,
                      description: 'Decided by a quality analyst (final)',
                    },
                    gold: {
                      ...count,
                      description:
                        'Items with a gold answer: imported, or a QA resolution',
                    },
                  },
                ),
                description:
                  'Items by quality status, from counters kept with every write',
              },
              annotations: { ...count, description: 'Answers stored' },
              skips: { ...count, description: 'Items skipped' },
            },
          ),
          volume: object(['bucket', 'since', 'until', 'points'], {
            bucket: {
              type: 'string',
              enum: ['hour', 'day'],
              description: 'The size of each bucket',
            },
            since: {
              ...timestamp,
              description: 'Start of the first bucket (aligned to UTC)',
            },
            until: { ...timestamp, description: 'End of the window (now)' },
            points: {
              type: 'array',
              description: 'Every bucket of the window, oldest first',
              items: object(['start', 'human', 'qa'], {
                start: { ...timestamp, description: 'Start of the bucket' },
                human: {
                  ...count,
                  description: 'Annotations submitted in the bucket',
                },
                qa: {
                  ...count,
                  description:
                    'Escalations decided by quality analysts in the bucket (resolved or sent back)',
                },
              }),
            },
          }),
          annotators: {
            type: 'array',
            items: object(
              [
                'annotator',
                'annotations',
                'skips',
                'timeSpentMs',
                'consensusCompared',
                'belowMinGoldAccuracy',
                'dawidSkeneAccuracy',
              ],
              {
                annotator: {
                  ...text,
                  description:
                    'User entity ref, or llm:<name> for a voting LLM annotator',
                },
                llmAnnotator: {
                  ...text,
                  description:
                    "A voting LLM annotator's name (the row is that LLM annotator, a rater of the latest fit)",
                },
                annotations: {
                  ...count,
                  description:
                    'Answers given (a voting LLM annotator: its answers in the latest fit)',
                },
                skips: { ...count, description: 'Items skipped' },
                timeSpentMs: {
                  ...count,
                  description: 'Time spent on all their answers',
                },
                medianTimeMs: {
                  ...count,
                  description:
                    'Median time per answer over their latest 1,000 answers',
                },
                consensusAgreement: {
                  ...share,
                  description:
                    "Share of their answers equal to the item's consensus (resolved and QA-resolved items) in the latest fit; absent when none was compared",
                },
                consensusCompared: {
                  ...count,
                  description:
                    'Answers (one per question) compared with a consensus in the latest fit',
                },
                gold: {
                  ...object(['answered', 'correct', 'accuracy'], {
                    answered: { ...count, description: 'Gold items answered' },
                    correct: {
                      ...count,
                      description: 'Answers equal to the gold answer',
                    },
                    accuracy: { ...share, description: 'correct / answered' },
                  }),
                  description: 'Gold items they answered; absent before any',
                },
                belowMinGoldAccuracy: {
                  type: 'boolean',
                  description:
                    "Gold accuracy under the project's quality.minGoldAccuracy (false when no minimum or no gold answer)",
                },
                dawidSkeneAccuracy: {
                  type: 'object',
                  additionalProperties: share,
                  description:
                    'Per question id: their Dawid-Skene accuracy (chance of a right answer on a random item) in the latest fit',
                },
              },
            ),
          },
          minGoldAccuracy: {
            ...share,
            description: "The project's quality.minGoldAccuracy (0: none)",
          },
          agreement: {
            ...object(
              [
                'configVersion',
                'current',
                'fittedAt',
                'itemsUsed',
                'answersUsed',
                'questions',
              ],
              {
                configVersion: version,
                current: {
                  type: 'boolean',
                  description:
                    'Fitted for the current config version (else for an older one)',
                },
                fittedAt: { ...timestamp, description: 'When it was fitted' },
                itemsUsed: {
                  ...count,
                  description: 'Items with at least one answer',
                },
                answersUsed: { ...count, description: 'Answers read' },
                questions: {
                  type: 'array',
                  description:
                    'The measured questions of the current config, in its order (free text has none)',
                  items: object(['id', 'title', 'type', 'measures', 'labels'], {
                    id: { ...text, description: 'Question id' },
                    title: text,
                    type: { ...text, description: 'Question type' },
                    measures: ref('QualityMeasures'),
                    labels: {
                      type: 'array',
                      description:
                        'Per label, its agreement against the rest (none above 50 labels)',
                      items: object(['label', 'measures'], {
                        label: {
                          oneOf: [text, { type: 'number' }],
                          description: 'A label, or a rating value',
                        },
                        measures: ref('QualityMeasures'),
                      }),
                    },
                  }),
                },
              },
            ),
            description:
              'Project-level agreement of the latest scheduled fit; absent before the first',
          },
          escalations: object(['open', 'resolved', 'sentBack'], {
            open: { ...count, description: 'Waiting for a quality analyst' },
            resolved: {
              ...count,
              description: 'Decided by an analyst (final, now gold)',
            },
            sentBack: {
              ...count,
              description: 'Sent back to annotators with guidance',
            },
            medianTimeToResolutionMs: {
              ...count,
              description:
                "Median time from escalation to an analyst's decision; absent before the first",
            },
          }),
          canRefit: {
            type: 'boolean',
            description:
              'Whether the caller may recompute the fit (POST /projects/{projectId}/quality/refit)',
          },
        },
      ),
      RefitResult: object(
        ['configVersion', 'fittedAt', 'itemsUsed', 'answersUsed'],
        {
          configVersion: {
            ...version,
            description: 'The config version fitted (the current one)',
          },
          fittedAt: timestamp,
          itemsUsed: {
            ...count,
            description: 'Items with at least one answer',
          },
          answersUsed: { ...count, description: 'Answers read' },
        },
      ),
      ConfigVersion: object(['version', 'config', 'createdBy', 'createdAt'], {
        version,
        config: anyObject,
        createdBy: text,
        createdAt: timestamp,
      }),
      LlmProvider: object(
        ['id', 'title', 'defaultModel', 'models', 'simulated'],
        {
          id: text,
          title: text,
          defaultModel: text,
          models: texts,
          requestsPerMinute: count,
          tokensPerMinute: count,
          simulated: {
            type: 'boolean',
            description: 'A simulator: its answers are shown as simulated',
          },
        },
      ),
      LlmProviderList: object(['items'], {
        items: { type: 'array', items: ref('LlmProvider') },
      }),
      LlmAnnotator: object(
        [
          'id',
          'projectId',
          'name',
          'version',
          'config',
          'createdAt',
          'updatedAt',
        ],
        {
          id: uuid,
          projectId: uuid,
          name: text,
          version: {
            ...version,
            description: 'The current config version (or the one just saved)',
          },
          config: {
            ...anyObject,
            description:
              'LlmAnnotatorConfig: provider, model, prompts, few-shot, output, sampling, confidence, role',
          },
          createdAt: timestamp,
          updatedAt: timestamp,
        },
      ),
      LlmAnnotatorList: object(['items'], {
        items: { type: 'array', items: ref('LlmAnnotator') },
      }),
      LlmAnnotatorDetail: object(['annotator', 'versions'], {
        annotator: ref('LlmAnnotator'),
        versions: {
          type: 'array',
          description: 'Every version, newest first',
          items: ref('ConfigVersion'),
        },
      }),
      LlmAnnotatorSaved: object(['annotator', 'created'], {
        annotator: ref('LlmAnnotator'),
        created: {
          type: 'boolean',
          description: 'False when the config equals the current version',
        },
      }),
      LlmJob: object(
        [
          'id',
          'projectId',
          'annotatorId',
          'version',
          'scope',
          'status',
          'mode',
          'itemsTotal',
          'itemsDone',
          'itemsFailed',
          'itemsCached',
          'tokensIn',
          'tokensOut',
          'cost',
          'reservedCost',
          'reservedTokens',
          'createdBy',
          'createdAt',
          'updatedAt',
        ],
        {
          id: uuid,
          projectId: uuid,
          annotatorId: uuid,
          version,
          scope: {
            ...anyObject,
            description:
              '{ kind: missing } | { kind: sample, size, seed } | { kind: items, ids } | { kind: filter, states?, minPriority? }',
          },
          status: {
            type: 'string',
            enum: ['running', 'paused', 'cancelled', 'completed'],
          },
          mode: { type: 'string', enum: ['online', 'batch'] },
          budgetCost: { type: 'number', minimum: 0 },
          budgetTokens: count,
          itemsTotal: count,
          itemsDone: {
            ...count,
            description: 'Answered, by a request or from the cache',
          },
          itemsFailed: count,
          itemsCached: {
            ...count,
            description: 'Of the done, answered from the cache at no cost',
          },
          tokensIn: count,
          tokensOut: count,
          cost: { type: 'number', minimum: 0 },
          reservedCost: {
            type: 'number',
            minimum: 0,
            description: 'Held by requests in flight',
          },
          reservedTokens: count,
          stopReason: {
            type: 'string',
            enum: ['done', 'budget', 'cancelled', 'error'],
          },
          providerBatchId: text,
          error: text,
          createdBy: text,
          createdAt: timestamp,
          updatedAt: timestamp,
          finishedAt: timestamp,
        },
      ),
      LlmJobList: object(['items'], {
        items: { type: 'array', items: ref('LlmJob') },
      }),
      LlmJobProgress: object(
        ['job', 'pending', 'inFlight', 'errors', 'latencyMs'],
        {
          job: ref('LlmJob'),
          pending: {
            ...count,
            description: 'Not yet done or failed (claimed ones included)',
          },
          inFlight: { ...count, description: 'Claimed by a runner right now' },
          errors: {
            type: 'object',
            additionalProperties: count,
            description:
              'Failed items by reason (refusal, invalid-output, ...)',
          },
          latencyMs: object(['count'], {
            count,
            p50: { type: 'number', minimum: 0 },
            p95: { type: 'number', minimum: 0 },
          }),
        },
      ),
      LlmDryRun: object(['items'], {
        items: {
          type: 'array',
          items: object(['itemId', 'externalId', 'messages', 'result'], {
            itemId: numericId,
            externalId: text,
            messages: {
              type: 'array',
              description: 'The rendered prompt, as sent',
              items: object(['role', 'content'], {
                role: {
                  type: 'string',
                  enum: ['system', 'user', 'assistant'],
                },
                content: text,
              }),
            },
            result: {
              ...anyObject,
              description:
                'status (answered, refused, invalid, error), answer, rawOutput, confidence, samples, model, simulated, tokensIn, tokensOut, cost, latencyMs, attempts, reason, error',
            },
          }),
        },
      }),
      LlmEvaluationReport: object(['version', 'targetPrecision', 'questions'], {
        version,
        targetPrecision: share,
        questions: {
          type: 'array',
          description:
            'Per single-choice or rating question, against the known (gold, QA-resolved) items: accuracy with and without abstentions, per label, kappa with the human consensus, expected calibration error and reliability bins, the risk-coverage curve, and the recommended auto-accept threshold for the target precision with its cost per accepted label',
          items: object(['id', 'title', 'type', 'evaluation'], {
            id: text,
            title: text,
            type: text,
            evaluation: anyObject,
          }),
        },
      }),
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
        requestBody: jsonBody(anyObject),
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
          'The caller’s work: active projects they may label, with the items left for them and their own counts.',
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
        requestBody: jsonBody(
          object(['config'], { config: anyObject, expectedVersion: version }),
        ),
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
        requestBody: jsonBody(object(['status'], { status })),
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
          'Streams NDJSON items into the project (one JSON object per line: externalId, data, optional predictions, priority, gold). An item with gold is a honeypot: mixed into annotator queues at the project quality.goldRate to score them, never labeled to completion. Idempotent by externalId; bad lines are reported with their line number. A line over annotation.import.maxLineBytes or a body over annotation.import.maxBodyBytes stops the import with 413, keeping only the batches stored before it.',
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
          '413': json(
            'A line or the body went over its limit; the message says which lines were stored',
            ref('Error'),
          ),
          default: errorResponse,
        },
      },
    },
    '/projects/{projectId}/imports': {
      get: {
        operationId: 'listImports',
        description:
          "The project's latest import requests (at most 50), newest first, with their status.",
        parameters: [projectId],
        responses: {
          '200': json('The imports', ref('ImportList')),
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
          '200': json(
            'The new expiry',
            object(['expiresAt'], { expiresAt: timestamp }),
          ),
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
        requestBody: jsonBody(
          object(['reason'], {
            reason: { type: 'string', minLength: 1, maxLength: 1000 },
          }),
        ),
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
          inPath('itemId', { type: 'string', pattern: '^[0-9]{1,18}$' }),
        ],
        requestBody: jsonBody(
          object(['answer'], {
            token: { type: 'string', maxLength: 64 },
            answer: anyObject,
            idempotencyKey: { type: 'string', minLength: 1, maxLength: 128 },
            timeSpentMs: { type: 'integer', minimum: 0, maximum: 86400000 },
          }),
        ),
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
    '/projects/{projectId}/metrics/quality': {
      get: {
        operationId: 'getQualityMetrics',
        description:
          'The quality dashboard: items by state and quality status, annotations over time (human and QA), per-annotator figures, agreement per question and label from the latest scheduled fit, and the escalation backlog. For managers and quality analysts.',
        parameters: [
          projectId,
          {
            name: 'bucket',
            in: 'query',
            required: false,
            description: 'Size of the volume buckets; default `day`',
            schema: { type: 'string', enum: ['hour', 'day'] },
          },
          {
            name: 'since',
            in: 'query',
            required: false,
            description:
              'Start of the volume window (ISO 8601); default 48 hours ago for `hour`, 30 days for `day`; at most 14 days back for `hour`, 366 for `day`',
            schema: { type: 'string', maxLength: 64 },
          },
        ],
        responses: {
          '200': json('The quality figures', ref('QualityMetrics')),
          default: errorResponse,
        },
      },
    },
    '/qa/queues': {
      get: {
        operationId: 'listQaQueues',
        description:
          'The projects whose escalations the caller may resolve (active or paused), with their open escalations.',
        responses: {
          '200': json('The QA queues', ref('QaQueueList')),
          default: errorResponse,
        },
      },
    },
    '/projects/{projectId}/escalations': {
      get: {
        operationId: 'listEscalations',
        description:
          "The project's escalation backlog, for its quality analysts and managers: `open` (default) oldest first, the order analysts get them in; `resolved` (decided: resolved or sent back) and `all` newest first. Annotators are pseudonyms when the project hides them from QA.",
        parameters: [
          projectId,
          {
            name: 'status',
            in: 'query',
            required: false,
            schema: { type: 'string', enum: ['open', 'resolved', 'all'] },
          },
          {
            name: 'limit',
            in: 'query',
            required: false,
            description: 'At most this many (1 to 200, default 50)',
            schema: { type: 'string', pattern: '^[0-9]{1,4}$' },
          },
          {
            name: 'cursor',
            in: 'query',
            required: false,
            description: "The previous page's nextCursor",
            schema: { type: 'string', pattern: '^[0-9]{1,16}-[0-9]{1,18}$' },
          },
        ],
        responses: {
          '200': json('A page of escalations', ref('EscalationPage')),
          default: errorResponse,
        },
      },
    },
    '/projects/{projectId}/quality/refit': {
      post: {
        operationId: 'refitQuality',
        description:
          'Fits the project-level quality now (Dawid-Skene and agreement per question), as the schedule does every `annotation.quality.refitEvery`. For managers.',
        parameters: [projectId],
        responses: {
          '200': json('The fit just stored', ref('RefitResult')),
          default: errorResponse,
        },
      },
    },
    '/projects/{projectId}/qa/next': {
      post: {
        operationId: 'claimEscalation',
        description:
          "Claims the caller's next escalation, oldest first (or returns the one they hold), with the item, every answer side by side and the item's outcome. No other analyst gets it while the claim is live. 204 when the queue is empty.",
        parameters: [projectId],
        responses: {
          '200': json('The claim and all it needs', ref('QaClaim')),
          '204': { description: 'No open escalation is free' },
          default: errorResponse,
        },
      },
    },
    '/projects/{projectId}/qa/{token}/resolve': {
      post: {
        operationId: 'resolveEscalation',
        description:
          "Final: the answer (checked against the project's questions) becomes the item's answer and its gold unless it had imported gold; audited. The same resolution again is a replay; a different decision on a decided escalation is 409.",
        parameters: [projectId, token],
        requestBody: jsonBody(
          object(['answer'], {
            answer: anyObject,
            note: { type: 'string', maxLength: 10_000 },
          }),
        ),
        responses: {
          '200': json('The decided escalation', ref('QaDecision')),
          default: errorResponse,
        },
      },
    },
    '/projects/{projectId}/qa/{token}/send-back': {
      post: {
        operationId: 'sendBackEscalation',
        description:
          'Back to the annotators with guidance: the escalation closes and the item gets one more annotator; audited.',
        parameters: [projectId, token],
        requestBody: jsonBody(
          object(['guidance'], {
            guidance: { type: 'string', minLength: 1, maxLength: 10_000 },
          }),
        ),
        responses: {
          '200': json('The decided escalation', ref('QaDecision')),
          default: errorResponse,
        },
      },
    },
    '/projects/{projectId}/qa/{token}/heartbeat': {
      post: {
        operationId: 'extendEscalationClaim',
        parameters: [projectId, token],
        responses: {
          '200': json(
            'The new expiry',
            object(['expiresAt'], { expiresAt: timestamp }),
          ),
          default: errorResponse,
        },
      },
    },
    '/projects/{projectId}/qa/{token}': {
      delete: {
        operationId: 'releaseEscalationClaim',
        description: 'Gives the escalation back to the queue, undecided.',
        parameters: [projectId, token],
        responses: { '204': noContent, default: errorResponse },
      },
    },
    '/llm/providers': {
      get: {
        operationId: 'listLlmProviders',
        description:
          'The LLM providers configured for the LLM annotator (never their keys).',
        responses: {
          '200': json('The providers', ref('LlmProviderList')),
          default: errorResponse,
        },
      },
    },
    '/projects/{projectId}/llm-annotators': {
      get: {
        operationId: 'listLlmAnnotators',
        description:
          "The project's LLM annotators with their current config version; for managers and quality analysts.",
        parameters: [projectId],
        responses: {
          '200': json('The LLM annotators', ref('LlmAnnotatorList')),
          default: errorResponse,
        },
      },
      post: {
        operationId: 'createLlmAnnotator',
        description:
          "Creates an LLM annotator (version 1). The config is checked against the project: its provider must exist, its template may only read the items' fields, fixed examples must answer the questions. For managers.",
        parameters: [projectId],
        requestBody: jsonBody(
          object(['name', 'config'], {
            name: {
              type: 'string',
              pattern: '^[a-z][a-z0-9-]{0,62}$',
              description: 'Unique in the project, e.g. first-pass',
            },
            config: anyObject,
          }),
        ),
        responses: {
          '201': json('The LLM annotator', ref('LlmAnnotator')),
          default: errorResponse,
        },
      },
    },
    '/projects/{projectId}/llm-annotators/{annotatorId}': {
      get: {
        operationId: 'getLlmAnnotator',
        parameters: [projectId, inPath('annotatorId', key)],
        responses: {
          '200': json(
            'The LLM annotator and its versions',
            ref('LlmAnnotatorDetail'),
          ),
          default: errorResponse,
        },
      },
      put: {
        operationId: 'updateLlmAnnotator',
        description:
          'Saves a new immutable config version (none when nothing changed), checked as on creation. For managers.',
        parameters: [projectId, inPath('annotatorId', key)],
        requestBody: jsonBody(object(['config'], { config: anyObject })),
        responses: {
          '200': json('The version saved', ref('LlmAnnotatorSaved')),
          default: errorResponse,
        },
      },
    },
    '/projects/{projectId}/llm-annotators/{annotatorId}/dry-run': {
      post: {
        operationId: 'dryRunLlmAnnotator',
        description:
          'Runs the annotator on a few items (the given ones, else the first) and stores nothing: the rendered prompt, the raw output, the parsed answer, the confidence and the cost. Costs real requests: for managers.',
        parameters: [projectId, inPath('annotatorId', key)],
        requestBody: jsonBody({
          type: 'object',
          additionalProperties: false,
          properties: {
            itemIds: {
              type: 'array',
              maxItems: 5,
              items: numericId,
            },
            count: { type: 'integer', minimum: 1, maximum: 5 },
            version,
            config: {
              ...anyObject,
              description: 'An unsaved config to try instead of a version',
            },
          },
        }),
        responses: {
          '200': json('What the model did', ref('LlmDryRun')),
          default: errorResponse,
        },
      },
    },
    '/projects/{projectId}/llm-annotators/{annotatorId}/jobs': {
      post: {
        operationId: 'startLlmJob',
        description:
          'Starts a job of this annotator (its current version unless one is named) over a scope of items; every backend replica works on it. The budget is never exceeded. For managers.',
        parameters: [projectId, inPath('annotatorId', key)],
        requestBody: jsonBody(
          object(['scope'], {
            scope: anyObject,
            version,
            mode: { type: 'string', enum: ['online', 'batch'] },
            budgetCost: { type: 'number', minimum: 0 },
            budgetTokens: { type: 'integer', minimum: 1 },
          }),
        ),
        responses: {
          '201': json('The job, running', ref('LlmJob')),
          default: errorResponse,
        },
      },
    },
    '/projects/{projectId}/llm-annotators/{annotatorId}/evaluation': {
      get: {
        operationId: 'evaluateLlmAnnotator',
        description:
          'How a version of the annotator does against the items whose answer is known; run it on the gold items (a job with scope { kind: filter, states: [gold] }) to measure it. For managers and quality analysts.',
        parameters: [
          projectId,
          inPath('annotatorId', key),
          {
            name: 'version',
            in: 'query',
            required: false,
            description: 'Default: the current version',
            schema: { type: 'string', pattern: '^[1-9][0-9]{0,8}$' },
          },
          {
            name: 'targetPrecision',
            in: 'query',
            required: false,
            description: 'For the recommended threshold; default 0.95',
            schema: {
              type: 'string',
              pattern: '^(0(\\.[0-9]{1,6})?|1(\\.0{1,6})?)$',
            },
          },
        ],
        responses: {
          '200': json('The evaluation', ref('LlmEvaluationReport')),
          default: errorResponse,
        },
      },
    },
    '/projects/{projectId}/llm-jobs': {
      get: {
        operationId: 'listLlmJobs',
        description: "The project's LLM jobs, newest first.",
        parameters: [projectId],
        responses: {
          '200': json('The jobs', ref('LlmJobList')),
          default: errorResponse,
        },
      },
    },
    '/projects/{projectId}/llm-jobs/{jobId}': {
      get: {
        operationId: 'getLlmJob',
        description:
          'A job with its live progress: pending and in-flight items, failures by reason, latency percentiles, tokens and cost.',
        parameters: [projectId, inPath('jobId', key)],
        responses: {
          '200': json('The job and its progress', ref('LlmJobProgress')),
          default: errorResponse,
        },
      },
    },
    '/projects/{projectId}/llm-jobs/{jobId}/{action}': {
      post: {
        operationId: 'controlLlmJob',
        description:
          'pause (running → paused), resume (paused → running) or cancel (for good; requests in flight are recorded). For managers.',
        parameters: [
          projectId,
          inPath('jobId', key),
          inPath('action', {
            type: 'string',
            enum: ['pause', 'resume', 'cancel'],
          }),
        ],
        responses: {
          '200': json('The job', ref('LlmJob')),
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
