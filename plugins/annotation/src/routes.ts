import { createRouteRef, createSubRouteRef } from '@backstage/core-plugin-api';

/** The Chorus home (my queues, projects); `/chorus` in the demo app. */
export const rootRouteRef = createRouteRef({ id: 'annotation' });

/** A project's overview, below the Chorus home. */
export const projectRouteRef = createSubRouteRef({
  id: 'annotation/project',
  parent: rootRouteRef,
  path: '/projects/:projectId',
});

/** The form that creates a project. */
export const newProjectRouteRef = createSubRouteRef({
  id: 'annotation/new-project',
  parent: rootRouteRef,
  path: '/projects/new',
});

/** The labeling workspace of a project. */
export const labelingRouteRef = createSubRouteRef({
  id: 'annotation/labeling',
  parent: rootRouteRef,
  path: '/projects/:projectId/label',
});

/** A project's quality dashboard (managers and quality analysts). */
export const qualityRouteRef = createSubRouteRef({
  id: 'annotation/quality',
  parent: rootRouteRef,
  path: '/projects/:projectId/quality',
});

/** A project's LLM annotators: configs and versions (managers; analysts read). */
export const llmRouteRef = createSubRouteRef({
  id: 'annotation/llm',
  parent: rootRouteRef,
  path: '/projects/:projectId/llm',
});

/** A project's escalation queue, for its quality analysts (and managers). */
export const qaRouteRef = createSubRouteRef({
  id: 'annotation/qa',
  parent: rootRouteRef,
  path: '/projects/:projectId/qa',
});
