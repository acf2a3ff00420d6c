import {
  CompoundEntityRef,
  Entity,
  getCompoundEntityRef,
  parseEntityRef,
  RELATION_DEPENDENCY_OF,
  RELATION_DEPENDS_ON,
  RELATION_OWNED_BY,
  RELATION_OWNER_OF,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import { LocationSpec } from '@backstage/plugin-catalog-common';
import {
  CatalogProcessor,
  CatalogProcessorEmit,
  processingResult,
} from '@backstage/plugin-catalog-node';
import {
  AnnotationProjectEntityV1alpha1,
  isAnnotationProjectEntity,
  RELATION_LABELED_BY,
  RELATION_LABELS_FOR,
  RELATION_PRODUCED_BY,
  RELATION_PRODUCES,
  validateAnnotationProjectEntity,
} from '@chorus/plugin-annotation-common';

/**
 * Validates `AnnotationProject` entities and emits their lineage relations,
 * each in both directions: ownership, project ↔ dataset, project ↔ model and
 * dataset ↔ model.
 */
export class AnnotationProjectProcessor implements CatalogProcessor {
  getProcessorName(): string {
    return 'AnnotationProjectProcessor';
  }

  async validateEntityKind(entity: Entity): Promise<boolean> {
    if (entity.kind !== 'AnnotationProject') {
      return false;
    }
    const issues = validateAnnotationProjectEntity(entity);
    if (issues.length) {
      throw new InputError(
        `Invalid AnnotationProject ${stringifyEntityRef(entity)}: ${issues
          .map(i => `${i.field}: ${i.message}`)
          .join('; ')}`,
      );
    }
    return true;
  }

  async postProcessEntity(
    entity: Entity,
    _location: LocationSpec,
    emit: CatalogProcessorEmit,
  ): Promise<Entity> {
    if (!isAnnotationProjectEntity(entity)) {
      return entity;
    }
    const project = entity as AnnotationProjectEntityV1alpha1;
    const self = getCompoundEntityRef(project);
    const ref = (value: string, defaultKind: string): CompoundEntityRef =>
      parseEntityRef(value, {
        defaultKind,
        defaultNamespace: self.namespace,
      });
    const both = (
      source: CompoundEntityRef,
      type: string,
      target: CompoundEntityRef,
      inverse: string,
    ) => {
      emit(processingResult.relation({ source, type, target }));
      emit(
        processingResult.relation({
          source: target,
          type: inverse,
          target: source,
        }),
      );
    };

    const owner = ref(project.spec.owner, 'group');
    const model = ref(project.spec.model, 'resource');
    const dataset = ref(project.spec.dataset, 'resource');
    both(self, RELATION_OWNED_BY, owner, RELATION_OWNER_OF);
    both(self, RELATION_PRODUCES, dataset, RELATION_PRODUCED_BY);
    both(self, RELATION_LABELS_FOR, model, RELATION_LABELED_BY);
    both(dataset, RELATION_DEPENDENCY_OF, model, RELATION_DEPENDS_ON);
    return entity;
  }
}
