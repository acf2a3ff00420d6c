import { HttpAuthService } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import { AnnotationProjectList } from '@chorus/plugin-annotation-common';
import express from 'express';
import Router from 'express-promise-router';
import { ProjectStore } from '../database';

export interface RouterOptions {
  httpAuth: HttpAuthService;
  projects: ProjectStore;
}

/**
 * The Chorus HTTP API. Every route needs a signed-in user or a service
 * token (the default auth policy of the plugin's http router).
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { httpAuth, projects } = options;
  const router = Router();
  router.use(express.json());

  router.get('/projects', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    const body: AnnotationProjectList = { items: await projects.list() };
    res.json(body);
  });

  router.get('/projects/:id', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    const project = await projects.get(req.params.id);
    if (!project) {
      throw new NotFoundError(`project ${req.params.id} not found`);
    }
    res.json(project);
  });

  return router;
}
