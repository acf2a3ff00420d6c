/*
 * The Chorus demo portal's backend: the Backstage core plugins and Chorus.
 */
import { createBackend } from '@backstage/backend-defaults';
import { authModuleDemoProvider } from './modules/demoSignIn';
import { annotationModuleLlmSimulator } from './modules/llmSimulator';
import { annotationPermissionPolicyModule } from '@chorus/plugin-annotation-backend';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));
backend.add(import('@backstage/plugin-proxy-backend'));

// auth: demo sign-in as any catalogue user (refused in production)
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(authModuleDemoProvider);

// catalog, with the AnnotationProject kind and the Chorus project provider
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));
backend.add(import('@chorus/plugin-catalog-backend-module-annotation'));

// Chorus, with the LLM simulator as provider when none is configured
backend.add(import('@chorus/plugin-annotation-backend'));
backend.add(annotationModuleLlmSimulator);

// scaffolder (Chorus will add a create-project action and template)
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(
  import('@backstage/plugin-scaffolder-backend-module-notifications'),
);

// permissions: Chorus's workforce tiers (AnnotationTierPolicy)
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(annotationPermissionPolicyModule);

// search: PostgreSQL engine in production, in-memory on SQLite
backend.add(import('@backstage/plugin-search-backend'));
backend.add(import('@backstage/plugin-search-backend-module-pg'));
backend.add(import('@backstage/plugin-search-backend-module-catalog'));

backend.add(import('@backstage/plugin-user-settings-backend'));
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-events-backend'));
backend.add(import('@backstage/plugin-signals-backend'));
backend.add(import('@backstage/plugin-mcp-actions-backend'));

backend.start();
