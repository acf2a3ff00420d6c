import type { ProjectConfigInput } from './config';
import type { LabelAgreement, MeasureTable } from './quality';
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
  items: {
    /** The regular items: open + full + complete (gold items apart). */
    total: number;
    open: number;
    full: number;
    complete: number;
    /**
     * Gold items (honeypots) imported with their answer: mixed into
     * queues at the project's gold rate to score annotators, not labeled
     * to completion, so not in `total`.
     */
    gold: number;
  };
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

/** Buckets of the volume-over-time series. */
export type VolumeBucketSize = 'hour' | 'day';

/**
 * One annotator's row of the quality dashboard: a person, or a voting LLM
 * annotator (a rater of the latest fit: `annotator` is its rater id,
 * `llmAnnotator` its name; its `annotations` are its answers in that fit).
 */
export interface AnnotatorQuality {
  annotator: string;
  /** Set when the row is a voting LLM annotator: its name. */
  llmAnnotator?: string;
  annotations: number;
  skips: number;
  timeSpentMs: number;
  /** Median time per answer over their latest 1,000 answers. */
  medianTimeMs?: number;
  /**
   * Share of their answers equal to the item's consensus (resolved and
   * QA-resolved items), from the latest fit; absent when none compared.
   */
  consensusAgreement?: number;
  /** Answers compared with a consensus in the latest fit. */
  consensusCompared: number;
  /** Gold items they answered and answered right. */
  gold?: { answered: number; correct: number; accuracy: number };
  /** Gold accuracy under the project's `quality.minGoldAccuracy`. */
  belowMinGoldAccuracy: boolean;
  /** Per question id: their Dawid-Skene accuracy in the latest fit. */
  dawidSkeneAccuracy: Record<string, number>;
}

/** One question's project-level agreement in the latest fit. */
export interface QuestionAgreement {
  id: string;
  title: string;
  type: string;
  /** By measure name (e.g. `fleissKappa`): a value, or why there is none. */
  measures: MeasureTable;
  /** Each label's agreement against the rest. */
  labels: LabelAgreement[];
}

/** `GET /projects/{id}/metrics/quality`: the quality dashboard's figures. */
export interface QualityMetrics {
  generatedAt: string;
  progress: {
    items: ProjectProgress['items'];
    /** Complete items over all items, 0 to 1. */
    completionRate: number;
    /** Items by quality status; `notEvaluated`: complete, not yet decided. */
    quality: {
      notEvaluated: number;
      pending: number;
      resolved: number;
      escalated: number;
      qaResolved: number;
      /** Items with a gold answer (imported, or a QA resolution). */
      gold: number;
    };
    annotations: number;
    skips: number;
  };
  volume: {
    bucket: VolumeBucketSize;
    since: string;
    until: string;
    /** Every bucket of the window, oldest first; `start` its beginning. */
    points: Array<{ start: string; human: number; qa: number }>;
  };
  annotators: AnnotatorQuality[];
  /** The project's `quality.minGoldAccuracy` (0: no minimum). */
  minGoldAccuracy: number;
  /** The latest scheduled fit; absent before the first one. */
  agreement?: {
    configVersion: number;
    /** Whether it was fitted for the project's current config version. */
    current: boolean;
    fittedAt: string;
    itemsUsed: number;
    answersUsed: number;
    questions: QuestionAgreement[];
  };
  escalations: {
    open: number;
    resolved: number;
    sentBack: number;
    /** Median time from escalation to an analyst's decision. */
    medianTimeToResolutionMs?: number;
  };
  /** Whether the caller may recompute the fit (`refitQuality`). */
  canRefit: boolean;
}

/** `POST /projects/{id}/quality/refit`: the fit just stored. */
export interface RefitResponse {
  configVersion: number;
  fittedAt: string;
  itemsUsed: number;
  answersUsed: number;
}

/**
 * Topics Chorus publishes on the Backstage events service, and the signal
 * channel open pages listen to.
 */
export const ANNOTATION_EVENT_TOPICS = {
  itemCompleted: 'annotation.item.completed',
  /** An LLM job ended: all done, out of budget, cancelled or failed. */
  llmJobFinished: 'annotation.llm-job.finished',
  /** An item went to the quality analysts' queue, with the reasons. */
  itemEscalated: 'annotation.item.escalated',
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
  /** Without the gold count: annotators receive the signal too. */
  items: Omit<ProjectProgress['items'], 'gold'>;
  annotations: number;
  skips: number;
}
