/**
 * Helpers for the tests of other packages in this repository, never for
 * production code: the Chorus-only backend as a child process that R2
 * tests kill with SIGKILL and start again on the same database.
 *
 * @packageDocumentation
 */
export * from './killableBackend';
