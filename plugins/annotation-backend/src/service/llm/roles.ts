import { LoggerService } from '@backstage/backend-plugin-api';
import { autoAccepts } from '@chorus/plugin-annotation-common';
import {
  LlmAcceptance,
  LlmAnnotatorStore,
  LlmItemOutcome,
  LlmJobRef,
  ProjectStore,
  QualityStore,
} from '../../database';

/**
 * What an LLM annotator's answers do as they come in, by its role: an
 * `auto-accept` answer at or above the threshold (outside the audit
 * sample) resolves its item before any human sees it. `vote` and
 * `prelabel` act when the item is read (the evaluation, the lease).
 */
export class LlmRoles {
  constructor(
    private readonly o: {
      annotators: LlmAnnotatorStore;
      projects: ProjectStore;
      quality: QualityStore;
      logger: LoggerService;
    },
  ) {}

  /** The job runners' `onResults` hook (see `OnResults`). */
  async actOn(job: LlmJobRef, outcomes: LlmItemOutcome[]) {
    const { config } = await this.o.annotators.version(
      job.projectId,
      job.annotatorId,
      job.version,
    );
    if (config.role !== 'auto-accept') {
      return;
    }
    const project = await this.o.projects.get(job.projectId);
    if (!project) {
      return;
    }
    const settle: LlmAcceptance[] = [];
    for (const outcome of outcomes) {
      const answer = outcome.answer;
      if (
        outcome.status === 'done' &&
        answer?.status === 'answered' &&
        answer.answer &&
        autoAccepts(config, {
          itemId: outcome.itemId,
          annotatorId: job.annotatorId,
          confidence: answer.confidence,
        })
      ) {
        settle.push({
          itemId: outcome.itemId,
          answer: answer.answer,
          confidence: answer.confidence!,
        });
      }
    }
    const accepted = (
      await this.o.quality.acceptLlmAnswers(
        job.projectId,
        project.configVersion,
        settle,
      )
    ).length;
    if (accepted) {
      this.o.logger.info(
        `LLM job ${job.id}: ${accepted} items resolved by auto-accept`,
      );
    }
  }
}
