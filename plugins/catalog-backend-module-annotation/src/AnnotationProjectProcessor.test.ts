import { Entity } from '@backstage/catalog-model';
import { CatalogProcessorResult } from '@backstage/plugin-catalog-node';
import { AnnotationProjectProcessor } from './AnnotationProjectProcessor';

const location = { type: 'url', target: 'http://example.com/project.yaml' };

function project(spec: Record<string, unknown> = {}): Entity {
  return {
    apiVersion: 'chorus/v1alpha1',
    kind: 'AnnotationProject',
    metadata: { name: 'podcast-policy-review', namespace: 'podcasts' },
    spec: {
      owner: 'cu-ml-engineering',
      lifecycle: 'production',
      model: 'podcast-policy-violation',
      dataset: 'resource:default/podcast-policy-labels',
      workforce: {
        annotators: ['group:cu-annotators'],
        qualityAnalysts: ['group:cu-quality-analysts'],
        managers: ['group:cu-project-managers'],
      },
      taskType: 'mixed',
      status: 'active',
      ...spec,
    },
  };
}

async function relationsOf(entity: Entity) {
  const emitted: CatalogProcessorResult[] = [];
  await new AnnotationProjectProcessor().postProcessEntity(
    entity,
    location,
    r => emitted.push(r),
  );
  return emitted.map(r => {
    if (r.type !== 'relation') {
      throw new Error(`unexpected ${r.type}`);
    }
    const ref = (e: { kind: string; namespace: string; name: string }) =>
      `${e.kind.toLocaleLowerCase()}:${e.namespace}/${e.name}`;
    return `${ref(r.relation.source)} ${r.relation.type} ${ref(
      r.relation.target,
    )}`;
  });
}

describe('AnnotationProjectProcessor', () => {
  const processor = new AnnotationProjectProcessor();

  it('accepts a valid project and ignores other kinds', async () => {
    await expect(processor.validateEntityKind(project())).resolves.toBe(true);
    await expect(
      processor.validateEntityKind({
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: { name: 'x' },
        spec: {},
      }),
    ).resolves.toBe(false);
  });

  it.each([
    ['owner', 'spec.owner: is required'],
    ['lifecycle', 'spec.lifecycle: is required'],
    ['model', 'spec.model: is required'],
    ['dataset', 'spec.dataset: is required'],
    ['workforce', 'spec.workforce: is required'],
    ['taskType', 'spec.taskType: is required'],
    ['status', 'spec.status: is required'],
  ])('rejects a project without %s, naming the field', async (field, msg) => {
    const entity = project();
    delete (entity.spec as Record<string, unknown>)[field];
    await expect(processor.validateEntityKind(entity)).rejects.toThrow(
      `Invalid AnnotationProject annotationproject:podcasts/podcast-policy-review: ${msg}`,
    );
  });

  it('rejects bad refs, naming each field', async () => {
    await expect(
      processor.validateEntityKind(project({ model: 'component:ranker' })),
    ).rejects.toThrow(
      'spec.model: expected a reference to a resource entity, got kind "component"',
    );
    await expect(
      processor.validateEntityKind(project({ dataset: 'resource:bad name!' })),
    ).rejects.toThrow(/spec\.dataset: expected an entity reference/);
    await expect(
      processor.validateEntityKind(
        project({
          workforce: {
            annotators: ['user:amara.okafor'],
            qualityAnalysts: ['group:q'],
            managers: ['group:m'],
          },
        }),
      ),
    ).rejects.toThrow(
      /spec\.workforce\.annotators\[0\]: expected a reference to a group entity/,
    );
  });

  it('emits every lineage relation in both directions', async () => {
    expect((await relationsOf(project())).sort()).toEqual(
      [
        'annotationproject:podcasts/podcast-policy-review ownedBy group:podcasts/cu-ml-engineering',
        'group:podcasts/cu-ml-engineering ownerOf annotationproject:podcasts/podcast-policy-review',
        'annotationproject:podcasts/podcast-policy-review produces resource:default/podcast-policy-labels',
        'resource:default/podcast-policy-labels producedBy annotationproject:podcasts/podcast-policy-review',
        'annotationproject:podcasts/podcast-policy-review labelsFor resource:podcasts/podcast-policy-violation',
        'resource:podcasts/podcast-policy-violation labeledBy annotationproject:podcasts/podcast-policy-review',
        'resource:default/podcast-policy-labels dependencyOf resource:podcasts/podcast-policy-violation',
        'resource:podcasts/podcast-policy-violation dependsOn resource:default/podcast-policy-labels',
      ].sort(),
    );
  });

  it('emits nothing for other kinds', async () => {
    const component = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'x' },
      spec: { owner: 'group:a' },
    };
    expect(await relationsOf(component)).toEqual([]);
  });
});
