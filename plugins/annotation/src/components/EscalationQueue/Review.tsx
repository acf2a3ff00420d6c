import { InfoCard, WarningPanel } from '@backstage/core-components';
import {
  ConfigIssue,
  ProjectConfig,
  QaClaimResponse,
  QuestionConfig,
  validateAnswer,
} from '@chorus/plugin-annotation-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { useRef, useState } from 'react';
import { useLabelingShortcuts } from '../../hooks/useLabelingShortcuts';
import { QaClaim } from '../../hooks/useQaClaim';
import {
  Draft,
  isKeyboardChoice,
  isSupported,
  pickOption,
  toAnswer,
} from '../LabelingWorkspace/answers';
import { formatValue, ItemView } from '../LabelingWorkspace/ItemView';
import { LeaseCountdown } from '../LabelingWorkspace/LeaseCountdown';
import { QuestionInput } from '../LabelingWorkspace/QuestionInput';
import { formatDuration, shortRef } from '../ProjectOverviewPage';
import { agreementOf, formatNumber, formatReason } from './format';

export const QA_SHORTCUTS: Array<[string, string]> = [
  ['1–9', 'pick an option of the highlighted question for the final answer'],
  ['Enter', 'resolve with the final answer (Ctrl+Enter from the note)'],
  ['B', 'send back: type the guidance, Enter sends it'],
  ['N', 'next escalation, once this one is decided'],
];

/** An answer to one question in words: labels by their titles. */
function answerText(q: QuestionConfig, value: unknown): string {
  if (
    'labels' in q &&
    (q.type === 'single-choice' || q.type === 'multiple-choice')
  ) {
    const title = (v: unknown) =>
      q.labels.find(l => l.value === v)?.title ?? String(v);
    return Array.isArray(value) ? value.map(title).join(', ') : title(value);
  }
  return formatValue(value);
}

/** Every answer side by side, then the consensus, gold and agreement. */
function AnswersTable(props: {
  claim: QaClaimResponse;
  config: ProjectConfig;
  onUse(answer: Record<string, unknown>): void;
}) {
  const { claim, config, onUse } = props;
  const questions = config.questions;
  const { outcome, item } = claim;
  const summary: Array<[string, Record<string, unknown>]> = [];
  if (outcome?.answer) {
    summary.push([
      `Consensus (${outcome.method ?? 'majority'}${
        outcome.confidence !== undefined
          ? `, confidence ${formatNumber(outcome.confidence)}`
          : ''
      })`,
      outcome.answer,
    ]);
  }
  if (item.gold && typeof item.gold === 'object') {
    summary.push(['Imported gold', item.gold as Record<string, unknown>]);
  }
  const who = (annotator: string) =>
    claim.annotatorsShown ? shortRef(annotator) : annotator;
  return (
    <Table size="small" aria-label="Answers">
      <TableHead>
        <TableRow>
          <TableCell>Annotator</TableCell>
          {questions.map(q => (
            <TableCell key={q.id}>{q.title}</TableCell>
          ))}
          <TableCell align="right">Time spent</TableCell>
          <TableCell>Answered</TableCell>
          <TableCell />
        </TableRow>
      </TableHead>
      <TableBody>
        {claim.answers.map(a => (
          <TableRow key={`${a.annotator}-${a.createdAt}`}>
            <TableCell component="th" scope="row">
              <span title={a.annotator}>{who(a.annotator)}</span>
            </TableCell>
            {questions.map(q => (
              <TableCell key={q.id}>{answerText(q, a.answer[q.id])}</TableCell>
            ))}
            <TableCell align="right">{formatDuration(a.timeSpentMs)}</TableCell>
            <TableCell>{new Date(a.createdAt).toLocaleString()}</TableCell>
            <TableCell>
              <Button
                size="small"
                onClick={() => onUse(a.answer)}
                aria-label={`Use the answer of ${who(a.annotator)}`}
              >
                Use
              </Button>
            </TableCell>
          </TableRow>
        ))}
        {summary.map(([label, answer]) => (
          <TableRow key={label}>
            <TableCell component="th" scope="row">
              <em>{label}</em>
            </TableCell>
            {questions.map(q => (
              <TableCell key={q.id}>{answerText(q, answer[q.id])}</TableCell>
            ))}
            <TableCell colSpan={2} />
            <TableCell>
              <Button
                size="small"
                onClick={() => onUse(answer)}
                aria-label={`Use the ${label.split(' (')[0].toLowerCase()}`}
              >
                Use
              </Button>
            </TableCell>
          </TableRow>
        ))}
        <TableRow>
          <TableCell component="th" scope="row">
            <em>Agreement</em>
          </TableCell>
          {questions.map(q => {
            const a = agreementOf(config, q.id, outcome?.agreement[q.id]);
            return (
              <TableCell key={q.id}>
                <Typography
                  variant="body2"
                  color={a.low ? 'error' : 'textPrimary'}
                  data-agreement={q.id}
                >
                  {a.text}
                </Typography>
              </TableCell>
            );
          })}
          <TableCell colSpan={3} />
        </TableRow>
      </TableBody>
    </Table>
  );
}

/**
 * One claimed escalation: the item, why it escalated, every answer side
 * by side with the outcome's agreement, and the decision: a final answer
 * (the workspace's question inputs) with a note, or back to the annotators
 * with guidance. Remounted for every escalation, so a draft survives a
 * claim renewed on the same one.
 */
export function Review(props: {
  claim: QaClaimResponse;
  config: ProjectConfig;
  qa: QaClaim;
}) {
  const { claim, config, qa } = props;
  const questions = config.questions;
  const [draft, setDraft] = useState<Draft>({});
  const [note, setNote] = useState('');
  const [guidance, setGuidance] = useState('');
  const [guidanceError, setGuidanceError] = useState<string>();
  const [issues, setIssues] = useState<ConfigIssue[]>([]);
  const [activeId, setActiveId] = useState<string | undefined>(
    () => questions.find(isKeyboardChoice)?.id,
  );
  const guidanceRef = useRef<HTMLTextAreaElement>(null);
  const busy = Boolean(qa.busy) || qa.status !== 'reviewing';

  const setValue = (id: string, value: Draft[string]) => {
    setDraft(d => ({ ...d, [id]: value }));
    setIssues(list => list.filter(i => i.path !== `answer.${id}`));
  };

  const resolve = () => {
    if (busy) {
      return;
    }
    const answer = toAnswer(questions, draft);
    const found = validateAnswer(config, claim.item.data, answer);
    setIssues(found);
    if (!found.length) {
      qa.resolve(answer, note.trim() ? note : undefined);
    }
  };

  const sendBack = () => {
    if (busy) {
      return;
    }
    if (!guidance.trim()) {
      setGuidanceError('Say what the annotators should look at');
      guidanceRef.current?.focus();
      return;
    }
    qa.sendBack(guidance);
  };

  useLabelingShortcuts(
    {
      onNumber: n => {
        const q = questions.find(x => x.id === activeId);
        if (q && !busy) {
          setValue(q.id, pickOption(q, draft[q.id], n));
        }
      },
      onSubmit: resolve,
      letters: { b: () => guidanceRef.current?.focus() },
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
        {qa.problem ? (
          <WarningPanel
            severity={qa.status === 'lost' ? 'warning' : 'error'}
            title={qa.problem}
          />
        ) : null}
        <InfoCard title="Why it escalated">
          <ul aria-label="Reasons" style={{ margin: 0 }}>
            {claim.escalation.reasons.map((r, i) => (
              <li key={i}>
                <Typography variant="body1">
                  {formatReason(r, config)}
                </Typography>
              </li>
            ))}
          </ul>
          {claim.outcome?.guidance ? (
            <Typography variant="body2" color="textSecondary">
              Sent back before with: {claim.outcome.guidance}
            </Typography>
          ) : null}
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={7}>
        <ItemView item={claim.item} questions={questions} />
        <Box mt={3}>
          <InfoCard
            title="Answers"
            subheader={
              claim.annotatorsShown
                ? undefined
                : 'Annotators are hidden from QA in this project'
            }
          >
            <AnswersTable
              claim={claim}
              config={config}
              onUse={answer => {
                setDraft(answer as Draft);
                setIssues([]);
              }}
            />
          </InfoCard>
        </Box>
      </Grid>
      <Grid item xs={12} md={5}>
        <InfoCard title="Final answer">
          <form
            aria-label="Final answer"
            onSubmit={e => {
              e.preventDefault();
              resolve();
            }}
          >
            {questions.map(q =>
              isSupported(q) ? (
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
              ) : (
                <Box key={q.id} mb={2} data-question={q.id}>
                  <Typography variant="body2">{q.title}</Typography>
                  <Typography variant="body2" color="textSecondary" role="note">
                    {draft[q.id] !== undefined
                      ? `Taken from an answer: ${formatValue(draft[q.id])}`
                      : `${q.type}: take an annotator's answer with "Use"`}
                  </Typography>
                  {issueOf(q.id) ? (
                    <Typography variant="body2" color="error">
                      {issueOf(q.id)}
                    </Typography>
                  ) : null}
                </Box>
              ),
            )}
            {otherIssues.map(i => (
              <Typography key={i.path} color="error" variant="body2">
                {i.path}: {i.message}
              </Typography>
            ))}
            <TextField
              id="chorus-qa-note"
              label="Note (optional)"
              multiline
              minRows={2}
              fullWidth
              variant="outlined"
              value={note}
              disabled={busy}
              onChange={e => setNote(e.target.value)}
              helperText="Why this answer; kept with the resolution. Ctrl+Enter resolves."
              inputProps={{ maxLength: 10_000 }}
            />
            <Box mt={1} mb={2}>
              <Button
                type="submit"
                variant="contained"
                color="primary"
                disabled={busy}
              >
                {qa.busy === 'resolving' ? 'Resolving…' : 'Resolve'} (Enter)
              </Button>
            </Box>
          </form>
          <form
            aria-label="Send back"
            onSubmit={e => {
              e.preventDefault();
              sendBack();
            }}
          >
            <TextField
              id="chorus-guidance"
              label="Guidance for the annotators"
              multiline
              minRows={2}
              fullWidth
              variant="outlined"
              value={guidance}
              disabled={busy}
              inputRef={guidanceRef}
              error={Boolean(guidanceError)}
              helperText={
                guidanceError ?? 'Enter sends it back; Shift+Enter adds a line.'
              }
              onChange={e => {
                setGuidance(e.target.value);
                setGuidanceError(undefined);
              }}
              onKeyDown={e => {
                if (e.key === 'Enter' && !e.shiftKey) {
                  e.preventDefault();
                  sendBack();
                }
              }}
              inputProps={{ maxLength: 10_000 }}
            />
            <Box mt={1} mb={2}>
              <Button type="submit" variant="outlined" disabled={busy}>
                {qa.busy === 'sending-back' ? 'Sending back…' : 'Send back'} (B)
              </Button>
            </Box>
          </form>
          <LeaseCountdown
            noun="Claim"
            expiresAt={claim.expiresAt}
            expired="Claim expired: claim the escalation again to decide it"
          />
        </InfoCard>
      </Grid>
    </Grid>
  );
}
