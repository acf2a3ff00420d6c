import { Entity } from '@backstage/catalog-model';
import {
  annotationProjectRefs,
  isAiModelEntity,
  isAnnotationProjectEntity,
  isDatasetEntity,
  validateAnnotationProjectEntity,
} from './AnnotationProject';
import { annotationProjectRecordToEntity } from './fromRecord';

function validProject(): Entity {
  return {
    apiVersion: 'chorus/v1alpha1',
    kind: 'AnnotationProject',
    metadata: { name: 'track-placement-relevance', namespace: 'music' },
    spec: {
      owner: 'group:cu-ml-engineering',
      lifecycle: 'production',
      model: 'resource:track-artist-page-placement',
      dataset: 'track-placement-labels',
      workforce: {
        annotators: ['cu-annotators'],
        qualityAnalysts: ['group:default/cu-quality-analysts'],
        managers: ['group:cu-project-managers'],
      },
      taskType: 'single-choice',
      questions: [{ id: 'belongs', type: 'single-choice', title: 'Belongs?' }],
      status: 'active',
    },
  };
}

function fieldsOf(entity: Entity): string[] {
  return validateAnnotationProjectEntity(entity).map(i => i.field);
}

describe('validateAnnotationProjectEntity', () => {
  it('accepts a complete project', () => {
    expect(validateAnnotationProjectEntity(validProject())).toEqual([]);
  });

  it.each([
    'owner',
    'lifecycle',
    'model',
    'dataset',
    'workforce',
    'taskType',
    'status',
  ])('names the missing required field spec.%s', field => {
    const entity = validProject();
    delete (entity.spec as Record<string, unknown>)[field];
    expect(validateAnnotationProjectEntity(entity)).toEqual([
      { field: `spec.${field}`, message: 'is required' },
    ]);
  });

  it.each(['annotators', 'qualityAnalysts', 'managers'])(
    'requires the workforce tier %s with at least one group',
    tier => {
      const missing = validProject();
      delete (missing.spec as any).workforce[tier];
      expect(fieldsOf(missing)).toEqual([`spec.workforce.${tier}`]);

      const empty = validProject();
      (empty.spec as any).workforce[tier] = [];
      expect(validateAnnotationProjectEntity(empty)).toEqual([
        {
          field: `spec.workforce.${tier}`,
          message: 'expected at least 1 entry',
        },
      ]);
    },
  );

  it('rejects an unknown status with the allowed values', () => {
    const entity = validProject();
    (entity.spec as any).status = 'running';
    const [issue] = validateAnnotationProjectEntity(entity);
    expect(issue.field).toBe('spec.status');
    expect(issue.message).toContain('"draft"');
    expect(issue.message).toContain('"archived"');
  });

  it('rejects unknown spec fields and bad question types by path', () => {
    const entity = validProject();
    (entity.spec as any).modle = 'typo';
    (entity.spec as any).questions = [{ id: 'q', type: 'essay' }];
    expect(fieldsOf(entity).sort()).toEqual([
      'spec.modle',
      'spec.questions[0].type',
    ]);
  });

  it('rejects a model ref that is not a resource', () => {
    const entity = validProject();
    (entity.spec as any).model = 'component:track-ranker';
    expect(validateAnnotationProjectEntity(entity)).toEqual([
      {
        field: 'spec.model',
        message:
          'expected a reference to a resource entity, got kind "component"',
      },
    ]);
  });

  it('rejects a malformed dataset ref', () => {
    const entity = validProject();
    (entity.spec as any).dataset = 'resource:a:b/c/d';
    const [issue] = validateAnnotationProjectEntity(entity);
    expect(issue.field).toBe('spec.dataset');
    expect(issue.message).toMatch(/expected an entity reference/);
  });

  it('rejects a workforce tier pointing at a user, naming its index', () => {
    const entity = validProject();
    (entity.spec as any).workforce.managers = [
      'group:cu-project-managers',
      'user:jonas.berg',
    ];
    expect(fieldsOf(entity)).toEqual(['spec.workforce.managers[1]']);
  });

  it('accepts a user as owner but not a resource', () => {
    const entity = validProject();
    (entity.spec as any).owner = 'user:lena.fischer';
    expect(fieldsOf(entity)).toEqual([]);
    (entity.spec as any).owner = 'resource:x';
    expect(fieldsOf(entity)).toEqual(['spec.owner']);
  });

  it('rejects duplicate question ids', () => {
    const entity = validProject();
    (entity.spec as any).questions = [
      { id: 'q', type: 'free-text' },
      { id: 'q', type: 'single-choice' },
    ];
    expect(validateAnnotationProjectEntity(entity)).toEqual([
      { field: 'spec.questions[1].id', message: 'duplicate question id "q"' },
    ]);
  });

  it('rejects a foreign apiVersion', () => {
    const entity = { ...validProject(), apiVersion: 'backstage.io/v1alpha1' };
    expect(fieldsOf(entity)).toEqual(['apiVersion']);
  });

  it('reports every problem at once', () => {
    const entity = validProject();
    delete (entity.spec as any).owner;
    (entity.spec as any).model = 'api:x';
    (entity.spec as any).taskType = 'guessing';
    expect(fieldsOf(entity).sort()).toEqual([
      'spec.model',
      'spec.owner',
      'spec.taskType',
    ]);
  });
});

describe('kind predicates and refs', () => {
  it('tells projects, models and datasets apart', () => {
    const model = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: { name: 'm' },
      spec: { type: 'ai-model' },
    };
    const dataset = { ...model, spec: { type: 'dataset' } };
    expect(isAnnotationProjectEntity(validProject())).toBe(true);
    expect(isAnnotationProjectEntity(model)).toBe(false);
    expect(isAiModelEntity(model)).toBe(true);
    expect(isAiModelEntity(dataset)).toBe(false);
    expect(isDatasetEntity(dataset)).toBe(true);
    expect(isDatasetEntity(validProject())).toBe(false);
  });

  it('expands refs with default kinds and the entity namespace', () => {
    const refs = annotationProjectRefs(validProject() as any);
    expect(refs.owner).toBe('group:music/cu-ml-engineering');
    expect(refs.model).toBe('resource:music/track-artist-page-placement');
    expect(refs.dataset).toBe('resource:music/track-placement-labels');
    expect(refs.workforce.annotators).toEqual(['group:music/cu-annotators']);
    expect(refs.workforce.qualityAnalysts).toEqual([
      'group:default/cu-quality-analysts',
    ]);
  });
});

describe('annotationProjectRecordToEntity', () => {
  it('builds a valid entity with the managed-by annotations', () => {
    const entity = annotationProjectRecordToEntity(
      {
        id: 'p-1',
        name: 'podcast-policy-review',
        namespace: 'default',
        title: 'Podcast policy review',
        owner: 'group:cu-ml-engineering',
        lifecycle: 'production',
        model: 'resource:podcast-policy-violation',
        dataset: 'resource:podcast-policy-labels',
        workforce: {
          annotators: ['group:a'],
          qualityAnalysts: ['group:q'],
          managers: ['group:m'],
        },
        taskType: 'mixed',
        questions: [],
        status: 'draft',
      },
      'url:http://chorus/api/annotation/projects/p-1',
    );
    expect(validateAnnotationProjectEntity(entity)).toEqual([]);
    expect(entity.metadata.annotations).toEqual({
      'chorus/project-id': 'p-1',
      'backstage.io/managed-by-location':
        'url:http://chorus/api/annotation/projects/p-1',
      'backstage.io/managed-by-origin-location':
        'url:http://chorus/api/annotation/projects/p-1',
    });
    expect(entity.spec).not.toHaveProperty('questions');
  });
});
