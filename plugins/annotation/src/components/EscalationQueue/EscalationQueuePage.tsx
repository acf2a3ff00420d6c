import {
  Content,
  EmptyState,
  Header,
  HeaderLabel,
  InfoCard,
  Page,
  Progress,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  isQaOpen,
  ProjectConfig,
  QaDecisionResponse,
} from '@chorus/plugin-annotation-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { annotationApiRef } from '../../api';
import { useChorusLinks } from '../../hooks/useChorusLinks';
import { useLabelingShortcuts } from '../../hooks/useLabelingShortcuts';
import { QaClaim, useQaClaim } from '../../hooks/useQaClaim';
import { ChorusErrorPanel } from '../ChorusErrorPanel';
import { Backlog } from './Backlog';
import { QA_SHORTCUTS, Review } from './Review';

const FORBIDDEN =
  "Only the project's quality analysts resolve escalations; managers see the backlog below.";

/** What the last decision did, in a sentence. */
function decisionText(decision: QaDecisionResponse, config: ProjectConfig) {
  const { escalation } = decision;
  const item = escalation.externalId ?? `item ${escalation.itemId}`;
  if (escalation.resolution === 'sent-back') {
    return `Sent ${item} back to the annotators: ${escalation.note}`;
  }
  const answer = config.questions
    .filter(q => escalation.answer?.[q.id] !== undefined)
    .map(q => `${q.title} ${JSON.stringify(escalation.answer![q.id])}`)
    .join('; ');
  return `Resolved ${item}: ${answer}. It is final and joins the gold set.`;
}

/** The part above the backlog: start, review, the decision, or why not. */
function ReviewArea(props: {
  qa: QaClaim;
  config: ProjectConfig;
  canReview: boolean;
  open?: number;
  closedReason?: string;
}) {
  const { qa, config, canReview, open, closedReason } = props;
  const start = (label: string) => (
    <Button
      variant="contained"
      color="primary"
      onClick={qa.next}
      disabled={!canReview || Boolean(closedReason)}
    >
      {label} (N)
    </Button>
  );
  if (
    qa.claim &&
    (qa.status === 'reviewing' ||
      qa.status === 'lost' ||
      qa.status === 'claiming')
  ) {
    return (
      <>
        <Review
          key={qa.claim.escalation.id}
          claim={qa.claim}
          config={config}
          qa={qa}
        />
        {qa.status !== 'reviewing' ? (
          <Box mt={2}>{start('Claim again')}</Box>
        ) : null}
      </>
    );
  }
  if (qa.error) {
    return (
      <ChorusErrorPanel
        error={qa.error}
        title="Cannot claim an escalation"
        forbidden={FORBIDDEN}
      />
    );
  }
  if (qa.status === 'claiming') {
    return <Progress />;
  }
  if (qa.status === 'empty') {
    return (
      <EmptyState
        missing="content"
        title="No open escalation is free"
        description={`Every open escalation is decided or held by another analyst${
          qa.decided ? ` (you decided ${qa.decided} from this page)` : ''
        }. Claims that expire come back to the queue.`}
        action={start('Check again')}
      />
    );
  }
  return (
    <InfoCard title="Review">
      {qa.status === 'decided' && qa.decision ? (
        <Typography role="status" gutterBottom>
          {decisionText(qa.decision, config)}
        </Typography>
      ) : null}
      <Typography variant="body2" color="textSecondary" gutterBottom>
        {closedReason ??
          (canReview
            ? `${open ?? 'The'} open escalation${
                open === 1 ? '' : 's'
              }: claim the oldest one, see every answer side by side, and resolve it with a final answer or send it back.`
            : FORBIDDEN)}
      </Typography>
      {start(qa.status === 'decided' ? 'Next escalation' : 'Start reviewing')}
    </InfoCard>
  );
}

/**
 * The quality analysts' escalation queue of a project: the backlog, and a
 * review flow that claims the next escalation and decides it.
 */
export function EscalationQueuePage(props: { projectId: string }) {
  const { projectId } = props;
  const api = useApi(annotationApiRef);
  const links = useChorusLinks();
  const setup = useAsync(async () => {
    const [project, config, qaQueues] = await Promise.all([
      api.getProject(projectId),
      api.getConfig(projectId),
      // only the project's quality analysts have it among their QA queues
      api.listQaQueues().catch(() => []),
    ]);
    return {
      project,
      config: config.config,
      canReview: qaQueues.some(q => q.project.id === projectId),
    };
  }, [api, projectId]);
  const qa = useQaClaim(projectId);
  const [open, setOpen] = useState<number>();

  const project = setup.value?.project;
  const closedReason =
    project && !isQaOpen(project.status)
      ? `The project is ${project.status}: escalations are decided while it is active or paused.`
      : undefined;
  const canStart =
    Boolean(setup.value?.canReview) &&
    !closedReason &&
    qa.status !== 'reviewing' &&
    qa.status !== 'claiming';
  useLabelingShortcuts({ letters: { n: () => canStart && qa.next() } }, true);

  let body;
  if (setup.error) {
    body = <ChorusErrorPanel error={setup.error} />;
  } else if (!setup.value) {
    body = <Progress />;
  } else {
    const { config, canReview } = setup.value;
    body = (
      <Grid container spacing={3}>
        <Grid item xs={12}>
          <ReviewArea
            qa={qa}
            config={config}
            canReview={canReview}
            open={open}
            closedReason={closedReason}
          />
        </Grid>
        <Grid item xs={12} md={8}>
          <Backlog
            projectId={projectId}
            config={config}
            reloadKey={String(qa.decided)}
            onOpenCount={setOpen}
          />
        </Grid>
        <Grid item xs={12} md={4}>
          <InfoCard title="Keyboard">
            <table aria-label="Keyboard shortcuts">
              <tbody>
                {QA_SHORTCUTS.map(([key, what]) => (
                  <tr key={key}>
                    <th
                      scope="row"
                      style={{ textAlign: 'left', paddingRight: 16 }}
                    >
                      <kbd>{key}</kbd>
                    </th>
                    <td>{what}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Typography variant="body2" color="textSecondary">
              Decided from this page: {qa.decided}.
            </Typography>
          </InfoCard>
        </Grid>
      </Grid>
    );
  }

  return (
    <Page themeId="tool">
      <Header
        title={project?.title ?? 'Escalation queue'}
        subtitle="Escalation queue"
        type="Chorus"
        typeLink={project ? links.project(project.id) : links.home()}
      >
        <HeaderLabel
          label="Open escalations"
          value={open === undefined ? '…' : String(open)}
        />
        <HeaderLabel label="Decided here" value={String(qa.decided)} />
      </Header>
      <Content>{body}</Content>
    </Page>
  );
}
