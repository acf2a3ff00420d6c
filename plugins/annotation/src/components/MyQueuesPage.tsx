import {
  Content,
  EmptyState,
  Header,
  InfoCard,
  Link,
  LinkButton,
  Page,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  AnnotationProjectRecord,
  AnnotationQueue,
  QaQueue,
} from '@chorus/plugin-annotation-common';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import useAsync from 'react-use/esm/useAsync';
import { annotationApiRef } from '../api';
import { useChorusLinks } from '../hooks/useChorusLinks';
import { summarizeQuestions } from './questionTypes';
import { StatusChip } from './StatusChip';

/*
 * "New project" shows to every signed-in user: whether they may create
 * one depends on the owner and managers they name, which the backend
 * decides (403 with the reason, shown by the form).
 */

/** The caller's labeling queues: active projects they annotate. */
function QueuesCard(props: { queues: AnnotationQueue[] }) {
  const links = useChorusLinks();
  if (!props.queues.length) {
    return (
      <EmptyState
        missing="data"
        title="No labeling queue for you"
        description="You are not an annotator of any active project. Annotators come from the groups a project names in its workforce; ask the project's manager to add your group, or pick a project below to read about it."
      />
    );
  }
  const columns: TableColumn<AnnotationQueue>[] = [
    {
      title: 'Project',
      field: 'project.title',
      render: q => (
        <>
          <Link to={links.project(q.project.id)}>{q.project.title}</Link>
          {q.project.description ? (
            <Typography variant="body2" color="textSecondary">
              {q.project.description}
            </Typography>
          ) : null}
        </>
      ),
    },
    {
      title: 'Questions',
      render: q => summarizeQuestions(q.project.questions),
    },
    // items not complete that the caller has neither answered nor skipped
    { title: 'Left for me', field: 'remainingForMe', type: 'numeric' },
    { title: 'My answers', field: 'myAnnotations', type: 'numeric' },
    { title: 'My skips', field: 'mySkips', type: 'numeric' },
    {
      title: '',
      render: q => (
        <LinkButton
          to={links.labeling(q.project.id)}
          variant="contained"
          color="primary"
          aria-label={`Start labeling ${q.project.title}`}
        >
          Start labeling
        </LinkButton>
      ),
    },
  ];
  return (
    <Table<AnnotationQueue>
      title="My queues"
      options={{ paging: false, search: false, padding: 'dense' }}
      columns={columns}
      data={props.queues}
    />
  );
}

/** The projects whose escalations the caller resolves (quality analysts). */
function QaQueuesCard(props: { queues: QaQueue[] }) {
  const links = useChorusLinks();
  const columns: TableColumn<QaQueue>[] = [
    {
      title: 'Project',
      field: 'project.title',
      render: q => (
        <Link to={links.project(q.project.id)}>{q.project.title}</Link>
      ),
    },
    { title: 'Open escalations', field: 'open', type: 'numeric' },
    {
      title: '',
      render: q => (
        <LinkButton
          to={links.qa(q.project.id)}
          variant={q.open ? 'contained' : 'outlined'}
          color="primary"
          aria-label={`Review escalations of ${q.project.title}`}
        >
          Review escalations
        </LinkButton>
      ),
    },
  ];
  return (
    <Table<QaQueue>
      title="My QA queues"
      subtitle="Items where annotators disagree, for you to decide"
      options={{ paging: false, search: false, padding: 'dense' }}
      columns={columns}
      data={props.queues}
    />
  );
}

/** Every project the caller may read, each linking to its overview. */
function ProjectsCard(props: { projects: AnnotationProjectRecord[] }) {
  const links = useChorusLinks();
  const columns: TableColumn<AnnotationProjectRecord>[] = [
    {
      title: 'Project',
      field: 'title',
      render: p => <Link to={links.project(p.id)}>{p.title}</Link>,
    },
    {
      title: 'Status',
      field: 'status',
      render: p => <StatusChip status={p.status} />,
    },
    { title: 'Questions', render: p => summarizeQuestions(p.questions) },
    { title: 'Owner', field: 'owner' },
    { title: 'Config version', field: 'configVersion', type: 'numeric' },
  ];
  return (
    <Table<AnnotationProjectRecord>
      title="Projects"
      subtitle="Projects you work on in any tier"
      options={{ paging: false, search: false, padding: 'dense' }}
      columns={columns}
      data={props.projects}
      emptyContent={
        <Typography style={{ padding: 16 }}>
          You are not in the workforce of any project.
        </Typography>
      }
    />
  );
}

/** The Chorus home: my queues, then the projects I can read. */
export function MyQueuesPage() {
  const api = useApi(annotationApiRef);
  const links = useChorusLinks();
  const { value, loading, error } = useAsync(async () => {
    const [queues, projects, qaQueues] = await Promise.all([
      api.listQueues(),
      api.listProjects(),
      // the QA card is extra: the page still shows without it
      api.listQaQueues().catch(() => []),
    ]);
    return { queues, projects, qaQueues };
  }, [api]);

  let body;
  if (loading) {
    body = <Progress />;
  } else if (error || !value) {
    body = <ResponseErrorPanel error={error ?? new Error('No response')} />;
  } else {
    body = (
      <Grid container spacing={3}>
        <Grid item xs={12}>
          {value.queues.length ? (
            <QueuesCard queues={value.queues} />
          ) : (
            <InfoCard title="My queues">
              <QueuesCard queues={value.queues} />
            </InfoCard>
          )}
        </Grid>
        {value.qaQueues.length ? (
          <Grid item xs={12}>
            <QaQueuesCard queues={value.qaQueues} />
          </Grid>
        ) : null}
        <Grid item xs={12}>
          <ProjectsCard projects={value.projects} />
        </Grid>
      </Grid>
    );
  }
  return (
    <Page themeId="home">
      <Header
        title="Chorus"
        subtitle="Annotation work: your queues and projects"
      >
        <LinkButton to={links.newProject()} variant="contained" color="primary">
          New project
        </LinkButton>
      </Header>
      <Content>{body}</Content>
    </Page>
  );
}
