import { ResponseError } from '@backstage/errors';
import type {
  AnnotationQueue,
  AnnotationProjectList,
  AnnotationProjectRecord,
  NewAnnotationProject,
  ProjectProgress,
  QualityMetrics,
  RefitResponse,
  VolumeBucketSize,
} from './api';
import type { ProjectConfig, ProjectConfigInput } from './config/projectConfig';
import type {
  EscalationPage,
  EscalationStatus,
  QaClaimResponse,
  QaDecisionResponse,
  QaQueue,
} from './qa';
import type { AnnotationProjectStatus } from './kinds';
import type {
  LlmEvaluationReport,
  LlmDryRunItem,
  LlmJobInfo,
  LlmJobProgressInfo,
  LlmJobScope,
  LlmAnnotatorConfigInput,
  LlmAnnotatorRecord,
  LlmAnnotatorVersion,
  LlmProviderInfo,
} from './llm';

/** A config version as the API serves it. */
export interface ProjectConfigVersionResponse {
  version: number;
  config: ProjectConfig;
  createdBy: string;
  createdAt: string;
}

/** A lease on the caller's next item. */
export interface WorkLease {
  token: string;
  expiresAt: string;
  configVersion: number;
  item: { id: string; externalId: string; data: unknown };
  /** A `prelabel` LLM annotator's answer, shown as a suggestion. */
  suggestion?: {
    source: 'llm';
    annotator: string;
    answer: Record<string, unknown>;
    confidence?: number;
    simulated: boolean;
    /** Fill it in: never in blind projects unless the config allows. */
    preselect: boolean;
  };
}

export interface SubmitResponse {
  outcome: 'created' | 'edited' | 'replayed';
  itemCompleted: boolean;
  annotation: {
    id: string;
    projectId: string;
    itemId: string;
    annotator: string;
    configVersion: number;
    answer: Record<string, unknown>;
    timeSpentMs: number;
    createdAt: string;
    updatedAt: string;
  };
}

/** One import request of a project (`GET /projects/{id}/imports`). */
export interface ImportRecordResponse {
  id: string;
  status: 'running' | 'done' | 'failed' | 'interrupted';
  createdBy: string;
  startedAt: string;
  /** When the last batch was stored. */
  updatedAt: string;
  finishedAt?: string;
  /** What was stored (as the import response), or `error` saying why it stopped. */
  summary?: Partial<ImportSummaryResponse> & { error?: string };
}

/**
 * The path of a lease below the API's base URL; also for the page's
 * keepalive release when the tab closes, which cannot wait for the client.
 */
export function leasePath(projectId: string, token: string): string {
  return `/projects/${encodeURIComponent(
    projectId,
  )}/leases/${encodeURIComponent(token)}`;
}

/**
 * The path of a QA claim below the API's base URL; also for the page's
 * keepalive release when the tab closes.
 */
export function qaClaimPath(projectId: string, token: string): string {
  return `/projects/${encodeURIComponent(projectId)}/qa/${encodeURIComponent(
    token,
  )}`;
}

export interface ImportSummaryResponse {
  importId: string;
  lines: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  errors: Array<{ line: number; externalId?: string; reason: string }>;
}

function isBlob(body: unknown): body is Blob {
  return typeof Blob !== 'undefined' && body instanceof Blob;
}

/**
 * The Chorus API for the frontend and the CLI. Structural dependencies, so
 * Backstage's `discoveryApi`/`fetchApi` and plain node `fetch` both fit.
 */
export class AnnotationClient {
  constructor(
    private readonly options: {
      discoveryApi: { getBaseUrl(pluginId: string): Promise<string> };
      fetchApi?: { fetch: typeof fetch };
    },
  ) {}

  private async call<T>(
    method: string,
    path: string,
    body?: unknown,
    init: RequestInit = {},
  ): Promise<T | undefined> {
    const base = await this.options.discoveryApi.getBaseUrl('annotation');
    const doFetch = this.options.fetchApi?.fetch ?? fetch;
    // text and files (Blob) go as they are: the browser streams a File body
    const raw = typeof body === 'string' || isBlob(body);
    const json = body !== undefined && !raw;
    const response = await doFetch(`${base}${path}`, {
      method,
      ...init,
      headers: {
        ...(json ? { 'Content-Type': 'application/json' } : {}),
        ...(init.headers as Record<string, string> | undefined),
      },
      body: json ? JSON.stringify(body) : (body as string | Blob | undefined),
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    if (response.status === 204) {
      return undefined;
    }
    return (await response.json()) as T;
  }

  private project(id: string) {
    return `/projects/${encodeURIComponent(id)}`;
  }

  async listProjects(): Promise<AnnotationProjectRecord[]> {
    return (await this.call<AnnotationProjectList>('GET', '/projects'))!.items;
  }

  /** Active projects the caller may label, with their open counts. */
  async listQueues(): Promise<AnnotationQueue[]> {
    return (await this.call<{ items: AnnotationQueue[] }>('GET', '/queues'))!
      .items;
  }

  async getProject(id: string): Promise<AnnotationProjectRecord> {
    return (await this.call<AnnotationProjectRecord>('GET', this.project(id)))!;
  }

  async createProject(
    project: NewAnnotationProject,
  ): Promise<AnnotationProjectRecord> {
    return (await this.call<AnnotationProjectRecord>(
      'POST',
      '/projects',
      project,
    ))!;
  }

  async getConfig(
    id: string,
    version?: number,
  ): Promise<ProjectConfigVersionResponse> {
    const query = version ? `?version=${version}` : '';
    return (await this.call<ProjectConfigVersionResponse>(
      'GET',
      `${this.project(id)}/config${query}`,
    ))!;
  }

  async updateConfig(
    id: string,
    config: ProjectConfigInput,
    expectedVersion?: number,
  ): Promise<AnnotationProjectRecord> {
    return (await this.call<AnnotationProjectRecord>(
      'PUT',
      `${this.project(id)}/config`,
      {
        config,
        ...(expectedVersion ? { expectedVersion } : {}),
      },
    ))!;
  }

  async setStatus(
    id: string,
    status: AnnotationProjectStatus,
  ): Promise<AnnotationProjectRecord> {
    return (await this.call<AnnotationProjectRecord>(
      'PUT',
      `${this.project(id)}/status`,
      {
        status,
      },
    ))!;
  }

  /**
   * Imports NDJSON: text, or a File/Blob, which the browser streams from
   * disk rather than reading it whole (the CLI streams large files itself).
   */
  async importItems(
    id: string,
    ndjson: string | Blob,
  ): Promise<ImportSummaryResponse> {
    return (await this.call<ImportSummaryResponse>(
      'POST',
      `${this.project(id)}/items/import`,
      ndjson,
      { headers: { 'Content-Type': 'application/x-ndjson' } },
    ))!;
  }

  /** The project's latest imports (at most 50), newest first. */
  async listImports(id: string): Promise<ImportRecordResponse[]> {
    return (await this.call<{ items: ImportRecordResponse[] }>(
      'GET',
      `${this.project(id)}/imports`,
    ))!.items;
  }

  /** The caller's next lease, or undefined when nothing is left for them. */
  async next(id: string, exclude?: string[]): Promise<WorkLease | undefined> {
    return this.call<WorkLease>(
      'POST',
      `${this.project(id)}/next`,
      exclude ? { exclude } : {},
    );
  }

  async heartbeat(id: string, token: string): Promise<{ expiresAt: string }> {
    return (await this.call<{ expiresAt: string }>(
      'POST',
      `${leasePath(id, token)}/heartbeat`,
    ))!;
  }

  async release(id: string, token: string): Promise<void> {
    await this.call('DELETE', leasePath(id, token));
  }

  async skip(id: string, token: string, reason: string): Promise<void> {
    await this.call('POST', `${leasePath(id, token)}/skip`, {
      reason,
    });
  }

  async submit(
    id: string,
    itemId: string,
    submission: {
      token?: string;
      answer: Record<string, unknown>;
      idempotencyKey?: string;
      timeSpentMs?: number;
    },
  ): Promise<SubmitResponse> {
    return (await this.call<SubmitResponse>(
      'POST',
      `${this.project(id)}/items/${encodeURIComponent(itemId)}/annotations`,
      submission,
    ))!;
  }

  async progress(id: string): Promise<ProjectProgress> {
    return (await this.call<ProjectProgress>(
      'GET',
      `${this.project(id)}/progress`,
    ))!;
  }

  /**
   * The quality dashboard's figures; the volume series in `bucket`s
   * (default day) from `since` (default: 48 hours, or 30 days, ago).
   */
  async qualityMetrics(
    id: string,
    options: { bucket?: VolumeBucketSize; since?: string } = {},
  ): Promise<QualityMetrics> {
    const query = new URLSearchParams();
    if (options.bucket) {
      query.set('bucket', options.bucket);
    }
    if (options.since) {
      query.set('since', options.since);
    }
    const suffix = query.toString() ? `?${query}` : '';
    return (await this.call<QualityMetrics>(
      'GET',
      `${this.project(id)}/metrics/quality${suffix}`,
    ))!;
  }

  /** Fits the project's quality now (managers), instead of on schedule. */
  async refitQuality(id: string): Promise<RefitResponse> {
    return (await this.call<RefitResponse>(
      'POST',
      `${this.project(id)}/quality/refit`,
    ))!;
  }

  /** Projects whose escalations the caller resolves, with open counts. */
  async listQaQueues(): Promise<QaQueue[]> {
    return (await this.call<{ items: QaQueue[] }>('GET', '/qa/queues'))!.items;
  }

  /** A page of the project's escalation backlog (open ones by default). */
  async listEscalations(
    id: string,
    options: {
      status?: EscalationStatus;
      limit?: number;
      cursor?: string;
    } = {},
  ): Promise<EscalationPage> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(options)) {
      if (value !== undefined) {
        query.set(key, String(value));
      }
    }
    const search = query.size ? `?${query}` : '';
    return (await this.call<EscalationPage>(
      'GET',
      `${this.project(id)}/escalations${search}`,
    ))!;
  }

  /** Claims the caller's next escalation; undefined when none is free. */
  async nextEscalation(id: string): Promise<QaClaimResponse | undefined> {
    return this.call<QaClaimResponse>('POST', `${this.project(id)}/qa/next`);
  }

  /** Final: the answer becomes the item's, and gold. Replays are safe. */
  async resolveEscalation(
    id: string,
    token: string,
    decision: { answer: Record<string, unknown>; note?: string },
  ): Promise<QaDecisionResponse> {
    return (await this.call<QaDecisionResponse>(
      'POST',
      `${qaClaimPath(id, token)}/resolve`,
      decision,
    ))!;
  }

  /** Back to the annotators with guidance (one more annotator). */
  async sendBackEscalation(
    id: string,
    token: string,
    guidance: string,
  ): Promise<QaDecisionResponse> {
    return (await this.call<QaDecisionResponse>(
      'POST',
      `${qaClaimPath(id, token)}/send-back`,
      { guidance },
    ))!;
  }

  async extendEscalationClaim(
    id: string,
    token: string,
  ): Promise<{ expiresAt: string }> {
    return (await this.call<{ expiresAt: string }>(
      'POST',
      `${qaClaimPath(id, token)}/heartbeat`,
    ))!;
  }

  async releaseEscalationClaim(id: string, token: string): Promise<void> {
    await this.call('DELETE', qaClaimPath(id, token));
  }

  /** The LLM providers configured in the backend (never their keys). */
  async listLlmProviders(): Promise<LlmProviderInfo[]> {
    return (await this.call<{ items: LlmProviderInfo[] }>(
      'GET',
      '/llm/providers',
    ))!.items;
  }

  async listLlmAnnotators(id: string): Promise<LlmAnnotatorRecord[]> {
    return (await this.call<{ items: LlmAnnotatorRecord[] }>(
      'GET',
      `${this.project(id)}/llm-annotators`,
    ))!.items;
  }

  /** Version 1 of a new LLM annotator; its config is checked on the server. */
  async createLlmAnnotator(
    id: string,
    name: string,
    config: LlmAnnotatorConfigInput,
  ): Promise<LlmAnnotatorRecord> {
    return (await this.call<LlmAnnotatorRecord>(
      'POST',
      `${this.project(id)}/llm-annotators`,
      { name, config },
    ))!;
  }

  async getLlmAnnotator(
    id: string,
    annotatorId: string,
  ): Promise<{
    annotator: LlmAnnotatorRecord;
    versions: LlmAnnotatorVersion[];
  }> {
    return (await this.call<{
      annotator: LlmAnnotatorRecord;
      versions: LlmAnnotatorVersion[];
    }>(
      'GET',
      `${this.project(id)}/llm-annotators/${encodeURIComponent(annotatorId)}`,
    ))!;
  }

  /** A new version when the config changed (`created` says whether). */
  async updateLlmAnnotator(
    id: string,
    annotatorId: string,
    config: LlmAnnotatorConfigInput,
  ): Promise<{ annotator: LlmAnnotatorRecord; created: boolean }> {
    return (await this.call<{
      annotator: LlmAnnotatorRecord;
      created: boolean;
    }>(
      'PUT',
      `${this.project(id)}/llm-annotators/${encodeURIComponent(annotatorId)}`,
      { config },
    ))!;
  }

  /** Runs an annotator on a few items without storing anything. */
  async dryRunLlmAnnotator(
    id: string,
    annotatorId: string,
    options: {
      itemIds?: string[];
      count?: number;
      version?: number;
      config?: LlmAnnotatorConfigInput;
    } = {},
  ): Promise<LlmDryRunItem[]> {
    return (await this.call<{ items: LlmDryRunItem[] }>(
      'POST',
      `${this.llmAnnotator(id, annotatorId)}/dry-run`,
      options,
    ))!.items;
  }

  async startLlmJob(
    id: string,
    annotatorId: string,
    job: {
      scope: LlmJobScope;
      version?: number;
      mode?: 'online' | 'batch';
      budgetCost?: number;
      budgetTokens?: number;
    },
  ): Promise<LlmJobInfo> {
    return (await this.call<LlmJobInfo>(
      'POST',
      `${this.llmAnnotator(id, annotatorId)}/jobs`,
      job,
    ))!;
  }

  /** A version against the known items, with the recommended threshold. */
  async evaluateLlmAnnotator(
    id: string,
    annotatorId: string,
    options: { version?: number; targetPrecision?: number } = {},
  ): Promise<LlmEvaluationReport> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(options)) {
      if (value !== undefined) {
        query.set(key, String(value));
      }
    }
    const search = query.size ? `?${query}` : '';
    return (await this.call<LlmEvaluationReport>(
      'GET',
      `${this.llmAnnotator(id, annotatorId)}/evaluation${search}`,
    ))!;
  }

  async listLlmJobs(id: string): Promise<LlmJobInfo[]> {
    return (await this.call<{ items: LlmJobInfo[] }>(
      'GET',
      `${this.project(id)}/llm-jobs`,
    ))!.items;
  }

  async getLlmJob(id: string, jobId: string): Promise<LlmJobProgressInfo> {
    return (await this.call<LlmJobProgressInfo>(
      'GET',
      `${this.project(id)}/llm-jobs/${encodeURIComponent(jobId)}`,
    ))!;
  }

  async controlLlmJob(
    id: string,
    jobId: string,
    action: 'pause' | 'resume' | 'cancel',
  ): Promise<LlmJobInfo> {
    return (await this.call<LlmJobInfo>(
      'POST',
      `${this.project(id)}/llm-jobs/${encodeURIComponent(jobId)}/${action}`,
    ))!;
  }

  private llmAnnotator(id: string, annotatorId: string) {
    return `${this.project(id)}/llm-annotators/${encodeURIComponent(
      annotatorId,
    )}`;
  }
}
