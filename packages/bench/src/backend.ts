/*
 * The backend the benchmarks measure, run as a child process with a config
 * file made by the harness (database, port, static service token): the real
 * auth plugin with the bench sign-in, the permission backend with Chorus's
 * tier policy (so every request pays the real permission round trip), and
 * the Chorus plugin. No catalogue: tokens carry the annotator's groups.
 */
import { createBackend } from '@backstage/backend-defaults';
import { annotationPermissionPolicyModule } from '@chorus/plugin-annotation-backend';
import { authModuleBenchProvider } from './benchSignIn';

const backend = createBackend();
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(authModuleBenchProvider);
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(annotationPermissionPolicyModule);
backend.add(import('@chorus/plugin-annotation-backend'));
backend.start();
