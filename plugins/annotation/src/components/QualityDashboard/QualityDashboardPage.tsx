import {
  Content,
  ContentHeader,
  Header,
  HeaderLabel,
  InfoCard,
  Link,
  LinkButton,
  Page,
  Progress,
  Table,
  TableColumn,
  WarningPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  AnnotatorQuality,
  QualityMetrics,
  QuestionAgreement,
  QuestionType,
  VolumeBucketSize,
} from '@chorus/plugin-annotation-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Grid from '@material-ui/core/Grid';
import LinearProgress from '@material-ui/core/LinearProgress';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import WarningIcon from '@material-ui/icons/Warning';
import { ReactNode, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip as ChartTooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { annotationApiRef } from '../../api';
import { reasonOf, statusOf } from '../../errors';
import { useChorusLinks } from '../../hooks/useChorusLinks';
import { ChorusErrorPanel } from '../ChorusErrorPanel';
import { formatDuration, shortRef } from '../ProjectOverviewPage';
import { questionTypeName } from '../questionTypes';
import {
  describeMeasure,
  formatShare,
  headlineMeasure,
  isChanceCorrected,
  measureName,
} from './measures';

function Figure(props: {
  label: string;
  children: ReactNode;
  /** Columns of 12 from the small breakpoint up. */
  sm?: 3 | 6;
}) {
  return (
    <Grid item xs={6} sm={props.sm ?? 3}>
      <Typography variant="overline" color="textSecondary" component="div">
        {props.label}
      </Typography>
      <Typography variant="h5" component="div" aria-label={props.label}>
        {props.children}
      </Typography>
    </Grid>
  );
}

function ProgressCard(props: { metrics: QualityMetrics }) {
  const { items, completionRate, quality } = props.metrics.progress;
  return (
    <InfoCard title="Items by state">
      <Grid container spacing={2}>
        <Figure label="Items">{items.total}</Figure>
        <Figure label="Complete">{items.complete}</Figure>
        <Figure label="Not evaluated">{quality.notEvaluated}</Figure>
        <Figure label="Pending">{quality.pending}</Figure>
        <Figure label="Resolved">{quality.resolved}</Figure>
        <Figure label="Escalated">{quality.escalated}</Figure>
        <Figure label="QA-resolved">{quality.qaResolved}</Figure>
        <Figure label="Gold">{quality.gold}</Figure>
      </Grid>
      <Box mt={2}>
        <Typography variant="body2" id="chorus-quality-completion">
          {formatShare(completionRate)} of items complete
        </Typography>
        <LinearProgress
          variant="determinate"
          value={completionRate * 100}
          aria-labelledby="chorus-quality-completion"
        />
      </Box>
    </InfoCard>
  );
}

function EscalationsCard(props: { metrics: QualityMetrics; qaLink: string }) {
  const { open, resolved, sentBack, medianTimeToResolutionMs } =
    props.metrics.escalations;
  return (
    <InfoCard title="Escalation backlog">
      <Grid container spacing={2}>
        <Figure label="Open escalations" sm={6}>
          {open}
        </Figure>
        <Figure label="Resolved by QA" sm={6}>
          {resolved}
        </Figure>
        <Figure label="Sent back" sm={6}>
          {sentBack}
        </Figure>
        <Figure label="Median time to resolution" sm={6}>
          {medianTimeToResolutionMs === undefined
            ? '—'
            : formatDuration(medianTimeToResolutionMs)}
        </Figure>
      </Grid>
      <Box mt={2}>
        <LinkButton to={props.qaLink} variant="outlined" color="primary">
          Open the QA queue
        </LinkButton>
      </Box>
    </InfoCard>
  );
}

function MeasureRows(props: { question: QuestionAgreement }) {
  const { question } = props;
  return (
    <table aria-label={`Agreement on ${question.title}`}>
      <tbody>
        {Object.entries(question.measures).map(([name, measure]) => (
          <tr key={name}>
            <th scope="row" style={{ textAlign: 'left', paddingRight: 16 }}>
              <Typography variant="body2" color="textSecondary">
                {measureName(name)}
              </Typography>
            </th>
            <td>
              <Typography variant="body2">
                {describeMeasure(name, measure)}
              </Typography>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function LabelRows(props: { question: QuestionAgreement }) {
  const { question } = props;
  if (!question.labels.length) {
    return null;
  }
  return (
    <Box mt={1}>
      <Typography variant="subtitle2">
        Per label (one against the rest)
      </Typography>
      <table aria-label={`Agreement per label on ${question.title}`}>
        <tbody>
          {question.labels.map(l => {
            // one measure per label: Fleiss' kappa for labels and ratings,
            // alpha for a multiple-choice label
            const [name, measure] =
              Object.entries(l.measures).find(([n]) => isChanceCorrected(n)) ??
              Object.entries(l.measures)[0];
            return (
              <tr key={String(l.label)}>
                <th scope="row" style={{ textAlign: 'left', paddingRight: 16 }}>
                  <Typography variant="body2" color="textSecondary">
                    {String(l.label)}
                  </Typography>
                </th>
                <td>
                  <Typography variant="body2">
                    {measureName(name)}: {describeMeasure(name, measure)}
                  </Typography>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </Box>
  );
}

function AgreementCard(props: { metrics: QualityMetrics }) {
  const { agreement } = props.metrics;
  if (!agreement) {
    return (
      <InfoCard title="Agreement">
        <Typography>
          Not computed yet: the schedule fits every project with new answers
          every few minutes.
        </Typography>
      </InfoCard>
    );
  }
  return (
    <InfoCard
      title="Agreement"
      subheader={`Fitted ${new Date(
        agreement.fittedAt,
      ).toLocaleString()} over ${agreement.answersUsed} answers on ${
        agreement.itemsUsed
      } items (config version ${agreement.configVersion})`}
    >
      {agreement.current ? null : (
        <WarningPanel
          severity="info"
          title="Fitted for an earlier configuration"
          message="The project's configuration changed since; the next fit will use the current one."
        />
      )}
      {agreement.questions.length === 0 ? (
        <Typography>No question of this project is measured.</Typography>
      ) : null}
      <Grid container spacing={3}>
        {agreement.questions.map(q => {
          const headline = headlineMeasure(q);
          return (
            <Grid
              item
              xs={12}
              md={6}
              key={q.id}
              component="section"
              aria-label={q.title}
            >
              <Typography variant="h6">{q.title}</Typography>
              <Typography variant="body2" color="textSecondary">
                {questionTypeName(q.type as QuestionType)}
              </Typography>
              {headline ? (
                <Typography variant="h5" component="p">
                  {measureName(headline.name)}:{' '}
                  {describeMeasure(headline.name, headline.measure)}
                </Typography>
              ) : null}
              <MeasureRows question={q} />
              <LabelRows question={q} />
            </Grid>
          );
        })}
      </Grid>
    </InfoCard>
  );
}

function VolumeCard(props: {
  metrics: QualityMetrics;
  bucket: VolumeBucketSize;
  onBucket: (bucket: VolumeBucketSize) => void;
}) {
  const { volume } = props.metrics;
  const data = volume.points.map(p => ({
    start:
      volume.bucket === 'hour'
        ? `${new Date(p.start).toISOString().slice(5, 13).replace('T', ' ')}h`
        : new Date(p.start).toISOString().slice(0, 10),
    human: p.human,
    qa: p.qa,
  }));
  const human = volume.points.reduce((n, p) => n + p.human, 0);
  const qa = volume.points.reduce((n, p) => n + p.qa, 0);
  const action = (
    <Box>
      {(['hour', 'day'] as const).map(b => (
        <Button
          key={b}
          size="small"
          color="primary"
          variant={props.bucket === b ? 'contained' : 'text'}
          aria-pressed={props.bucket === b}
          onClick={() => props.onBucket(b)}
        >
          {b === 'hour' ? 'Per hour' : 'Per day'}
        </Button>
      ))}
    </Box>
  );
  return (
    <InfoCard title="Annotations over time" action={action}>
      <Typography variant="body2" color="textSecondary">
        {human} human answers and {qa} QA decisions since{' '}
        {new Date(volume.since).toLocaleString()}
      </Typography>
      <div role="img" aria-label="Annotations over time, human and QA">
        <ResponsiveContainer
          width="100%"
          height={260}
          initialDimension={{ width: 800, height: 260 }}
        >
          <BarChart data={data}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="start" minTickGap={16} />
            <YAxis allowDecimals={false} />
            <ChartTooltip />
            <Legend />
            <Bar
              dataKey="human"
              name="Human answers"
              stackId="volume"
              fill="#1f77b4"
              isAnimationActive={false}
            />
            <Bar
              dataKey="qa"
              name="QA decisions"
              stackId="volume"
              fill="#ff7f0e"
              isAnimationActive={false}
            />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </InfoCard>
  );
}

type AnnotatorRow = AnnotatorQuality & {
  goldAccuracy?: number;
  /** Mean Dawid-Skene accuracy over the fitted questions. */
  modelAccuracy?: number;
};

function annotatorRows(metrics: QualityMetrics): AnnotatorRow[] {
  return metrics.annotators.map(a => {
    const accuracies = Object.values(a.dawidSkeneAccuracy);
    return {
      ...a,
      goldAccuracy: a.gold?.accuracy,
      modelAccuracy: accuracies.length
        ? accuracies.reduce((x, y) => x + y, 0) / accuracies.length
        : undefined,
    };
  });
}

function AnnotatorsTable(props: { metrics: QualityMetrics }) {
  const { minGoldAccuracy } = props.metrics;
  const columns: TableColumn<AnnotatorRow>[] = [
    {
      title: 'Annotator',
      field: 'annotator',
      // a voting LLM annotator by its own name, marked as such
      render: r =>
        r.llmAnnotator !== undefined ? (
          <Box display="flex" alignItems="center" style={{ gap: 8 }}>
            <span title={`LLM annotator ${r.llmAnnotator}, voting`}>
              {r.llmAnnotator}
            </span>
            <Chip size="small" variant="outlined" label="LLM" />
          </Box>
        ) : (
          <span title={r.annotator}>{shortRef(r.annotator)}</span>
        ),
    },
    { title: 'Annotations', field: 'annotations', type: 'numeric' },
    {
      title: 'Median per answer',
      field: 'medianTimeMs',
      type: 'numeric',
      render: r =>
        r.medianTimeMs === undefined ? '—' : formatDuration(r.medianTimeMs),
    },
    {
      title: 'Agreement with consensus',
      field: 'consensusAgreement',
      type: 'numeric',
      render: r =>
        r.consensusAgreement === undefined ? (
          '—'
        ) : (
          <span title={`${r.consensusCompared} answers compared`}>
            {formatShare(r.consensusAgreement)}
          </span>
        ),
    },
    {
      title: 'Gold accuracy',
      field: 'goldAccuracy',
      type: 'numeric',
      render: r =>
        r.gold ? (
          <Box
            display="flex"
            alignItems="center"
            justifyContent="flex-end"
            style={{ gap: 8 }}
          >
            {r.belowMinGoldAccuracy ? (
              <Chip
                size="small"
                color="secondary"
                icon={<WarningIcon />}
                label={`Below ${formatShare(minGoldAccuracy)}`}
              />
            ) : null}
            <span title={`${r.gold.correct} of ${r.gold.answered} right`}>
              {formatShare(r.gold.accuracy)}
            </span>
          </Box>
        ) : (
          '—'
        ),
    },
    {
      title: 'Model accuracy',
      field: 'modelAccuracy',
      type: 'numeric',
      render: r =>
        r.modelAccuracy === undefined ? (
          '—'
        ) : (
          <Tooltip
            title={Object.entries(r.dawidSkeneAccuracy)
              .map(([q, v]) => `${q}: ${formatShare(v)}`)
              .join(', ')}
          >
            <span>{formatShare(r.modelAccuracy)}</span>
          </Tooltip>
        ),
    },
  ];
  return (
    <Table<AnnotatorRow>
      title="Annotators"
      subtitle={
        minGoldAccuracy > 0
          ? `Flagged below the project's minimum gold accuracy of ${formatShare(
              minGoldAccuracy,
            )}. Model accuracy: Dawid-Skene's estimate, mean over questions.`
          : "Model accuracy: Dawid-Skene's estimate, mean over questions."
      }
      options={{ paging: false, search: false, padding: 'dense' }}
      columns={columns}
      data={annotatorRows(props.metrics)}
      emptyContent={
        <Typography style={{ padding: 16 }}>
          Nobody has answered yet.
        </Typography>
      }
    />
  );
}

function RecomputeButton(props: { projectId: string; onDone: () => void }) {
  const api = useApi(annotationApiRef);
  const [state, setState] = useState<
    { busy: boolean; message?: string; error?: string } | undefined
  >();
  const recompute = async () => {
    setState({ busy: true });
    try {
      const fit = await api.refitQuality(props.projectId);
      setState({
        busy: false,
        message: `Recomputed over ${fit.answersUsed} answers on ${fit.itemsUsed} items.`,
      });
      props.onDone();
    } catch (error) {
      setState({ busy: false, error: reasonOf(error) });
    }
  };
  return (
    <Box display="flex" alignItems="center" style={{ gap: 8 }}>
      {state?.message ? (
        <Typography variant="body2" role="status">
          {state.message}
        </Typography>
      ) : null}
      {state?.error ? (
        <Typography variant="body2" color="error" role="alert">
          {state.error}
        </Typography>
      ) : null}
      <Button
        variant="contained"
        color="primary"
        onClick={recompute}
        disabled={state?.busy}
      >
        {state?.busy ? 'Recomputing…' : 'Recompute now'}
      </Button>
    </Box>
  );
}

/**
 * A project's quality for its managers and quality analysts: items by
 * quality status, agreement per question and label from the latest fit,
 * volume over time, the annotators (gold flag) and the escalation backlog.
 */
export function QualityDashboardPage(props: { projectId: string }) {
  const { projectId } = props;
  const api = useApi(annotationApiRef);
  const links = useChorusLinks();
  const [bucket, setBucket] = useState<VolumeBucketSize>('day');
  const project = useAsync(() => api.getProject(projectId), [api, projectId]);
  const metrics = useAsyncRetry(
    () => api.qualityMetrics(projectId, { bucket }),
    [api, projectId, bucket],
  );
  // keep the figures on screen while the next ones load
  const [shown, setShown] = useState<QualityMetrics>();
  if (metrics.value && metrics.value !== shown) {
    setShown(metrics.value);
  }

  let body;
  const error = project.error ?? metrics.error;
  if (error && statusOf(error) === 403) {
    body = (
      <ChorusErrorPanel
        error={error}
        title="Quality is for managers and quality analysts"
        forbidden="Your tier in this project does not include reading its quality metrics."
      />
    );
  } else if (error) {
    body = <ChorusErrorPanel error={error} />;
  } else if (!shown || !project.value) {
    body = <Progress />;
  } else {
    body = (
      <>
        <ContentHeader title="Quality">
          {shown.canRefit ? (
            <RecomputeButton projectId={projectId} onDone={metrics.retry} />
          ) : null}
        </ContentHeader>
        <Grid container spacing={3}>
          <Grid item xs={12} md={7}>
            <ProgressCard metrics={shown} />
          </Grid>
          <Grid item xs={12} md={5}>
            <EscalationsCard metrics={shown} qaLink={links.qa(projectId)} />
          </Grid>
          <Grid item xs={12}>
            <AgreementCard metrics={shown} />
          </Grid>
          <Grid item xs={12}>
            <VolumeCard metrics={shown} bucket={bucket} onBucket={setBucket} />
          </Grid>
          <Grid item xs={12}>
            <AnnotatorsTable metrics={shown} />
          </Grid>
        </Grid>
      </>
    );
  }
  return (
    <Page themeId="tool">
      <Header
        title={project.value ? `${project.value.title}: quality` : 'Quality'}
        type="Project"
        typeLink={links.project(projectId)}
      >
        {shown?.agreement ? (
          <HeaderLabel
            label="Fitted"
            value={new Date(shown.agreement.fittedAt).toLocaleString()}
          />
        ) : null}
      </Header>
      <Content>
        {body}
        <Box mt={2}>
          <Link to={links.project(projectId)}>Back to the project</Link>
        </Box>
      </Content>
    </Page>
  );
}
