import { Entity } from '@backstage/catalog-model';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import {
  EntityRefLink,
  useEntity,
  useRelatedEntities,
} from '@backstage/plugin-catalog-react';
import { isAnnotationProjectEntity } from '@chorus/plugin-annotation-common';
import Grid from '@material-ui/core/Grid';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { ReactNode } from 'react';
import { StatusChip } from './StatusChip';

/** One list of a lineage card: the entities at the end of a relation. */
export interface LineageSection {
  title: string;
  relation: string;
  /** Only related entities of this kind (lower case, as in relations). */
  kind?: string;
  /** Only related entities that pass this test. */
  filter?: (entity: Entity) => boolean;
  empty: string;
}

// Projects show their work status; everything else its description.
function secondary(entity: Entity): ReactNode {
  return isAnnotationProjectEntity(entity) ? (
    <StatusChip status={entity.spec.status} />
  ) : (
    entity.metadata.description
  );
}

function LineageList(props: { section: LineageSection }) {
  const { title, relation, kind, filter, empty } = props.section;
  const { entity } = useEntity();
  const related = useRelatedEntities(entity, { type: relation, kind });
  const entities = filter ? related.entities?.filter(filter) : related.entities;
  let body: ReactNode;
  if (related.loading) {
    body = <Progress />;
  } else if (related.error) {
    body = <ResponseErrorPanel error={related.error} />;
  } else if (!entities?.length) {
    body = (
      <Typography variant="body2" color="textSecondary">
        {empty}
      </Typography>
    );
  } else {
    body = (
      <List dense disablePadding>
        {entities.map(e => (
          <ListItem
            key={`${e.kind}:${e.metadata.namespace}/${e.metadata.name}`}
          >
            <ListItemText
              primary={<EntityRefLink entityRef={e} />}
              secondary={secondary(e)}
              // the status chip is a div, which may not sit inside a <p>
              secondaryTypographyProps={{ component: 'div' }}
            />
          </ListItem>
        ))}
      </List>
    );
  }
  return (
    <section aria-label={title}>
      <Typography variant="subtitle2">{title}</Typography>
      {body}
    </section>
  );
}

/** A card of side-by-side lists of the current entity's related entities. */
export function LineageCard(props: {
  title: string;
  sections: LineageSection[];
}) {
  return (
    <InfoCard title={props.title}>
      <Grid container spacing={2}>
        {props.sections.map(section => (
          <Grid item xs={12} md={6} key={section.title}>
            <LineageList section={section} />
          </Grid>
        ))}
      </Grid>
    </InfoCard>
  );
}
