import {
  Entity,
  KubernetesValidatorFunctions,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import Ajv, { ErrorObject } from 'ajv';

/** The apiVersion of Chorus's own catalogue kinds (never `backstage.io`). */
export const CHORUS_API_VERSION = 'chorus/v1alpha1';

/** The catalogue kind of an annotation project. */
export const ANNOTATION_PROJECT_KIND = 'AnnotationProject';

/** Lifecycle of a project's work (not the catalogue `lifecycle`). */
export const ANNOTATION_PROJECT_STATUSES = [
  'draft',
  'active',
  'paused',
  'completed',
  'archived',
] as const;
export type AnnotationProjectStatus =
  (typeof ANNOTATION_PROJECT_STATUSES)[number];

/** The question types of PRODUCT.md. */
export const QUESTION_TYPES = [
  'single-choice',
  'multiple-choice',
  'text-spans',
  'audio-segments',
  'video-segments',
  'free-text',
  'ordinal-rating',
] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

/** A project's task type: its single question type, or `mixed`. */
export const TASK_TYPES = [...QUESTION_TYPES, 'mixed'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

/** The three workforce tiers, each a list of catalogue Group refs. */
export type AnnotationWorkforce = {
  annotators: string[];
  qualityAnalysts: string[];
  managers: string[];
};

/** One line of the questions summary shown in the catalogue. */
export type AnnotationQuestionSummary = {
  id: string;
  type: QuestionType;
  title?: string;
};

export type AnnotationProjectSpec = {
  owner: string;
  lifecycle: string;
  /** Ref of the `Resource` (type `ai-model`) the labels are for. */
  model: string;
  /** Ref of the `Resource` (type `dataset`) the project produces. */
  dataset: string;
  workforce: AnnotationWorkforce;
  taskType: TaskType;
  questions?: AnnotationQuestionSummary[];
  status: AnnotationProjectStatus;
};

export interface AnnotationProjectEntityV1alpha1 extends Entity {
  apiVersion: typeof CHORUS_API_VERSION;
  kind: typeof ANNOTATION_PROJECT_KIND;
  spec: AnnotationProjectSpec;
}

const refString = { type: 'string', minLength: 1 } as const;
const groupRefs = {
  type: 'array',
  items: refString,
  minItems: 1,
} as const;

/** JSON schema of the `AnnotationProject` kind, version v1alpha1. */
export const annotationProjectEntityV1alpha1Schema = {
  $schema: 'http://json-schema.org/draft-07/schema',
  $id: 'AnnotationProjectV1alpha1',
  description:
    'An annotation project of Chorus: the labels it collects, the ML model they serve and the dataset they produce.',
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { enum: [CHORUS_API_VERSION] },
    kind: { enum: [ANNOTATION_PROJECT_KIND] },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: [
        'owner',
        'lifecycle',
        'model',
        'dataset',
        'workforce',
        'taskType',
        'status',
      ],
      additionalProperties: false,
      properties: {
        owner: refString,
        lifecycle: refString,
        model: refString,
        dataset: refString,
        workforce: {
          type: 'object',
          required: ['annotators', 'qualityAnalysts', 'managers'],
          additionalProperties: false,
          properties: {
            annotators: groupRefs,
            qualityAnalysts: groupRefs,
            managers: groupRefs,
          },
        },
        taskType: { enum: [...TASK_TYPES] },
        questions: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'type'],
            additionalProperties: false,
            properties: {
              id: refString,
              type: { enum: [...QUESTION_TYPES] },
              title: { type: 'string' },
            },
          },
        },
        status: { enum: [...ANNOTATION_PROJECT_STATUSES] },
      },
    },
  },
} as const;

/** One problem found in an entity, naming the field. */
export interface EntityFieldIssue {
  /** Dotted path with indexes, e.g. `spec.workforce.annotators[0]`. */
  field: string;
  message: string;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validateSchema = ajv.compile(annotationProjectEntityV1alpha1Schema);

function fieldOf(instancePath: string): string {
  return instancePath
    .split('/')
    .filter(Boolean)
    .map(part => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
    .join('')
    .replace(/^\./, '');
}

function join(base: string, child: string): string {
  return base ? `${base}.${child}` : child;
}

function issueFromAjv(error: ErrorObject): EntityFieldIssue {
  const field = fieldOf(error.instancePath);
  switch (error.keyword) {
    case 'required':
      return {
        field: join(field, error.params.missingProperty),
        message: 'is required',
      };
    case 'additionalProperties':
      return {
        field: join(field, error.params.additionalProperty),
        message: 'is not a known field',
      };
    case 'enum':
      return {
        field,
        message: `expected one of ${error.params.allowedValues
          .map((v: unknown) => JSON.stringify(v))
          .join(', ')}`,
      };
    case 'minItems':
      return {
        field,
        message: `expected at least ${error.params.limit} entry`,
      };
    case 'minLength':
      return { field, message: 'must not be empty' };
    default:
      return { field, message: error.message ?? 'is invalid' };
  }
}

/**
 * Checks a ref field: it must parse, and name an entity of the expected kind
 * (the kind may be left out, then `defaultKind` applies).
 */
function checkRef(
  field: string,
  value: unknown,
  defaultKind: string,
  allowedKinds: string[],
  namespace: string,
): EntityFieldIssue | undefined {
  if (typeof value !== 'string' || !value) {
    return undefined; // the schema has already reported it
  }
  const malformed = {
    field,
    message: `expected an entity reference like "${defaultKind}:default/name", got "${value}"`,
  };
  try {
    const ref = parseEntityRef(value, {
      defaultKind,
      defaultNamespace: namespace,
    });
    // parseEntityRef only splits; the parts must also be valid names
    if (
      !KubernetesValidatorFunctions.isValidNamespace(ref.namespace) ||
      !KubernetesValidatorFunctions.isValidObjectName(ref.name)
    ) {
      return malformed;
    }
    if (!allowedKinds.includes(ref.kind.toLocaleLowerCase('en-US'))) {
      return {
        field,
        message: `expected a reference to a ${allowedKinds.join(
          ' or ',
        )} entity, got kind "${ref.kind}"`,
      };
    }
    return undefined;
  } catch {
    return malformed;
  }
}

/**
 * Validates an `AnnotationProject` entity: the schema, then every entity ref.
 * Returns all problems (empty when valid), each naming its field.
 */
export function validateAnnotationProjectEntity(
  entity: Entity,
): EntityFieldIssue[] {
  const issues: EntityFieldIssue[] = [];
  if (!validateSchema(entity)) {
    issues.push(...(validateSchema.errors ?? []).map(issueFromAjv));
  }
  const spec = (entity.spec ?? {}) as Partial<AnnotationProjectSpec>;
  const namespace = entity.metadata?.namespace ?? 'default';
  const refChecks: Array<EntityFieldIssue | undefined> = [
    checkRef('spec.owner', spec.owner, 'group', ['group', 'user'], namespace),
    checkRef('spec.model', spec.model, 'resource', ['resource'], namespace),
    checkRef('spec.dataset', spec.dataset, 'resource', ['resource'], namespace),
  ];
  for (const tier of ['annotators', 'qualityAnalysts', 'managers'] as const) {
    const refs = spec.workforce?.[tier];
    if (Array.isArray(refs)) {
      refs.forEach((ref, i) =>
        refChecks.push(
          checkRef(
            `spec.workforce.${tier}[${i}]`,
            ref,
            'group',
            ['group'],
            namespace,
          ),
        ),
      );
    }
  }
  issues.push(...refChecks.filter((i): i is EntityFieldIssue => !!i));
  if (Array.isArray(spec.questions)) {
    const seen = new Set<string>();
    spec.questions.forEach((q, i) => {
      if (q && typeof q.id === 'string') {
        if (seen.has(q.id)) {
          issues.push({
            field: `spec.questions[${i}].id`,
            message: `duplicate question id "${q.id}"`,
          });
        }
        seen.add(q.id);
      }
    });
  }
  return issues;
}

/** True for entities of the `AnnotationProject` kind. */
export function isAnnotationProjectEntity(
  entity: Entity,
): entity is AnnotationProjectEntityV1alpha1 {
  return (
    entity.apiVersion === CHORUS_API_VERSION &&
    entity.kind === ANNOTATION_PROJECT_KIND
  );
}

/** True for `Resource` entities of `spec.type: ai-model`. */
export function isAiModelEntity(entity: Entity): boolean {
  return (
    entity.kind.toLocaleLowerCase('en-US') === 'resource' &&
    entity.spec?.type === 'ai-model'
  );
}

/** True for `Resource` entities of `spec.type: dataset`. */
export function isDatasetEntity(entity: Entity): boolean {
  return (
    entity.kind.toLocaleLowerCase('en-US') === 'resource' &&
    entity.spec?.type === 'dataset'
  );
}

/** Full refs (`kind:namespace/name`) of a project's model, dataset and owner. */
export function annotationProjectRefs(entity: AnnotationProjectEntityV1alpha1) {
  const namespace = entity.metadata.namespace ?? 'default';
  const full = (ref: string, defaultKind: string) =>
    stringifyEntityRef(
      parseEntityRef(ref, { defaultKind, defaultNamespace: namespace }),
    );
  return {
    owner: full(entity.spec.owner, 'group'),
    model: full(entity.spec.model, 'resource'),
    dataset: full(entity.spec.dataset, 'resource'),
    workforce: {
      annotators: entity.spec.workforce.annotators.map(r => full(r, 'group')),
      qualityAnalysts: entity.spec.workforce.qualityAnalysts.map(r =>
        full(r, 'group'),
      ),
      managers: entity.spec.workforce.managers.map(r => full(r, 'group')),
    },
  };
}
