import { RELATION_DEPENDS_ON } from '@backstage/catalog-model';
import {
  isDatasetEntity,
  RELATION_LABELED_BY,
} from '@chorus/plugin-annotation-common';
import { LineageCard } from './LineageCard';

/** On an ML model: the annotation projects and datasets that feed it. */
export function ModelAnnotationCard() {
  return (
    <LineageCard
      title="Training data lineage"
      sections={[
        {
          title: 'Annotation projects',
          relation: RELATION_LABELED_BY,
          empty: 'No annotation project labels for this model.',
        },
        {
          title: 'Datasets',
          relation: RELATION_DEPENDS_ON,
          kind: 'resource',
          filter: isDatasetEntity,
          empty: 'No dataset feeds this model.',
        },
      ]}
    />
  );
}
