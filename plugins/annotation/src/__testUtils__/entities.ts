/*
 * Catalogue entities for the card tests, shaped like the demo data in
 * examples/demo/ and carrying the relations the catalogue would stitch onto
 * them (see AnnotationProjectProcessor in
 * @chorus/plugin-catalog-backend-module-annotation), so that
 * `useRelatedEntities` and `getEntitiesByRefs` resolve real neighbours.
 */
import {
  Entity,
  EntityRelation,
  RELATION_DEPENDENCY_OF,
  RELATION_DEPENDS_ON,
  RELATION_HAS_MEMBER,
  RELATION_OWNED_BY,
} from '@backstage/catalog-model';
import {
  AnnotationProjectEntityV1alpha1,
  annotationProjectRecordToEntity,
  RELATION_LABELED_BY,
  RELATION_LABELS_FOR,
  RELATION_PRODUCED_BY,
  RELATION_PRODUCES,
} from '@chorus/plugin-annotation-common';

/** Full refs, lower-cased as the catalogue stores relation targets. */
export const refs = {
  project: 'annotationproject:default/podcast-policy-review',
  rereview: 'annotationproject:default/podcast-policy-rereview',
  model: 'resource:default/podcast-policy-violation',
  dataset: 'resource:default/podcast-policy-labels',
  otherModel: 'resource:default/overlaid-music-detector',
  otherDataset: 'resource:default/overlaid-music-segments',
  featureStore: 'resource:default/podcast-feature-store',
  dashboard: 'resource:default/policy-dashboard',
  pipeline: 'component:default/policy-feature-pipeline',
  owner: 'group:default/cu-ml-engineering',
  annotators: 'group:default/cu-annotators',
  contractors: 'group:default/cu-contractors', // not in the catalogue
  qualityAnalysts: 'group:default/cu-quality-analysts',
  managers: 'group:default/cu-project-managers',
} as const;

const rel = (type: string, targetRef: string): EntityRelation => ({
  type,
  targetRef,
});

function withRelations<T extends Entity>(
  entity: T,
  relations: EntityRelation[],
): T {
  return { ...entity, relations };
}

/** The podcast-policy-review project of chorus-projects.yaml, one extra tier group. */
export const projectEntity: AnnotationProjectEntityV1alpha1 = withRelations(
  annotationProjectRecordToEntity(
    {
      id: 'c0ffee00-0000-4000-8000-000000000001',
      name: 'podcast-policy-review',
      namespace: 'default',
      title: 'Podcast policy review',
      description:
        'Policy category of each episode and the transcript spans that justify it.',
      owner: 'group:cu-ml-engineering',
      lifecycle: 'production',
      model: 'resource:podcast-policy-violation',
      dataset: 'resource:podcast-policy-labels',
      workforce: {
        annotators: ['group:cu-annotators', 'group:cu-contractors'],
        qualityAnalysts: ['group:cu-quality-analysts'],
        managers: ['cu-project-managers'],
      },
      taskType: 'mixed',
      questions: [
        {
          id: 'category',
          type: 'single-choice',
          title: 'Which policy does the episode break, if any?',
        },
        {
          id: 'evidence',
          type: 'text-spans',
          title: 'Mark the transcript passages that show it',
        },
        { id: 'severity', type: 'ordinal-rating' },
      ],
      status: 'active',
    },
    'url:https://chorus.example/api/annotation/projects',
  ),
  [
    rel(RELATION_OWNED_BY, refs.owner),
    rel(RELATION_PRODUCES, refs.dataset),
    rel(RELATION_LABELS_FOR, refs.model),
  ],
);

/** A second project labelling the same model, paused. */
export const rereviewEntity: AnnotationProjectEntityV1alpha1 = withRelations(
  annotationProjectRecordToEntity({
    name: 'podcast-policy-rereview',
    namespace: 'default',
    title: 'Podcast policy re-review',
    owner: 'group:cu-ml-engineering',
    lifecycle: 'experimental',
    model: 'resource:podcast-policy-violation',
    dataset: 'resource:podcast-policy-labels',
    workforce: {
      annotators: ['group:cu-annotators'],
      qualityAnalysts: ['group:cu-quality-analysts'],
      managers: ['group:cu-project-managers'],
    },
    taskType: 'single-choice',
    questions: [],
    status: 'paused',
  }),
  [
    rel(RELATION_OWNED_BY, refs.owner),
    rel(RELATION_PRODUCES, refs.dataset),
    rel(RELATION_LABELS_FOR, refs.model),
  ],
);

function resource(
  name: string,
  type: string,
  title: string,
  relations: EntityRelation[],
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: { name, namespace: 'default', title },
    spec: { type, owner: 'group:cu-ml-engineering' },
    relations,
  };
}

/**
 * The model: labelled by both projects; depends on its dataset, on a feature
 * store (a Resource that is not a dataset) and on a Component.
 */
export const modelEntity = resource(
  'podcast-policy-violation',
  'ai-model',
  'Podcast policy-violation model',
  [
    rel(RELATION_OWNED_BY, refs.owner),
    rel(RELATION_LABELED_BY, refs.project),
    rel(RELATION_LABELED_BY, refs.rereview),
    rel(RELATION_DEPENDS_ON, refs.dataset),
    rel(RELATION_DEPENDS_ON, refs.featureStore),
    rel(RELATION_DEPENDS_ON, refs.pipeline),
  ],
);

/**
 * The dataset: produced by the project; a dependency of the model, of a
 * dashboard (a Resource that is not a model) and of a Component.
 */
export const datasetEntity = resource(
  'podcast-policy-labels',
  'dataset',
  'Podcast policy labels',
  [
    rel(RELATION_OWNED_BY, refs.owner),
    rel(RELATION_PRODUCED_BY, refs.project),
    rel(RELATION_DEPENDENCY_OF, refs.model),
    rel(RELATION_DEPENDENCY_OF, refs.dashboard),
    rel(RELATION_DEPENDENCY_OF, refs.pipeline),
  ],
);

/** A model and a dataset with no lineage at all. */
export const lonelyModelEntity = resource(
  'overlaid-music-detector',
  'ai-model',
  'Overlaid-music detector',
  [rel(RELATION_OWNED_BY, refs.owner)],
);
export const lonelyDatasetEntity = resource(
  'overlaid-music-segments',
  'dataset',
  'Overlaid-music segments',
  [rel(RELATION_OWNED_BY, refs.owner)],
);

export const featureStoreEntity = resource(
  'podcast-feature-store',
  'database',
  'Podcast feature store',
  [rel(RELATION_DEPENDENCY_OF, refs.model)],
);
export const dashboardEntity = resource(
  'policy-dashboard',
  'dashboard',
  'Policy dashboard',
  [rel(RELATION_DEPENDS_ON, refs.dataset)],
);
export const pipelineEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'policy-feature-pipeline',
    namespace: 'default',
    title: 'Policy feature pipeline',
  },
  spec: { type: 'service', lifecycle: 'production', owner: refs.owner },
  relations: [
    rel(RELATION_DEPENDS_ON, refs.dataset),
    rel(RELATION_DEPENDENCY_OF, refs.model),
  ],
};

function group(name: string, title: string, members: string[]): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name, namespace: 'default', title },
    spec: { type: 'workforce-tier', children: [] },
    relations: [
      rel('childOf', 'group:default/content-understanding'),
      ...members.map(m => rel(RELATION_HAS_MEMBER, `user:default/${m}`)),
    ],
  };
}

export const ownerGroup = group('cu-ml-engineering', 'CU ML Engineering', [
  'ada',
]);
/** Three members: "3 members". */
export const annotatorsGroup = group('cu-annotators', 'CU Annotators', [
  'alice',
  'bob',
  'carol',
]);
/** One member: "1 member". */
export const qualityAnalystsGroup = group(
  'cu-quality-analysts',
  'CU Quality Analysts',
  ['dave'],
);
/** No members: "0 members". */
export const managersGroup = group(
  'cu-project-managers',
  'CU Project Managers',
  [],
);

/** Everything in the test catalogue (cu-contractors deliberately missing). */
export const catalogEntities: Entity[] = [
  projectEntity,
  rereviewEntity,
  modelEntity,
  datasetEntity,
  lonelyModelEntity,
  lonelyDatasetEntity,
  featureStoreEntity,
  dashboardEntity,
  pipelineEntity,
  ownerGroup,
  annotatorsGroup,
  qualityAnalystsGroup,
  managersGroup,
];
