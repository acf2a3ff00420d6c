import { LoggerService } from '@backstage/backend-plugin-api';
import { EventsService } from '@backstage/plugin-events-node';
import { SignalsService } from '@backstage/plugin-signals-node';
import {
  ANNOTATION_EVENT_TOPICS,
  AnnotationProjectRecord,
  AnnotationProjectStatus,
  ProgressSignal,
  progressSignalChannel,
} from '@chorus/plugin-annotation-common';
import { ItemStore } from '../database';
import { groupsWithRole, normaliseRef, WORKFORCE_ROLES } from '../permissions';

/** At most one progress signal per project in this interval. */
const PROGRESS_SIGNAL_INTERVAL_MS = 1_000;

/**
 * Tells the rest of Backstage what happened: events for other plugins
 * (an item completed, a project changed status) and throttled signals with
 * live counts for open pages. Never on the request's path: a slow or absent
 * event bus must not slow down or fail a submit.
 */
export class ProjectNotifier {
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly o: {
      events: EventsService;
      signals: SignalsService;
      items: ItemStore;
      logger: LoggerService;
    },
  ) {}

  itemCompleted(
    project: AnnotationProjectRecord,
    item: { id: string; externalId?: string },
    answers: number,
  ): void {
    this.publish(ANNOTATION_EVENT_TOPICS.itemCompleted, {
      projectId: project.id,
      project: project.name,
      itemId: item.id,
      ...(item.externalId ? { externalId: item.externalId } : {}),
      answers,
    });
  }

  llmJobFinished(job: {
    id: string;
    projectId: string;
    annotatorId: string;
    version: number;
    status: string;
    stopReason?: string;
    itemsDone: number;
    itemsFailed: number;
    cost: number;
  }): void {
    this.publish(ANNOTATION_EVENT_TOPICS.llmJobFinished, {
      jobId: job.id,
      projectId: job.projectId,
      annotatorId: job.annotatorId,
      version: job.version,
      status: job.status,
      stopReason: job.stopReason,
      itemsDone: job.itemsDone,
      itemsFailed: job.itemsFailed,
      cost: job.cost,
    });
  }

  itemEscalated(
    project: AnnotationProjectRecord,
    escalation: { itemId: string; escalationId: string; reasons: unknown[] },
  ): void {
    this.publish(ANNOTATION_EVENT_TOPICS.itemEscalated, {
      projectId: project.id,
      project: project.name,
      ...escalation,
    });
  }

  /** A quality analyst resolved an escalation or sent its item back. */
  escalationResolved(
    project: AnnotationProjectRecord,
    item: { id: string; externalId?: string },
    escalation: {
      id: string;
      resolution?: 'resolved' | 'sent-back';
      resolvedBy?: string;
      answer?: Record<string, unknown>;
    },
  ): void {
    this.publish(ANNOTATION_EVENT_TOPICS.itemEscalationResolved, {
      projectId: project.id,
      project: project.name,
      itemId: item.id,
      ...(item.externalId ? { externalId: item.externalId } : {}),
      escalationId: escalation.id,
      resolution: escalation.resolution,
      by: escalation.resolvedBy,
      ...(escalation.answer ? { answer: escalation.answer } : {}),
    });
  }

  statusChanged(
    project: AnnotationProjectRecord,
    from: AnnotationProjectStatus,
    by: string,
  ): void {
    this.publish(ANNOTATION_EVENT_TOPICS.projectStatusChanged, {
      projectId: project.id,
      project: project.name,
      from,
      to: project.status,
      by,
    });
  }

  /** Counts changed: signal the project's workforce within a second. */
  progressChanged(project: AnnotationProjectRecord): void {
    if (this.stopped || this.pending.has(project.id)) {
      return;
    }
    const timer = setTimeout(() => {
      this.pending.delete(project.id);
      this.signalProgress(project).catch(error =>
        this.o.logger.warn(`progress signal for ${project.id} failed`, error),
      );
    }, PROGRESS_SIGNAL_INTERVAL_MS);
    timer.unref();
    this.pending.set(project.id, timer);
  }

  /**
   * At shutdown: pending progress signals are dropped and no new ones are
   * scheduled, so none is sent after the stores are gone.
   */
  stop(): void {
    this.stopped = true;
    for (const timer of this.pending.values()) {
      clearTimeout(timer);
    }
    this.pending.clear();
  }

  private async signalProgress(project: AnnotationProjectRecord) {
    const progress = await this.o.items.progress(project.id);
    // annotators get the signal: how many honeypots there are is not theirs
    const { gold: _gold, ...items } = progress.items;
    const message: ProgressSignal = {
      projectId: project.id,
      items,
      annotations: progress.annotations,
      skips: progress.skips,
    };
    // the groups named in the project (the owner among them), not everyone
    const recipients = new Set(
      WORKFORCE_ROLES.flatMap(role => groupsWithRole(project, role)).map(ref =>
        normaliseRef(ref),
      ),
    );
    await this.o.signals.publish({
      recipients: { type: 'user', entityRef: [...recipients] },
      channel: progressSignalChannel(project.id),
      message: { ...message },
    });
  }

  private publish(topic: string, eventPayload: Record<string, unknown>) {
    this.o.events
      .publish({ topic, eventPayload })
      .catch(error => this.o.logger.warn(`publishing ${topic} failed`, error));
  }
}
