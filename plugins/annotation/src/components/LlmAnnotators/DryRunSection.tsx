import { InfoCard, WarningPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { LlmDryRunItem } from '@chorus/plugin-annotation-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Radio from '@material-ui/core/Radio';
import RadioGroup from '@material-ui/core/RadioGroup';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { useState } from 'react';
import { annotationApiRef } from '../../api';
import { reasonOf } from '../../errors';
import { diffConfigs } from './configDiff';
import { DryRunItem } from './DryRunItem';
import { formatCost, formatCount } from './format';
import type { LlmEditorSectionProps } from './LlmAnnotatorEditor';
import { checkDryRun, DryRunDraft, MAX_DRY_RUN_ITEMS } from './requests';

function Summary(props: { items: LlmDryRunItem[] }) {
  const { items } = props;
  const answered = items.filter(i => i.result.status === 'answered').length;
  const tokens = items.reduce(
    (n, i) => n + i.result.tokensIn + i.result.tokensOut,
    0,
  );
  const cost = items.reduce((n, i) => n + i.result.cost, 0);
  return (
    <Typography role="status">
      {items.length === 1 ? '1 item' : `${items.length} items`}: {answered}{' '}
      answered · {formatCount(tokens)} tokens · cost {formatCost(cost)}
    </Typography>
  );
}

/**
 * A few real items through the annotator: its saved version, or the
 * editor's config when it differs (unsaved, sent as it is). Nothing is
 * stored; the requests are paid for.
 */
export function DryRunSection(props: LlmEditorSectionProps) {
  const { projectId, annotator, config } = props;
  const api = useApi(annotationApiRef);
  const [draft, setDraft] = useState<DryRunDraft>({
    pick: 'count',
    count: '3',
    ids: '',
  });
  const [attempted, setAttempted] = useState(false);
  const [state, setState] = useState<{
    running: boolean;
    items?: LlmDryRunItem[];
    error?: string;
  }>({ running: false });

  if (!annotator) {
    return (
      <InfoCard title="Dry run">
        <Typography color="textSecondary">
          Create the annotator to try it on real items.
        </Typography>
      </InfoCard>
    );
  }
  const edited = !!config && diffConfigs(annotator.config, config).length > 0;
  const check = checkDryRun(draft);
  const issues = attempted && !check.ok ? check.issues : {};

  const run = async () => {
    setAttempted(true);
    if (!check.ok || !config) {
      return;
    }
    setState({ running: true });
    try {
      const items = await api.dryRunLlmAnnotator(projectId, annotator.id, {
        ...check.value,
        ...(edited ? { config } : { version: annotator.version }),
      });
      setState({ running: false, items });
    } catch (error) {
      setState({ running: false, error: reasonOf(error) });
    }
  };

  return (
    <InfoCard title="Dry run">
      <Typography variant="body2" color="textSecondary" paragraph>
        Real items through{' '}
        {edited
          ? 'the edited config (unsaved)'
          : `version ${annotator.version}`}
        : nothing is stored, the requests are paid for.
      </Typography>
      <form
        noValidate
        aria-label="Dry run"
        onSubmit={e => {
          e.preventDefault();
          run();
        }}
      >
        <RadioGroup
          row
          aria-label="Items to try"
          value={draft.pick}
          onChange={e =>
            setDraft(d => ({
              ...d,
              pick: e.target.value as DryRunDraft['pick'],
            }))
          }
        >
          <FormControlLabel
            value="count"
            control={<Radio color="primary" />}
            label="The first items"
          />
          <FormControlLabel
            value="ids"
            control={<Radio color="primary" />}
            label="These item ids"
          />
        </RadioGroup>
        {draft.pick === 'count' ? (
          <TextField
            id="chorus-llm-dry-run-count"
            label="How many items"
            type="number"
            value={draft.count}
            onChange={e => setDraft(d => ({ ...d, count: e.target.value }))}
            error={!!issues.count}
            helperText={issues.count ?? `Up to ${MAX_DRY_RUN_ITEMS}`}
            variant="outlined"
            size="small"
          />
        ) : (
          <TextField
            id="chorus-llm-dry-run-ids"
            label="Item ids"
            value={draft.ids}
            onChange={e => setDraft(d => ({ ...d, ids: e.target.value }))}
            error={!!issues.ids}
            helperText={
              issues.ids ??
              `Up to ${MAX_DRY_RUN_ITEMS}, separated by commas (a dry run shows each item's id)`
            }
            variant="outlined"
            size="small"
            fullWidth
          />
        )}
        <Box mt={1} display="flex" alignItems="center" gridGap={16}>
          <Button
            type="submit"
            variant="outlined"
            color="primary"
            disabled={state.running || !config}
          >
            {state.running ? 'Running…' : 'Dry run'}
          </Button>
          {!config ? (
            <Typography variant="body2" color="error">
              Fix the config to dry-run it.
            </Typography>
          ) : null}
        </Box>
      </form>
      {state.error ? (
        <Box mt={2}>
          <WarningPanel
            severity="error"
            title="The dry run did not run"
            message={state.error}
          />
        </Box>
      ) : null}
      {state.items ? (
        <Box mt={2} aria-label="Dry run results" component="section">
          <Summary items={state.items} />
          {state.items.map(item => (
            <DryRunItem key={item.itemId} item={item} />
          ))}
        </Box>
      ) : null}
    </InfoCard>
  );
}
