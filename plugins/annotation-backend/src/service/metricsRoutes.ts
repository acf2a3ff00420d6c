import { ApiRouter } from '@backstage/backend-openapi-utils';
import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, InputError } from '@backstage/errors';
import { ResourcePermission } from '@backstage/plugin-permission-common';
import {
  AnnotationProjectRecord,
  annotationProjectMetricsReadPermission,
  annotationProjectUpdatePermission,
  AnnotatorQuality,
  llmRaterName,
  QualityMetrics,
  VolumeBucketSize,
} from '@chorus/plugin-annotation-common';
import {
  ItemStore,
  MetricsStore,
  ProjectStore,
  QualityFit,
  QualityStore,
} from '../database';
import { spec } from '../schema/openapi';
import { Caller, CallerIn } from './access';
import { refitProject } from './quality/refit';

export interface MetricsRouteOptions {
  projects: ProjectStore;
  items: ItemStore;
  quality: QualityStore;
  metrics: MetricsStore;
  logger?: LoggerService;
  callerIn: CallerIn;
  /** Whether the caller may do `permission` on the project. */
  allows: (
    who: Caller,
    project: AnnotationProjectRecord,
    permission: ResourcePermission<'annotation-project'>,
  ) => Promise<boolean>;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Per bucket size: its length, the default window and the longest one, so a
 * request reads a bounded slice of the volume index (at most a few hundred
 * buckets) however old the project.
 */
const BUCKETS: Record<
  VolumeBucketSize,
  { ms: number; defaultDays: number; maxDays: number }
> = {
  hour: { ms: HOUR, defaultDays: 2, maxDays: 14 },
  day: { ms: DAY, defaultDays: 30, maxDays: 366 },
};

/** The volume window a request asks for, checked. */
function volumeWindow(query: { bucket?: string; since?: string }, now: number) {
  const bucket = (query.bucket ?? 'day') as VolumeBucketSize;
  const size = BUCKETS[bucket];
  let from = now - size.defaultDays * DAY;
  if (query.since !== undefined) {
    from = Date.parse(query.since);
    if (!/^\d{4}-\d{2}-\d{2}/.test(query.since) || Number.isNaN(from)) {
      throw new InputError(
        `since: a date-time expected (ISO 8601, e.g. 2026-11-01T00:00:00Z), got "${query.since}"`,
      );
    }
    if (from >= now) {
      throw new InputError(
        `since: a time in the past expected, got ${query.since}`,
      );
    }
    if (from < now - size.maxDays * DAY) {
      throw new InputError(
        `since: at most ${size.maxDays} days ago expected with bucket=${bucket}, got ${query.since}`,
      );
    }
  }
  return { bucket, from, to: now, bucketMs: size.ms };
}

/**
 * The annotator table: activity, medians, gold, fit figures; people first,
 * then the voting LLM annotators the latest fit estimated (their activity
 * is their answers in that fit; they have no gold standing here, the LLM
 * annotator's evaluation scores them on gold).
 */
function annotatorRows(
  progress: Awaited<ReturnType<ItemStore['progress']>>,
  gold: Awaited<ReturnType<QualityStore['goldStats']>>,
  fit: QualityFit | undefined,
  minGoldAccuracy: number,
): AnnotatorQuality[] {
  const goldOf = new Map(gold.map(g => [g.annotator, g]));
  const names = new Set([
    ...progress.annotators.map(a => a.annotator),
    ...gold.map(g => g.annotator),
  ]);
  const llmRaters = new Set(
    [
      ...Object.keys(fit?.annotators ?? {}),
      ...Object.values(fit?.models ?? {}).flatMap(m => Object.keys(m.accuracy)),
    ].filter(rater => llmRaterName(rater) !== undefined),
  );
  const activity = new Map(progress.annotators.map(a => [a.annotator, a]));
  return [...[...names].sort(), ...[...llmRaters].sort()].map(annotator => {
    const llmAnnotator = llmRaterName(annotator);
    const a = activity.get(annotator);
    const g = goldOf.get(annotator);
    const tally = fit?.annotators?.[annotator];
    const dawidSkeneAccuracy: Record<string, number> = {};
    for (const [question, model] of Object.entries(fit?.models ?? {})) {
      if (annotator in model.accuracy) {
        dawidSkeneAccuracy[question] = model.accuracy[annotator];
      }
    }
    return {
      annotator,
      ...(llmAnnotator !== undefined ? { llmAnnotator } : {}),
      annotations:
        llmAnnotator !== undefined ? tally?.answers ?? 0 : a?.annotations ?? 0,
      skips: a?.skips ?? 0,
      timeSpentMs: a?.timeSpentMs ?? 0,
      ...(a?.medianTimeMs !== undefined
        ? { medianTimeMs: a.medianTimeMs }
        : {}),
      ...(tally?.compared
        ? { consensusAgreement: tally.agreed / tally.compared }
        : {}),
      consensusCompared: tally?.compared ?? 0,
      ...(g
        ? {
            gold: {
              answered: g.answered,
              correct: g.correct,
              accuracy: g.accuracy,
            },
          }
        : {}),
      belowMinGoldAccuracy:
        minGoldAccuracy > 0 && !!g?.answered && g.accuracy < minGoldAccuracy,
      dawidSkeneAccuracy,
    };
  });
}

/**
 * The quality dashboard's read model and the manager's "recompute now".
 * Thin: the figures come from the stores (counters, indexed windows, the
 * latest fit), never from a scan of the project's answers per request.
 */
export function addMetricsRoutes(
  router: ApiRouter<typeof spec>,
  o: MetricsRouteOptions,
) {
  router.get('/projects/:projectId/metrics/quality', async (req, res) => {
    const { who, project } = await o.callerIn(
      req,
      req.params.projectId,
      annotationProjectMetricsReadPermission,
      'reading quality metrics',
    );
    const now = Date.now();
    const window = volumeWindow(req.query, now);
    const current = project.configVersion
      ? await o.projects.getConfig(project.id, project.configVersion)
      : undefined;
    const [progress, quality, volume, gold, fit, escalations, canRefit] =
      await Promise.all([
        o.items.progress(project.id, { medians: true }),
        o.metrics.qualityCounts(project.id),
        o.metrics.volume(project.id, window),
        o.quality.goldStats(project.id),
        o.quality.latestFit(project.id),
        o.metrics.escalationCounts(project.id),
        o.allows(who, project, annotationProjectUpdatePermission),
      ]);
    const minGoldAccuracy = current?.config.quality.minGoldAccuracy ?? 0;
    const questions = current?.config.questions ?? [];
    const body: QualityMetrics = {
      generatedAt: new Date(now).toISOString(),
      progress: {
        items: progress.items,
        completionRate: progress.items.total
          ? progress.items.complete / progress.items.total
          : 0,
        quality,
        annotations: progress.annotations,
        skips: progress.skips,
      },
      volume: {
        bucket: window.bucket,
        since: new Date(
          volume[0]?.start ??
            Math.floor(window.from / window.bucketMs) * window.bucketMs,
        ).toISOString(),
        until: new Date(now).toISOString(),
        points: volume.map(b => ({
          start: new Date(b.start).toISOString(),
          human: b.human,
          qa: b.qa,
        })),
      },
      annotators: annotatorRows(progress, gold, fit, minGoldAccuracy),
      minGoldAccuracy,
      ...(fit
        ? {
            agreement: {
              configVersion: fit.configVersion,
              current: fit.configVersion === project.configVersion,
              fittedAt: fit.fittedAt,
              itemsUsed: fit.itemsUsed,
              answersUsed: fit.answersUsed,
              // the current questions, in config order, that the fit measured
              questions: questions
                .filter(q => fit.agreement[q.id])
                .map(q => ({
                  id: q.id,
                  title: q.title,
                  type: q.type,
                  measures: fit.agreement[q.id],
                  labels: fit.labelAgreement?.[q.id] ?? [],
                })),
            },
          }
        : {}),
      escalations,
      canRefit,
    };
    res.json(body);
  });

  router.post('/projects/:projectId/quality/refit', async (req, res) => {
    const { project } = await o.callerIn(
      req,
      req.params.projectId,
      annotationProjectUpdatePermission,
      'recomputing quality',
    );
    const result = await refitProject(o, project.id, { force: true });
    if (result.status === 'no-config') {
      throw new ConflictError(
        `project ${project.name} has no configuration yet`,
      );
    }
    const { configVersion, fittedAt, itemsUsed, answersUsed } = result.fit;
    res.json({ configVersion, fittedAt, itemsUsed, answersUsed });
  });
}
