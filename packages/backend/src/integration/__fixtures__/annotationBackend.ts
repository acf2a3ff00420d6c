/*
 * A real backend holding only Chorus, for tests that kill and restart it
 * (started by importKill.test.ts with its own config file).
 */
import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();
backend.add(import('@chorus/plugin-annotation-backend'));
backend.start();
