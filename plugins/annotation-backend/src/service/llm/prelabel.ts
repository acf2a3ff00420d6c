import { ProjectConfig } from '@chorus/plugin-annotation-common';
import { LlmAnnotatorStore, LlmJobStore } from '../../database';

/** How long a project's list of prelabel annotators is reused. */
const CACHE_MS = 30_000;

export interface PrelabelSuggestion {
  source: 'llm';
  annotator: string;
  answer: Record<string, unknown>;
  confidence?: number;
  simulated: boolean;
  /** Filled in by the workspace: never in blind projects unless allowed. */
  preselect: boolean;
}

/**
 * The `prelabel` role: an LLM answer shown to the annotator with the item
 * as a suggestion. Projects without a prelabel annotator pay one cached
 * list read per 30 s, not a query per lease.
 */
export class PrelabelSuggestions {
  private readonly cache = new Map<string, { at: number; ids: Set<string> }>();

  constructor(
    private readonly o: {
      llmAnnotators?: Pick<LlmAnnotatorStore, 'list'>;
      llmJobs?: Pick<LlmJobStore, 'answersForItem'>;
    },
  ) {}

  async forItem(
    projectId: string,
    itemId: string,
    project: ProjectConfig,
  ): Promise<PrelabelSuggestion | undefined> {
    const ids = await this.prelabelers(projectId);
    if (!ids.size || !this.o.llmJobs) {
      return undefined;
    }
    const answer = (await this.o.llmJobs.answersForItem(itemId)).find(
      a => ids.has(a.annotatorId) && a.config.role === 'prelabel',
    );
    if (!answer) {
      return undefined;
    }
    return {
      source: 'llm',
      annotator: answer.name,
      answer: answer.answer,
      ...(answer.confidence !== undefined
        ? { confidence: answer.confidence }
        : {}),
      simulated: answer.simulated,
      preselect: !project.blind || answer.config.prelabelInBlind,
    };
  }

  private async prelabelers(projectId: string): Promise<Set<string>> {
    const cached = this.cache.get(projectId);
    if (cached && Date.now() - cached.at < CACHE_MS) {
      return cached.ids;
    }
    const annotators = (await this.o.llmAnnotators?.list(projectId)) ?? [];
    const ids = new Set(
      annotators.filter(a => a.config.role === 'prelabel').map(a => a.id),
    );
    if (this.cache.size > 1000) {
      this.cache.clear();
    }
    this.cache.set(projectId, { at: Date.now(), ids });
    return ids;
  }
}
