import { useApi } from '@backstage/core-plugin-api';
import {
  configThreshold,
  LlmAnnotatorConfig,
  LlmAnnotatorRecord,
  LlmEvaluationReport,
} from '@chorus/plugin-annotation-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import { useState } from 'react';
import { annotationApiRef } from '../../api';
import { reasonOf } from '../../errors';
import { diffConfigs } from './configDiff';
import { formatConfidence, formatShare } from './format';

/** What a threshold leaves alone: the role's own settings aside. */
const ROLE_PATHS = /^(role|autoAccept|prelabelInBlind)(\.|$)/;

/** The current config, auto-accepting at `threshold` (audit rate kept). */
export function withThreshold(
  config: LlmAnnotatorConfig,
  threshold: number,
): LlmAnnotatorConfig {
  return {
    ...config,
    role: 'auto-accept',
    autoAccept: {
      threshold,
      auditRate: config.autoAccept?.auditRate ?? 0.05,
    },
    // as the editor saves it: prelabel settings only with that role
    prelabelInBlind: false,
  };
}

/**
 * The threshold the evaluation recommends for the whole config (every
 * question at the target precision), and "Use this threshold": the
 * current config saved as a new version with role auto-accept at it.
 */
export function RecommendedThreshold(props: {
  projectId: string;
  annotator: LlmAnnotatorRecord;
  report: LlmEvaluationReport;
  /** The evaluated version's config. */
  evaluated?: LlmAnnotatorConfig;
  unsavedEdits: boolean;
  onSaved(annotator: LlmAnnotatorRecord, created: boolean): void;
}) {
  const { projectId, annotator, report } = props;
  const api = useApi(annotationApiRef);
  const [state, setState] = useState<{
    busy?: boolean;
    saved?: string;
    error?: string;
  }>({});
  const titles = new Map(report.questions.map(q => [q.id, q.title]));
  const combined = configThreshold(report.questions, report.targetPrecision);
  if (!combined) {
    return null;
  }
  if (!combined.reachable) {
    return (
      <Typography role="status">
        No threshold reaches {formatShare(report.targetPrecision)} precision on
        the known items
        {combined.unreachable.length
          ? ` (${combined.unreachable.map(id => titles.get(id)).join(', ')})`
          : ' of every question at once'}
        : lower the target, or improve the prompt.
      </Typography>
    );
  }
  const { threshold } = combined;
  const otherConfig =
    props.evaluated &&
    diffConfigs(props.evaluated, annotator.config).some(
      c => !ROLE_PATHS.test(c.path),
    );
  const current =
    annotator.config.role === 'auto-accept' &&
    annotator.config.autoAccept?.threshold === threshold;

  const use = async () => {
    setState({ busy: true });
    try {
      const saved = await api.updateLlmAnnotator(
        projectId,
        annotator.id,
        withThreshold(annotator.config, threshold),
      );
      const v = saved.annotator.version;
      setState({
        saved: saved.created
          ? `Saved version ${v}: auto-accept at confidence ≥ ${formatConfidence(
              threshold,
            )}`
          : `No change: version ${v} already auto-accepts at this threshold`,
      });
      props.onSaved(saved.annotator, saved.created);
    } catch (error) {
      setState({ error: reasonOf(error) });
    }
  };

  return (
    <Box component="section" aria-label="Recommended threshold" mb={2}>
      <Typography variant="h6" component="h3">
        Recommended auto-accept threshold:{' '}
        <span aria-label="Recommended threshold">
          {formatConfidence(threshold)}
        </span>
      </Typography>
      {combined.questions.map(q => (
        <Typography variant="body2" key={q.id}>
          {combined.questions.length > 1
            ? `${titles.get(q.id)}: accepts`
            : 'Accepts'}{' '}
          {formatShare(q.coverage)} of the known items
          {q.precision !== undefined
            ? `, ${formatShare(q.precision)} of them right`
            : ''}
          .
        </Typography>
      ))}
      <Typography variant="body2" color="textSecondary">
        The lowest confidence at which the accepted answers reach the target
        precision of {formatShare(report.targetPrecision)}
        {combined.questions.length > 1 ? ' on every question' : ''}.
      </Typography>
      {otherConfig ? (
        <Typography variant="body2" color="textSecondary">
          Measured on version {report.version}, whose prompt or model differs
          from the current version {annotator.version}: the threshold may not
          carry over.
        </Typography>
      ) : null}
      {props.unsavedEdits ? (
        <Typography variant="body2" color="textSecondary">
          The editor&apos;s unsaved edits give way to the new version.
        </Typography>
      ) : null}
      <Box mt={1} display="flex" alignItems="center" gridGap={16}>
        <Button
          variant="contained"
          color="primary"
          disabled={state.busy || current}
          onClick={use}
        >
          Use this threshold
        </Button>
        {current && !state.saved ? (
          <Typography variant="body2">
            Version {annotator.version} auto-accepts at it.
          </Typography>
        ) : null}
        {state.saved ? (
          <Typography role="status">{state.saved}</Typography>
        ) : null}
        {state.error ? (
          <Typography role="alert" color="error">
            Not saved: {state.error}
          </Typography>
        ) : null}
      </Box>
    </Box>
  );
}
