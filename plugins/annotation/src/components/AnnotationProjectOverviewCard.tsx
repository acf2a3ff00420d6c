import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
  WarningPanel,
} from '@backstage/core-components';
import {
  useApi,
  useApiHolder,
  useRouteRef as useLegacyRouteRef,
} from '@backstage/core-plugin-api';
import {
  catalogApiRef,
  EntityRefLink,
  useEntity,
} from '@backstage/plugin-catalog-react';
import {
  ANNOTATION_PROJECT_ID_ANNOTATION,
  annotationProjectRefs,
  isAnnotationProjectEntity,
} from '@chorus/plugin-annotation-common';
import Box from '@material-ui/core/Box';
import Grid from '@material-ui/core/Grid';
import LinearProgress from '@material-ui/core/LinearProgress';
import Typography from '@material-ui/core/Typography';
import { ReactNode } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { useRouteRef } from '@backstage/frontend-plugin-api';
import { annotationApiRef } from '../api';
import { reasonOf, statusOf } from '../errors';
import { projectRouteRef, qualityRouteRef } from '../routes';
import {
  describeMeasure,
  formatShare,
  headlineMeasure,
  measureName,
} from './QualityDashboard/measures';
import { StatusChip } from './StatusChip';

function Field(props: { label: string; children: ReactNode }) {
  return (
    <Grid item xs={12} sm={6}>
      <Typography variant="overline" color="textSecondary" component="div">
        {props.label}
      </Typography>
      <Typography variant="body2" component="div">
        {props.children}
      </Typography>
    </Grid>
  );
}

const TIERS = [
  { key: 'annotators', label: 'Annotators' },
  { key: 'qualityAnalysts', label: 'Quality analysts' },
  { key: 'managers', label: 'Project managers' },
] as const;

/** Direct member counts of the given groups, from the catalogue. */
function useMemberCounts(groupRefs: string[]) {
  const catalogApi = useApi(catalogApiRef);
  const key = groupRefs.join(',');
  return useAsync(async () => {
    if (!groupRefs.length) {
      return new Map<string, number | undefined>();
    }
    const { items } = await catalogApi.getEntitiesByRefs({
      entityRefs: groupRefs,
      fields: ['kind', 'metadata.name', 'metadata.namespace', 'relations'],
    });
    const counts = new Map<string, number | undefined>();
    groupRefs.forEach((ref, i) => {
      const group = items[i];
      counts.set(
        ref,
        group
          ? group.relations?.filter(r => r.type === 'hasMember').length ?? 0
          : undefined, // not in the catalogue
      );
    });
    return counts;
  }, [catalogApi, key]);
}

/**
 * The Chorus API when the app has one it can build: the card also sits on
 * entity pages of apps without Chorus's backend configured.
 */
function useOptionalAnnotationApi() {
  const holder = useApiHolder();
  try {
    return holder.get(annotationApiRef);
  } catch {
    return undefined;
  }
}

/**
 * Completion and the headline agreement of each question, from the quality
 * metrics (managers and quality analysts may read them; others are told
 * so). Nothing when the app has no Chorus API.
 */
function QualitySummary(props: { projectId: string; dashboard?: string }) {
  const api = useOptionalAnnotationApi();
  const metrics = useAsync(
    async () => api?.qualityMetrics(props.projectId),
    [api, props.projectId],
  );
  if (!api) {
    return null;
  }
  let body;
  if (metrics.loading) {
    body = <Progress />;
  } else if (metrics.error) {
    const status = statusOf(metrics.error);
    body = (
      <Typography variant="body2" color="textSecondary">
        {status === 403 || status === 404
          ? "Completion and agreement are shown to the project's managers and quality analysts."
          : `Completion and agreement could not be read: ${reasonOf(
              metrics.error,
            )}`}
      </Typography>
    );
  } else if (metrics.value) {
    const { progress, agreement } = metrics.value;
    body = (
      <>
        <Typography variant="body2" id="chorus-card-completion">
          {formatShare(progress.completionRate)} of items complete (
          {progress.items.complete} of {progress.items.total})
        </Typography>
        <LinearProgress
          variant="determinate"
          value={progress.completionRate * 100}
          aria-labelledby="chorus-card-completion"
        />
        <Box mt={1} />
        {agreement?.questions.length ? (
          <ul aria-label="Agreement" style={{ margin: 0 }}>
            {agreement.questions.map(q => {
              const headline = headlineMeasure(q);
              return (
                <li key={q.id}>
                  <Typography variant="body2">
                    {q.title}:{' '}
                    {headline
                      ? `${measureName(headline.name)} ${describeMeasure(
                          headline.name,
                          headline.measure,
                        )}`
                      : '—'}
                  </Typography>
                </li>
              );
            })}
          </ul>
        ) : (
          <Typography variant="body2" color="textSecondary">
            Agreement not computed yet.
          </Typography>
        )}
        {props.dashboard ? (
          <Link to={props.dashboard}>Quality dashboard</Link>
        ) : null}
      </>
    );
  }
  return (
    <Grid item xs={12}>
      <Typography variant="overline" color="textSecondary">
        Quality
      </Typography>
      {body}
    </Grid>
  );
}

/**
 * Overview of an `AnnotationProject` entity: owner, model, dataset, status,
 * lifecycle, questions, and the workforce tiers with their member counts;
 * links to the project's Chorus pages when they are installed.
 */
export function AnnotationProjectOverviewCard(
  props: {
    /** The project's Chorus page, when the Chorus pages are installed. */
    projectLink?: (projectId: string) => string | undefined;
    /** The project's quality dashboard, likewise. */
    qualityLink?: (projectId: string) => string | undefined;
  } = {},
) {
  const { entity } = useEntity();
  const project = isAnnotationProjectEntity(entity) ? entity : undefined;
  const refs = project ? annotationProjectRefs(project) : undefined;
  const allGroups = refs
    ? [
        ...refs.workforce.annotators,
        ...refs.workforce.qualityAnalysts,
        ...refs.workforce.managers,
      ]
    : [];
  const counts = useMemberCounts(allGroups);
  const projectId =
    entity.metadata.annotations?.[ANNOTATION_PROJECT_ID_ANNOTATION];
  const chorusLink = projectId ? props.projectLink?.(projectId) : undefined;

  if (!project || !refs) {
    return (
      <WarningPanel
        title="Not an annotation project"
        message={`${stringifyEntityRef(entity)} is not an AnnotationProject`}
      />
    );
  }
  const { spec } = project;
  return (
    <InfoCard
      title="Annotation project"
      deepLink={
        chorusLink
          ? { title: 'Progress and labeling in Chorus', link: chorusLink }
          : undefined
      }
    >
      <Grid container spacing={2}>
        <Field label="Status">
          <StatusChip status={spec.status} />
        </Field>
        <Field label="Lifecycle">{spec.lifecycle}</Field>
        <Field label="Owner">
          <EntityRefLink entityRef={refs.owner} />
        </Field>
        <Field label="Task type">{spec.taskType}</Field>
        <Field label="Model">
          <EntityRefLink entityRef={refs.model} />
        </Field>
        <Field label="Dataset">
          <EntityRefLink entityRef={refs.dataset} />
        </Field>
        {spec.questions?.length ? (
          <Grid item xs={12}>
            <Typography variant="overline" color="textSecondary">
              Questions
            </Typography>
            <ul aria-label="Questions">
              {spec.questions.map(q => (
                <li key={q.id}>
                  <Typography variant="body2">
                    {q.title ?? q.id} <em>({q.type})</em>
                  </Typography>
                </li>
              ))}
            </ul>
          </Grid>
        ) : null}
        {projectId ? (
          <QualitySummary
            projectId={projectId}
            dashboard={props.qualityLink?.(projectId)}
          />
        ) : null}
        <Grid item xs={12}>
          <Typography variant="overline" color="textSecondary">
            Workforce
          </Typography>
          {counts.error ? <ResponseErrorPanel error={counts.error} /> : null}
          {counts.loading ? <Progress /> : null}
          <Grid container spacing={1}>
            {TIERS.map(tier => (
              <Grid item xs={12} sm={4} key={tier.key}>
                <Typography variant="subtitle2">{tier.label}</Typography>
                {refs.workforce[tier.key].map(ref => {
                  const count = counts.value?.get(ref);
                  return (
                    <Typography variant="body2" key={ref}>
                      <EntityRefLink entityRef={ref} />{' '}
                      {counts.value ? (
                        <span>
                          {count === undefined
                            ? '(not in catalogue)'
                            : `${count} ${count === 1 ? 'member' : 'members'}`}
                        </span>
                      ) : null}
                    </Typography>
                  );
                })}
              </Grid>
            ))}
          </Grid>
        </Grid>
      </Grid>
    </InfoCard>
  );
}

/**
 * The overview card linking to the project's Chorus pages (new frontend
 * system: the route resolves to undefined when the Chorus page is disabled).
 */
export function AnnotationProjectOverviewCardWithChorusLink() {
  const project = useRouteRef(projectRouteRef);
  const quality = useRouteRef(qualityRouteRef);
  return (
    <AnnotationProjectOverviewCard
      projectLink={projectId => project?.({ projectId })}
      qualityLink={projectId => quality?.({ projectId })}
    />
  );
}

/** A legacy route of the Chorus pages, or undefined when not mounted. */
function useLegacyChorusRoute<P extends { projectId: string }>(
  ref: typeof projectRouteRef | typeof qualityRouteRef,
): ((params: P) => string) | undefined {
  try {
    // throws (after calling all of its hooks) when ChorusPage is not mounted
    return useLegacyRouteRef(ref);
  } catch {
    return undefined;
  }
}

/**
 * The overview card linking to the project's Chorus pages (legacy frontend
 * system: no link when the app does not mount `ChorusPage`).
 */
export function AnnotationProjectOverviewCardWithLegacyChorusLink() {
  const project = useLegacyChorusRoute(projectRouteRef);
  const quality = useLegacyChorusRoute(qualityRouteRef);
  return (
    <AnnotationProjectOverviewCard
      projectLink={projectId => project?.({ projectId })}
      qualityLink={projectId => quality?.({ projectId })}
    />
  );
}
