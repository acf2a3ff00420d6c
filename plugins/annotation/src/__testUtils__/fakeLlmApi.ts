/*
 * The LLM annotator side of the in-memory Chorus API for the page tests,
 * following the backend's rules (annotatorRoutes.ts, LlmAnnotatorStore):
 * a config is parsed and checked against the project (provider, template
 * fields of the questions and items, fixed examples' answers) and refused
 * with every issue named under `config.`; names are unique; saving the
 * current config again makes no version. Dry runs, jobs and evaluations
 * follow jobRoutes.ts and LlmJobStore: the dry run renders the real
 * template and answers as the test says; a job's items are counted from
 * its scope, its progress is what the test makes the runners do
 * (`advance`), its controls move it as the store does; the evaluation is
 * the shared `evaluateLlmAnswers` over the rows the test stores.
 */
import {
  checkLlmAnnotatorConfig,
  ConfigIssue,
  describeConfigIssues,
  evaluateLlmAnswers,
  LlmAnnotatorConfig,
  LlmAnnotatorConfigInput,
  LlmAnnotatorRecord,
  LlmAnnotatorVersion,
  LlmDryRunItem,
  LlmEvaluationReport,
  LlmJobInfo,
  LlmJobProgressInfo,
  LlmJobScope,
  LlmProviderInfo,
  parseLlmAnnotatorConfig,
  parseTemplate,
  ProjectConfig,
  renderTemplate,
} from '@chorus/plugin-annotation-common';
import { AnnotationApi } from '../api';
import { diffConfigs } from '../components/LlmAnnotators/configDiff';
import { responseError } from './fakeAnnotationApi';

type LlmMethods = Pick<
  jest.Mocked<AnnotationApi>,
  | 'listLlmProviders'
  | 'listLlmAnnotators'
  | 'createLlmAnnotator'
  | 'getLlmAnnotator'
  | 'updateLlmAnnotator'
  | 'dryRunLlmAnnotator'
  | 'startLlmJob'
  | 'listLlmJobs'
  | 'getLlmJob'
  | 'controlLlmJob'
  | 'evaluateLlmAnnotator'
>;

/** An item as the fake stores it. */
export interface FakeLlmItem {
  id: string;
  externalId: string;
  data: Record<string, unknown>;
  /** Default open; gold items are answered only by scopes naming them. */
  state?: 'open' | 'full' | 'complete' | 'gold';
}

/** A known item's answer row, as the job store reads it for an evaluation. */
export interface FakeEvaluationRow {
  status: 'answered' | 'refused' | 'invalid';
  answer?: Record<string, unknown>;
  confidence?: number;
  cost: number;
  gold?: Record<string, unknown>;
  consensus?: Record<string, unknown>;
}

/** What the runners did to a job since: counters add up. */
export interface JobAdvance {
  done?: number;
  cached?: number;
  /** Failures by reason. */
  failed?: Record<string, number>;
  tokensIn?: number;
  tokensOut?: number;
  cost?: number;
  inFlight?: number;
  latencyMs?: { count: number; p50?: number; p95?: number };
}

/** A stored annotator: the record's fields and its versions, oldest first. */
export interface FakeLlmAnnotator {
  id: string;
  name: string;
  versions: LlmAnnotatorVersion[];
}

export interface FakeLlm {
  methods: LlmMethods;
  annotators: FakeLlmAnnotator[];
  /** Newest first, as the API lists them. */
  jobs: LlmJobInfo[];
  /** The runners at work: counters grow; all items finished completes it. */
  advance(jobId: string, change: JobAdvance): void;
  /** Known items' rows by `annotatorId@version`. */
  evaluationRows: Map<string, FakeEvaluationRow[]>;
}

export const sampleProviders: LlmProviderInfo[] = [
  {
    id: 'openai',
    title: 'OpenAI',
    defaultModel: 'gpt-4o-mini',
    models: ['gpt-4o-mini', 'gpt-4o'],
    requestsPerMinute: 500,
    tokensPerMinute: 200_000,
    simulated: false,
  },
  {
    id: 'simulator',
    title: 'Chorus LLM simulator',
    defaultModel: 'sim-1',
    models: ['sim-1'],
    simulated: true,
  },
];

/** A valid config with its defaults, as the backend stores it. */
export function llmConfig(
  input: Partial<LlmAnnotatorConfigInput> = {},
): LlmAnnotatorConfig {
  const parsed = parseLlmAnnotatorConfig({
    provider: 'openai',
    promptTemplate: 'Does "{{ data.track_title }}" belong?\n{{ questions }}',
    ...input,
  });
  if (!parsed.success) {
    throw new Error(JSON.stringify(parsed.issues));
  }
  return parsed.config;
}

const ME = 'user:default/jonas.berg';

/** A dry run's answer for one item, unless the test says otherwise. */
function dryRunResult(
  item: FakeLlmItem,
  config: LlmAnnotatorConfig,
  provider: LlmProviderInfo | undefined,
): LlmDryRunItem['result'] {
  const answer = { belongs: 'yes' };
  return {
    status: 'answered',
    answer,
    rawOutput: JSON.stringify(answer),
    confidence: 0.91,
    samples: config.samples,
    model: config.model ?? provider?.defaultModel ?? 'unknown',
    simulated: provider?.simulated ?? false,
    tokensIn: 120 + Number(item.id),
    tokensOut: 8,
    cost: 0.0000228,
    latencyMs: 230,
    attempts: 1,
  };
}

const FILTER_STATES = ['open', 'full', 'complete', 'gold'];

export function fakeLlm(options: {
  project: ProjectConfig;
  projectId: string;
  /** The items: a template may read their fields besides the questions'. */
  items: FakeLlmItem[];
  providers?: LlmProviderInfo[];
  annotators?: FakeLlmAnnotator[];
  /** By external id: what the model did in a dry run (default: answered). */
  dryRun?: Record<string, Partial<LlmDryRunItem['result']>>;
  /** Known items' rows by `annotatorId@version`. */
  evaluationRows?: Record<string, FakeEvaluationRow[]>;
}): FakeLlm {
  const providers = options.providers ?? sampleProviders;
  const annotators = options.annotators ?? [];
  const items = options.items;
  let ids = annotators.length;
  const jobs: LlmJobInfo[] = [];
  const progress = new Map<
    string,
    Pick<LlmJobProgressInfo, 'errors' | 'latencyMs' | 'inFlight'>
  >();
  const evaluationRows = new Map(Object.entries(options.evaluationRows ?? {}));

  const record = (a: FakeLlmAnnotator): LlmAnnotatorRecord => {
    const first = a.versions[0];
    const current = a.versions[a.versions.length - 1];
    return {
      id: a.id,
      projectId: options.projectId,
      name: a.name,
      version: current.version,
      config: current.config,
      createdAt: first.createdAt,
      updatedAt: current.createdAt,
    };
  };
  const find = (projectId: string, id: string) => {
    const a = annotators.find(x => x.id === id);
    if (projectId !== options.projectId || !a) {
      throw responseError(404, `LLM annotator ${id} not found in this project`);
    }
    return a;
  };
  /** A refusal naming each issue under `config.`, as the routes do. */
  const configIssues = (issues: ConfigIssue[]) =>
    responseError(
      400,
      describeConfigIssues(
        issues.map(i => ({
          ...i,
          path: i.path ? `config.${i.path}` : 'config',
        })),
      ),
    );
  const checked = (input: unknown): LlmAnnotatorConfig => {
    const parsed = parseLlmAnnotatorConfig(input);
    const issues: ConfigIssue[] = [];
    if (!parsed.success) {
      issues.push(...parsed.issues);
    } else {
      if (!providers.some(p => p.id === parsed.config.provider)) {
        issues.push({
          path: 'provider',
          message: `one of the configured providers expected (${providers
            .map(p => p.id)
            .join(', ')})`,
        });
      }
      issues.push(
        ...checkLlmAnnotatorConfig(
          parsed.config,
          options.project,
          items.map(i => i.data),
        ),
      );
    }
    if (!parsed.success || issues.length) {
      throw configIssues(issues);
    }
    return parsed.config;
  };
  const version = (n: number, config: LlmAnnotatorConfig) => ({
    version: n,
    config,
    createdBy: ME,
    createdAt: new Date().toISOString(),
  });

  const versionOf = (a: FakeLlmAnnotator, n: number) => {
    const v = a.versions.find(x => x.version === n);
    if (!v) {
      throw responseError(404, `LLM annotator ${a.id} has no version ${n}`);
    }
    return v;
  };
  const findJob = (projectId: string, jobId: string) => {
    const job = jobs.find(j => j.id === jobId);
    if (projectId !== options.projectId || !job) {
      throw responseError(404, `LLM job ${jobId} not found in this project`);
    }
    return job;
  };
  const regular = () => items.filter(i => (i.state ?? 'open') !== 'gold');
  /** The items a scope covers (checkScope's rules, its messages). */
  const itemsOf = (scope: LlmJobScope): number => {
    switch (scope?.kind) {
      case 'missing':
        return regular().length;
      case 'sample':
        if (!Number.isInteger(scope.size) || scope.size < 1) {
          throw responseError(
            400,
            'scope.size: a whole number of at least 1 expected',
          );
        }
        return Math.min(scope.size, regular().length);
      case 'items': {
        const unknown = scope.ids.filter(id => !items.some(i => i.id === id));
        if (!scope.ids.length || unknown.length) {
          throw responseError(
            400,
            `scope.ids: ${
              unknown.length
            } not items of this project (${unknown.join(', ')})`,
          );
        }
        return new Set(scope.ids).size;
      }
      case 'filter': {
        const states = scope.states ?? ['open', 'full', 'complete'];
        if (!states.length || states.some(x => !FILTER_STATES.includes(x))) {
          throw responseError(
            400,
            `scope.states: a non-empty list of ${FILTER_STATES.join(
              ', ',
            )} expected`,
          );
        }
        return items.filter(i => states.includes(i.state ?? 'open')).length;
      }
      default:
        throw responseError(
          400,
          'scope.kind: one of missing, sample, items, filter expected',
        );
    }
  };
  const transition =
    (from: LlmJobInfo['status'][], to: LlmJobInfo['status']) =>
    (job: LlmJobInfo): LlmJobInfo => {
      if (job.status === to) {
        return { ...job };
      }
      if (!from.includes(job.status)) {
        throw responseError(
          409,
          `the job is ${job.status}; only a ${from.join(' or ')} job can be ${
            to === 'running' ? 'resumed' : to
          }`,
        );
      }
      const now = new Date().toISOString();
      Object.assign(job, {
        status: to,
        updatedAt: now,
        ...(to === 'cancelled'
          ? { stopReason: 'cancelled', finishedAt: now }
          : {}),
      });
      return { ...job };
    };
  const controls = {
    pause: transition(['running'], 'paused'),
    resume: transition(['paused'], 'running'),
    cancel: transition(['running', 'paused'], 'cancelled'),
  };

  const methods: LlmMethods = {
    listLlmProviders: jest.fn(async () => providers),
    listLlmAnnotators: jest.fn(async (projectId: string) =>
      projectId === options.projectId
        ? annotators.map(record).sort((a, b) => a.name.localeCompare(b.name))
        : [],
    ),
    createLlmAnnotator: jest.fn(
      async (projectId: string, name: string, input) => {
        const config = checked(input);
        if (annotators.some(a => a.name === name)) {
          throw responseError(
            409,
            `name: this project already has an LLM annotator named "${name}"`,
          );
        }
        const a = {
          id: `llm-${++ids}`,
          name,
          versions: [version(1, config)],
        };
        annotators.push(a);
        return record(find(projectId, a.id));
      },
    ),
    getLlmAnnotator: jest.fn(async (projectId: string, id: string) => {
      const a = find(projectId, id);
      return {
        annotator: record(a),
        versions: [...a.versions].reverse(),
      };
    }),
    updateLlmAnnotator: jest.fn(
      async (projectId: string, id: string, input) => {
        const a = find(projectId, id);
        const config = checked(input);
        const current = a.versions[a.versions.length - 1];
        // the store compares deeply (isDeepStrictEqual): key order aside
        if (diffConfigs(current.config, config).length === 0) {
          return { annotator: record(a), created: false };
        }
        a.versions.push(version(current.version + 1, config));
        return { annotator: record(a), created: true };
      },
    ),
    dryRunLlmAnnotator: jest.fn(async (projectId, annotatorId, o = {}) => {
      const a = find(projectId, annotatorId);
      let config: LlmAnnotatorConfig;
      if (o.config !== undefined) {
        // shape only: a dry run tries what the editor has
        const parsed = parseLlmAnnotatorConfig(o.config);
        if (!parsed.success) {
          throw configIssues(parsed.issues);
        }
        config = parsed.config;
      } else {
        config = o.version ? versionOf(a, o.version).config : record(a).config;
      }
      const chosen = o.itemIds
        ? o.itemIds.map(id => {
            const item = items.find(i => i.id === id);
            if (!item) {
              throw responseError(404, `item ${id} not found in this project`);
            }
            return item;
          })
        : items.slice(0, o.count ?? 3);
      const provider = providers.find(p => p.id === config.provider);
      const template = parseTemplate(config.promptTemplate).template;
      return chosen.map(item => ({
        itemId: item.id,
        externalId: item.externalId,
        messages: [
          {
            role: 'system' as const,
            content: config.systemPrompt || 'Answer as JSON.',
          },
          {
            role: 'user' as const,
            content: `${renderTemplate(
              template,
              item,
              options.project,
            )}\n\nid: ${item.externalId}`,
          },
        ],
        result: {
          ...dryRunResult(item, config, provider),
          ...options.dryRun?.[item.externalId],
        },
      }));
    }),
    startLlmJob: jest.fn(async (projectId, annotatorId, request) => {
      const a = find(projectId, annotatorId);
      const v = versionOf(a, request.version ?? record(a).version);
      for (const field of ['budgetCost', 'budgetTokens'] as const) {
        const value = request[field];
        if (value !== undefined && !(value > 0)) {
          throw responseError(400, `${field}: a positive number expected`);
        }
      }
      const now = new Date().toISOString();
      const job: LlmJobInfo = {
        id: `job-${jobs.length + 1}`,
        projectId,
        annotatorId: a.id,
        version: v.version,
        scope: request.scope,
        status: 'running',
        mode: request.mode ?? 'online',
        ...(request.budgetCost !== undefined
          ? { budgetCost: request.budgetCost }
          : {}),
        ...(request.budgetTokens !== undefined
          ? { budgetTokens: request.budgetTokens }
          : {}),
        itemsTotal: itemsOf(request.scope),
        itemsDone: 0,
        itemsFailed: 0,
        itemsCached: 0,
        tokensIn: 0,
        tokensOut: 0,
        cost: 0,
        reservedCost: 0,
        reservedTokens: 0,
        createdBy: ME,
        createdAt: now,
        updatedAt: now,
      };
      jobs.unshift(job);
      progress.set(job.id, {
        errors: {},
        latencyMs: { count: 0 },
        inFlight: 0,
      });
      return { ...job };
    }),
    listLlmJobs: jest.fn(async (projectId: string) =>
      projectId === options.projectId ? jobs.map(j => ({ ...j })) : [],
    ),
    getLlmJob: jest.fn(async (projectId: string, jobId: string) => {
      const job = findJob(projectId, jobId);
      const p = progress.get(job.id)!;
      return {
        job: { ...job },
        pending: job.itemsTotal - job.itemsDone - job.itemsFailed,
        ...p,
        errors: { ...p.errors },
      };
    }),
    controlLlmJob: jest.fn(async (projectId, jobId, action) =>
      controls[action](findJob(projectId, jobId)),
    ),
    evaluateLlmAnnotator: jest.fn(async (projectId, annotatorId, o = {}) => {
      const a = find(projectId, annotatorId);
      const n = o.version ?? record(a).version;
      versionOf(a, n);
      const targetPrecision = o.targetPrecision ?? 0.95;
      const rows = evaluationRows.get(`${a.id}@${n}`) ?? [];
      const label = (value: unknown) =>
        typeof value === 'string' || typeof value === 'number'
          ? value
          : undefined;
      const report: LlmEvaluationReport = {
        version: n,
        targetPrecision,
        questions: options.project.questions
          .filter(
            q => q.type === 'single-choice' || q.type === 'ordinal-rating',
          )
          .map(q => ({
            id: q.id,
            title: q.title,
            type: q.type,
            evaluation: evaluateLlmAnswers(
              rows.map(r => ({
                llm:
                  r.status === 'answered' ? label(r.answer?.[q.id]) : undefined,
                confidence: r.confidence,
                truth: label(r.gold?.[q.id]),
                consensus: label(r.consensus?.[q.id]),
                cost: r.cost,
              })),
              { targetPrecision },
            ),
          })),
      };
      return report;
    }),
  };

  const advance = (jobId: string, change: JobAdvance) => {
    const job = findJob(options.projectId, jobId);
    const p = progress.get(jobId)!;
    let failed = 0;
    for (const [reason, n] of Object.entries(change.failed ?? {})) {
      p.errors[reason] = (p.errors[reason] ?? 0) + n;
      failed += n;
    }
    job.itemsDone += (change.done ?? 0) + (change.cached ?? 0);
    job.itemsCached += change.cached ?? 0;
    job.itemsFailed += failed;
    job.tokensIn += change.tokensIn ?? 0;
    job.tokensOut += change.tokensOut ?? 0;
    job.cost += change.cost ?? 0;
    p.inFlight = change.inFlight ?? p.inFlight;
    p.latencyMs = change.latencyMs ?? p.latencyMs;
    job.updatedAt = new Date().toISOString();
    if (
      job.status === 'running' &&
      job.itemsDone + job.itemsFailed >= job.itemsTotal
    ) {
      Object.assign(job, {
        status: 'completed',
        stopReason: 'done',
        finishedAt: job.updatedAt,
      });
      p.inFlight = 0;
    }
  };
  return { methods, annotators, jobs, advance, evaluationRows };
}
