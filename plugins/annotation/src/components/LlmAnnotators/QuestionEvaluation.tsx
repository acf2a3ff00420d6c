import { LlmEvaluationReport } from '@chorus/plugin-annotation-common';
import Grid from '@material-ui/core/Grid';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { ReactNode } from 'react';
import {
  describeMeasure,
  formatCalibrationError,
  formatConfidence,
  formatCost,
  formatKappa,
  formatShare,
} from './format';
import { ReliabilityChart } from './ReliabilityChart';
import { RiskCoverageChart } from './RiskCoverageChart';

type Question = LlmEvaluationReport['questions'][number];

function Figure(props: { label: string; children: ReactNode }) {
  return (
    <Grid item xs={6} sm={4} md={3}>
      <Typography variant="overline" color="textSecondary" component="div">
        {props.label}
      </Typography>
      <Typography variant="h6" component="div" aria-label={props.label}>
        {props.children}
      </Typography>
    </Grid>
  );
}

/** One question's figures, labels and curves for a version. */
export function QuestionEvaluation(props: {
  question: Question;
  targetPrecision: number;
}) {
  const { question } = props;
  const e = question.evaluation;
  const r = e.recommended;
  return (
    <section aria-label={`Evaluation of ${question.title}`}>
      <Typography variant="h6" component="h3">
        {question.title}
      </Typography>
      <Grid container spacing={2}>
        <Figure label="Known items">
          {e.items} ({e.answered} answered)
        </Figure>
        <Figure label="Accuracy">
          {describeMeasure('accuracy', e.accuracy)}
        </Figure>
        <Figure label="Accuracy, abstentions as wrong">
          {describeMeasure('accuracy', e.accuracyWithAbstentions)}
        </Figure>
        <Figure label="Kappa with consensus">
          {formatKappa(e.kappaWithConsensus)}
        </Figure>
        <Figure label="Calibration error (ECE)">
          {formatCalibrationError(e.expectedCalibrationError)}
        </Figure>
        <Figure label={`Threshold for ${formatShare(props.targetPrecision)}`}>
          {r ? formatConfidence(r.threshold) : 'not reached'}
        </Figure>
        <Figure label="Coverage at the target">
          {r ? formatShare(r.coverage) : '—'}
        </Figure>
        <Figure label="Cost per accepted label">
          {r?.costPerAcceptedLabel !== undefined
            ? formatCost(r.costPerAcceptedLabel)
            : '—'}
        </Figure>
      </Grid>
      <Grid container spacing={2}>
        <Grid item xs={12} md={4}>
          <Typography variant="subtitle2" component="h4">
            Per label
          </Typography>
          <Table
            size="small"
            aria-label={`Accuracy per label of ${question.title}`}
          >
            <TableHead>
              <TableRow>
                <TableCell>Label</TableCell>
                <TableCell align="right">Known items</TableCell>
                <TableCell align="right">Accuracy</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {e.perLabel.map(l => (
                <TableRow key={String(l.label)}>
                  <TableCell>{String(l.label)}</TableCell>
                  <TableCell align="right">{l.items}</TableCell>
                  <TableCell align="right">
                    {describeMeasure('accuracy', l.accuracy)}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Grid>
        <Grid item xs={12} md={4}>
          <Typography variant="subtitle2" component="h4">
            Calibration
          </Typography>
          <ReliabilityChart title={question.title} bins={e.reliability} />
        </Grid>
        <Grid item xs={12} md={4}>
          <Typography variant="subtitle2" component="h4">
            Risk and coverage
          </Typography>
          <RiskCoverageChart
            title={question.title}
            points={e.riskCoverage}
            targetPrecision={props.targetPrecision}
            recommended={r}
          />
        </Grid>
      </Grid>
    </section>
  );
}
