import {
  HttpAuthService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';
import { InputError, NotFoundError } from '@backstage/errors';
import {
  AnnotationProjectStatus,
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
  ProjectStore,
} from '../database';
import { addWorkRoutes } from './workRoutes';
import { spec } from '../schema/openapi';
import { rejectUnknownBodyFields } from '../schema/unknownFields';
import { callerOf, requireRole, rolesIn } from './access';

export interface RouterOptions {
  config: Config;
  httpAuth: HttpAuthService;
  userInfo: UserInfoService;
  projects: ProjectStore;
  items: ItemStore;
  leases: LeaseStore;
  annotations: AnnotationStore;
}

/**
 * The Chorus HTTP API (see ../schema/openapi.ts). Thin: it identifies the
 * caller, checks their tier in the project, and calls the stores.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { httpAuth, userInfo, projects } = options;
  const router = createValidatedOpenApiRouter(spec, {
    middleware: [express.json({ limit: '1mb' }), rejectUnknownBodyFields(spec)],
    // the import body is a stream the handler reads line by line
    validatorOptions: { ignorePaths: /\/items\/import$/ },
  });
  const caller = (req: express.Request) => callerOf(req, httpAuth, userInfo);

  async function projectFor(id: string) {
    const project = await projects.get(id);
    if (!project) {
      throw new NotFoundError(`project ${id} not found`);
    }
    return project;
  }

  async function callerIn(req: express.Request, projectId: string) {
    const who = await caller(req);
    const project = await projectFor(projectId);
    return { who, project, roles: rolesIn(project, who) };
  }

  router.get('/projects', async (req, res) => {
    await caller(req);
    res.json({ items: await projects.list() });
  });

  router.post('/projects', async (req, res) => {
    const who = await caller(req);
    const parsed = parseNewProject(req.body);
    if (!parsed.success) {
      throw new InputError(describeConfigIssues(parsed.issues));
    }
    const created = await projects.create(
      parsed.project,
      parsed.config,
      who.ref,
    );
    res.status(201).json(created);
  });

  router.get('/projects/:projectId', async (req, res) => {
    await caller(req);
    res.json(await projectFor(req.params.projectId));
  });

  router.get('/projects/:projectId/config', async (req, res) => {
    const { project, roles } = await callerIn(req, req.params.projectId);
    requireRole(
      roles,
      ['annotator', 'qualityAnalyst', 'manager'],
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
    const { who, project, roles } = await callerIn(req, req.params.projectId);
    requireRole(roles, 'manager', 'changing the configuration');
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
    const { who, project, roles } = await callerIn(req, req.params.projectId);
    requireRole(roles, 'manager', 'changing the status');
    res.json(
      await projects.setStatus(
        project.id,
        req.body.status as AnnotationProjectStatus,
        who.ref,
      ),
    );
  });

  addWorkRoutes(router, { ...options, callerIn });

  return router;
}
