import { WarningPanel } from '@backstage/core-components';
import {
  LlmAnnotatorVersion,
  LlmEvaluation,
  LlmEvaluationReport,
} from '@chorus/plugin-annotation-common';
import Box from '@material-ui/core/Box';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { useState } from 'react';
import { reasonOf } from '../../errors';
import {
  describeMeasure,
  formatCalibrationError,
  formatConfidence,
  formatCost,
  formatKappa,
  formatShare,
} from './format';
import { useEvaluation } from './useEvaluation';

/** The figures compared, each as text from a question's evaluation. */
const ROWS: Array<[string, (e: LlmEvaluation) => string]> = [
  ['Known items', e => String(e.items)],
  ['Accuracy', e => describeMeasure('accuracy', e.accuracy)],
  [
    'Accuracy, abstentions as wrong',
    e => describeMeasure('accuracy', e.accuracyWithAbstentions),
  ],
  ['Kappa with consensus', e => formatKappa(e.kappaWithConsensus)],
  [
    'Calibration error (ECE)',
    e => formatCalibrationError(e.expectedCalibrationError),
  ],
  [
    'Threshold at the target',
    e =>
      e.recommended ? formatConfidence(e.recommended.threshold) : 'not reached',
  ],
  [
    'Coverage at the target',
    e => (e.recommended ? formatShare(e.recommended.coverage) : '—'),
  ],
  [
    'Cost per accepted label',
    e =>
      e.recommended?.costPerAcceptedLabel !== undefined
        ? formatCost(e.recommended.costPerAcceptedLabel)
        : '—',
  ],
];

function VersionPick(props: {
  label: string;
  value: number;
  versions: LlmAnnotatorVersion[];
  onChange(version: number): void;
}) {
  return (
    <TextField
      id={`chorus-llm-eval-${props.label.replace(/\W+/g, '-')}`}
      select
      SelectProps={{ native: true }}
      label={props.label}
      value={props.value}
      onChange={e => props.onChange(Number(e.target.value))}
      variant="outlined"
      size="small"
    >
      {props.versions.map(v => (
        <option key={v.version} value={v.version}>
          Version {v.version}
        </option>
      ))}
    </TextField>
  );
}

function ComparisonTable(props: {
  a: LlmEvaluationReport;
  b: LlmEvaluationReport;
}) {
  const { a, b } = props;
  const multiple = a.questions.length > 1;
  return (
    <Table
      size="small"
      aria-label={`Version ${a.version} against version ${b.version}`}
    >
      <TableHead>
        <TableRow>
          <TableCell>Figure</TableCell>
          <TableCell align="right">Version {a.version}</TableCell>
          <TableCell align="right">Version {b.version}</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {a.questions.flatMap(qa => {
          const qb = b.questions.find(q => q.id === qa.id);
          return ROWS.map(([name, figure]) => (
            <TableRow key={`${qa.id}:${name}`}>
              <TableCell component="th" scope="row">
                {multiple ? `${qa.title}: ${name}` : name}
              </TableCell>
              <TableCell align="right">{figure(qa.evaluation)}</TableCell>
              <TableCell align="right">
                {qb ? figure(qb.evaluation) : '—'}
              </TableCell>
            </TableRow>
          ));
        })}
      </TableBody>
    </Table>
  );
}

/**
 * Two versions' evaluations side by side at the same target precision:
 * whether a prompt change helped.
 */
export function VersionComparison(props: {
  projectId: string;
  annotatorId: string;
  /** Newest first. */
  versions: LlmAnnotatorVersion[];
  targetPrecision: number;
  jobsEnded: number;
}) {
  const { versions } = props;
  // the two newest until the manager picks (new versions join them)
  const [picked, setPicked] = useState<{ a: number; b: number }>();
  const pick = picked ?? {
    a: versions[1]?.version ?? versions[0]?.version ?? 1,
    b: versions[0]?.version ?? 1,
  };
  const setPick = (change: Partial<typeof pick>) =>
    setPicked({ ...pick, ...change });
  const common = {
    projectId: props.projectId,
    annotatorId: props.annotatorId,
    targetPrecision: props.targetPrecision,
    jobsEnded: props.jobsEnded,
    enabled: versions.length >= 2 && pick.a !== pick.b,
  };
  const a = useEvaluation({ ...common, version: pick.a });
  const b = useEvaluation({ ...common, version: pick.b });

  let body;
  if (versions.length < 2) {
    body = (
      <Typography color="textSecondary">
        One version so far: save a change to compare two.
      </Typography>
    );
  } else if (a.error || b.error) {
    body = (
      <WarningPanel
        severity="error"
        title="Could not read an evaluation"
        message={reasonOf(a.error ?? b.error)}
      />
    );
  } else if (pick.a === pick.b) {
    body = (
      <Typography color="textSecondary">
        Choose two different versions to compare.
      </Typography>
    );
  } else if (!a.report || !b.report) {
    body = <Typography color="textSecondary">Loading…</Typography>;
  } else {
    body = <ComparisonTable a={a.report} b={b.report} />;
  }
  return (
    <Box component="section" aria-label="Compare versions">
      <Box display="flex" gridGap={16} alignItems="center" mb={2}>
        <Typography variant="h6" component="h3">
          Compare versions
        </Typography>
        {versions.length >= 2 ? (
          <>
            <VersionPick
              label="Compare version"
              value={pick.a}
              versions={versions}
              onChange={v => setPick({ a: v })}
            />
            <VersionPick
              label="With version"
              value={pick.b}
              versions={versions}
              onChange={v => setPick({ b: v })}
            />
          </>
        ) : null}
      </Box>
      {body}
    </Box>
  );
}
