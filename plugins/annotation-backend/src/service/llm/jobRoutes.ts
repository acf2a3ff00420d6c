import { ApiRouter } from '@backstage/backend-openapi-utils';
import { InputError, NotFoundError } from '@backstage/errors';
import {
  annotationProjectMetricsReadPermission,
  annotationProjectUpdatePermission,
  describeConfigIssues,
  evaluateLlmAnswers,
  parseLlmAnnotatorConfig,
} from '@chorus/plugin-annotation-common';
import {
  ItemStore,
  LlmAnnotatorStore,
  LlmJobScope,
  LlmJobStore,
  ProjectStore,
} from '../../database';
import { spec } from '../../schema/openapi';
import { CallerIn } from '../access';
import { LlmJobRunner } from './LlmJobRunner';

/** Items a dry run answers when none are named. */
const DRY_RUN_ITEMS = 3;

export interface LlmJobRouteOptions {
  projects: ProjectStore;
  items: ItemStore;
  llmAnnotators: LlmAnnotatorStore;
  llmJobs: LlmJobStore;
  llmRunner: Pick<LlmJobRunner, 'annotateOne'>;
  callerIn: CallerIn;
}

/**
 * The LLM annotator at work: dry runs, and jobs (start, watch, pause,
 * resume, cancel). Spending (dry runs, jobs) is a manager's; reading
 * progress is also a quality analyst's. The runners in every replica do
 * the work (`LlmJobRunner`); these handlers only talk to the job store.
 */
export function addLlmJobRoutes(
  router: ApiRouter<typeof spec>,
  o: LlmJobRouteOptions,
) {
  router.post(
    '/projects/:projectId/llm-annotators/:annotatorId/dry-run',
    async (req, res) => {
      const { project } = await o.callerIn(
        req,
        req.params.projectId,
        annotationProjectUpdatePermission,
        'dry-running an LLM annotator',
      );
      const { annotatorId } = req.params;
      await o.llmAnnotators.get(project.id, annotatorId);
      let config;
      if (req.body.config !== undefined) {
        const parsed = parseLlmAnnotatorConfig(req.body.config);
        if (!parsed.success) {
          throw new InputError(
            describeConfigIssues(
              parsed.issues.map(i => ({
                ...i,
                path: i.path ? `config.${i.path}` : 'config',
              })),
            ),
          );
        }
        config = parsed.config;
      }
      const items = req.body.itemIds
        ? await Promise.all(
            req.body.itemIds.map(async (id: string) => {
              const item = await o.items.get(project.id, id);
              if (!item) {
                throw new NotFoundError(`item ${id} not found in this project`);
              }
              return item;
            }),
          )
        : await o.items.firstItems(project.id, req.body.count ?? DRY_RUN_ITEMS);
      // one at a time: a dry run is a look, not a load
      const results = [];
      for (const item of items) {
        const run = await o.llmRunner.annotateOne({
          projectId: project.id,
          itemId: item.id,
          annotatorId,
          version: req.body.version,
          config,
        });
        results.push({
          itemId: item.id,
          externalId: item.externalId,
          messages: run.messages,
          result: { ...run.result },
        });
      }
      res.json({ items: results });
    },
  );

  router.post(
    '/projects/:projectId/llm-annotators/:annotatorId/jobs',
    async (req, res) => {
      const { who, project } = await o.callerIn(
        req,
        req.params.projectId,
        annotationProjectUpdatePermission,
        'starting an LLM job',
      );
      const annotator = await o.llmAnnotators.get(
        project.id,
        req.params.annotatorId,
      );
      const version = req.body.version ?? annotator.version;
      // an unknown version is a 404 naming it
      await o.llmAnnotators.version(project.id, annotator.id, version);
      const job = await o.llmJobs.createJob({
        projectId: project.id,
        annotatorId: annotator.id,
        version,
        scope: req.body.scope as LlmJobScope,
        mode: req.body.mode,
        budgetCost: req.body.budgetCost,
        budgetTokens: req.body.budgetTokens,
        actor: who.ref,
      });
      res.status(201).json(job);
    },
  );

  router.get(
    '/projects/:projectId/llm-annotators/:annotatorId/evaluation',
    async (req, res) => {
      const { project } = await o.callerIn(
        req,
        req.params.projectId,
        annotationProjectMetricsReadPermission,
        'reading an LLM evaluation',
      );
      const annotator = await o.llmAnnotators.get(
        project.id,
        req.params.annotatorId,
      );
      const version = req.query.version
        ? Number(req.query.version)
        : annotator.version;
      await o.llmAnnotators.version(project.id, annotator.id, version);
      const targetPrecision = req.query.targetPrecision
        ? Number(req.query.targetPrecision)
        : 0.95;
      const current = await o.projects.getConfig(
        project.id,
        project.configVersion,
      );
      const rows = await o.llmJobs.evaluationRows(annotator.id, version);
      const label = (value: unknown) =>
        typeof value === 'string' || typeof value === 'number'
          ? value
          : undefined;
      res.json({
        version,
        targetPrecision,
        questions: current!.config.questions
          .filter(
            q => q.type === 'single-choice' || q.type === 'ordinal-rating',
          )
          .map(q => ({
            id: q.id,
            title: q.title,
            type: q.type,
            evaluation: {
              ...evaluateLlmAnswers(
                rows.map(r => ({
                  llm:
                    r.status === 'answered'
                      ? label(r.answer?.[q.id])
                      : undefined,
                  confidence: r.confidence,
                  truth: label(r.gold?.[q.id]),
                  consensus: label(r.consensus?.[q.id]),
                  cost: r.cost,
                })),
                { targetPrecision },
              ),
            },
          })),
      });
    },
  );

  router.get('/projects/:projectId/llm-jobs', async (req, res) => {
    const { project } = await o.callerIn(
      req,
      req.params.projectId,
      annotationProjectMetricsReadPermission,
      'reading LLM jobs',
    );
    res.json({ items: await o.llmJobs.list(project.id) });
  });

  router.get('/projects/:projectId/llm-jobs/:jobId', async (req, res) => {
    const { project } = await o.callerIn(
      req,
      req.params.projectId,
      annotationProjectMetricsReadPermission,
      'reading an LLM job',
    );
    res.json(await o.llmJobs.progress(project.id, req.params.jobId));
  });

  router.post(
    '/projects/:projectId/llm-jobs/:jobId/:action',
    async (req, res) => {
      const { who, project } = await o.callerIn(
        req,
        req.params.projectId,
        annotationProjectUpdatePermission,
        'controlling an LLM job',
      );
      const { jobId, action } = req.params;
      const control = {
        pause: () => o.llmJobs.pause(project.id, jobId, who.ref),
        resume: () => o.llmJobs.resume(project.id, jobId, who.ref),
        cancel: () => o.llmJobs.cancel(project.id, jobId, who.ref),
      }[action];
      res.json(await control());
    },
  );
}
