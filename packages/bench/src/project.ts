import { Readable } from 'stream';
import { BENCH_ANNOTATORS_GROUP } from './benchSignIn';
import { HttpClient } from './http';
import { LABELS, ndjsonChunks, QUESTION_ID } from './items';

/** Creates a single-choice project as the service caller; returns its id. */
export async function createProject(
  service: HttpClient,
  options: {
    name: string;
    overlap: number;
    /** More of the project config (quality policy, workforce, ...). */
    config?: object;
  },
): Promise<string> {
  const project = await service.expect<{ id: string }>(
    201,
    'POST',
    '/api/annotation/projects',
    {
      json: {
        name: options.name,
        title: `Benchmark ${options.name}`,
        owner: 'group:default/bench-managers',
        lifecycle: 'experimental',
        model: 'resource:default/bench-model',
        dataset: 'resource:default/bench-dataset',
        config: {
          questions: [
            {
              id: QUESTION_ID,
              type: 'single-choice',
              title: 'Sentiment of the text',
              field: 'text',
              labels: LABELS,
            },
          ],
          overlap: options.overlap,
          ordering: 'priority',
          workforce: {
            annotators: [BENCH_ANNOTATORS_GROUP],
            qualityAnalysts: ['group:default/bench-quality-analysts'],
            managers: ['group:default/bench-managers'],
          },
          ...options.config,
        },
      },
    },
  );
  return project.id;
}

export async function setStatus(
  service: HttpClient,
  projectId: string,
  status: string,
): Promise<void> {
  await service.expect(
    200,
    'PUT',
    `/api/annotation/projects/${projectId}/status`,
    {
      json: { status },
    },
  );
}

export interface ImportSummary {
  lines: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  errors: unknown[];
}

/** Streams `count` generated items as one NDJSON request. */
export async function importGenerated(
  service: HttpClient,
  projectId: string,
  count: number,
  seed: number,
): Promise<ImportSummary> {
  return service.expect<ImportSummary>(
    200,
    'POST',
    `/api/annotation/projects/${projectId}/items/import`,
    {
      body: Readable.from(ndjsonChunks(count, seed)),
      headers: { 'content-type': 'application/x-ndjson' },
    },
  );
}
