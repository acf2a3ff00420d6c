import {
  InfoCard,
  Progress,
  Table,
  TableColumn,
  WarningPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  AnnotationProjectRecord,
  AnnotationProjectStatus,
  ImportRecordResponse,
  ImportSummaryResponse,
  STATUS_TRANSITIONS,
} from '@chorus/plugin-annotation-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import LinearProgress from '@material-ui/core/LinearProgress';
import Typography from '@material-ui/core/Typography';
import { useCallback, useEffect, useState } from 'react';
import { annotationApiRef } from '../api';
import { reasonOf, statusOf } from '../errors';
import { StatusChip } from './StatusChip';

/** The button that moves a project from `from` to `to`. */
export function transitionVerb(
  from: AnnotationProjectStatus,
  to: AnnotationProjectStatus,
): string {
  switch (to) {
    case 'active':
      if (from === 'paused') return 'Resume';
      return from === 'completed' ? 'Reopen' : 'Activate';
    case 'paused':
      return 'Pause';
    case 'completed':
      return 'Complete';
    case 'archived':
      return 'Archive';
    default:
      return `Set ${to}`;
  }
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/** Status buttons: the moves the lifecycle allows from here. */
function LifecycleCard(props: {
  project: AnnotationProjectRecord;
  onChanged: (project: AnnotationProjectRecord) => void;
}) {
  const { project } = props;
  const api = useApi(annotationApiRef);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const moves = STATUS_TRANSITIONS[project.status] ?? [];

  const move = async (to: AnnotationProjectStatus) => {
    setBusy(true);
    setError(undefined);
    try {
      props.onChanged(await api.setStatus(project.id, to));
    } catch (e) {
      setError(reasonOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <InfoCard title="Lifecycle">
      <Typography variant="body2" component="div">
        Status <StatusChip status={project.status} />
      </Typography>
      <Typography variant="body2" color="textSecondary">
        draft → active ⇄ paused → completed → archived; annotators label active
        projects only.
      </Typography>
      <Box mt={2} display="flex" style={{ gap: 8 }}>
        {moves.length ? (
          moves.map(to => (
            <Button
              key={to}
              variant={to === 'active' ? 'contained' : 'outlined'}
              color="primary"
              disabled={busy}
              onClick={() => move(to)}
            >
              {transitionVerb(project.status, to)}
            </Button>
          ))
        ) : (
          <Typography variant="body2">Archived: no further changes.</Typography>
        )}
      </Box>
      {error ? (
        <Box mt={2}>
          <WarningPanel
            severity="error"
            title="The status was not changed"
            message={error}
          />
        </Box>
      ) : null}
    </InfoCard>
  );
}

type ImportState =
  | { phase: 'idle' }
  | { phase: 'sending'; file: File }
  | { phase: 'done'; file: File; summary: ImportSummaryResponse }
  | { phase: 'failed'; file: File; message: string };

function ImportSummaryView(props: { summary: ImportSummaryResponse }) {
  const { summary } = props;
  const figures: Array<[string, number]> = [
    ['Lines', summary.lines],
    ['Inserted', summary.inserted],
    ['Updated', summary.updated],
    ['Unchanged', summary.unchanged],
    ['Rejected', summary.rejected],
  ];
  return (
    <>
      <Grid container spacing={2}>
        {figures.map(([label, n]) => (
          <Grid item xs={4} sm={2} key={label}>
            <Typography variant="overline" color="textSecondary">
              {label}
            </Typography>
            <Typography variant="h6" aria-label={`Import ${label}`}>
              {n}
            </Typography>
          </Grid>
        ))}
      </Grid>
      {summary.errors.length ? (
        <Box mt={1}>
          <Typography variant="subtitle2">
            {summary.errors.length < summary.rejected
              ? `The first ${summary.errors.length} rejected lines`
              : 'Rejected lines'}
          </Typography>
          <table aria-label="Rejected lines">
            <thead>
              <tr>
                <th style={{ textAlign: 'right', paddingRight: 16 }}>Line</th>
                <th style={{ textAlign: 'left', paddingRight: 16 }}>
                  External id
                </th>
                <th style={{ textAlign: 'left' }}>Reason</th>
              </tr>
            </thead>
            <tbody>
              {summary.errors.map(e => (
                <tr key={e.line}>
                  <td style={{ textAlign: 'right', paddingRight: 16 }}>
                    {e.line}
                  </td>
                  <td style={{ paddingRight: 16 }}>{e.externalId ?? '—'}</td>
                  <td>{e.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Box>
      ) : null}
    </>
  );
}

/**
 * Import items from an NDJSON file. The File goes to the client as the
 * body, so the browser streams it from disk however large; fetch reports
 * no upload progress, so the bar is indeterminate while it is sent.
 */
function ImportCard(props: { projectId: string; onImported: () => void }) {
  const api = useApi(annotationApiRef);
  const [file, setFile] = useState<File>();
  const [state, setState] = useState<ImportState>({ phase: 'idle' });

  const start = async () => {
    if (!file) return;
    setState({ phase: 'sending', file });
    try {
      const summary = await api.importItems(props.projectId, file);
      setState({ phase: 'done', file, summary });
    } catch (e) {
      setState({ phase: 'failed', file, message: reasonOf(e) });
    }
    props.onImported();
  };

  return (
    <InfoCard title="Import items">
      <Typography variant="body2" color="textSecondary">
        One JSON object per line (NDJSON/JSONL):{' '}
        <code>
          {'{"externalId": "…", "data": {…}, "priority": 0, "gold": {…}}'}
        </code>
        . Importing again is safe: items are matched by external id.
      </Typography>
      <Box mt={2} display="flex" alignItems="center" style={{ gap: 16 }}>
        <Button variant="outlined" component="label">
          Choose file
          <input
            type="file"
            hidden
            accept=".ndjson,.jsonl,application/x-ndjson"
            aria-label="NDJSON file"
            onChange={e => {
              setFile(e.target.files?.[0]);
              setState({ phase: 'idle' });
            }}
          />
        </Button>
        <Typography variant="body2">
          {file ? `${file.name} (${formatBytes(file.size)})` : 'No file chosen'}
        </Typography>
        <Button
          variant="contained"
          color="primary"
          disabled={!file || state.phase === 'sending'}
          onClick={start}
        >
          Import
        </Button>
      </Box>
      {state.phase === 'sending' ? (
        <Box mt={2}>
          <Typography variant="body2" id="chorus-import-progress">
            Sending {state.file.name} ({formatBytes(state.file.size)})…
          </Typography>
          <LinearProgress aria-labelledby="chorus-import-progress" />
        </Box>
      ) : null}
      {state.phase === 'done' ? (
        <Box mt={2} role="status" aria-label="Import summary">
          <Typography variant="subtitle2">
            Imported {state.file.name}
          </Typography>
          <ImportSummaryView summary={state.summary} />
        </Box>
      ) : null}
      {state.phase === 'failed' ? (
        <Box mt={2}>
          <WarningPanel
            severity="error"
            title={`${state.file.name} was not imported`}
            message={state.message}
          />
        </Box>
      ) : null}
    </InfoCard>
  );
}

function importOutcome(r: ImportRecordResponse): string {
  const s = r.summary;
  if (!s) {
    return r.status === 'running' ? 'in progress' : '';
  }
  if (s.error) {
    return s.error;
  }
  return `${s.inserted ?? 0} inserted, ${s.updated ?? 0} updated, ${
    s.unchanged ?? 0
  } unchanged, ${s.rejected ?? 0} rejected`;
}

function ImportsTable(props: { imports: ImportRecordResponse[] }) {
  const columns: TableColumn<ImportRecordResponse>[] = [
    {
      title: 'Started',
      field: 'startedAt',
      render: r => new Date(r.startedAt).toLocaleString(),
    },
    {
      title: 'By',
      field: 'createdBy',
      render: r => r.createdBy.replace(/^user:(default\/)?/, ''),
    },
    { title: 'Status', field: 'status' },
    { title: 'Outcome', render: importOutcome },
  ];
  return (
    <Table<ImportRecordResponse>
      title="Recent imports"
      options={{ paging: false, search: false, padding: 'dense' }}
      columns={columns}
      data={props.imports}
      emptyContent={
        <Typography style={{ padding: 16 }}>No imports yet.</Typography>
      }
    />
  );
}

/**
 * A manager's tools on the overview: lifecycle, import, recent imports.
 * Shown when the caller may read the imports (the import permission,
 * managers in the default policy); others see the page without them.
 */
export function ProjectManagement(props: {
  project: AnnotationProjectRecord;
  onProjectChanged: (project: AnnotationProjectRecord) => void;
  onImported: () => void;
}) {
  const { project } = props;
  const api = useApi(annotationApiRef);
  const [imports, setImports] = useState<
    | { state: 'loading' }
    | { state: 'hidden' }
    | { state: 'error'; error: Error }
    | { state: 'ready'; items: ImportRecordResponse[] }
  >({ state: 'loading' });

  const load = useCallback(async () => {
    try {
      setImports({ state: 'ready', items: await api.listImports(project.id) });
    } catch (error) {
      setImports(
        statusOf(error) === 403
          ? { state: 'hidden' }
          : { state: 'error', error: error as Error },
      );
    }
  }, [api, project.id]);
  useEffect(() => {
    load();
  }, [load]);

  if (imports.state === 'loading') {
    return (
      <Grid item xs={12}>
        <Progress />
      </Grid>
    );
  }
  if (imports.state === 'hidden') {
    return null;
  }
  return (
    <>
      <Grid item xs={12} md={4}>
        <LifecycleCard project={project} onChanged={props.onProjectChanged} />
      </Grid>
      <Grid item xs={12} md={8}>
        <ImportCard
          projectId={project.id}
          onImported={() => {
            load();
            props.onImported();
          }}
        />
      </Grid>
      <Grid item xs={12}>
        {imports.state === 'error' ? (
          <WarningPanel
            severity="error"
            title="Recent imports could not be read"
            message={reasonOf(imports.error)}
          />
        ) : (
          <>
            <ImportsTable imports={imports.items} />
            {imports.items.some(i => i.status === 'interrupted') ? (
              <Typography variant="body2" color="textSecondary">
                An interrupted import stopped with its backend: import the same
                file again to finish it (items already stored are left
                unchanged).
              </Typography>
            ) : null}
          </>
        )}
      </Grid>
    </>
  );
}
