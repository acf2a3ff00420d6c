import type { AnnotationQuestionSummary, TaskType } from '../kinds';
import type { ProjectConfig } from './projectConfig';

/** The catalogue's summary of a config: workforce, task type, questions. */
export function summarizeProjectConfig(config: ProjectConfig) {
  const types = [...new Set(config.questions.map(q => q.type))];
  const taskType: TaskType = types.length === 1 ? types[0] : 'mixed';
  const questions: AnnotationQuestionSummary[] = config.questions.map(q => ({
    id: q.id,
    type: q.type,
    title: q.title,
  }));
  return { workforce: config.workforce, taskType, questions };
}
