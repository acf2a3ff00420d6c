import { InfoCard } from '@backstage/core-components';
import {
  QuestionConfig,
  readField,
  WorkLease,
} from '@chorus/plugin-annotation-common';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { Fragment } from 'react';

const useStyles = makeStyles(theme => ({
  field: { marginBottom: theme.spacing(2) },
  value: {
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
    fontSize: '1.15rem',
  },
  context: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: theme.spacing(2),
    rowGap: theme.spacing(0.5),
    margin: 0,
    '& dd': { margin: 0, overflowWrap: 'anywhere' },
  },
}));

/**
 * Item data as plain text. Item data comes from imports and may carry
 * markup or scripts: React escapes strings, and nothing here sets HTML or
 * turns data into links.
 */
export function formatValue(value: unknown): string {
  if (value === undefined || value === null) {
    return '—';
  }
  if (typeof value === 'string') {
    return value;
  }
  if (Array.isArray(value) && value.every(v => typeof v !== 'object')) {
    return value.join(', ');
  }
  if (typeof value === 'object') {
    return JSON.stringify(value, null, 2);
  }
  return String(value);
}

/** The item: the fields the questions read, then its other fields. */
export function ItemView(props: {
  item: WorkLease['item'];
  questions: QuestionConfig[];
}) {
  const { item, questions } = props;
  const classes = useStyles();
  const read = Array.from(new Set(questions.map(q => q.field)));
  const data =
    item.data && typeof item.data === 'object'
      ? (item.data as Record<string, unknown>)
      : {};
  const topLevelRead = new Set(read.map(f => f.split('.')[0]));
  const context = Object.keys(data).filter(k => !topLevelRead.has(k));

  return (
    <InfoCard title="Item" subheader={item.externalId}>
      <div aria-label="Item data" role="region">
        {read.map(field => (
          <div key={field} className={classes.field}>
            <Typography variant="overline" color="textSecondary">
              {field}
            </Typography>
            <Typography
              className={classes.value}
              component="div"
              data-field={field}
            >
              {formatValue(readField(data, field))}
            </Typography>
          </div>
        ))}
        {context.length ? (
          <dl className={classes.context} aria-label="Other fields">
            {context.map(key => (
              <Fragment key={key}>
                <Typography
                  component="dt"
                  variant="body2"
                  color="textSecondary"
                >
                  {key}
                </Typography>
                <Typography component="dd" variant="body2">
                  {formatValue(data[key])}
                </Typography>
              </Fragment>
            ))}
          </dl>
        ) : null}
      </div>
    </InfoCard>
  );
}
