import { InfoCard } from '@backstage/core-components';
import { useEntity, useRelatedEntities } from '@backstage/plugin-catalog-react';
import {
  isAnnotationProjectEntity,
  isDatasetEntity,
  RELATION_LABELED_BY,
} from '@chorus/plugin-annotation-common';
import { RELATION_DEPENDS_ON } from '@backstage/catalog-model';
import Grid from '@material-ui/core/Grid';
import { LineageList } from './LineageList';
import { StatusChip } from './StatusChip';

/** On an ML model: the annotation projects and datasets that feed it. */
export function ModelAnnotationCard() {
  const { entity } = useEntity();
  const projects = useRelatedEntities(entity, { type: RELATION_LABELED_BY });
  const dependencies = useRelatedEntities(entity, {
    type: RELATION_DEPENDS_ON,
    kind: 'resource',
  });
  return (
    <InfoCard title="Training data lineage">
      <Grid container spacing={2}>
        <Grid item xs={12} md={6}>
          <LineageList
            title="Annotation projects"
            {...projects}
            empty="No annotation project labels for this model."
            secondary={e =>
              isAnnotationProjectEntity(e) ? (
                <StatusChip status={e.spec.status} />
              ) : undefined
            }
          />
        </Grid>
        <Grid item xs={12} md={6}>
          <LineageList
            title="Datasets"
            {...dependencies}
            entities={dependencies.entities?.filter(isDatasetEntity)}
            empty="No dataset feeds this model."
          />
        </Grid>
      </Grid>
    </InfoCard>
  );
}
