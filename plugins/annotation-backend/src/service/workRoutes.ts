import { Config } from '@backstage/config';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  annotationItemImportPermission,
  annotationItemLabelPermission,
  AnnotationProjectRecord,
  annotationProjectMetricsReadPermission,
  answerReadsItemData,
  describeConfigIssues,
  isLabelingOpen,
  validateAnswer,
} from '@chorus/plugin-annotation-common';
import express from 'express';
import {
  AnnotationStore,
  ItemStore,
  LeaseStore,
  ProjectStore,
  QualityStore,
  LlmAnnotatorStore,
  LlmJobStore,
} from '../database';
import { ApiRouter } from '@backstage/backend-openapi-utils';
import { spec } from '../schema/openapi';
import { CallerIn } from './access';
import {
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from '../schema/requestChecks';
import { ProjectNotifier } from './ProjectNotifier';
import { ItemEvaluator } from './quality/ItemEvaluator';
import { PrelabelSuggestions } from './llm/prelabel';
import { currentConfigReader } from './projectConfigs';
import {
  DEFAULT_IMPORT_LIMITS,
  importItems,
  ImportLimits,
} from './importItems';

export interface WorkRouteOptions {
  config: Config;
  projects: ProjectStore;
  items: ItemStore;
  leases: LeaseStore;
  annotations: AnnotationStore;
  quality: QualityStore;
  /** LLM answers, for the roles that act on consensus and leases. */
  llmJobs?: LlmJobStore;
  llmAnnotators?: LlmAnnotatorStore;
  notifier: ProjectNotifier;
  callerIn: CallerIn;
}

/** Per annotator: the item they work on and one prefetched. */
const MAX_HELD_LEASES = 2;

export function readImportLimits(config: Config): ImportLimits {
  const c = config.getOptionalConfig('annotation.import');
  return {
    maxLineBytes:
      c?.getOptionalNumber('maxLineBytes') ??
      DEFAULT_IMPORT_LIMITS.maxLineBytes,
    maxBodyBytes:
      c?.getOptionalNumber('maxBodyBytes') ??
      DEFAULT_IMPORT_LIMITS.maxBodyBytes,
    batchSize:
      c?.getOptionalNumber('batchSize') ?? DEFAULT_IMPORT_LIMITS.batchSize,
  };
}

/**
 * Import, leases and submissions. The typed OpenAPI router is passed in; the
 * handlers identify the caller, check their tier, then call the stores.
 */
export function addWorkRoutes(
  router: ApiRouter<typeof spec>,
  o: WorkRouteOptions,
) {
  const limits = readImportLimits(o.config);
  const evaluator = new ItemEvaluator(o);
  const prelabels = new PrelabelSuggestions(o);

  const currentConfig = currentConfigReader(o.projects);

  /** Labeling is a person's work: a service cannot hold a lease. */
  async function annotatorIn(
    req: express.Request,
    projectId: string,
    action: string,
  ) {
    const found = await o.callerIn(
      req,
      projectId,
      annotationItemLabelPermission,
      action,
    );
    if (found.who.kind !== 'user') {
      throw new NotAllowedError(`${action} needs a signed-in annotator`);
    }
    return found;
  }

  function requireOpen(project: AnnotationProjectRecord) {
    if (!isLabelingOpen(project.status)) {
      throw new ConflictError(
        `project ${project.name} is ${project.status}; labeling needs an active project`,
      );
    }
  }

  router.post('/projects/:projectId/items/import', async (req, res) => {
    const { who, project } = await o.callerIn(
      req,
      req.params.projectId,
      annotationItemImportPermission,
      'importing items',
    );
    if (project.status === 'archived') {
      throw new ConflictError(`project ${project.name} is archived`);
    }
    if (
      !/^application\/(x-)?ndjson|^application\/jsonl/.test(
        req.headers['content-type'] ?? '',
      )
    ) {
      throw new UnsupportedMediaTypeError(
        `Content-Type: application/x-ndjson expected (one JSON object per line), got ${
          req.headers['content-type'] ?? 'none'
        }`,
      );
    }
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > limits.maxBodyBytes) {
      throw new PayloadTooLargeError(
        `body: at most ${limits.maxBodyBytes} bytes expected (annotation.import.maxBodyBytes), got ${length}; nothing was stored`,
      );
    }
    const { config } = await currentConfig(project);
    const summary = await importItems({
      projectId: project.id,
      actor: who.ref,
      config,
      body: req,
      items: o.items,
      limits,
    });
    o.notifier.progressChanged(project);
    if (summary.truncated) {
      throw new PayloadTooLargeError(summary.truncated);
    }
    res.json(summary);
  });

  router.post('/projects/:projectId/next', async (req, res) => {
    const { who, project } = await annotatorIn(
      req,
      req.params.projectId,
      'asking for work',
    );
    requireOpen(project);
    const { version, config } = await currentConfig(project);
    const lease = await o.leases.next({
      projectId: project.id,
      annotator: who.ref,
      overlap: config.overlap,
      ordering: config.ordering,
      ttlMs: config.leaseTtlSeconds * 1000,
      maxHeld: MAX_HELD_LEASES,
      exclude: req.body?.exclude,
      goldRate: config.quality.goldRate,
    });
    if (!lease) {
      res.status(204).end();
      return;
    }
    const suggestion = await prelabels.forItem(
      project.id,
      lease.item.id,
      config,
    );
    // never the gold answer, predictions or others' answers: blind by
    // design; a gold item's lease looks exactly like any other. A
    // `prelabel` LLM answer comes as a suggestion, marked as such.
    res.json({
      token: lease.token,
      expiresAt: lease.expiresAt,
      configVersion: version,
      item: {
        id: lease.item.id,
        externalId: lease.item.externalId,
        data: lease.item.data,
      },
      ...(suggestion ? { suggestion } : {}),
    });
  });

  router.post(
    '/projects/:projectId/leases/:token/heartbeat',
    async (req, res) => {
      const { who, project } = await annotatorIn(
        req,
        req.params.projectId,
        'extending a lease',
      );
      const { config } = await currentConfig(project);
      res.json(
        await o.leases.heartbeat(
          project.id,
          req.params.token,
          who.ref,
          config.leaseTtlSeconds * 1000,
        ),
      );
    },
  );

  router.delete('/projects/:projectId/leases/:token', async (req, res) => {
    const { who, project } = await annotatorIn(
      req,
      req.params.projectId,
      'releasing a lease',
    );
    await o.leases.release(project.id, req.params.token, who.ref);
    res.status(204).end();
  });

  router.post('/projects/:projectId/leases/:token/skip', async (req, res) => {
    const { who, project } = await annotatorIn(
      req,
      req.params.projectId,
      'skipping an item',
    );
    await o.leases.skip(project.id, req.params.token, who.ref, req.body.reason);
    o.notifier.progressChanged(project);
    res.status(204).end();
  });

  router.post(
    '/projects/:projectId/items/:itemId/annotations',
    async (req, res) => {
      const { who, project } = await annotatorIn(
        req,
        req.params.projectId,
        'answering',
      );
      requireOpen(project);
      const { version, config } = await currentConfig(project);
      const itemId = req.params.itemId;
      // the item is read only when the answer's check needs its data: a
      // round trip saved on every choice or rating answer
      let data: unknown;
      if (answerReadsItemData(config)) {
        const item = await o.items.get(project.id, itemId);
        if (!item) {
          throw new NotFoundError(`item ${itemId} not found in this project`);
        }
        data = item.data;
      }
      const issues = validateAnswer(config, data, req.body.answer);
      if (issues.length) {
        throw new InputError(describeConfigIssues(issues));
      }
      const result = await o.annotations.submit({
        projectId: project.id,
        annotator: who.ref,
        itemId,
        token: req.body.token,
        answer: req.body.answer,
        configVersion: version,
        overlap: config.overlap,
        timeSpentMs: req.body.timeSpentMs ?? 0,
        idempotencyKey: req.body.idempotencyKey,
        allowEdit: config.allowEditUntilResolved,
        questions: config.questions,
      });
      // the answer that completes an item (or changes one of a complete
      // item still undecided) decides it before the response, so the
      // annotator's next request already sees an item reopened for one
      // more annotator
      const evaluated =
        !result.honeypot && (result.itemCompleted || result.completeItemEdited)
          ? await evaluator.evaluate({
              projectId: project.id,
              itemId,
              configVersion: version,
              config,
            })
          : undefined;
      if (result.outcome !== 'replayed') {
        o.notifier.progressChanged(project);
      }
      // `honeypot` stays here: the annotator must not tell gold items apart
      res.status(result.outcome === 'created' ? 201 : 200).json({
        annotation: result.annotation,
        outcome: result.outcome,
        itemCompleted: result.itemCompleted,
      });
      if (result.itemCompleted) {
        o.notifier.itemCompleted(
          project,
          { id: itemId, externalId: result.externalId },
          config.overlap,
        );
      }
      if (evaluated?.escalationId) {
        o.notifier.itemEscalated(project, {
          itemId,
          escalationId: evaluated.escalationId,
          reasons: evaluated.reasons,
        });
      }
    },
  );

  router.get('/projects/:projectId/progress', async (req, res) => {
    const { project } = await o.callerIn(
      req,
      req.params.projectId,
      annotationProjectMetricsReadPermission,
      'reading progress',
    );
    res.json(await o.items.progress(project.id, { medians: true }));
  });
}
