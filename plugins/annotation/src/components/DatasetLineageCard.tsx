import { InfoCard } from '@backstage/core-components';
import { useEntity, useRelatedEntities } from '@backstage/plugin-catalog-react';
import {
  isAiModelEntity,
  isAnnotationProjectEntity,
  RELATION_PRODUCED_BY,
} from '@chorus/plugin-annotation-common';
import { RELATION_DEPENDENCY_OF } from '@backstage/catalog-model';
import Grid from '@material-ui/core/Grid';
import { LineageList } from './LineageList';
import { StatusChip } from './StatusChip';

/** On a dataset: the project that produces it and the models that use it. */
export function DatasetLineageCard() {
  const { entity } = useEntity();
  const projects = useRelatedEntities(entity, { type: RELATION_PRODUCED_BY });
  const consumers = useRelatedEntities(entity, {
    type: RELATION_DEPENDENCY_OF,
    kind: 'resource',
  });
  return (
    <InfoCard title="Dataset lineage">
      <Grid container spacing={2}>
        <Grid item xs={12} md={6}>
          <LineageList
            title="Produced by"
            {...projects}
            empty="No annotation project produces this dataset."
            secondary={e =>
              isAnnotationProjectEntity(e) ? (
                <StatusChip status={e.spec.status} />
              ) : undefined
            }
          />
        </Grid>
        <Grid item xs={12} md={6}>
          <LineageList
            title="Used by models"
            {...consumers}
            entities={consumers.entities?.filter(isAiModelEntity)}
            empty="No model uses this dataset."
          />
        </Grid>
      </Grid>
    </InfoCard>
  );
}
