import { ApiRouter } from '@backstage/backend-openapi-utils';
import { InputError } from '@backstage/errors';
import {
  AnnotationProjectRecord,
  annotationProjectMetricsReadPermission,
  annotationProjectUpdatePermission,
  checkLlmAnnotatorConfig,
  ConfigIssue,
  describeConfigIssues,
  LlmAnnotatorConfig,
  parseLlmAnnotatorConfig,
} from '@chorus/plugin-annotation-common';
import express from 'express';
import { ItemStore, LlmAnnotatorStore, ProjectStore } from '../../database';
import { spec } from '../../schema/openapi';
import { Caller, CallerIn } from '../access';
import { LlmProviderRegistry } from './providers';

/** Items whose data fields a template may read, besides the questions'. */
const SAMPLE_ITEMS = 20;

export interface LlmAnnotatorRouteOptions {
  projects: ProjectStore;
  items: ItemStore;
  llmAnnotators: LlmAnnotatorStore;
  llmProviders: LlmProviderRegistry;
  caller: (req: express.Request) => Promise<Caller>;
  callerIn: CallerIn;
}

/**
 * The LLM annotator's configs: providers, and per project its annotators,
 * each change a new immutable version. Managers write; managers and
 * quality analysts read.
 */
export function addLlmAnnotatorRoutes(
  router: ApiRouter<typeof spec>,
  o: LlmAnnotatorRouteOptions,
) {
  /** The config, parsed and checked against the project; 400 naming each issue. */
  async function checkedConfig(
    project: AnnotationProjectRecord,
    input: unknown,
  ): Promise<LlmAnnotatorConfig> {
    const parsed = parseLlmAnnotatorConfig(input);
    const issues: ConfigIssue[] = [];
    if (!parsed.success) {
      issues.push(...parsed.issues);
    } else {
      if (!o.llmProviders.has(parsed.config.provider)) {
        const known = o.llmProviders.list().map(p => p.id);
        issues.push({
          path: 'provider',
          message: `one of the configured providers expected (${
            known.join(', ') || 'none is configured'
          })`,
        });
      }
      const current = await o.projects.getConfig(
        project.id,
        project.configVersion,
      );
      const sample = await o.items.firstItems(project.id, SAMPLE_ITEMS);
      issues.push(
        ...checkLlmAnnotatorConfig(
          parsed.config,
          current!.config,
          sample.map(i => i.data),
        ),
      );
    }
    if (issues.length || !parsed.success) {
      throw new InputError(
        describeConfigIssues(
          issues.map(i => ({
            ...i,
            path: i.path ? `config.${i.path}` : 'config',
          })),
        ),
      );
    }
    return parsed.config;
  }

  router.get('/llm/providers', async (req, res) => {
    await o.caller(req); // any signed-in user or service
    res.json({ items: o.llmProviders.list() });
  });

  router.get('/projects/:projectId/llm-annotators', async (req, res) => {
    const { project } = await o.callerIn(
      req,
      req.params.projectId,
      annotationProjectMetricsReadPermission,
      'reading LLM annotators',
    );
    res.json({ items: await o.llmAnnotators.list(project.id) });
  });

  router.post('/projects/:projectId/llm-annotators', async (req, res) => {
    const { who, project } = await o.callerIn(
      req,
      req.params.projectId,
      annotationProjectUpdatePermission,
      'creating an LLM annotator',
    );
    const config = await checkedConfig(project, req.body.config);
    res
      .status(201)
      .json(
        await o.llmAnnotators.create(
          project.id,
          req.body.name,
          config,
          who.ref,
        ),
      );
  });

  router.get(
    '/projects/:projectId/llm-annotators/:annotatorId',
    async (req, res) => {
      const { project } = await o.callerIn(
        req,
        req.params.projectId,
        annotationProjectMetricsReadPermission,
        'reading an LLM annotator',
      );
      const { annotatorId } = req.params;
      res.json({
        annotator: await o.llmAnnotators.get(project.id, annotatorId),
        versions: await o.llmAnnotators.versions(project.id, annotatorId),
      });
    },
  );

  router.put(
    '/projects/:projectId/llm-annotators/:annotatorId',
    async (req, res) => {
      const { who, project } = await o.callerIn(
        req,
        req.params.projectId,
        annotationProjectUpdatePermission,
        'changing an LLM annotator',
      );
      // 404 before 400: an unknown annotator is the first thing wrong
      await o.llmAnnotators.get(project.id, req.params.annotatorId);
      const config = await checkedConfig(project, req.body.config);
      res.json(
        await o.llmAnnotators.update(
          project.id,
          req.params.annotatorId,
          config,
          who.ref,
        ),
      );
    },
  );
}
