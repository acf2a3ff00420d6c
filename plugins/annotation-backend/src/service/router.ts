import {
  HttpAuthService,
  LoggerService,
  PermissionsRegistryService,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { ResourcePermission } from '@backstage/plugin-permission-common';
import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import {
  annotationItemImportPermission,
  annotationItemLabelPermission,
  annotationProjectCreatePermission,
  annotationProjectReadPermission,
  annotationProjectUpdatePermission,
  AnnotationProjectStatus,
  AnnotationWorkforce,
  describeConfigIssues,
  parseNewProject,
  parseProjectConfig,
} from '@chorus/plugin-annotation-common';
import express from 'express';
import { Config } from '@backstage/config';
import {
  AnnotationStore,
  ItemStore,
  LeaseStore,
  LlmAnnotatorStore,
  LlmJobStore,
  MetricsStore,
  ProjectStore,
  QualityStore,
} from '../database';
import { addWorkRoutes } from './workRoutes';
import { addMetricsRoutes } from './metricsRoutes';
import { addQaRoutes } from './qaRoutes';
import { addLlmAnnotatorRoutes } from './llm/annotatorRoutes';
import { LlmProviderRegistry } from './llm/providers';
import { addLlmJobRoutes } from './llm/jobRoutes';
import { LlmJobRunner } from './llm/LlmJobRunner';
import { ProjectNotifier } from './ProjectNotifier';
import { spec } from '../schema/openapi';
import {
  checkRequests,
  explainValidatorErrors,
  parseJsonBody,
} from '../schema/requestChecks';
import { Caller, callerOf, ProjectAccess } from './access';
import {
  annotationProjectResourceRef,
  holdsWorkforceRole,
} from '../permissions';

/** The largest JSON request body (configs are the big ones). */
export const JSON_BODY_LIMIT_BYTES = 1024 * 1024;

export interface RouterOptions {
  config: Config;
  httpAuth: HttpAuthService;
  userInfo: UserInfoService;
  permissions: PermissionsService;
  permissionsRegistry: PermissionsRegistryService;
  projects: ProjectStore;
  items: ItemStore;
  leases: LeaseStore;
  annotations: AnnotationStore;
  quality: QualityStore;
  metrics: MetricsStore;
  llmAnnotators: LlmAnnotatorStore;
  llmProviders: LlmProviderRegistry;
  llmJobs: LlmJobStore;
  /** Dry runs go through the runner's client, limiter and prompt. */
  llmRunner: Pick<LlmJobRunner, 'annotateOne'>;
  notifier: ProjectNotifier;
  logger?: LoggerService;
}

/**
 * The Chorus HTTP API (see ../schema/openapi.ts). Thin: it identifies the
 * caller, asks the permission framework, and calls the stores.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { httpAuth, userInfo, projects, items } = options;
  // body checks run before the validated router: its error transformer
  // would turn their 413 and 415 into 400
  const outer = express.Router();
  outer.use(parseJsonBody(JSON_BODY_LIMIT_BYTES), checkRequests(spec));
  const router = createValidatedOpenApiRouter(spec, {
    middleware: [(_req, _res, next) => next()], // the body is parsed above
    // the import body is a stream the handler reads line by line
    validatorOptions: { ignorePaths: /\/items\/import$/ },
  });
  outer.use(router, explainValidatorErrors());
  const access = new ProjectAccess(
    options.permissions,
    options.permissionsRegistry.getPermissionRuleset(
      annotationProjectResourceRef,
    ),
  );
  const caller = (req: express.Request) => callerOf(req, httpAuth);

  async function projectFor(id: string) {
    const project = await projects.get(id);
    if (!project) {
      throw new NotFoundError(`project ${id} not found`);
    }
    return project;
  }

  /**
   * The caller and the project, once the caller may do `permission` (any
   * one of a list) on it.
   */
  async function callerIn(
    req: express.Request,
    projectId: string,
    permission:
      | ResourcePermission<'annotation-project'>
      | ResourcePermission<'annotation-project'>[],
    action: string,
  ) {
    const who = await caller(req);
    const project = await projectFor(projectId);
    await access.require(who, project, permission, action);
    return { who, project };
  }

  /**
   * A user creates only projects they will manage (owned by them or one of
   * their groups, or naming one of their groups as managers): nobody makes a
   * project they could not see.
   */
  async function requireManagerOfNew(
    who: Caller,
    project: { owner: string; workforce: AnnotationWorkforce },
  ) {
    if (who.kind !== 'user') {
      return;
    }
    const { ownershipEntityRefs } = await userInfo.getUserInfo(who.credentials);
    if (
      !holdsWorkforceRole(project, {
        roles: ['manager'],
        claims: ownershipEntityRefs,
      })
    ) {
      throw new NotAllowedError(
        `owner: you would not manage this project; make it owned by you or one of your groups (${project.owner} is neither), or name one of your groups in workforce.managers`,
      );
    }
  }

  router.get('/projects', async (req, res) => {
    const who = await caller(req);
    res.json({ items: await access.filter(who, await projects.list()) });
  });

  router.get('/queues', async (req, res) => {
    const who = await caller(req);
    if (who.kind !== 'user') {
      res.json({ items: [] }); // queues are people's work
      return;
    }
    const labelable = await access.filter(
      who,
      (await projects.list()).filter(p => p.status === 'active'),
      annotationItemLabelPermission,
    );
    const queues = await Promise.all(
      labelable.map(async project => {
        const mine = await items.queueFor(project.id, who.ref);
        return {
          project,
          remainingForMe: mine.remaining,
          myAnnotations: mine.annotations,
          mySkips: mine.skips,
        };
      }),
    );
    res.json({ items: queues });
  });

  router.post('/projects', async (req, res) => {
    const who = await caller(req);
    await access.requireBasic(
      who,
      annotationProjectCreatePermission,
      'creating a project',
    );
    const parsed = parseNewProject(req.body);
    if (!parsed.success) {
      throw new InputError(describeConfigIssues(parsed.issues));
    }
    await requireManagerOfNew(who, {
      owner: parsed.project.owner,
      workforce: parsed.config.workforce,
    });
    const created = await projects.create(
      parsed.project,
      parsed.config,
      who.ref,
    );
    res.status(201).json(created);
  });

  router.get('/projects/:projectId', async (req, res) => {
    const { project } = await callerIn(
      req,
      req.params.projectId,
      annotationProjectReadPermission,
      'reading the project',
    );
    res.json(project);
  });

  router.get('/projects/:projectId/config', async (req, res) => {
    const { project } = await callerIn(
      req,
      req.params.projectId,
      annotationProjectReadPermission,
      'reading the configuration',
    );
    const version = req.query.version ? Number(req.query.version) : undefined;
    const config = await projects.getConfig(project.id, version);
    if (!config) {
      throw new NotFoundError(
        `version: project ${project.id} has no config version ${version}`,
      );
    }
    res.json(config);
  });

  router.put('/projects/:projectId/config', async (req, res) => {
    const { who, project } = await callerIn(
      req,
      req.params.projectId,
      annotationProjectUpdatePermission,
      'changing the configuration',
    );
    const parsed = parseProjectConfig(req.body.config);
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
    res.json(
      await projects.updateConfig(
        project.id,
        parsed.config,
        who.ref,
        req.body.expectedVersion,
      ),
    );
  });

  router.put('/projects/:projectId/status', async (req, res) => {
    const { who, project } = await callerIn(
      req,
      req.params.projectId,
      annotationProjectUpdatePermission,
      'changing the status',
    );
    const changed = await projects.setStatus(
      project.id,
      req.body.status as AnnotationProjectStatus,
      who.ref,
    );
    options.notifier.statusChanged(changed, project.status, who.ref);
    res.json(changed);
  });

  router.get('/projects/:projectId/imports', async (req, res) => {
    const { project } = await callerIn(
      req,
      req.params.projectId,
      annotationItemImportPermission,
      'reading imports',
    );
    res.json({ items: await items.listImports(project.id, 50) });
  });

  addWorkRoutes(router, { ...options, callerIn });
  addMetricsRoutes(router, {
    ...options,
    callerIn,
    allows: async (who, project, permission) =>
      (await access.filter(who, [project], permission)).length > 0,
  });
  addQaRoutes(router, { ...options, callerIn, caller, access });
  addLlmAnnotatorRoutes(router, { ...options, callerIn, caller });
  addLlmJobRoutes(router, { ...options, callerIn });

  return outer;
}
