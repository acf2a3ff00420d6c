import { ItemEvaluator } from './ItemEvaluator';
import { LoggerService } from '@backstage/backend-plugin-api';
import {
  AlphaMetric,
  AnswerEncoder,
  categoricalAgreement,
  CategoryCode,
  codedSpanAgreement,
  dawidSkene,
  DawidSkeneModel,
  Interval,
  ItemIndex,
  LabelAgreement,
  labelAgreement,
  MEASURE_NAMES,
  MeasureTable,
  plainMeasure,
  ProjectConfig,
  QuestionConfig,
  SpanAnswerEncoder,
  strideItems,
} from '@chorus/plugin-annotation-common';
import {
  AnswerBatchRow,
  MetricsStore,
  ProjectStore,
  QualityFit,
  QualityStore,
} from '../../database';

/*
 * The scheduled project-level quality fit: every answer of the project read
 * in batches into typed arrays (never one object per answer for the whole
 * project), then per question Dawid-Skene (single choice, rating) and the
 * agreement coefficients, per label too, and each annotator's agreement
 * with the items' consensus. The answers are the humans' and the votes of
 * LLM annotators whose role is `vote`, each such annotator one rater: as
 * in the per-item evaluation, where its vote then weighs by its own
 * confusion matrix. The fit is stored with QualityStore.saveFit; the
 * metrics endpoint and the per-submit consensus read it.
 */

export interface RefitDeps {
  projects: ProjectStore;
  quality: QualityStore;
  metrics: MetricsStore;
  logger?: LoggerService;
  /**
   * Decides first the complete items a killed process left undecided (see
   * `ItemEvaluator.evaluateUndecided`).
   */
  evaluator?: ItemEvaluator;
  /** Answers read per query; default the store's. */
  batchSize?: number;
}

export type RefitResult =
  | { status: 'fitted'; fit: QualityFit }
  | { status: 'unchanged'; fit: QualityFit }
  | { status: 'no-config' };

/** Projects the schedule refits: those whose answers can still change. */
export const REFIT_STATUSES = ['active', 'paused', 'completed'] as const;

/**
 * Per annotator: answers read, answers (one per question) compared with
 * the consensus, and those agreeing.
 */
type ConsensusTally = Map<
  string,
  { answers: number; compared: number; agreed: number }
>;

function tallyOf(tally: ConsensusTally, annotator: string) {
  let t = tally.get(annotator);
  if (!t) {
    t = { answers: 0, compared: 0, agreed: 0 };
    tally.set(annotator, t);
  }
  return t;
}

/**
 * What one question gathers from the answers, and what it yields. `item`
 * is the answer's item as an index shared by every question (dense), so
 * the project keeps one map of its items, not one per question.
 */
interface QuestionCollector {
  add(row: AnswerBatchRow, item: number, tally: ConsensusTally): void;
  finish(fit: FitParts): void;
}

interface FitParts {
  models: Record<string, DawidSkeneModel>;
  agreement: Record<string, MeasureTable>;
  labelAgreement: Record<string, LabelAgreement[]>;
}

function compare(
  tally: ConsensusTally,
  annotator: string,
  agreed: boolean,
): void {
  const t = tallyOf(tally, annotator);
  t.compared++;
  if (agreed) {
    t.agreed++;
  }
}

/** Single choice (nominal) and ratings (ordinal): one category per answer. */
function categorical(
  q: QuestionConfig,
  categories: CategoryCode[],
  metric: AlphaMetric,
): QuestionCollector {
  const known = new Set<CategoryCode>(categories);
  const encoder = new AnswerEncoder({ categories, denseItems: true });
  return {
    add(row, item, tally) {
      const value = row.answer[q.id] as CategoryCode | undefined;
      // optional questions left out, and values a later config dropped
      if (value === undefined || !known.has(value)) {
        return;
      }
      encoder.add(item, row.annotator, value);
      const consensus = row.consensus?.[q.id];
      if (consensus !== undefined) {
        compare(tally, row.annotator, consensus === value);
      }
    },
    finish(fit) {
      const data = encoder.finish();
      fit.agreement[q.id] = categoricalAgreement(data, metric);
      fit.labelAgreement[q.id] = labelAgreement(data);
      if (data.codes.length) {
        fit.models[q.id] = dawidSkene(data).model;
      }
    },
  };
}

function sameSet(a: unknown, b: unknown): boolean {
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) {
    return false;
  }
  const set = new Set(a);
  return b.every(x => set.has(x));
}

/**
 * Multiple choice: each (item, label) pair is a unit answered "selected" or
 * not, unit `item · labels + label`. The question's agreement pools every
 * label's units; each label also gets its own (the binary measures of that
 * label alone), sliced from the pooled units one label at a time.
 */
function multipleChoice(
  q: QuestionConfig & { type: 'multiple-choice' },
): QuestionCollector {
  const labels = q.labels.map(l => l.value);
  const width = labels.length;
  const pooled = new AnswerEncoder({ categories: [0, 1], denseItems: true });
  return {
    add(row, item, tally) {
      const value = row.answer[q.id];
      if (!Array.isArray(value)) {
        return;
      }
      labels.forEach((label, l) => {
        const selected = value.includes(label) ? 1 : 0;
        pooled.add(item * width + l, row.annotator, selected);
      });
      const consensus = row.consensus?.[q.id];
      if (consensus !== undefined) {
        compare(tally, row.annotator, sameSet(consensus, value));
      }
    },
    finish(fit) {
      const data = pooled.finish();
      fit.agreement[q.id] = categoricalAgreement(data, 'nominal');
      fit.labelAgreement[q.id] = labels.map((label, l) => ({
        label,
        measures: categoricalAgreement(strideItems(data, width, l), 'nominal'),
      }));
    },
  };
}

/** Text spans, audio and video segments: units matched by overlap. */
function spans(q: QuestionConfig): QuestionCollector {
  const encoder = new SpanAnswerEncoder({ denseItems: true });
  return {
    add(row, item) {
      const value = row.answer[q.id];
      if (Array.isArray(value)) {
        encoder.add(item, value as Interval[]);
      }
    },
    finish(fit) {
      const data = encoder.finish();
      const { microF1, meanItemAgreement } = codedSpanAgreement(data);
      fit.agreement[q.id] = {
        [MEASURE_NAMES.spanMicroF1]: plainMeasure(microF1),
        [MEASURE_NAMES.spanMeanItemF1]: plainMeasure(meanItemAgreement),
      };
    },
  };
}

/** The collector of a question; free text has no agreement. */
function collectorFor(q: QuestionConfig): QuestionCollector | undefined {
  switch (q.type) {
    case 'single-choice':
      return categorical(
        q,
        q.labels.map(l => l.value),
        'nominal',
      );
    case 'ordinal-rating':
      return categorical(
        q,
        Array.from({ length: q.max - q.min + 1 }, (_, i) => q.min + i),
        'ordinal',
      );
    case 'multiple-choice':
      return multipleChoice(q);
    case 'text-spans':
    case 'audio-segments':
    case 'video-segments':
      return spans(q);
    default:
      return undefined;
  }
}

/** Reads every answer once and computes the fit of `config`'s questions. */
async function computeFit(
  deps: RefitDeps,
  projectId: string,
  config: ProjectConfig,
) {
  const collectors = config.questions
    .map(collectorFor)
    .filter((c): c is QuestionCollector => c !== undefined);
  const tally: ConsensusTally = new Map();
  const items = new ItemIndex();
  let answersUsed = 0;
  for await (const batch of deps.metrics.answerBatches(
    projectId,
    deps.batchSize,
  )) {
    answersUsed += batch.length;
    for (const row of batch) {
      tallyOf(tally, row.annotator).answers++;
      const item = items.indexOf(row.itemId);
      for (const c of collectors) {
        c.add(row, item, tally);
      }
    }
  }
  const parts: FitParts = {
    models: {},
    agreement: {},
    labelAgreement: {},
  };
  for (const c of collectors) {
    c.finish(parts);
  }
  return {
    ...parts,
    itemsUsed: items.size,
    answersUsed,
    annotators: Object.fromEntries(tally),
  };
}

/**
 * Fits the project's current config over all its answers (answers of
 * earlier versions too: a config change may not orphan answers, so they
 * read the same under the current questions) and stores the fit. Unless
 * `force`, a project whose answers, outcomes and config have not changed
 * since its last fit is left alone.
 */
export async function refitProject(
  deps: RefitDeps,
  projectId: string,
  options: { force?: boolean } = {},
): Promise<RefitResult> {
  const project = await deps.projects.get(projectId);
  const current =
    project && project.configVersion > 0
      ? await deps.projects.getConfig(projectId, project.configVersion)
      : undefined;
  if (!current) {
    return { status: 'no-config' };
  }
  const signature = await deps.metrics.fitSignature(projectId, current.version);
  if (!options.force) {
    const last = await deps.quality.latestFit(projectId, current.version);
    if (last?.signature === signature) {
      return { status: 'unchanged', fit: last };
    }
  }
  const started = Date.now();
  const fit = await computeFit(deps, projectId, current.config);
  const fittedAt = new Date().toISOString();
  await deps.quality.saveFit(projectId, current.version, {
    ...fit,
    signature,
    fittedAt,
  });
  deps.logger?.info(
    `quality refit of project ${projectId}: ${fit.answersUsed} answers, ${
      fit.itemsUsed
    } items in ${Date.now() - started} ms`,
  );
  return {
    status: 'fitted',
    fit: (await deps.quality.latestFit(projectId, current.version))!,
  };
}

/**
 * The scheduled run: refits every active, paused or completed project that
 * changed. One project's failure is logged and does not stop the others.
 */
export async function refitChangedProjects(deps: RefitDeps): Promise<void> {
  const projects = await deps.projects.list();
  for (const project of projects) {
    if (!(REFIT_STATUSES as readonly string[]).includes(project.status)) {
      continue;
    }
    try {
      if (deps.evaluator) {
        const current = await deps.projects.getConfig(
          project.id,
          project.configVersion,
        );
        if (current) {
          await deps.evaluator.evaluateUndecided({
            projectId: project.id,
            configVersion: current.version,
            config: current.config,
          });
        }
      }
      await refitProject(deps, project.id);
    } catch (error) {
      deps.logger?.error(
        `quality refit of project ${project.id} failed: ${error}`,
      );
    }
  }
}
