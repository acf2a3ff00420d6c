import {
  NewAnnotationProject,
  parseProjectConfig,
  ProjectConfig,
  ProjectConfigInput,
} from '@chorus/plugin-annotation-common';

export const workforce = {
  annotators: ['group:default/cu-annotators'],
  qualityAnalysts: ['group:default/cu-quality-analysts'],
  managers: ['group:default/cu-project-managers'],
};

/** The question of the API tests: does the track belong? yes or no. */
export const belongsQuestion: ProjectConfigInput['questions'][number] = {
  id: 'belongs',
  type: 'single-choice',
  title: 'Belongs?',
  field: 'track_title',
  labels: ['yes', 'no'],
};

/** A single-choice config with the given overrides, validated. */
export function choiceConfig(
  overrides: Partial<ProjectConfigInput> = {},
): ProjectConfig {
  const result = parseProjectConfig({
    workforce,
    questions: [
      {
        id: 'belongs',
        type: 'single-choice',
        title: 'Does the track belong on the artist page?',
        field: 'track_title',
        labels: ['yes', 'no', 'unsure'],
      },
    ],
    ...overrides,
  });
  if (!result.success) {
    throw new Error(JSON.stringify(result.issues));
  }
  return result.config;
}

export function newProject(
  overrides: Partial<NewAnnotationProject> = {},
): NewAnnotationProject {
  return {
    name: 'track-placement-relevance',
    title: 'Track placement relevance',
    owner: 'group:cu-ml-engineering',
    lifecycle: 'production',
    model: 'resource:track-artist-page-placement',
    dataset: 'resource:track-placement-labels',
    config: {} as ProjectConfigInput, // callers pass the parsed config apart
    ...overrides,
  };
}

/**
 * `annotation` config with one LLM provider that does not listen: for
 * routes that never reach it, or only to fail at once (one attempt), with
 * job runners that look for work once an hour (jobs stay as created).
 */
export const llmProvidersConfig = {
  llm: {
    maxAttempts: 1,
    pollSeconds: 3600,
    providers: [
      {
        id: 'simulator',
        title: 'Chorus simulator',
        baseUrl: 'http://127.0.0.1:9/v1',
        apiKey: 'sk-never-shown',
        defaultModel: 'chorus-sim',
        models: {
          'chorus-sim': { inputPerMillion: 0.1, outputPerMillion: 0.4 },
        },
        simulated: true,
      },
    ],
  },
};
