/*
 * An in-memory Chorus API for the page tests, behaving like the backend's
 * lease rules (see LeaseStore): a held live lease comes back from `next`
 * unless excluded, at most two held, never an item the annotator answered,
 * skipped or holds; expired leases are swept by `next`; a submit or skip
 * needs a live lease; submits are idempotent by key.
 */
import {
  AnnotationProjectRecord,
  AnnotationProjectStatus,
  AnnotationQueue,
  ImportRecordResponse,
  parseProjectConfig,
  ProjectConfig,
  ProjectConfigInput,
  ProjectProgress,
  QualityMetrics,
  STATUS_TRANSITIONS,
  WorkLease,
} from '@chorus/plugin-annotation-common';
import { AnnotationApi } from '../api';
import { fakeLlm, FakeLlm, FakeLlmItem } from './fakeLlmApi';
import { fakeQa, FakeQa } from './fakeQaApi';

/** A failed call as `AnnotationClient` throws it (a ResponseError). */
export function responseError(status: number, message: string): Error {
  const names: Record<number, string> = {
    400: 'InputError',
    403: 'NotAllowedError',
    404: 'NotFoundError',
    409: 'ConflictError',
  };
  return Object.assign(new Error(`Request failed with ${status}`), {
    name: 'ResponseError',
    statusCode: status,
    statusText: '',
    cause: Object.assign(new Error(message), { name: names[status] }),
  });
}

export interface FakeItem {
  id: string;
  externalId: string;
  data: Record<string, unknown>;
}

export const trackConfigInput: ProjectConfigInput = {
  instructions:
    'Answer **yes** when the track belongs on the page.\n\n<script>window.__instructionsRan = true</script>',
  overlap: 3,
  workforce: {
    annotators: ['group:cu-annotators'],
    qualityAnalysts: ['group:cu-quality-analysts'],
    managers: ['group:cu-project-managers'],
  },
  questions: [
    {
      id: 'belongs',
      type: 'single-choice',
      title: 'Does the track belong on the artist page?',
      field: 'track_title',
      labels: [
        { value: 'yes', title: 'Yes, it belongs' },
        { value: 'no', title: 'No, wrong artist or version' },
        { value: 'unsure', title: 'Cannot tell' },
      ],
    },
  ],
};

export function parseConfig(input: ProjectConfigInput): ProjectConfig {
  const parsed = parseProjectConfig(input);
  if (!parsed.success) {
    throw new Error(JSON.stringify(parsed.issues));
  }
  return parsed.config;
}

export function projectRecord(
  overrides: Partial<AnnotationProjectRecord> = {},
): AnnotationProjectRecord {
  return {
    id: 'p-track',
    name: 'track-placement-relevance',
    namespace: 'default',
    title: 'Track placement relevance',
    description: "Does this track belong on the artist's page?",
    owner: 'group:default/cu-ml-engineering',
    lifecycle: 'production',
    model: 'resource:default/track-artist-page-placement',
    dataset: 'resource:default/track-placement-labels',
    workforce: {
      annotators: ['group:default/cu-annotators'],
      qualityAnalysts: ['group:default/cu-quality-analysts'],
      managers: ['group:default/cu-project-managers'],
    },
    taskType: 'single-choice',
    questions: [
      {
        id: 'belongs',
        type: 'single-choice',
        title: 'Does the track belong on the artist page?',
      },
    ],
    status: 'active',
    configVersion: 1,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

export function trackItems(n: number): FakeItem[] {
  return Array.from({ length: n }, (_, i) => ({
    id: String(i + 1),
    externalId: `track-${String(i + 1).padStart(4, '0')}`,
    data: {
      track_title: `Song number ${i + 1}`,
      track_artist: 'Velvet Static',
      page_artist: 'Velvet Static',
    },
  }));
}

/**
 * The quality figures of a project in mid-flight: two annotators (one under
 * the gold minimum), a fitted question with per-label kappa, a rating
 * question with too few answers, a small escalation backlog.
 */
export function sampleQualityMetrics(
  overrides: Partial<QualityMetrics> = {},
): QualityMetrics {
  const hour = (h: number) => new Date(Date.UTC(2026, 10, 26, h)).toISOString();
  return {
    generatedAt: hour(12),
    progress: {
      items: { total: 40, open: 30, full: 2, complete: 8, gold: 2 },
      completionRate: 0.2,
      quality: {
        notEvaluated: 1,
        pending: 2,
        resolved: 4,
        escalated: 2,
        qaResolved: 1,
        gold: 3,
      },
      annotations: 29,
      skips: 3,
    },
    volume: {
      bucket: 'hour',
      since: hour(9),
      until: hour(12),
      points: [
        { start: hour(9), human: 5, qa: 0 },
        { start: hour(10), human: 14, qa: 1 },
        { start: hour(11), human: 10, qa: 2 },
      ],
    },
    annotators: [
      {
        annotator: 'user:default/amara.okafor',
        annotations: 20,
        skips: 3,
        timeSpentMs: 200_000,
        medianTimeMs: 7_000,
        consensusAgreement: 0.9,
        consensusCompared: 10,
        gold: { answered: 4, correct: 4, accuracy: 1 },
        belowMinGoldAccuracy: false,
        dawidSkeneAccuracy: { belongs: 0.93 },
      },
      {
        annotator: 'user:default/bo.lindqvist',
        annotations: 9,
        skips: 0,
        timeSpentMs: 90_000,
        medianTimeMs: 4_000,
        consensusAgreement: 0.5,
        consensusCompared: 6,
        gold: { answered: 4, correct: 2, accuracy: 0.5 },
        belowMinGoldAccuracy: true,
        dawidSkeneAccuracy: { belongs: 0.61 },
      },
      {
        annotator: 'llm:first-pass',
        llmAnnotator: 'first-pass',
        annotations: 8,
        skips: 0,
        timeSpentMs: 0,
        consensusAgreement: 0.75,
        consensusCompared: 8,
        belowMinGoldAccuracy: false,
        dawidSkeneAccuracy: { belongs: 0.77 },
      },
    ],
    minGoldAccuracy: 0.8,
    agreement: {
      configVersion: 1,
      current: true,
      fittedAt: hour(11),
      itemsUsed: 8,
      answersUsed: 24,
      questions: [
        {
          id: 'belongs',
          title: 'Does the track belong on the artist page?',
          type: 'single-choice',
          measures: {
            percent: { value: 0.83 },
            fleissKappa: { value: 0.65 },
            krippendorffAlphaNominal: { value: 0.66 },
            gwetAC1: { value: 0.71 },
          },
          labels: [
            { label: 'yes', measures: { fleissKappa: { value: 0.72 } } },
            { label: 'no', measures: { fleissKappa: { value: 0.15 } } },
            {
              label: 'unsure',
              measures: { fleissKappa: { undefined: 'single-category' } },
            },
          ],
        },
        {
          id: 'mix',
          title: 'How good is the mix?',
          type: 'ordinal-rating',
          measures: {
            percent: { undefined: 'no-pairable-values' },
            fleissKappa: { undefined: 'no-pairable-values' },
            krippendorffAlphaOrdinal: { undefined: 'no-pairable-values' },
            gwetAC1: { undefined: 'no-pairable-values' },
          },
          labels: [],
        },
      ],
    },
    escalations: {
      open: 2,
      resolved: 1,
      sentBack: 1,
      medianTimeToResolutionMs: 1_500_000,
    },
    canRefit: true,
    ...overrides,
  };
}

interface FakeLease {
  token: string;
  itemId: string;
  expiresAt: number;
}

export interface FakeAnnotationApi {
  api: jest.Mocked<AnnotationApi>;
  /** Live and expired leases, by token. */
  leases: Map<string, FakeLease>;
  submitted: Array<{
    itemId: string;
    token?: string;
    answer: Record<string, unknown>;
    idempotencyKey?: string;
    timeSpentMs?: number;
  }>;
  skipped: Array<{ itemId: string; reason: string }>;
  /** Makes a lease expire now (as if the annotator had been away). */
  expire(token: string): void;
  /** Another annotator fills the item: nobody else gets it any more. */
  takeByOthers(itemId: string): void;
  /** The lease the page shows now: the oldest live one. */
  tokenOf(itemId: string): string | undefined;
  /** Imports so far, newest first (as `GET /imports` lists them). */
  imports: ImportRecordResponse[];
  /** The text of every import body received. */
  importedTexts: string[];
  /** The QA queue (see fakeQaApi.ts). */
  qa: FakeQa;
  /** The LLM annotators and providers (see fakeLlmApi.ts). */
  llm: FakeLlm;
}

/** A File's text (jsdom's Blob has no text() in every version). */
function readText(body: string | Blob): Promise<string> {
  if (typeof body === 'string') {
    return Promise.resolve(body);
  }
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(body);
  });
}

/** An in-memory Chorus for one annotator and one project. */
export function fakeAnnotationApi(
  options: {
    items?: FakeItem[];
    config?: ProjectConfigInput;
    project?: AnnotationProjectRecord;
    projects?: AnnotationProjectRecord[];
    queues?: AnnotationQueue[];
    progress?: ProjectProgress;
    metrics?: QualityMetrics;
    ttlMs?: number;
    imports?: ImportRecordResponse[];
    qa?: Parameters<typeof fakeQa>[0];
    llm?: Pick<
      Parameters<typeof fakeLlm>[0],
      'providers' | 'annotators' | 'dryRun' | 'evaluationRows'
    > & {
      /** Item states by id (default open): gold ones for the jobs. */
      states?: Record<string, NonNullable<FakeLlmItem['state']>>;
    };
    /** Per item id: a prelabel suggestion its lease carries. */
    suggestions?: Record<string, NonNullable<WorkLease['suggestion']>>;
  } = {},
): FakeAnnotationApi {
  const items = options.items ?? trackItems(5);
  const config = parseConfig(options.config ?? trackConfigInput);
  const project = options.project ?? projectRecord();
  const ttlMs = options.ttlMs ?? 600_000;
  const leases = new Map<string, FakeLease>();
  const answered = new Map<string, { key?: string }>();
  const skippedIds = new Set<string>();
  const takenByOthers = new Set<string>();
  const submitted: FakeAnnotationApi['submitted'] = [];
  const skipped: FakeAnnotationApi['skipped'] = [];
  let tokens = 0;
  const imports: ImportRecordResponse[] = [...(options.imports ?? [])];
  const importedTexts: string[] = [];
  let status: AnnotationProjectStatus = project.status;
  const qa = fakeQa(options.qa);
  const llm = fakeLlm({
    ...options.llm,
    project: config,
    projectId: project.id,
    items: items.map(i => ({ ...i, state: options.llm?.states?.[i.id] })),
  });

  const toLease = (l: FakeLease): WorkLease => {
    const item = items.find(i => i.id === l.itemId)!;
    return {
      token: l.token,
      expiresAt: new Date(l.expiresAt).toISOString(),
      configVersion: 1,
      item: { id: item.id, externalId: item.externalId, data: item.data },
      ...(options.suggestions?.[item.id]
        ? { suggestion: options.suggestions[item.id] }
        : {}),
    };
  };
  const sweep = () => {
    for (const [token, l] of leases) {
      if (l.expiresAt <= Date.now()) {
        leases.delete(token);
      }
    }
  };
  const live = (token: string): FakeLease => {
    const l = leases.get(token);
    if (!l) {
      throw responseError(404, `lease ${token} not found`);
    }
    if (l.expiresAt <= Date.now()) {
      throw responseError(
        409,
        `lease ${token} expired at ${new Date(
          l.expiresAt,
        ).toISOString()}; ask for the next item again`,
      );
    }
    return l;
  };

  const api: jest.Mocked<AnnotationApi> = {
    listProjects: jest.fn(async () => options.projects ?? [project]),
    listQueues: jest.fn(
      async () =>
        options.queues ?? [
          {
            project,
            remainingForMe: items.length,
            myAnnotations: 0,
            mySkips: 0,
          },
        ],
    ),
    getProject: jest.fn(async (id: string) => {
      if (id !== project.id) {
        throw responseError(404, `project ${id} not found`);
      }
      return { ...project, status };
    }),
    getConfig: jest.fn(async (id: string) => {
      if (id !== project.id) {
        throw responseError(404, `project ${id} not found`);
      }
      return {
        version: 1,
        config,
        createdBy: 'user:default/lena.fischer',
        createdAt: project.createdAt,
      };
    }),
    next: jest.fn(async (_id: string, exclude?: string[]) => {
      sweep();
      const held = [...leases.values()].find(l => !exclude?.includes(l.token));
      if (held) {
        return toLease(held);
      }
      if (leases.size >= 2) {
        throw responseError(
          409,
          `you already hold ${leases.size} items of this project; submit, skip or release one first`,
        );
      }
      const item = items.find(
        i =>
          !answered.has(i.id) &&
          !skippedIds.has(i.id) &&
          !takenByOthers.has(i.id) &&
          ![...leases.values()].some(l => l.itemId === i.id),
      );
      if (!item) {
        return undefined;
      }
      const lease = {
        token: `token-${++tokens}`,
        itemId: item.id,
        expiresAt: Date.now() + ttlMs,
      };
      leases.set(lease.token, lease);
      return toLease(lease);
    }),
    heartbeat: jest.fn(async (_id: string, token: string) => {
      const l = live(token);
      l.expiresAt = Date.now() + ttlMs;
      return { expiresAt: new Date(l.expiresAt).toISOString() };
    }),
    release: jest.fn(async (_id: string, token: string) => {
      live(token);
      leases.delete(token);
    }),
    skip: jest.fn(async (_id: string, token: string, reason: string) => {
      const l = live(token);
      leases.delete(token);
      skippedIds.add(l.itemId);
      skipped.push({ itemId: l.itemId, reason });
    }),
    submit: jest.fn(async (projectId: string, itemId: string, submission) => {
      const previous = answered.get(itemId);
      if (previous && previous.key === submission.idempotencyKey) {
        return submitResponse(projectId, itemId, submission.answer, 'replayed');
      }
      const l = live(submission.token ?? '');
      if (l.itemId !== itemId) {
        throw responseError(
          404,
          `lease ${l.token} on item ${itemId} not found`,
        );
      }
      leases.delete(l.token);
      answered.set(itemId, { key: submission.idempotencyKey });
      submitted.push({ itemId, ...submission });
      return submitResponse(projectId, itemId, submission.answer, 'created');
    }),
    progress: jest.fn(
      async (_id: string) =>
        options.progress ?? {
          items: {
            total: items.length,
            open: items.length,
            full: 0,
            complete: 0,
            gold: 0,
          },
          annotations: 0,
          skips: 0,
          annotators: [],
        },
    ),
    createProject: jest.fn(),
    updateConfig: jest.fn(),
    // the backend's lifecycle rule and its 409
    setStatus: jest.fn(async (_id: string, to: AnnotationProjectStatus) => {
      if (!STATUS_TRANSITIONS[status].includes(to)) {
        throw responseError(
          409,
          `status: a project cannot go from ${status} to ${to}`,
        );
      }
      status = to;
      return { ...project, status };
    }),
    // every line needs an external id and a data object
    importItems: jest.fn(async (_id: string, body: string | Blob) => {
      const text = await readText(body);
      importedTexts.push(text);
      const lines = text.split('\n').filter(l => l.trim());
      const errors: Array<{
        line: number;
        externalId?: string;
        reason: string;
      }> = [];
      lines.forEach((line, i) => {
        let parsed: any;
        try {
          parsed = JSON.parse(line);
        } catch {
          errors.push({ line: i + 1, reason: 'not valid JSON' });
          return;
        }
        if (typeof parsed.data !== 'object') {
          errors.push({
            line: i + 1,
            externalId: parsed.externalId,
            reason: 'data: is required (an object expected)',
          });
        }
      });
      const summary = {
        importId: `import-${imports.length + 1}`,
        lines: lines.length,
        inserted: lines.length - errors.length,
        updated: 0,
        unchanged: 0,
        rejected: errors.length,
        errors,
      };
      const now = new Date().toISOString();
      imports.unshift({
        id: summary.importId,
        status: 'done',
        createdBy: 'user:default/jonas.berg',
        startedAt: now,
        updatedAt: now,
        finishedAt: now,
        summary,
      });
      return summary;
    }),
    listImports: jest.fn(
      async (_id: string): Promise<ImportRecordResponse[]> => [...imports],
    ),
    qualityMetrics: jest.fn(
      async (_id: string) => options.metrics ?? sampleQualityMetrics(),
    ),
    refitQuality: jest.fn(async (_id: string) => ({
      configVersion: 1,
      fittedAt: new Date().toISOString(),
      itemsUsed: 8,
      answersUsed: 24,
    })),
    ...qa.methods,
    ...llm.methods,
  };

  return {
    api,
    qa,
    llm,
    imports,
    importedTexts,
    leases,
    submitted,
    skipped,
    expire(token) {
      const l = leases.get(token);
      if (l) {
        l.expiresAt = Date.now() - 1;
      }
    },
    takeByOthers(itemId) {
      takenByOthers.add(itemId);
    },
    tokenOf(itemId) {
      return [...leases.values()].find(l => l.itemId === itemId)?.token;
    },
  };
}

function submitResponse(
  projectId: string,
  itemId: string,
  answer: Record<string, unknown>,
  outcome: 'created' | 'replayed',
) {
  return {
    outcome,
    itemCompleted: false,
    annotation: {
      id: `a-${itemId}`,
      projectId,
      itemId,
      annotator: 'user:default/amara.okafor',
      configVersion: 1,
      answer,
      timeSpentMs: 0,
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    },
  };
}
