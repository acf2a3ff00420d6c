import { Entity } from '@backstage/catalog-model';
import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { ReactNode } from 'react';

/** A titled list of related entities, with loading, error and empty states. */
export function LineageList(props: {
  title: string;
  entities: Entity[] | undefined;
  loading: boolean;
  error: Error | undefined;
  empty: string;
  secondary?: (entity: Entity) => ReactNode;
}) {
  const { title, entities, loading, error, empty, secondary } = props;
  let body: ReactNode;
  if (loading) {
    body = <Progress />;
  } else if (error) {
    body = <ResponseErrorPanel error={error} />;
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
              secondary={secondary?.(e) ?? e.metadata.description}
              // a div, not the default p: `secondary` may render block
              // elements such as a Chip
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
