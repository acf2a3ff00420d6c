import {
  Content,
  ContentHeader,
  Header,
  InfoCard,
  Page,
  Progress,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  LlmAnnotatorRecord,
  LlmAnnotatorVersion,
  LlmProviderInfo,
  ProjectConfig,
} from '@chorus/plugin-annotation-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Grid from '@material-ui/core/Grid';
import Link from '@material-ui/core/Link';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { ComponentType, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { annotationApiRef } from '../../api';
import { statusOf } from '../../errors';
import { useChorusLinks } from '../../hooks/useChorusLinks';
import { ChorusErrorPanel } from '../ChorusErrorPanel';
import { EvaluationSection } from './EvaluationSection';
import { formatRole } from './format';
import { JobsSection } from './JobsSection';
import { LlmAnnotatorEditor } from './LlmAnnotatorEditor';
import { VersionHistory } from './VersionHistory';

/** What a section of the selected annotator gets. */
export interface LlmAnnotatorSectionProps {
  projectId: string;
  project?: ProjectConfig;
  annotator: LlmAnnotatorRecord;
  /** Newest first. */
  versions: LlmAnnotatorVersion[];
  /** A section saved a new version (a threshold): the page reloads it. */
  onSaved(annotator: LlmAnnotatorRecord, created: boolean): void;
  /** Jobs of the annotator that ended while the page was open. */
  jobsEnded: number;
  onJobEnded(): void;
  /** The editor has edits not saved yet. */
  unsavedEdits: boolean;
}

/**
 * The sections below the selected annotator's editor, in order. A new
 * version remounts each, but those that `keep` it (the evaluation, which
 * says what its threshold saved).
 */
export const LLM_ANNOTATOR_SECTIONS: Array<{
  id: string;
  Section: ComponentType<LlmAnnotatorSectionProps>;
  keep?: boolean;
}> = [
  { id: 'jobs', Section: JobsSection },
  { id: 'evaluation', Section: EvaluationSection, keep: true },
  { id: 'versions', Section: VersionHistory },
];

function rateLimits(p: LlmProviderInfo): string {
  const limits = [
    p.requestsPerMinute === undefined
      ? undefined
      : `${p.requestsPerMinute.toLocaleString('en-US')} requests/min`,
    p.tokensPerMinute === undefined
      ? undefined
      : `${p.tokensPerMinute.toLocaleString('en-US')} tokens/min`,
  ].filter(Boolean);
  return limits.length ? limits.join(' · ') : 'none';
}

function ProvidersCard(props: { providers: LlmProviderInfo[] }) {
  return (
    <InfoCard title="Providers">
      {props.providers.length === 0 ? (
        <Typography color="textSecondary">
          No LLM provider is configured (annotation.llm.providers in
          app-config): an LLM annotator needs one.
        </Typography>
      ) : (
        <Table size="small" aria-label="Providers">
          <TableHead>
            <TableRow>
              <TableCell>Id</TableCell>
              <TableCell>Title</TableCell>
              <TableCell>Default model</TableCell>
              <TableCell>Models</TableCell>
              <TableCell>Rate limits</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {props.providers.map(p => (
              <TableRow key={p.id}>
                <TableCell>
                  <code>{p.id}</code>
                </TableCell>
                <TableCell>
                  {p.title}
                  {p.simulated ? (
                    <>
                      {' '}
                      <Chip size="small" label="simulated" />
                    </>
                  ) : null}
                </TableCell>
                <TableCell>{p.defaultModel}</TableCell>
                <TableCell>{p.models.join(', ')}</TableCell>
                <TableCell>{rateLimits(p)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </InfoCard>
  );
}

function AnnotatorsCard(props: {
  annotators: LlmAnnotatorRecord[];
  providers: LlmProviderInfo[];
  selected?: string;
  onSelect(id: string): void;
}) {
  const modelOf = (a: LlmAnnotatorRecord) => {
    if (a.config.model) {
      return a.config.model;
    }
    const provider = props.providers.find(p => p.id === a.config.provider);
    return provider ? `${provider.defaultModel} (default)` : 'default';
  };
  return (
    <InfoCard title="LLM annotators">
      {props.annotators.length === 0 ? (
        <Typography color="textSecondary">
          No LLM annotator yet: create one to vote, prelabel or auto-accept
          beside the human annotators.
        </Typography>
      ) : (
        <Table size="small" aria-label="LLM annotators">
          <TableHead>
            <TableRow>
              <TableCell>Name</TableCell>
              <TableCell>Version</TableCell>
              <TableCell>Provider / model</TableCell>
              <TableCell>Role</TableCell>
              <TableCell>Updated</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {props.annotators.map(a => (
              <TableRow key={a.id} selected={a.id === props.selected}>
                <TableCell>
                  <Link
                    component="button"
                    type="button"
                    onClick={() => props.onSelect(a.id)}
                    aria-current={a.id === props.selected ? 'true' : undefined}
                  >
                    {a.name}
                  </Link>
                </TableCell>
                <TableCell>{a.version}</TableCell>
                <TableCell>
                  {a.config.provider} / {modelOf(a)}
                </TableCell>
                <TableCell>{formatRole(a.config)}</TableCell>
                <TableCell>{new Date(a.updatedAt).toLocaleString()}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </InfoCard>
  );
}

/** The selected annotator: its editor, then its sections (versions, …). */
function SelectedAnnotator(props: {
  projectId: string;
  project?: ProjectConfig;
  providers: LlmProviderInfo[];
  annotatorId: string;
  /** Changes when a save from this page made a new version. */
  reloadKey: number;
  notice?: string;
  unsavedEdits: boolean;
  onSaved(annotator: LlmAnnotatorRecord, created: boolean): void;
  onEdited(): void;
}) {
  const { projectId, annotatorId } = props;
  const api = useApi(annotationApiRef);
  const [jobsEnded, setJobsEnded] = useState(0);
  const details = useAsync(
    () => api.getLlmAnnotator(projectId, annotatorId),
    [api, projectId, annotatorId, props.reloadKey],
  );
  if (details.error) {
    return <ChorusErrorPanel error={details.error} />;
  }
  // a reload keeps the value: the editor (and what it says) stays
  if (!details.value) {
    return <Progress />;
  }
  const { annotator, versions } = details.value;
  return (
    <>
      <LlmAnnotatorEditor
        key={annotator.id}
        projectId={projectId}
        project={props.project}
        providers={props.providers}
        annotator={annotator}
        notice={props.notice}
        onSaved={props.onSaved}
        onEdited={props.onEdited}
      />
      {LLM_ANNOTATOR_SECTIONS.map(({ id, Section, keep }) => (
        <Box key={keep ? id : `${id}:${annotator.version}`} mt={3}>
          <Section
            projectId={projectId}
            project={props.project}
            annotator={annotator}
            versions={versions}
            onSaved={props.onSaved}
            jobsEnded={jobsEnded}
            onJobEnded={() => setJobsEnded(n => n + 1)}
            unsavedEdits={props.unsavedEdits}
          />
        </Box>
      ))}
    </>
  );
}

/**
 * A project's LLM annotators for its managers (quality analysts read
 * them): the configured providers, the annotators with their current
 * version, and the selected one's editor (with its dry run), jobs,
 * evaluation and version history.
 */
export function LlmAnnotatorsPage(props: { projectId: string }) {
  const { projectId } = props;
  const api = useApi(annotationApiRef);
  const links = useChorusLinks();
  const base = useAsync(async () => {
    const project = await api.getProject(projectId);
    const [config, providers] = await Promise.all([
      // without a config the editor still works; previews say why they cannot
      api.getConfig(projectId).then(
        c => c.config,
        e => (statusOf(e) === 404 ? undefined : Promise.reject(e)),
      ),
      api.listLlmProviders(),
    ]);
    return { project, config, providers };
  }, [api, projectId]);
  const annotators = useAsyncRetry(
    () => api.listLlmAnnotators(projectId),
    [api, projectId],
  );
  /** An annotator's id, or `new` for the creation form. */
  const [selected, setSelected] = useState<string>();
  const [saves, setSaves] = useState(0);
  const [notice, setNotice] = useState<string>();
  const [unsavedEdits, setUnsavedEdits] = useState(false);

  const onSaved = (annotator: LlmAnnotatorRecord, created: boolean) => {
    setUnsavedEdits(false);
    setNotice(
      created
        ? `Saved version ${annotator.version}`
        : `No change: version ${annotator.version} is current`,
    );
    setSelected(annotator.id);
    setSaves(n => n + 1);
    annotators.retry();
  };
  const select = (id: string) => {
    setNotice(undefined);
    setUnsavedEdits(false);
    setSelected(id);
  };
  const onEdited = () => {
    setNotice(undefined);
    setUnsavedEdits(true);
  };

  let body;
  const error = base.error ?? annotators.error;
  if (error && statusOf(error) === 403) {
    body = (
      <ChorusErrorPanel
        error={error}
        title="LLM annotators are for managers and quality analysts"
        forbidden="Your tier in this project does not include its LLM annotators."
      />
    );
  } else if (error) {
    body = <ChorusErrorPanel error={error} />;
  } else if (!base.value || !annotators.value) {
    body = <Progress />;
  } else {
    const { config, providers } = base.value;
    body = (
      <>
        <ContentHeader title="LLM annotators">
          <Button
            variant="contained"
            color="primary"
            onClick={() => select('new')}
            disabled={selected === 'new'}
          >
            New LLM annotator
          </Button>
        </ContentHeader>
        <Grid container spacing={3}>
          <Grid item xs={12} lg={7}>
            <AnnotatorsCard
              annotators={annotators.value}
              providers={providers}
              selected={selected}
              onSelect={select}
            />
          </Grid>
          <Grid item xs={12} lg={5}>
            <ProvidersCard providers={providers} />
          </Grid>
          <Grid item xs={12}>
            {selected === 'new' ? (
              <LlmAnnotatorEditor
                key="new"
                projectId={projectId}
                project={config}
                providers={providers}
                onSaved={onSaved}
                onEdited={onEdited}
              />
            ) : null}
            {selected && selected !== 'new' ? (
              <SelectedAnnotator
                key={selected}
                projectId={projectId}
                project={config}
                providers={providers}
                annotatorId={selected}
                reloadKey={saves}
                notice={notice}
                unsavedEdits={unsavedEdits}
                onSaved={onSaved}
                onEdited={onEdited}
              />
            ) : null}
          </Grid>
        </Grid>
      </>
    );
  }
  return (
    <Page themeId="tool">
      <Header
        title={
          base.value
            ? `${base.value.project.title}: LLM annotators`
            : 'LLM annotators'
        }
        type="Project"
        typeLink={links.project(projectId)}
      />
      <Content>{body}</Content>
    </Page>
  );
}
