import type { ProjectConfigInput } from './config';
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
  /** From the current config: the catalogue summary. */
  workforce: AnnotationWorkforce;
  taskType: TaskType;
  questions: AnnotationQuestionSummary[];
  status: AnnotationProjectStatus;
  /** The current config version (0 while a project has none). */
  configVersion: number;
  createdAt: string;
  updatedAt: string;
}

/** Response of `GET /projects`. */
export interface AnnotationProjectList {
  items: AnnotationProjectRecord[];
}

/** One of the caller's labeling queues: an active project they may label. */
export interface AnnotationQueue {
  project: AnnotationProjectRecord;
  /**
   * Items the caller can still answer: not complete, and not answered or
   * skipped by them (some may be leased by others for now).
   */
  remainingForMe: number;
  myAnnotations: number;
  mySkips: number;
}

/** What a caller supplies to create a project. */
export interface NewAnnotationProject {
  name: string;
  namespace?: string;
  title: string;
  description?: string;
  owner: string;
  lifecycle: string;
  model: string;
  dataset: string;
  /** Defaults to `draft`. */
  status?: AnnotationProjectStatus;
  config: ProjectConfigInput;
}

/** Items by state, answers, skips and per-annotator figures of a project. */
export interface ProjectProgress {
  items: { total: number; open: number; full: number; complete: number };
  annotations: number;
  skips: number;
  annotators: Array<{
    annotator: string;
    annotations: number;
    skips: number;
    timeSpentMs: number;
    /**
     * Median time spent per answer over their latest 1,000 answers (in the
     * progress response; absent before their first answer).
     */
    medianTimeMs?: number;
  }>;
}

/**
 * Topics Chorus publishes on the Backstage events service, and the signal
 * channel open pages listen to.
 */
export const ANNOTATION_EVENT_TOPICS = {
  itemCompleted: 'annotation.item.completed',
  /** A quality analyst resolved an escalated item, or sent it back. */
  itemEscalationResolved: 'annotation.item.escalation-resolved',
  projectStatusChanged: 'annotation.project.status-changed',
} as const;

/** Signals channel carrying a project's live counts. */
export function progressSignalChannel(projectId: string): string {
  return `annotation:progress:${projectId}`;
}

/** The message on `progressSignalChannel`. */
export interface ProgressSignal {
  projectId: string;
  items: ProjectProgress['items'];
  annotations: number;
  skips: number;
}
