import { Config } from '@backstage/config';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { ApiRouter } from '@backstage/backend-openapi-utils';
import {
  annotationItemReviewPermission,
  AnnotationProjectRecord,
  annotationProjectMetricsReadPermission,
  answerReadsItemData,
  describeConfigIssues,
  EscalationReason,
  EscalationStatus,
  isQaOpen,
  validateAnswer,
} from '@chorus/plugin-annotation-common';
import express from 'express';
import {
  AnnotationStore,
  Escalation,
  ItemStore,
  ProjectStore,
  QaDecision,
  QualityStore,
} from '../database';
import { spec } from '../schema/openapi';
import { Caller, CallerIn, ProjectAccess } from './access';
import { readDurationMs } from './durations';
import { currentConfigReader } from './projectConfigs';
import { ProjectNotifier } from './ProjectNotifier';

export interface QaRouteOptions {
  config: Config;
  projects: ProjectStore;
  items: ItemStore;
  annotations: AnnotationStore;
  quality: QualityStore;
  notifier: ProjectNotifier;
  access: ProjectAccess;
  caller: (req: express.Request) => Promise<Caller>;
  callerIn: CallerIn;
}

/** How long an analyst holds an escalation without a heartbeat. */
export const DEFAULT_QA_CLAIM_TTL_MS = 10 * 60 * 1000;
const DEFAULT_PAGE = 50;
const MAX_PAGE = 200;

/** Stands for a hidden annotator where there is no answer order to number. */
const HIDDEN_ANNOTATOR = 'an annotator';

/**
 * How annotators are named to QA: themselves, or (when the project hides
 * them) "annotator 1", "annotator 2"… in the order of their answers, so the
 * same person keeps one name across the item's answers and reasons.
 */
export function annotatorNames(
  answerOrder: string[],
  shown: boolean,
): (ref: string) => string {
  if (shown) {
    return ref => ref;
  }
  const numbers = new Map<string, number>();
  answerOrder.forEach(ref => {
    if (!numbers.has(ref)) {
      numbers.set(ref, numbers.size + 1);
    }
  });
  return ref => {
    if (!numbers.has(ref)) {
      numbers.set(ref, numbers.size + 1);
    }
    return `annotator ${numbers.get(ref)}`;
  };
}

/**
 * The escalation with the annotators in its reasons named by `name`; by
 * default shown, or hidden without a number (lists and decisions have no
 * answer order to number them by).
 */
function withNames<E extends Escalation>(
  escalation: E,
  name: boolean | ((ref: string) => string),
): E {
  if (name === true) {
    return escalation;
  }
  const rename = name === false ? () => HIDDEN_ANNOTATOR : name;
  const reasons = escalation.reasons.map(
    (r): EscalationReason =>
      r.code === 'annotator-flag'
        ? { ...r, annotator: rename(r.annotator) }
        : r,
  );
  return { ...escalation, reasons };
}

/**
 * The quality analysts' queue: the escalation backlog, the QA claim (an
 * escalation held by one analyst, like an annotator's lease) and its
 * decisions. Resolving is a quality analyst's work (the review permission);
 * managers read the backlog through the metrics permission.
 */
export function addQaRoutes(router: ApiRouter<typeof spec>, o: QaRouteOptions) {
  const claimTtlMs = readDurationMs(
    o.config,
    'annotation.qa.claimTtl',
    DEFAULT_QA_CLAIM_TTL_MS,
  );
  const currentConfig = currentConfigReader(o.projects);

  /** QA is a person's work: a service cannot hold a claim. */
  async function analystIn(
    req: express.Request,
    projectId: string,
    action: string,
  ) {
    const found = await o.callerIn(
      req,
      projectId,
      annotationItemReviewPermission,
      action,
    );
    if (found.who.kind !== 'user') {
      throw new NotAllowedError(`${action} needs a signed-in quality analyst`);
    }
    return found;
  }

  function requireQaOpen(project: AnnotationProjectRecord) {
    if (!isQaOpen(project.status)) {
      throw new ConflictError(
        `project ${project.name} is ${project.status}; QA needs an active or paused project`,
      );
    }
  }

  async function showsAnnotators(project: AnnotationProjectRecord) {
    return (await currentConfig(project)).config.quality.qaSeesAnnotators;
  }

  /** The analyst's claim named in the path. */
  async function claimIn(
    req: express.Request & { params: { projectId: string; token: string } },
    action: string,
  ) {
    const { who, project } = await analystIn(req, req.params.projectId, action);
    const claim: QaDecision = {
      projectId: project.id,
      token: req.params.token,
      analyst: who.ref,
    };
    return { who, project, claim };
  }

  /** After a decision: an event for other plugins, a signal for pages. */
  async function announce(
    project: AnnotationProjectRecord,
    escalation: Escalation,
  ) {
    o.notifier.progressChanged(project);
    const item = await o.items.get(project.id, escalation.itemId);
    o.notifier.escalationResolved(
      project,
      item ?? { id: escalation.itemId },
      escalation,
    );
  }

  router.get('/qa/queues', async (req, res) => {
    const who = await o.caller(req);
    if (who.kind !== 'user') {
      res.json({ items: [] }); // QA queues are people's work
      return;
    }
    const reviewable = await o.access.filter(
      who,
      (await o.projects.list()).filter(p => isQaOpen(p.status)),
      annotationItemReviewPermission,
    );
    const items = await Promise.all(
      reviewable.map(async project => ({
        project,
        open: await o.quality.openEscalations(project.id),
      })),
    );
    res.json({ items });
  });

  router.get('/projects/:projectId/escalations', async (req, res) => {
    const { project } = await o.callerIn(
      req,
      req.params.projectId,
      [annotationProjectMetricsReadPermission, annotationItemReviewPermission],
      'reading the escalations',
    );
    const limit =
      req.query.limit === undefined ? DEFAULT_PAGE : Number(req.query.limit);
    if (!(limit >= 1 && limit <= MAX_PAGE)) {
      throw new InputError(
        `limit: an integer from 1 to ${MAX_PAGE} expected, got ${req.query.limit}`,
      );
    }
    const [page, open, shown] = await Promise.all([
      o.quality.listEscalations(project.id, {
        status: (req.query.status ?? 'open') as EscalationStatus,
        limit,
        cursor: req.query.cursor,
      }),
      o.quality.openEscalations(project.id),
      showsAnnotators(project),
    ]);
    res.json({
      items: page.items.map(e => withNames(e, shown)),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      open,
    });
  });

  router.post('/projects/:projectId/qa/next', async (req, res) => {
    const { who, project } = await analystIn(
      req,
      req.params.projectId,
      'claiming an escalation',
    );
    requireQaOpen(project);
    const claim = await o.quality.claimQa(project.id, who.ref, claimTtlMs);
    if (!claim) {
      res.status(204).end();
      return;
    }
    const { itemId } = claim.escalation;
    const [{ version, config }, item, answers, outcome] = await Promise.all([
      currentConfig(project),
      o.items.get(project.id, itemId),
      o.annotations.listForItem(project.id, itemId),
      o.quality.outcome(itemId),
    ]);
    if (!item) {
      throw new NotFoundError(`item ${itemId} not found in this project`);
    }
    const shown = config.quality.qaSeesAnnotators;
    const name = annotatorNames(
      answers.map(a => a.annotator),
      shown,
    );
    res.json({
      token: claim.token,
      expiresAt: claim.expiresAt,
      configVersion: version,
      escalation: withNames(
        {
          ...claim.escalation,
          claimedBy: claim.analyst,
          claimExpiresAt: claim.expiresAt,
        },
        name,
      ),
      item: {
        id: item.id,
        externalId: item.externalId,
        data: item.data,
        ...(item.predictions !== undefined
          ? { predictions: item.predictions }
          : {}),
        ...(item.gold !== undefined ? { gold: item.gold } : {}),
      },
      answers: answers.map(a => ({
        annotator: name(a.annotator),
        answer: a.answer as Record<string, unknown>,
        configVersion: a.configVersion,
        timeSpentMs: a.timeSpentMs,
        createdAt: a.createdAt,
        updatedAt: a.updatedAt,
      })),
      annotatorsShown: shown,
      ...(outcome
        ? {
            outcome: {
              status: outcome.status,
              agreement: outcome.agreement,
              ...(outcome.answer ? { answer: outcome.answer } : {}),
              ...(outcome.method ? { method: outcome.method } : {}),
              ...(outcome.confidence !== undefined
                ? { confidence: outcome.confidence }
                : {}),
              ...(outcome.guidance !== undefined
                ? { guidance: outcome.guidance }
                : {}),
            },
          }
        : {}),
    });
  });

  router.post('/projects/:projectId/qa/:token/resolve', async (req, res) => {
    const { project, claim } = await claimIn(req, 'resolving an escalation');
    requireQaOpen(project);
    const { config } = await currentConfig(project);
    // the item is read only when a question's check needs its data
    let data: unknown;
    if (answerReadsItemData(config)) {
      const held = await o.quality.heldEscalation(claim);
      if (!held) {
        throw new NotFoundError(`QA claim ${claim.token} not found`);
      }
      data = (await o.items.get(project.id, held.itemId))?.data;
    }
    const issues = validateAnswer(config, data, req.body.answer);
    if (issues.length) {
      throw new InputError(describeConfigIssues(issues));
    }
    const decided = await o.quality.resolveQa({
      ...claim,
      answer: req.body.answer,
      ...(req.body.note !== undefined ? { note: req.body.note } : {}),
    });
    res.json({
      escalation: withNames(
        decided.escalation,
        config.quality.qaSeesAnnotators,
      ),
      replayed: decided.replayed,
    });
    if (!decided.replayed) {
      await announce(project, decided.escalation);
    }
  });

  router.post('/projects/:projectId/qa/:token/send-back', async (req, res) => {
    const { project, claim } = await claimIn(req, 'sending an item back');
    requireQaOpen(project);
    const guidance: string = req.body.guidance;
    if (!guidance.trim()) {
      throw new InputError(
        'guidance: text saying what the annotators should look at expected, got only spaces',
      );
    }
    const { config } = await currentConfig(project);
    const decided = await o.quality.sendBack({
      ...claim,
      guidance,
      overlap: config.overlap,
    });
    res.json({
      escalation: withNames(
        decided.escalation,
        config.quality.qaSeesAnnotators,
      ),
      replayed: decided.replayed,
    });
    if (!decided.replayed) {
      await announce(project, decided.escalation);
    }
  });

  router.post('/projects/:projectId/qa/:token/heartbeat', async (req, res) => {
    const { claim } = await claimIn(req, 'extending a QA claim');
    res.json(await o.quality.heartbeatQa(claim, claimTtlMs));
  });

  router.delete('/projects/:projectId/qa/:token', async (req, res) => {
    const { claim } = await claimIn(req, 'releasing a QA claim');
    await o.quality.releaseQa(claim);
    res.status(204).end();
  });
}
