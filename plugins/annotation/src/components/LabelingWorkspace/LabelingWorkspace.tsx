import {
  Content,
  EmptyState,
  Header,
  HeaderLabel,
  InfoCard,
  LinkButton,
  MarkdownContent,
  Page,
  Progress,
  WarningPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  ConfigIssue,
  ProjectConfig,
  validateAnswer,
  WorkLease,
} from '@chorus/plugin-annotation-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { annotationApiRef } from '../../api';
import { useChorusLinks } from '../../hooks/useChorusLinks';
import { useLabelingShortcuts } from '../../hooks/useLabelingShortcuts';
import { LeaseQueue, useLeaseQueue } from '../../hooks/useLeaseQueue';
import { ChorusErrorPanel } from '../ChorusErrorPanel';
import {
  Draft,
  DraftValue,
  isKeyboardChoice,
  isSupported,
  pickOption,
  toAnswer,
} from './answers';
import { ItemView } from './ItemView';
import { LeaseCountdown } from './LeaseCountdown';
import { QuestionInput } from './QuestionInput';

/** Skip reasons offered; the first is what S sends unless changed. */
export const SKIP_REASONS = [
  'skipped by annotator',
  'cannot judge',
  'content missing or broken',
  'needs expert review',
];

const UP_NEXT: Record<LeaseQueue['upNext'], string> = {
  ready: 'The next item is ready.',
  leasing: 'Leasing the next item…',
  none: 'This is the last item open to you for now.',
};

const SHORTCUTS: Array<[string, string]> = [
  ['1–9', 'pick an option of the highlighted question (toggle for checkboxes)'],
  ['Enter', 'submit and show the next item'],
  ['S', 'skip the item with the chosen reason'],
  ['Ctrl+Enter', 'submit from a text field (Enter adds a line there)'],
];

/**
 * The labeling workspace: one leased item at a time, its instructions and
 * one input per question; the next item is leased while this one is
 * answered, so it shows as soon as the answer is stored.
 */
export function LabelingWorkspace(props: { projectId: string }) {
  const { projectId } = props;
  const api = useApi(annotationApiRef);
  const links = useChorusLinks();
  const setup = useAsync(async () => {
    const [project, config] = await Promise.all([
      api.getProject(projectId),
      api.getConfig(projectId),
    ]);
    return { project, config: config.config };
  }, [api, projectId]);
  const queue = useLeaseQueue(projectId);

  let body;
  if (setup.error) {
    body = (
      <ChorusErrorPanel
        error={setup.error}
        forbidden="Only the project's annotators can label it."
      />
    );
  } else if (queue.status === 'error' && queue.error) {
    body = (
      <>
        <ChorusErrorPanel
          error={queue.error}
          forbidden="Only the project's annotators can label it."
        />
        <Box mt={2}>
          <Button variant="outlined" onClick={queue.reload}>
            Try again
          </Button>
        </Box>
      </>
    );
  } else if (setup.loading || !setup.value || queue.status === 'loading') {
    body = <Progress />;
  } else if (queue.status === 'empty' || !queue.current) {
    body = (
      <>
        {queue.notice ? (
          <WarningPanel severity="info" title={queue.notice} />
        ) : null}
        <EmptyState
          missing="content"
          title="Nothing left to label"
          description={`You have answered or skipped every item of this project that is open to you${
            queue.done || queue.skipped
              ? ` (this session: ${queue.done} answered, ${queue.skipped} skipped)`
              : ''
          }. Items come back when other annotators' leases expire or more are imported.`}
          action={
            <LinkButton variant="contained" color="primary" to={links.home()}>
              Back to my queues
            </LinkButton>
          }
        />
      </>
    );
  } else {
    body = (
      <Workspace
        key={queue.current.item.id}
        lease={queue.current}
        config={setup.value.config}
        queue={queue}
      />
    );
  }

  return (
    <Page themeId="tool">
      <Header
        title={setup.value?.project.title ?? 'Labeling'}
        subtitle="Labeling workspace"
        type="Chorus"
        typeLink={links.home()}
      >
        <HeaderLabel label="Answered this session" value={String(queue.done)} />
        <HeaderLabel label="Skipped" value={String(queue.skipped)} />
      </Header>
      <Content>{body}</Content>
    </Page>
  );
}

/** The item, its questions and the actions; remounted for every item. */
function Workspace(props: {
  lease: WorkLease;
  config: ProjectConfig;
  queue: LeaseQueue;
}) {
  const { lease, config, queue } = props;
  const questions = config.questions;
  // a prelabel fills the form only where the project allows it
  const [draft, setDraft] = useState<Draft>(() =>
    lease.suggestion?.preselect ? (lease.suggestion.answer as Draft) : {},
  );
  const [issues, setIssues] = useState<ConfigIssue[]>([]);
  const [skipReason, setSkipReason] = useState(SKIP_REASONS[0]);
  const [activeId, setActiveId] = useState<string | undefined>(
    () => questions.find(isKeyboardChoice)?.id,
  );
  const blocking = questions.filter(q => !isSupported(q) && q.required);
  const busy = Boolean(queue.busy);

  const setValue = (id: string, value: DraftValue) => {
    setDraft(d => ({ ...d, [id]: value }));
    setIssues(list => list.filter(i => i.path !== `answer.${id}`));
  };

  const submit = () => {
    if (busy || blocking.length) {
      return;
    }
    const answer = toAnswer(questions, draft);
    const found = validateAnswer(config, lease.item.data, answer);
    setIssues(found);
    if (!found.length) {
      queue.submit(answer);
    }
  };

  useLabelingShortcuts(
    {
      onNumber: n => {
        const q = questions.find(x => x.id === activeId);
        if (q && !busy) {
          setValue(q.id, pickOption(q, draft[q.id], n));
        }
      },
      onSubmit: submit,
      letters: {
        s: () => {
          if (!busy) {
            queue.skip(skipReason);
          }
        },
      },
    },
    true,
  );

  const issueOf = (id: string) =>
    issues.find(i => i.path === `answer.${id}`)?.message;
  const otherIssues = issues.filter(
    i => !questions.some(q => i.path === `answer.${q.id}`),
  );

  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        {queue.notice ? (
          <WarningPanel severity="info" title={queue.notice} />
        ) : null}
        {queue.problem ? (
          <WarningPanel
            severity={queue.problem.kind === 'network' ? 'warning' : 'error'}
            title={queue.problem.message}
          />
        ) : null}
      </Grid>
      <Grid item xs={12} md={7}>
        <ItemView item={lease.item} questions={questions} />
        {lease.suggestion ? (
          <Box mt={2}>
            <SuggestionCard
              suggestion={lease.suggestion}
              config={config}
              onUse={() => {
                setDraft(lease.suggestion!.answer as Draft);
                setIssues([]);
              }}
              disabled={busy}
            />
          </Box>
        ) : null}
      </Grid>
      <Grid item xs={12} md={5}>
        <InfoCard title="Questions">
          <form
            aria-label="Answer"
            onSubmit={e => {
              e.preventDefault();
              submit();
            }}
          >
            {questions.map(q => (
              <QuestionInput
                key={q.id}
                question={q}
                value={draft[q.id]}
                onChange={v => setValue(q.id, v)}
                active={q.id === activeId}
                onActivate={() => isKeyboardChoice(q) && setActiveId(q.id)}
                error={issueOf(q.id)}
                disabled={busy}
              />
            ))}
            {otherIssues.map(i => (
              <Typography key={i.path} color="error" variant="body2">
                {i.path}: {i.message}
              </Typography>
            ))}
            {blocking.length ? (
              <Typography color="error" variant="body2" role="alert">
                This page cannot answer {blocking.map(q => q.title).join(', ')}{' '}
                yet, so it cannot submit for this project.
              </Typography>
            ) : null}
            <Box display="flex" alignItems="center" flexWrap="wrap" mt={1}>
              <Box mr={1} mb={1}>
                <Button
                  type="submit"
                  variant="contained"
                  color="primary"
                  disabled={busy || blocking.length > 0}
                >
                  {queue.busy === 'submitting' ? 'Submitting…' : 'Submit'}{' '}
                  (Enter)
                </Button>
              </Box>
              <Box mr={1} mb={1}>
                <Button
                  variant="outlined"
                  disabled={busy}
                  onClick={() => queue.skip(skipReason)}
                >
                  Skip (S)
                </Button>
              </Box>
              <Box mb={1}>
                <TextField
                  id="chorus-skip-reason"
                  select
                  size="small"
                  label="Skip reason"
                  value={skipReason}
                  onChange={e => setSkipReason(e.target.value)}
                  SelectProps={{ native: true }}
                >
                  {SKIP_REASONS.map(r => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </TextField>
              </Box>
            </Box>
            <LeaseCountdown
              expiresAt={lease.expiresAt}
              expired="Lease expired: it is renewed when you submit"
            />
            <Typography variant="caption" color="textSecondary">
              {UP_NEXT[queue.upNext]}
            </Typography>
          </form>
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={7}>
        <InfoCard title="Instructions">
          {config.instructions ? (
            <MarkdownContent content={config.instructions} />
          ) : (
            <Typography color="textSecondary">
              This project has no instructions.
            </Typography>
          )}
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={5}>
        <InfoCard title="Keyboard">
          <table aria-label="Keyboard shortcuts">
            <tbody>
              {SHORTCUTS.map(([key, what]) => (
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
            This session: {queue.done} answered, {queue.skipped} skipped.
          </Typography>
        </InfoCard>
      </Grid>
    </Grid>
  );
}

/** A `prelabel` LLM annotator's answer, marked as a machine suggestion. */
function SuggestionCard(props: {
  suggestion: NonNullable<WorkLease['suggestion']>;
  config: ProjectConfig;
  onUse: () => void;
  disabled: boolean;
}) {
  const { suggestion, config, onUse, disabled } = props;
  const text = config.questions
    .filter(q => suggestion.answer[q.id] !== undefined)
    .map(q => {
      const value = suggestion.answer[q.id];
      return `${q.title} ${
        Array.isArray(value) ? value.join(', ') : String(value)
      }`;
    })
    .join('; ');
  return (
    <InfoCard
      title="Suggestion"
      subheader={`From the LLM annotator ${suggestion.annotator}${
        suggestion.simulated ? ' (simulated)' : ''
      }${
        suggestion.confidence !== undefined
          ? `, confidence ${Math.round(suggestion.confidence * 100)}%`
          : ''
      }: check it, it may be wrong.`}
    >
      <Typography variant="body2" aria-label="Suggested answer">
        {text}
      </Typography>
      <Box mt={1}>
        <Button
          size="small"
          variant="outlined"
          onClick={onUse}
          disabled={disabled}
        >
          Use the suggestion
        </Button>
      </Box>
    </InfoCard>
  );
}
