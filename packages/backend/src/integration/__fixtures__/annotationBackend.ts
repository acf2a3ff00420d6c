/*
 * A real backend holding only Chorus, for tests that kill and restart it
 * (started with its own config file by `startBackend` of
 * `@chorus/plugin-annotation-backend/testUtils`).
 */
import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();
backend.add(import('@chorus/plugin-annotation-backend'));
backend.start();
