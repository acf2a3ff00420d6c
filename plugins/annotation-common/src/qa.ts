import type { AnnotationProjectRecord } from './api';
import type { AnnotationProjectStatus } from './kinds';
import type { Measure } from './quality';

/*
 * The quality analysts' side of the API: the escalation backlog, the QA
 * claim (one escalation held by one analyst at a time, like an annotator's
 * lease) and its decisions. Shared by the backend, the client and the page.
 */

/** Why an item was escalated, with the numbers. */
export type EscalationReason =
  | {
      code: 'low-agreement';
      question: string;
      measure: string;
      /** null when the measure is undefined (e.g. too few answers) */
      value: number | null;
      threshold: number;
    }
  | {
      code: 'low-confidence';
      question?: string;
      value: number;
      threshold: number;
    }
  | {
      code: 'llm-disagreement';
      question: string;
      llmAnswer: unknown;
      humanAnswer: unknown;
    }
  | { code: 'annotator-flag'; annotator: string; note?: string };

/** Which escalations a backlog request lists. */
export const ESCALATION_STATUSES = ['open', 'resolved', 'all'] as const;
export type EscalationStatus = (typeof ESCALATION_STATUSES)[number];

/** An escalation as the API serves it. */
export interface EscalationRecord {
  id: string;
  projectId: string;
  itemId: string;
  /** In backlog lists (a claim carries the whole item instead). */
  externalId?: string;
  reasons: EscalationReason[];
  createdAt: string;
  /** The analyst holding it now, while their claim is live. */
  claimedBy?: string;
  claimExpiresAt?: string;
  /** Once decided: `resolved` (final answer, gold) or `sent-back`. */
  resolution?: 'resolved' | 'sent-back';
  resolvedAt?: string;
  resolvedBy?: string;
  /** The final answer of a resolution. */
  answer?: Record<string, unknown>;
  /** The resolution's note, or the guidance it was sent back with. */
  note?: string;
}

/** One page of `GET /projects/{id}/escalations`. */
export interface EscalationPage {
  items: EscalationRecord[];
  /** Pass it as `cursor` for the next page; absent on the last one. */
  nextCursor?: string;
  /** Open escalations in the project, whatever the filter. */
  open: number;
}

/** An answer as a quality analyst sees it. */
export interface QaAnswer {
  /**
   * The annotator's entity ref, or a pseudonym ("annotator 1", in answer
   * order) when the project's `quality.qaSeesAnnotators` is false.
   */
  annotator: string;
  answer: Record<string, unknown>;
  configVersion: number;
  timeSpentMs: number;
  createdAt: string;
  updatedAt: string;
}

/** The item's quality outcome when it escalated. */
export interface QaOutcome {
  status: 'pending' | 'resolved' | 'escalated' | 'qa-resolved';
  /** Per question id: the item's agreement, or why it has none. */
  agreement: Record<string, Measure>;
  /** Consensus answer per question id, when there was one. */
  answer?: Record<string, unknown>;
  method?: 'majority' | 'dawid-skene' | 'qa' | 'llm';
  confidence?: number;
  /** What QA asked for when it last sent the item back. */
  guidance?: string;
}

/** `POST /projects/{id}/qa/next`: the analyst's claim and all it needs. */
export interface QaClaimResponse {
  token: string;
  expiresAt: string;
  /** The config version the questions below are read from. */
  configVersion: number;
  escalation: EscalationRecord;
  item: {
    id: string;
    externalId: string;
    data: unknown;
    predictions?: unknown;
    /** Imported gold, if the item has any. */
    gold?: unknown;
  };
  /** Every answer to the item, oldest first. */
  answers: QaAnswer[];
  /** False when answers carry pseudonyms instead of annotators. */
  annotatorsShown: boolean;
  outcome?: QaOutcome;
}

/** A resolve or send-back; `replayed` when it repeats an earlier one. */
export interface QaDecisionResponse {
  escalation: EscalationRecord;
  replayed: boolean;
}

/** `GET /qa/queues`: a project the caller reviews, with its backlog. */
export interface QaQueue {
  project: AnnotationProjectRecord;
  open: number;
}

/**
 * QA claims and decisions happen in active and paused projects: pausing
 * stops annotators, and analysts may still clear the backlog.
 */
export function isQaOpen(status: AnnotationProjectStatus): boolean {
  return status === 'active' || status === 'paused';
}
