import { Table, TableColumn } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  EscalationRecord,
  EscalationStatus,
  ProjectConfig,
} from '@chorus/plugin-annotation-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { useEffect, useState } from 'react';
import { annotationApiRef } from '../../api';
import { ChorusErrorPanel } from '../ChorusErrorPanel';
import { shortRef } from '../ProjectOverviewPage';
import { formatReason } from './format';

const PAGE_SIZE = 50;

const SHOW: Array<[EscalationStatus, string]> = [
  ['open', 'Open'],
  ['resolved', 'Decided'],
  ['all', 'All'],
];

function when(iso: string): string {
  return new Date(iso).toLocaleString();
}

interface Loaded {
  items: EscalationRecord[];
  nextCursor?: string;
}

/**
 * The project's escalations: why each one escalated (the reason with its
 * value against the threshold), when, who holds it now, and how it was
 * decided. Open ones come oldest first, the order analysts get them in.
 */
export function Backlog(props: {
  projectId: string;
  config: ProjectConfig;
  /** Changes when the backlog surely moved (a decision made here). */
  reloadKey: string;
  onOpenCount(open: number): void;
}) {
  const { projectId, config, reloadKey, onOpenCount } = props;
  const api = useApi(annotationApiRef);
  const [status, setStatus] = useState<EscalationStatus>('open');
  const [loaded, setLoaded] = useState<Loaded>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(false);

  const load = (cursor?: string) => {
    setLoading(true);
    return api
      .listEscalations(projectId, { status, limit: PAGE_SIZE, cursor })
      .then(page => {
        setError(undefined);
        onOpenCount(page.open);
        setLoaded(before => ({
          items: cursor
            ? [...(before?.items ?? []), ...page.items]
            : page.items,
          nextCursor: page.nextCursor,
        }));
      }, setError)
      .finally(() => setLoading(false));
  };

  useEffect(() => {
    load();
    // a new filter or a change from this page starts from the first page
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, projectId, status, reloadKey]);

  const columns: TableColumn<EscalationRecord>[] = [
    { title: 'Item', field: 'externalId' },
    {
      title: 'Why',
      render: e => (
        <ul style={{ margin: 0, paddingLeft: 16 }}>
          {e.reasons.map((r, i) => (
            <li key={i}>{formatReason(r, config)}</li>
          ))}
        </ul>
      ),
    },
    { title: 'Escalated', render: e => when(e.createdAt) },
    {
      title: status === 'open' ? 'Claimed by' : 'Decision',
      render: e => {
        if (e.resolution) {
          return `${
            e.resolution === 'resolved' ? 'Resolved' : 'Sent back'
          } by ${shortRef(e.resolvedBy ?? '')}${e.note ? `: ${e.note}` : ''}`;
        }
        return e.claimedBy
          ? `${shortRef(e.claimedBy)} until ${new Date(
              e.claimExpiresAt!,
            ).toLocaleTimeString()}`
          : '—';
      },
    },
  ];

  return (
    <>
      <Box mb={1}>
        <TextField
          id="chorus-backlog-show"
          select
          size="small"
          label="Show"
          value={status}
          onChange={e => setStatus(e.target.value as EscalationStatus)}
          SelectProps={{ native: true }}
        >
          {SHOW.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </TextField>
      </Box>
      {error ? <ChorusErrorPanel error={error} /> : null}
      <Table<EscalationRecord>
        title="Backlog"
        subtitle={
          status === 'open'
            ? 'Open escalations, oldest first: the order analysts get them in'
            : 'Newest first'
        }
        isLoading={loading && !loaded}
        options={{ paging: false, search: false, padding: 'dense' }}
        columns={columns}
        data={loaded?.items ?? []}
        emptyContent={
          <Typography style={{ padding: 16 }}>
            {status === 'open'
              ? 'No open escalation: annotators agree on everything so far.'
              : 'Nothing decided yet.'}
          </Typography>
        }
      />
      {loaded?.nextCursor ? (
        <Box mt={1}>
          <Button
            variant="outlined"
            disabled={loading}
            onClick={() => load(loaded.nextCursor)}
          >
            Show more
          </Button>
        </Box>
      ) : null}
    </>
  );
}
