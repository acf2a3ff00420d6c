import { InfoCard, Progress, WarningPanel } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Divider from '@material-ui/core/Divider';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { useState } from 'react';
import { reasonOf } from '../../errors';
import { num } from '../NewProjectPage/form';
import type { LlmAnnotatorSectionProps } from './LlmAnnotatorsPage';
import { QuestionEvaluation } from './QuestionEvaluation';
import { RecommendedThreshold } from './RecommendedThreshold';
import { useEvaluation } from './useEvaluation';
import { VersionComparison } from './VersionComparison';

/** A target precision as the API takes it: above 0, at most 1, 6 decimals. */
function targetOf(text: string): number | undefined {
  const value = num(text);
  if (value === undefined || !(value > 0 && value <= 1)) {
    return undefined;
  }
  const rounded = Math.round(value * 1e6) / 1e6;
  return rounded > 0 ? rounded : undefined;
}

/**
 * How a version does against the items whose answer is known (gold,
 * QA-resolved): per question its accuracy, kappa with the consensus,
 * calibration and risk-coverage at the target precision the manager sets,
 * the threshold recommended for the config, and two versions compared.
 * Reloads when a job of the annotator ends.
 */
export function EvaluationSection(props: LlmAnnotatorSectionProps) {
  const { projectId, annotator, versions, jobsEnded } = props;
  const [version, setVersion] = useState(annotator.version);
  const [targetText, setTargetText] = useState('0.95');
  const [target, setTarget] = useState(0.95);
  const evaluation = useEvaluation({
    projectId,
    annotatorId: annotator.id,
    version,
    targetPrecision: target,
    jobsEnded,
  });
  const targetInvalid = targetOf(targetText) === undefined;
  const report = evaluation.report;

  let body;
  if (evaluation.error) {
    body = (
      <WarningPanel
        severity="error"
        title="Could not read the evaluation"
        message={reasonOf(evaluation.error)}
      />
    );
  } else if (!report) {
    body = <Progress />;
  } else if (!report.questions.length) {
    body = (
      <Typography color="textSecondary">
        No question of this project is evaluated (single-choice and rating
        questions are).
      </Typography>
    );
  } else if (report.questions.every(q => q.evaluation.items === 0)) {
    body = (
      <Typography color="textSecondary">
        Version {report.version} has not answered any item whose answer is known
        yet: start a job over the gold items (Items by state, gold) or the
        QA-resolved ones.
      </Typography>
    );
  } else {
    body = (
      <>
        <RecommendedThreshold
          projectId={projectId}
          annotator={annotator}
          report={report}
          evaluated={versions.find(v => v.version === report.version)?.config}
          unsavedEdits={props.unsavedEdits}
          onSaved={props.onSaved}
        />
        {report.questions.map(q => (
          <Box key={q.id} mt={2}>
            <QuestionEvaluation
              question={q}
              targetPrecision={report.targetPrecision}
            />
          </Box>
        ))}
      </>
    );
  }

  return (
    <section aria-label="LLM evaluation">
      <InfoCard title="Evaluation">
        <Box display="flex" gridGap={16} alignItems="flex-start" mb={2}>
          <TextField
            id="chorus-llm-eval-version"
            select
            SelectProps={{ native: true }}
            label="Version"
            value={version}
            onChange={e => setVersion(Number(e.target.value))}
            variant="outlined"
            size="small"
          >
            {versions.map(v => (
              <option key={v.version} value={v.version}>
                Version {v.version}
                {v.version === annotator.version ? ' (current)' : ''}
              </option>
            ))}
          </TextField>
          <TextField
            id="chorus-llm-eval-target"
            label="Target precision"
            type="number"
            inputProps={{ min: 0, max: 1, step: 0.01 }}
            value={targetText}
            onChange={e => {
              setTargetText(e.target.value);
              const value = targetOf(e.target.value);
              if (value !== undefined) {
                setTarget(value);
              }
            }}
            error={targetInvalid}
            helperText={
              targetInvalid
                ? 'a number above 0 and at most 1 expected'
                : 'Of the auto-accepted answers, the share that must be right'
            }
            variant="outlined"
            size="small"
          />
          {evaluation.loading && report ? (
            <Typography variant="body2" color="textSecondary">
              Updating…
            </Typography>
          ) : null}
        </Box>
        {body}
        <Box my={3}>
          <Divider />
        </Box>
        <VersionComparison
          projectId={projectId}
          annotatorId={annotator.id}
          versions={versions}
          targetPrecision={target}
          jobsEnded={jobsEnded}
        />
      </InfoCard>
    </section>
  );
}
