import {
  Content,
  Header,
  HeaderLabel,
  InfoCard,
  LinkButton,
  Page,
  Progress,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  AnnotationProjectRecord,
  ProjectConfig,
  ProjectProgress,
  QuestionConfig,
} from '@chorus/plugin-annotation-common';
import Box from '@material-ui/core/Box';
import Grid from '@material-ui/core/Grid';
import IconButton from '@material-ui/core/IconButton';
import LinearProgress from '@material-ui/core/LinearProgress';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import RefreshIcon from '@material-ui/icons/Refresh';
import { ReactNode, useEffect, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { annotationApiRef } from '../api';
import { statusOf } from '../errors';
import { useChorusLinks } from '../hooks/useChorusLinks';
import { useProjectProgress } from '../hooks/useProjectProgress';
import { ChorusErrorPanel } from './ChorusErrorPanel';
import { questionTypeName } from './questionTypes';
import { ProjectManagement } from './ProjectManagement';
import { StatusChip } from './StatusChip';

/** `1 h 02 min`, `3 min 05 s`, `12 s`, `<1 s`. */
export function formatDuration(ms: number): string {
  if (ms > 0 && ms < 500) {
    return '<1 s';
  }
  const s = Math.round(ms / 1000);
  if (s < 60) {
    return `${s} s`;
  }
  const m = Math.floor(s / 60);
  if (m < 60) {
    return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  }
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** `user:default/amara.okafor` → `amara.okafor`. */
export function shortRef(ref: string): string {
  return ref.replace(/^user:(default\/)?/, '');
}

function Figure(props: { label: string; children: ReactNode }) {
  return (
    <Grid item xs={6} sm={4} md={2}>
      <Typography variant="overline" color="textSecondary" component="div">
        {props.label}
      </Typography>
      <Typography variant="h5" component="div" aria-label={props.label}>
        {props.children}
      </Typography>
    </Grid>
  );
}

function ProjectCard(props: {
  project: AnnotationProjectRecord;
  config?: ProjectConfig;
  /** The caller has this project in their queues (may label it now). */
  canLabel: boolean;
  /** Open escalations, for those who may read the escalation backlog. */
  openEscalations?: number;
  /** LLM annotators, for those who may read them. */
  llmAnnotators?: number;
}) {
  const { project, config, canLabel, openEscalations, llmAnnotators } = props;
  const links = useChorusLinks();
  const rows: Array<[string, ReactNode]> = [
    ['Status', <StatusChip status={project.status} />],
    ['Config version', project.configVersion],
    ['Owner', project.owner],
    ['Model', project.model],
    ['Dataset', project.dataset],
  ];
  if (config) {
    rows.push(
      ['Overlap', `${config.overlap} answers per item`],
      ['Ordering', config.ordering],
      [
        'Blind',
        config.blind ? 'yes: annotators never see other answers' : 'no',
      ],
      ['Lease', `${config.leaseTtlSeconds} s`],
    );
  }
  if (openEscalations !== undefined) {
    rows.push(['Escalations', `${openEscalations} open`]);
  }
  if (llmAnnotators !== undefined) {
    rows.push(['LLM annotators', String(llmAnnotators)]);
  }
  return (
    <InfoCard title="Project">
      <table aria-label="Project facts">
        <tbody>
          {rows.map(([label, value]) => (
            <tr key={label}>
              <th scope="row" style={{ textAlign: 'left', paddingRight: 16 }}>
                <Typography variant="body2" color="textSecondary">
                  {label}
                </Typography>
              </th>
              <td>
                <Typography variant="body2" component="div">
                  {value}
                </Typography>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {canLabel ||
      openEscalations !== undefined ||
      llmAnnotators !== undefined ? (
        <Box mt={2} display="flex" gridGap={8}>
          {canLabel ? (
            <LinkButton
              to={links.labeling(project.id)}
              variant="outlined"
              color="primary"
            >
              Start labeling
            </LinkButton>
          ) : null}
          {openEscalations !== undefined ? (
            <LinkButton
              to={links.qa(project.id)}
              variant="outlined"
              color="primary"
            >
              Escalation queue
            </LinkButton>
          ) : null}
          {llmAnnotators !== undefined ? (
            <LinkButton
              to={links.llm(project.id)}
              variant="outlined"
              color="primary"
            >
              LLM annotators
            </LinkButton>
          ) : null}
        </Box>
      ) : null}
    </InfoCard>
  );
}

function questionDetail(q: QuestionConfig): string {
  switch (q.type) {
    case 'ordinal-rating':
      return `${q.min}–${q.max}${
        q.minLabel || q.maxLabel
          ? ` (${q.minLabel ?? q.min} to ${q.maxLabel ?? q.max})`
          : ''
      }`;
    case 'free-text':
      return `up to ${q.maxLength} characters`;
    default:
      return q.labels.map(l => l.title ?? l.value).join(', ');
  }
}

function QuestionsCard(props: { config?: ProjectConfig }) {
  const { config } = props;
  return (
    <InfoCard title="Questions">
      {!config ? (
        <Typography color="textSecondary">No configuration yet.</Typography>
      ) : (
        <ol aria-label="Questions">
          {config.questions.map(q => (
            <li key={q.id}>
              <Typography variant="body1">
                {q.title}{' '}
                <Typography component="span" color="textSecondary">
                  ({questionTypeName(q.type)} of <code>{q.field}</code>
                  {q.required ? '' : ', optional'})
                </Typography>
              </Typography>
              <Typography variant="body2" color="textSecondary">
                {questionDetail(q)}
              </Typography>
            </li>
          ))}
        </ol>
      )}
    </InfoCard>
  );
}

function ProgressFigures(props: { progress: ProjectProgress }) {
  const { items, annotations, skips } = props.progress;
  const rate = items.total ? items.complete / items.total : 0;
  return (
    <>
      <Grid container spacing={2}>
        <Figure label="Items">{items.total}</Figure>
        <Figure label="Open">{items.open}</Figure>
        <Figure label="Full">{items.full}</Figure>
        <Figure label="Complete">{items.complete}</Figure>
        <Figure label="Annotations">{annotations}</Figure>
        <Figure label="Skips">{skips}</Figure>
        {items.gold ? (
          // honeypots: mixed into queues to score annotators, not in Items
          <Figure label="Gold">{items.gold}</Figure>
        ) : null}
      </Grid>
      <Box mt={2}>
        <Typography variant="body2" id="chorus-completion">
          {Math.round(rate * 1000) / 10}% of items complete
        </Typography>
        <LinearProgress
          variant="determinate"
          value={rate * 100}
          aria-labelledby="chorus-completion"
        />
      </Box>
    </>
  );
}

type AnnotatorRow = ProjectProgress['annotators'][number];

function AnnotatorsTable(props: { progress: ProjectProgress }) {
  const rows = [...props.progress.annotators].sort(
    (a, b) =>
      b.annotations - a.annotations || a.annotator.localeCompare(b.annotator),
  );
  const columns: TableColumn<AnnotatorRow>[] = [
    {
      title: 'Annotator',
      field: 'annotator',
      render: r => <span title={r.annotator}>{shortRef(r.annotator)}</span>,
    },
    { title: 'Annotations', field: 'annotations', type: 'numeric' },
    { title: 'Skips', field: 'skips', type: 'numeric' },
    {
      title: 'Time spent',
      field: 'timeSpentMs',
      type: 'numeric',
      render: r => formatDuration(r.timeSpentMs),
    },
    {
      // the backend's median over each annotator's latest 1,000 answers
      title: 'Median per answer',
      field: 'medianTimeMs',
      type: 'numeric',
      render: r =>
        r.medianTimeMs === undefined ? '—' : formatDuration(r.medianTimeMs),
    },
  ];
  return (
    <Table<AnnotatorRow>
      title="Annotators"
      options={{ paging: false, search: false, padding: 'dense' }}
      columns={columns}
      data={rows}
      emptyContent={
        <Typography style={{ padding: 16 }}>
          Nobody has answered or skipped an item yet.
        </Typography>
      }
    />
  );
}

function ProgressSection(props: {
  projectId: string;
  /** Changes when the counts surely moved (an import from this page). */
  reloadKey: number;
}) {
  const progress = useProjectProgress(props.projectId);
  const links = useChorusLinks();
  const { refresh } = progress;
  useEffect(() => {
    if (props.reloadKey) {
      refresh();
    }
  }, [props.reloadKey, refresh]);
  const action = (
    <Box display="flex" alignItems="center">
      <Typography variant="caption" color="textSecondary">
        {progress.live ? 'Live · ' : ''}
        {progress.updatedAt
          ? `updated ${progress.updatedAt.toLocaleTimeString()}`
          : ''}
      </Typography>
      <Tooltip title="Refresh progress">
        {/* a span: a disabled button fires no events for the tooltip */}
        <span>
          <IconButton
            aria-label="Refresh progress"
            onClick={progress.refresh}
            disabled={progress.loading}
          >
            <RefreshIcon />
          </IconButton>
        </span>
      </Tooltip>
    </Box>
  );
  let body;
  if (progress.error && statusOf(progress.error) === 403) {
    body = (
      <ChorusErrorPanel
        error={progress.error}
        title="Progress is for managers and quality analysts"
        forbidden="Your tier in this project does not include reading its progress."
      />
    );
  } else if (progress.error && !progress.value) {
    body = <ChorusErrorPanel error={progress.error} />;
  } else if (!progress.value) {
    body = <Progress />;
  } else {
    body = <ProgressFigures progress={progress.value} />;
  }
  return (
    <>
      <Grid item xs={12}>
        <InfoCard
          title="Progress"
          action={action}
          deepLink={
            // the dashboard needs the same permission as the progress
            progress.value
              ? {
                  title: 'Quality dashboard',
                  link: links.quality(props.projectId),
                }
              : undefined
          }
        >
          {body}
        </InfoCard>
      </Grid>
      {progress.value ? (
        <Grid item xs={12}>
          <AnnotatorsTable progress={progress.value} />
        </Grid>
      ) : null}
    </>
  );
}

/** A project for its managers: facts, questions, progress, annotators. */
export function ProjectOverviewPage(props: { projectId: string }) {
  const { projectId } = props;
  const api = useApi(annotationApiRef);
  const links = useChorusLinks();
  const { value, loading, error } = useAsync(async () => {
    const project = await api.getProject(projectId);
    const [config, queues, openEscalations, llmAnnotators] = await Promise.all([
      // a project may not have a config yet; the page still shows the rest
      api.getConfig(projectId).then(
        c => c.config,
        e => (statusOf(e) === 404 ? undefined : Promise.reject(e)),
      ),
      // only the caller's own queues offer "Start labeling"
      api.listQueues().catch(() => []),
      // analysts and managers read the backlog; others get no link to it
      api.listEscalations(projectId, { limit: 1 }).then(
        page => page.open,
        () => undefined,
      ),
      // the same for the LLM annotators (managers and analysts read them)
      api.listLlmAnnotators(projectId).then(
        list => list.length,
        () => undefined,
      ),
    ]);
    const canLabel = queues.some(q => q.project.id === project.id);
    return { project, config, canLabel, openEscalations, llmAnnotators };
  }, [api, projectId]);
  // a status changed from this page, until the next load
  const [changed, setChanged] = useState<AnnotationProjectRecord>();
  const [imported, setImported] = useState(0);
  const project = changed ?? value?.project;

  let body;
  if (error) {
    body = <ChorusErrorPanel error={error} />;
  } else if (loading || !value || !project) {
    body = <Progress />;
  } else {
    body = (
      <Grid container spacing={3}>
        <Grid item xs={12} md={5}>
          <ProjectCard
            project={project}
            config={value.config}
            canLabel={value.canLabel}
            openEscalations={value.openEscalations}
            llmAnnotators={value.llmAnnotators}
          />
        </Grid>
        <Grid item xs={12} md={7}>
          <QuestionsCard config={value.config} />
        </Grid>
        <ProgressSection projectId={project.id} reloadKey={imported} />
        <ProjectManagement
          project={project}
          onProjectChanged={setChanged}
          onImported={() => setImported(n => n + 1)}
        />
      </Grid>
    );
  }
  return (
    <Page themeId="tool">
      <Header
        title={project?.title ?? 'Project'}
        subtitle={project?.description}
        type="Chorus"
        typeLink={links.home()}
      >
        {project ? (
          <>
            <HeaderLabel label="Status" value={project.status} />
            <HeaderLabel
              label="Config version"
              value={String(project.configVersion)}
            />
          </>
        ) : null}
      </Header>
      <Content>{body}</Content>
    </Page>
  );
}
