import { RELATION_DEPENDENCY_OF } from '@backstage/catalog-model';
import {
  isAiModelEntity,
  RELATION_PRODUCED_BY,
} from '@chorus/plugin-annotation-common';
import { LineageCard } from './LineageCard';

/** On a dataset: the project that produces it and the models that use it. */
export function DatasetLineageCard() {
  return (
    <LineageCard
      title="Dataset lineage"
      sections={[
        {
          title: 'Produced by',
          relation: RELATION_PRODUCED_BY,
          empty: 'No annotation project produces this dataset.',
        },
        {
          title: 'Used by models',
          relation: RELATION_DEPENDENCY_OF,
          kind: 'resource',
          filter: isAiModelEntity,
          empty: 'No model uses this dataset.',
        },
      ]}
    />
  );
}
