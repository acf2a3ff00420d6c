import { LlmDryRunItem } from '@chorus/plugin-annotation-common';
import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import {
  formatConfidence,
  formatCost,
  formatCount,
  formatLatency,
} from './format';

export const PRE = {
  whiteSpace: 'pre-wrap' as const,
  wordBreak: 'break-word' as const,
  fontFamily: 'monospace',
  fontSize: '0.85em',
  margin: 0,
  maxHeight: 240,
  overflow: 'auto',
};

const STATUS_TEXT: Record<LlmDryRunItem['result']['status'], string> = {
  answered: 'answered',
  refused: 'refused',
  invalid: 'invalid output',
  error: 'error',
};

function Part(props: { title: string; children: string }) {
  return (
    <Box mt={1}>
      <Typography variant="overline" component="h4">
        {props.title}
      </Typography>
      <pre style={PRE}>{props.children}</pre>
    </Box>
  );
}

/**
 * One item of a dry run: what went wrong first (clearly), then the
 * figures, the prompt as sent, the raw output and the parsed answer. All
 * of it is text the model or the items supplied: rendered as text only.
 */
export function DryRunItem(props: { item: LlmDryRunItem }) {
  const { item } = props;
  const r = item.result;
  const problem = r.error ?? r.reason;
  const figures = [
    r.confidence === undefined
      ? 'no confidence'
      : `confidence ${formatConfidence(r.confidence)}`,
    `${formatCount(r.tokensIn)} + ${formatCount(r.tokensOut)} tokens`,
    `cost ${formatCost(r.cost)}`,
    formatLatency(r.latencyMs),
    r.attempts === 1 ? '1 attempt' : `${r.attempts} attempts`,
    r.model,
  ];
  return (
    <Box
      component="section"
      aria-label={`Dry run of ${item.externalId}`}
      mt={2}
      pt={1}
      borderTop={1}
      borderColor="divider"
    >
      <Box display="flex" alignItems="center" gridGap={8} flexWrap="wrap">
        <Typography variant="subtitle2" component="h3">
          {item.externalId}
        </Typography>
        <Typography variant="body2" color="textSecondary">
          item {item.itemId}
        </Typography>
        <Chip
          size="small"
          label={STATUS_TEXT[r.status]}
          color={r.status === 'answered' ? 'primary' : 'secondary'}
        />
        {r.simulated ? <Chip size="small" label="simulated" /> : null}
      </Box>
      {r.status !== 'answered' ? (
        <Typography color="error" role="alert" variant="body2">
          {STATUS_TEXT[r.status]}
          {problem ? `: ${problem}` : ''}
        </Typography>
      ) : null}
      <Typography variant="body2" aria-label={`Figures of ${item.externalId}`}>
        {figures.join(' · ')}
      </Typography>
      <Box mt={1} component="details">
        <Typography component="summary" variant="body2">
          The prompt as sent ({item.messages.length} messages)
        </Typography>
        {item.messages.map((m, i) => (
          <Part key={i} title={m.role}>
            {m.content}
          </Part>
        ))}
      </Box>
      <Part title="Raw output">{r.rawOutput ?? '(none)'}</Part>
      <Part title="Parsed answer">
        {r.answer ? JSON.stringify(r.answer, null, 2) : '(none)'}
      </Part>
    </Box>
  );
}
