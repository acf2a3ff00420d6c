import {
  DawidSkeneModel,
  decideItemOutcome,
  ItemDecision,
  llmDisagreements,
  llmRaterId,
  ProjectConfig,
  reachesAutoAccept,
} from '@chorus/plugin-annotation-common';
import { DecisionInput, EscalationReason, QualityStore } from '../../database';

/** How long a project's fit and gold standings are reused. */
const CACHE_MS = 30_000;

export interface EvaluatedItem {
  decision: ItemDecision;
  /** Set when this evaluation sent the item to the QA queue. */
  escalationId?: string;
  /** Why: the decision's reasons and any LLM-vs-human disagreement. */
  reasons: EscalationReason[];
}

interface Cached<T> {
  at: number;
  value: T;
}

/**
 * The live per-item quality state: when an item has its answers, decides it
 * (see `decideItemOutcome` in annotation-common) and records the decision:
 * resolved with its consensus, pending with one more annotator, or
 * escalated to the quality analysts. O(answers of the item) plus two cached
 * per-project reads (the latest Dawid-Skene fit, the gold standings).
 */
export class ItemEvaluator {
  private readonly fits = new Map<
    string,
    Cached<Record<string, DawidSkeneModel> | undefined>
  >();
  private readonly lowGold = new Map<string, Cached<Set<string>>>();

  constructor(
    private readonly o: {
      quality: QualityStore;
    },
  ) {}

  /**
   * Evaluates a complete item that has no settled outcome yet; undefined
   * when there is nothing to decide (not complete, a honeypot, already
   * resolved or with the quality analysts).
   */
  async evaluate(args: {
    projectId: string;
    itemId: string;
    configVersion: number;
    config: ProjectConfig;
  }): Promise<EvaluatedItem | undefined> {
    const { projectId, itemId, config } = args;
    const [models, excluded] = await Promise.all([
      this.models(projectId, args.configVersion),
      this.excluded(projectId, config.quality.minGoldAccuracy),
    ]);
    let evaluated: Omit<EvaluatedItem, 'escalationId'> | undefined;
    // decided under the item's lock, on the answers as they are: a
    // concurrent evaluation (a retried request, another replica) waits
    const written = await this.o.quality.evaluateItem(
      projectId,
      itemId,
      ({ state, before, answers, llm }): DecisionInput | undefined => {
        if (state !== 'complete' || (before && before.status !== 'pending')) {
          return undefined;
        }
        // a `vote` LLM annotator is one more annotator in the consensus:
        // its newest answer, as the rater the scheduled fit estimated (one
        // per annotator config, see `llmRaterId`)
        const votes = llm
          .filter(a => a.config.role === 'vote')
          .map(a => ({ annotator: llmRaterId(a.name), answer: a.answer }));
        const decision = decideItemOutcome({
          config,
          answers: [...answers, ...votes],
          extraAnnotators: before?.extraAnnotators ?? 0,
          models,
          excluded,
        });
        // humans who disagree with an auto-accepting LLM that was sure
        // enough to settle the item alone (its audit sample, or an item a
        // human reached first) send the item to QA
        const disagreements: EscalationReason[] =
          decision.status === 'resolved'
            ? llm
                .filter(a => reachesAutoAccept(a.config, a.confidence))
                .flatMap(a =>
                  llmDisagreements(config, a.answer, decision.answer).map(
                    question => ({
                      code: 'llm-disagreement' as const,
                      question,
                      llmAnswer: a.answer[question],
                      humanAnswer: decision.answer[question],
                    }),
                  ),
                )
            : [];
        const fields = {
          configVersion: args.configVersion,
          answer: decision.answer,
          method: decision.method,
          confidence: decision.confidence,
          agreement: decision.agreement,
          reasons: [...decision.reasons, ...disagreements],
        };
        evaluated = { decision, reasons: fields.reasons };
        if (decision.status === 'escalated' || disagreements.length) {
          return { ...fields, status: 'escalated' };
        }
        return decision.status === 'pending'
          ? {
              ...fields,
              status: 'pending',
              extraAnnotators: decision.extraAnnotators,
              overlap: config.overlap,
            }
          : { ...fields, status: 'resolved' };
      },
    );
    if (!written || !evaluated) {
      return undefined;
    }
    const escalation = written.escalation?.escalation;
    return escalation
      ? { ...evaluated, escalationId: escalation.id }
      : evaluated;
  }

  /**
   * Evaluates the complete items a killed process left undecided (their
   * last change older than `graceMs`, so evaluations in flight are left
   * alone); returns how many it decided. Called by the scheduled refit.
   */
  async evaluateUndecided(
    project: {
      projectId: string;
      configVersion: number;
      config: ProjectConfig;
    },
    options: { graceMs?: number; limit?: number } = {},
  ): Promise<number> {
    const ids = await this.o.quality.undecidedItems(
      project.projectId,
      Date.now() - (options.graceMs ?? 60_000),
      options.limit ?? 1000,
    );
    let decided = 0;
    for (const itemId of ids) {
      if (await this.evaluate({ ...project, itemId })) {
        decided++;
      }
    }
    return decided;
  }

  private async models(projectId: string, configVersion: number) {
    const key = `${projectId}:${configVersion}`;
    const cached = this.fits.get(key);
    if (cached && Date.now() - cached.at < CACHE_MS) {
      return cached.value;
    }
    const fit = await this.o.quality.latestFit(projectId, configVersion);
    this.fits.set(key, { at: Date.now(), value: fit?.models });
    return fit?.models;
  }

  /** Annotators whose gold accuracy is below the bar (once it says enough). */
  private async excluded(projectId: string, minAccuracy: number) {
    if (minAccuracy <= 0) {
      return undefined;
    }
    const cached = this.lowGold.get(projectId);
    if (cached && Date.now() - cached.at < CACHE_MS) {
      return cached.value;
    }
    const low = await this.o.quality.lowGoldAnnotators(projectId, minAccuracy);
    const value = new Set(low.map(s => s.annotator));
    this.lowGold.set(projectId, { at: Date.now(), value });
    return value;
  }
}
