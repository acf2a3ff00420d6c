/*
 * The LLM annotator side of the in-memory Chorus API for the page tests,
 * following the backend's rules (annotatorRoutes.ts, LlmAnnotatorStore):
 * a config is parsed and checked against the project (provider, template
 * fields of the questions and items, fixed examples' answers) and refused
 * with every issue named under `config.`; names are unique; saving the
 * current config again makes no version.
 */
import {
  checkLlmAnnotatorConfig,
  ConfigIssue,
  describeConfigIssues,
  LlmAnnotatorConfig,
  LlmAnnotatorConfigInput,
  LlmAnnotatorRecord,
  LlmAnnotatorVersion,
  LlmProviderInfo,
  parseLlmAnnotatorConfig,
  ProjectConfig,
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
>;

/** A stored annotator: the record's fields and its versions, oldest first. */
export interface FakeLlmAnnotator {
  id: string;
  name: string;
  versions: LlmAnnotatorVersion[];
}

export interface FakeLlm {
  methods: LlmMethods;
  annotators: FakeLlmAnnotator[];
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

export function fakeLlm(options: {
  project: ProjectConfig;
  projectId: string;
  /** The items' data: fields a template may read besides the questions'. */
  itemData: unknown[];
  providers?: LlmProviderInfo[];
  annotators?: FakeLlmAnnotator[];
}): FakeLlm {
  const providers = options.providers ?? sampleProviders;
  const annotators = options.annotators ?? [];
  let ids = annotators.length;

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
          options.itemData,
        ),
      );
    }
    if (!parsed.success || issues.length) {
      throw responseError(
        400,
        describeConfigIssues(
          issues.map(i => ({
            ...i,
            path: i.path ? `config.${i.path}` : 'config',
          })),
        ),
      );
    }
    return parsed.config;
  };
  const version = (n: number, config: LlmAnnotatorConfig) => ({
    version: n,
    config,
    createdBy: ME,
    createdAt: new Date().toISOString(),
  });

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
  };
  return { methods, annotators };
}
