import type {
  AnnotationProjectStatus,
  AnnotationQuestionSummary,
  AnnotationWorkforce,
  TaskType,
} from './kinds';

/** A project as stored in the Chorus database and served by its API. */
export interface AnnotationProjectRecord {
  id: string;
  /** The catalogue entity name (unique within its namespace). */
  name: string;
  namespace: string;
  title: string;
  description?: string;
  owner: string;
  lifecycle: string;
  model: string;
  dataset: string;
  workforce: AnnotationWorkforce;
  taskType: TaskType;
  questions: AnnotationQuestionSummary[];
  status: AnnotationProjectStatus;
  createdAt: string;
  updatedAt: string;
}

/** Response of `GET /projects`. */
export interface AnnotationProjectList {
  items: AnnotationProjectRecord[];
}

/** Fields a caller supplies to create a project. */
export type NewAnnotationProject = Omit<
  AnnotationProjectRecord,
  'id' | 'createdAt' | 'updatedAt' | 'namespace' | 'questions' | 'description'
> & {
  namespace?: string;
  description?: string;
  questions?: AnnotationQuestionSummary[];
};
