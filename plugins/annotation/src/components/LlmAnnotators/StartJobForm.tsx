import { WarningPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  LlmAnnotatorRecord,
  LlmAnnotatorVersion,
  LlmJobInfo,
} from '@chorus/plugin-annotation-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Checkbox from '@material-ui/core/Checkbox';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import FormGroup from '@material-ui/core/FormGroup';
import FormHelperText from '@material-ui/core/FormHelperText';
import Grid from '@material-ui/core/Grid';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { ReactNode, useState } from 'react';
import { annotationApiRef } from '../../api';
import { reasonOf } from '../../errors';
import { checkJob, FILTER_STATES, JobDraft, newJobDraft } from './requests';

const SCOPES: Array<[JobDraft['scope'], string]> = [
  ['missing', 'Items without an answer of this version'],
  ['filter', 'Items by state (gold included when chosen)'],
  ['sample', 'A random sample'],
  ['items', 'These item ids'],
];

const SCOPE_HELP: Record<JobDraft['scope'], string> = {
  missing: 'Regular items (not gold) this version has not answered yet',
  filter: 'Gold and QA-resolved items are what the evaluation measures',
  sample: 'Regular items; the same seed draws the same items',
  items: 'Gold items too',
};

/**
 * Starting a job of an annotator version over a scope of items, with an
 * optional budget the job never exceeds; each issue at its field.
 */
export function StartJobForm(props: {
  projectId: string;
  annotator: LlmAnnotatorRecord;
  versions: LlmAnnotatorVersion[];
  onStarted(job: LlmJobInfo): void;
}) {
  const { projectId, annotator, versions } = props;
  const api = useApi(annotationApiRef);
  const [draft, setDraft] = useState(() => newJobDraft(annotator.version));
  const [attempted, setAttempted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const check = checkJob(draft);
  const issues = attempted && !check.ok ? check.issues : {};
  const set = <K extends keyof JobDraft>(key: K, value: JobDraft[K]) => {
    setError(undefined);
    setDraft(d => ({ ...d, [key]: value }));
  };

  const start = async () => {
    setAttempted(true);
    if (!check.ok) {
      return;
    }
    setBusy(true);
    try {
      props.onStarted(
        await api.startLlmJob(projectId, annotator.id, check.value),
      );
      setAttempted(false);
    } catch (e) {
      setError(reasonOf(e));
    } finally {
      setBusy(false);
    }
  };

  const text = (
    key:
      | 'minPriority'
      | 'sampleSize'
      | 'sampleSeed'
      | 'ids'
      | 'budgetCost'
      | 'budgetTokens',
    label: string,
    extra: { helperText?: string; type?: string; sm?: 12 | 6 | 4 } = {},
  ): ReactNode => (
    <Grid item xs={12} sm={extra.sm ?? 6}>
      <TextField
        id={`chorus-llm-job-${key}`}
        label={label}
        value={draft[key]}
        onChange={e => set(key, e.target.value)}
        error={!!issues[key]}
        helperText={issues[key] ?? extra.helperText}
        type={extra.type}
        variant="outlined"
        size="small"
        fullWidth
      />
    </Grid>
  );

  return (
    <form
      noValidate
      aria-label="Start a job"
      onSubmit={e => {
        e.preventDefault();
        start();
      }}
    >
      <Grid container spacing={2}>
        {error ? (
          <Grid item xs={12}>
            <WarningPanel
              severity="error"
              title="Chorus did not start the job"
              message={error}
            />
          </Grid>
        ) : null}
        <Grid item xs={12} sm={4}>
          <TextField
            id="chorus-llm-job-version"
            select
            SelectProps={{ native: true }}
            label="Version"
            value={draft.version}
            onChange={e => set('version', Number(e.target.value))}
            variant="outlined"
            size="small"
            fullWidth
          >
            {versions.map(v => (
              <option key={v.version} value={v.version}>
                Version {v.version}
                {v.version === annotator.version ? ' (current)' : ''}
              </option>
            ))}
          </TextField>
        </Grid>
        <Grid item xs={12} sm={8}>
          <TextField
            id="chorus-llm-job-scope"
            select
            SelectProps={{ native: true }}
            label="Items"
            value={draft.scope}
            onChange={e => set('scope', e.target.value as JobDraft['scope'])}
            helperText={SCOPE_HELP[draft.scope]}
            variant="outlined"
            size="small"
            fullWidth
          >
            {SCOPES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </TextField>
        </Grid>
        {draft.scope === 'filter' ? (
          <>
            <Grid item xs={12} sm={8}>
              <Typography variant="body2" id="chorus-llm-job-states">
                States
              </Typography>
              <FormGroup row aria-labelledby="chorus-llm-job-states">
                {FILTER_STATES.map(s => (
                  <FormControlLabel
                    key={s}
                    label={s}
                    control={
                      <Checkbox
                        color="primary"
                        checked={draft.states.includes(s)}
                        onChange={e =>
                          set(
                            'states',
                            e.target.checked
                              ? FILTER_STATES.filter(
                                  x => x === s || draft.states.includes(x),
                                )
                              : draft.states.filter(x => x !== s),
                          )
                        }
                      />
                    }
                  />
                ))}
              </FormGroup>
              {issues.states ? (
                <FormHelperText error>{issues.states}</FormHelperText>
              ) : null}
            </Grid>
            {text('minPriority', 'Minimum priority', {
              type: 'number',
              sm: 4,
              helperText: 'Empty: any',
            })}
          </>
        ) : null}
        {draft.scope === 'sample' ? (
          <>
            {text('sampleSize', 'Sample size', { type: 'number' })}
            {text('sampleSeed', 'Seed', { type: 'number' })}
          </>
        ) : null}
        {draft.scope === 'items'
          ? text('ids', 'Item ids', {
              sm: 12,
              helperText: 'Separated by commas',
            })
          : null}
        {text('budgetCost', 'Budget (cost)', {
          type: 'number',
          sm: 4,
          helperText: "In the provider's currency; empty: none",
        })}
        {text('budgetTokens', 'Budget (tokens)', {
          type: 'number',
          sm: 4,
          helperText: 'Prompt and output; empty: none',
        })}
        <Grid item xs={12} sm={4}>
          <TextField
            id="chorus-llm-job-mode"
            select
            SelectProps={{ native: true }}
            label="Mode"
            value={draft.mode}
            onChange={e => set('mode', e.target.value as JobDraft['mode'])}
            helperText={
              draft.mode === 'batch'
                ? "The provider's Batch API: cheaper, slower"
                : 'Requests as fast as the limits allow'
            }
            variant="outlined"
            size="small"
            fullWidth
          >
            <option value="online">online</option>
            <option value="batch">batch</option>
          </TextField>
        </Grid>
        <Grid item xs={12}>
          <Box display="flex" alignItems="center" gridGap={16}>
            <Button
              type="submit"
              variant="contained"
              color="primary"
              disabled={busy}
            >
              Start job
            </Button>
            {attempted && !check.ok ? (
              <Typography color="error" role="status">
                Fix the fields marked above
              </Typography>
            ) : null}
          </Box>
        </Grid>
      </Grid>
    </form>
  );
}
