import { InfoCard, Progress, WarningPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { useState } from 'react';
import { annotationApiRef } from '../../api';
import { reasonOf } from '../../errors';
import { formatCount } from './format';
import { JobAction, JobRow } from './JobRow';
import type { LlmAnnotatorSectionProps } from './LlmAnnotatorsPage';
import { StartJobForm } from './StartJobForm';
import { useAnnotatorJobs } from './useAnnotatorJobs';

const HEADERS = [
  'Started',
  'Version',
  'Items',
  'Status',
  'Progress',
  'Throughput',
  'Tokens',
  'Cost',
  'Latency',
  '',
];

/**
 * The annotator's jobs: start one over a scope with a budget, and watch
 * the newest ones live (progress, failures by reason, throughput, tokens,
 * cost, latency), with pause, resume and cancel.
 */
export function JobsSection(props: LlmAnnotatorSectionProps) {
  const { projectId, annotator, versions } = props;
  const api = useApi(annotationApiRef);
  const jobs = useAnnotatorJobs(projectId, annotator.id, props.onJobEnded);
  const [busy, setBusy] = useState<string>();
  const [message, setMessage] = useState<{ text: string; error?: boolean }>();

  const act = async (jobId: string, action: JobAction) => {
    setBusy(jobId);
    try {
      await api.controlLlmJob(projectId, jobId, action);
      setMessage(undefined);
    } catch (error) {
      setMessage({ text: reasonOf(error), error: true });
    } finally {
      setBusy(undefined);
      jobs.reload();
    }
  };

  let list;
  if (!jobs.jobs && jobs.error) {
    list = (
      <WarningPanel
        severity="error"
        title="Could not read the jobs"
        message={reasonOf(jobs.error)}
      />
    );
  } else if (!jobs.jobs) {
    list = <Progress />;
  } else if (!jobs.jobs.length) {
    list = (
      <Typography color="textSecondary">
        No job of this annotator yet.
      </Typography>
    );
  } else {
    const now = Date.now();
    list = (
      <>
        {jobs.error ? (
          <Typography color="error" variant="body2">
            Could not refresh: {reasonOf(jobs.error)}
          </Typography>
        ) : null}
        <Box overflow="auto">
          <Table size="small" aria-label="Jobs">
            <TableHead>
              <TableRow>
                {HEADERS.map((h, i) => (
                  <TableCell key={i} style={{ whiteSpace: 'nowrap' }}>
                    {h}
                  </TableCell>
                ))}
              </TableRow>
            </TableHead>
            <TableBody>
              {jobs.jobs.map(view => (
                <JobRow
                  key={view.job.id}
                  view={view}
                  now={now}
                  busy={busy === view.job.id}
                  onAction={action => act(view.job.id, action)}
                />
              ))}
            </TableBody>
          </Table>
        </Box>
      </>
    );
  }

  return (
    <section aria-label="LLM jobs">
      <InfoCard title="Jobs">
        <StartJobForm
          projectId={projectId}
          annotator={annotator}
          versions={versions}
          onStarted={job => {
            setMessage({
              text: `Started a job over ${
                job.itemsTotal === 1
                  ? '1 item'
                  : `${formatCount(job.itemsTotal)} items`
              }`,
            });
            jobs.reload();
          }}
        />
        {message ? (
          <Box mt={1}>
            <Typography
              role={message.error ? 'alert' : 'status'}
              color={message.error ? 'error' : 'textPrimary'}
            >
              {message.text}
            </Typography>
          </Box>
        ) : null}
        <Box mt={3}>{list}</Box>
      </InfoCard>
    </section>
  );
}
