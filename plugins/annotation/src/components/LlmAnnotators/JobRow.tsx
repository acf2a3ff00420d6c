import { llmJobRate, LlmJobInfo } from '@chorus/plugin-annotation-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import LinearProgress from '@material-ui/core/LinearProgress';
import TableCell from '@material-ui/core/TableCell';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import {
  formatCost,
  formatCount,
  formatDuration,
  formatLatency,
  formatScope,
  shortRef,
} from './format';
import type { JobView } from './useAnnotatorJobs';

export type JobAction = 'pause' | 'resume' | 'cancel';

const STOP_REASONS: Record<NonNullable<LlmJobInfo['stopReason']>, string> = {
  done: 'all items done',
  budget: 'budget reached',
  cancelled: 'cancelled',
  error: 'failed',
};

function statusText(job: LlmJobInfo): string {
  if (job.status === 'completed' && job.stopReason) {
    return job.stopReason === 'done'
      ? 'completed'
      : `stopped: ${STOP_REASONS[job.stopReason]}`;
  }
  return job.status;
}

function Progress(props: { view: JobView }) {
  const { job, progress } = props.view;
  const finished = job.itemsDone + job.itemsFailed;
  const errors = Object.entries(progress?.errors ?? {});
  return (
    <Box minWidth={160}>
      <Typography variant="body2">
        {formatCount(job.itemsDone)} / {formatCount(job.itemsTotal)} done
        {job.itemsCached ? ` (${formatCount(job.itemsCached)} cached)` : ''}
      </Typography>
      <LinearProgress
        variant="determinate"
        value={job.itemsTotal ? (finished / job.itemsTotal) * 100 : 100}
        aria-label="Items finished"
      />
      {job.itemsFailed ? (
        <Typography variant="body2" color="error">
          {formatCount(job.itemsFailed)} failed
          {errors.length
            ? `: ${errors
                .map(([reason, n]) => `${reason} ${formatCount(n)}`)
                .join(', ')}`
            : ''}
        </Typography>
      ) : null}
      {progress && job.status === 'running' ? (
        <Typography variant="body2" color="textSecondary">
          {formatCount(progress.inFlight)} in flight,{' '}
          {formatCount(progress.pending)} pending
        </Typography>
      ) : null}
    </Box>
  );
}

function Controls(props: {
  job: LlmJobInfo;
  busy: boolean;
  onAction(action: JobAction): void;
}) {
  const { job, busy } = props;
  const button = (action: JobAction, label: string) => (
    <Button
      size="small"
      variant="outlined"
      color={action === 'cancel' ? 'secondary' : 'primary'}
      disabled={busy}
      onClick={() => props.onAction(action)}
    >
      {label}
    </Button>
  );
  return (
    <Box display="flex" gridGap={8}>
      {job.status === 'running' ? button('pause', 'Pause') : null}
      {job.status === 'paused' ? button('resume', 'Resume') : null}
      {job.status === 'running' || job.status === 'paused'
        ? button('cancel', 'Cancel')
        : null}
    </Box>
  );
}

/** One job: what it covers, how far it is, what it used, its controls. */
export function JobRow(props: {
  view: JobView;
  now: number;
  busy: boolean;
  onAction(action: JobAction): void;
}) {
  const { job, progress } = props.view;
  const rate = llmJobRate(job, props.now);
  const latency = progress?.latencyMs;
  return (
    <TableRow>
      <TableCell>
        {new Date(job.createdAt).toLocaleString()}
        <Typography variant="body2" color="textSecondary" title={job.createdBy}>
          {shortRef(job.createdBy)}
        </Typography>
      </TableCell>
      <TableCell>{job.version}</TableCell>
      <TableCell>
        {formatScope(job.scope)}
        {job.mode === 'batch' ? (
          <>
            {' '}
            <Chip size="small" label="batch" />
          </>
        ) : null}
      </TableCell>
      <TableCell style={{ whiteSpace: 'nowrap' }}>
        {statusText(job)}
        {job.error ? (
          <Typography variant="body2" color="error">
            {job.error}
          </Typography>
        ) : null}
      </TableCell>
      <TableCell>
        <Progress view={props.view} />
      </TableCell>
      <TableCell>
        {rate.itemsPerMinute === undefined
          ? '—'
          : `${rate.itemsPerMinute.toLocaleString('en-US', {
              maximumFractionDigits: 1,
            })} items/min`}
        {rate.remainingMs !== undefined ? (
          <Typography variant="body2" color="textSecondary">
            about {formatDuration(rate.remainingMs)} left
          </Typography>
        ) : null}
      </TableCell>
      <TableCell>
        {formatCount(job.tokensIn)} in / {formatCount(job.tokensOut)} out
        {job.budgetTokens !== undefined ? (
          <Typography variant="body2" color="textSecondary">
            of {formatCount(job.budgetTokens)}
          </Typography>
        ) : null}
      </TableCell>
      <TableCell style={{ whiteSpace: 'nowrap' }}>
        {formatCost(job.cost)}
        {job.budgetCost !== undefined ? (
          <Typography variant="body2" color="textSecondary">
            of {formatCost(job.budgetCost)}
          </Typography>
        ) : null}
      </TableCell>
      <TableCell>
        {latency?.p50 !== undefined
          ? `p50 ${formatLatency(latency.p50)} · p95 ${formatLatency(
              latency.p95 ?? latency.p50,
            )}`
          : '—'}
      </TableCell>
      <TableCell>
        <Controls job={job} busy={props.busy} onAction={props.onAction} />
      </TableCell>
    </TableRow>
  );
}
