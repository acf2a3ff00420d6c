import { CodedAnswers } from './codedAnswers';
import { CategoryCode, UndefinedMeasure } from './types';

/**
 * Dawid & Skene (1979), "Maximum likelihood estimation of observer
 * error-rates using the EM algorithm", Applied Statistics 28(1): each item
 * has a hidden true class `j` (prior `π_j`); each annotator `r` answers `c`
 * with probability `θ_r[j][c]` (their confusion matrix), independently.
 * EM alternates:
 * - E: `T_ij ∝ π_j Π_{answers a of i} θ_{r_a}[j][c_a]` (class posteriors);
 * - M: `θ_r[j][c] = (Σ_i T_ij n_irc + a_jc) / (Σ_i T_ij n_ir + Σ_c a_jc)`,
 *   `π_j = (Σ_i T_ij + b) / (N + K b)`,
 * with pseudo-counts `a_jc` (`diagonal` when `j = c`, else `offDiagonal`)
 * and `b` (`classPrior`): the MAP estimate under Dirichlet priors with
 * parameters pseudo-count + 1. All zero gives the paper's maximum
 * likelihood. Annotators may answer any subset of items, and several times
 * (the paper's first observer rated each patient three times); an LLM is one
 * more annotator. Each iteration is O(answers × K + annotators × K²).
 *
 * Start: `T_i` = the item's vote shares (majority vote, soft, as in the
 * paper). Stop: when the penalised log-likelihood changes by at most
 * `tolerance × max(1, |ℓ|)`, or after `maxIterations`.
 */
export interface DawidSkeneOptions {
  /** Default 100. */
  maxIterations?: number;
  /** Relative change of the log-likelihood that counts as converged; 1e-7. */
  tolerance?: number;
  /** Pseudo-counts added to each annotator's confusion rows; 1 and 0.1. */
  confusionPrior?: { diagonal: number; offDiagonal: number };
  /** Pseudo-count added to each class's prior; 1. */
  classPrior?: number;
}

/**
 * The fitted parameters, plain JSON so the backend can store them and score
 * one item at a time with {@link dawidSkeneItemPosterior}.
 */
export interface DawidSkeneModel {
  categories: CategoryCode[];
  /** π: prior probability of each true class, by category index. */
  classPriors: number[];
  /**
   * Per annotator id: `confusion[j][c]` = P(answers category c | true class
   * j); each row sums to 1.
   */
  confusion: Record<string, number[][]>;
  /** All annotators pooled (answer-weighted): used for unknown annotators. */
  pooledConfusion: number[][];
  /** Per annotator id: `Σ_j π_j θ[j][j]`, the chance they are right on a
   * random item. */
  accuracy: Record<string, number>;
}

export interface DawidSkeneFit {
  model: DawidSkeneModel;
  /** Row-major items × categories: P(true class | answers). Rows sum to 1. */
  posteriors: Float64Array;
  /** Most probable class per item (lowest index on ties); -1 if no answer. */
  labels: Int32Array;
  /** Posterior of that class (0 for items with no answer). */
  confidence: Float64Array;
  iterations: number;
  converged: boolean;
  /** Final penalised log-likelihood. */
  logLikelihood: number;
}

interface Settings {
  maxIterations: number;
  tolerance: number;
  diagonal: number;
  offDiagonal: number;
  classPrior: number;
}

function settings(options: DawidSkeneOptions): Settings {
  const s = {
    maxIterations: options.maxIterations ?? 100,
    tolerance: options.tolerance ?? 1e-7,
    diagonal: options.confusionPrior?.diagonal ?? 1,
    offDiagonal: options.confusionPrior?.offDiagonal ?? 0.1,
    classPrior: options.classPrior ?? 1,
  };
  for (const [key, value] of Object.entries(s)) {
    if (!Number.isFinite(value) || value < 0) {
      throw new Error(`dawidSkene: ${key} must be a number ≥ 0`);
    }
  }
  return s;
}

/** Parameters during the fit, flat typed arrays. */
interface Parameters {
  /** raters × K × K, [r][true][answered]. */
  theta: Float64Array;
  priors: Float64Array;
  /** Σ_i T_ij n_irc, raters × K × K: the M-step's sufficient statistics. */
  counts: Float64Array;
  /** Σ_i T_ij over answered items. */
  classTotals: Float64Array;
  answered: number;
}

function initialPosteriors(data: CodedAnswers, k: number): Float64Array {
  const t = new Float64Array(data.itemCount * k);
  for (let i = 0; i < data.itemCount; i++) {
    const from = data.itemOffsets[i];
    const m = data.itemOffsets[i + 1] - from;
    for (let a = from; a < from + m; a++) {
      t[i * k + data.codes[a]] += 1 / m;
    }
  }
  return t;
}

/** Adds item i's posterior row to the sufficient statistics. */
function addItem(
  data: CodedAnswers,
  t: Float64Array,
  i: number,
  k: number,
  p: Parameters,
): void {
  const row = i * k;
  p.answered++;
  for (let j = 0; j < k; j++) {
    p.classTotals[j] += t[row + j];
  }
  for (let a = data.itemOffsets[i]; a < data.itemOffsets[i + 1]; a++) {
    const base = data.raters[a] * k * k + data.codes[a];
    for (let j = 0; j < k; j++) {
      p.counts[base + j * k] += t[row + j];
    }
  }
}

function resetStatistics(p: Parameters): void {
  p.counts.fill(0);
  p.classTotals.fill(0);
  p.answered = 0;
}

/** Sufficient statistics of the starting posteriors. */
function countPosteriors(
  data: CodedAnswers,
  t: Float64Array,
  k: number,
  p: Parameters,
): void {
  resetStatistics(p);
  for (let i = 0; i < data.itemCount; i++) {
    if (data.itemOffsets[i] < data.itemOffsets[i + 1]) {
      addItem(data, t, i, k, p);
    }
  }
}

/** M-step: parameters from the sufficient statistics and pseudo-counts. */
function maximise(k: number, s: Settings, p: Parameters): void {
  const priorTotal = p.answered + k * s.classPrior;
  for (let j = 0; j < k; j++) {
    p.priors[j] =
      priorTotal > 0 ? (p.classTotals[j] + s.classPrior) / priorTotal : 1 / k;
  }
  normaliseRows(p.counts, p.theta, k, s);
}

/** theta = counts + pseudo-counts, each row normalised (uniform if empty). */
function normaliseRows(
  counts: Float64Array,
  theta: Float64Array,
  k: number,
  s: Settings,
): void {
  for (let row = 0; row < counts.length; row += k) {
    const j = (row / k) % k;
    let total = 0;
    for (let c = 0; c < k; c++) {
      const v = counts[row + c] + (c === j ? s.diagonal : s.offDiagonal);
      theta[row + c] = v;
      total += v;
    }
    for (let c = 0; c < k; c++) {
      theta[row + c] = total > 0 ? theta[row + c] / total : 1 / k;
    }
  }
}

/** Normalises `logp` (length k) in place into probabilities; returns log Σ. */
function normaliseLog(logp: Float64Array, out: Float64Array, at: number) {
  const k = logp.length;
  let max = -Infinity;
  for (let j = 0; j < k; j++) {
    max = Math.max(max, logp[j]);
  }
  if (max === -Infinity) {
    // impossible under every class (zero pseudo-counts): no information
    for (let j = 0; j < k; j++) {
      out[at + j] = 1 / k;
    }
    return 0;
  }
  let sum = 0;
  for (let j = 0; j < k; j++) {
    const e = Math.exp(logp[j] - max);
    out[at + j] = e;
    sum += e;
  }
  for (let j = 0; j < k; j++) {
    out[at + j] /= sum;
  }
  return max + Math.log(sum);
}

/**
 * E-step: fills `t` and returns the data log-likelihood; also gathers the
 * next M-step's statistics in the same pass over the answers (one pass per
 * iteration instead of two).
 */
function expect(
  data: CodedAnswers,
  p: Parameters,
  k: number,
  t: Float64Array,
): number {
  // hot loop: one pass over the answers, locals only
  const logTheta = p.theta.map(Math.log);
  const logPriors = p.priors.map(Math.log);
  resetStatistics(p);
  const { itemOffsets, codes, raters } = data;
  const { counts, classTotals } = p;
  const kk = k * k;
  const logp = new Float64Array(k);
  let ll = 0;
  let answered = 0;
  for (let i = 0; i < data.itemCount; i++) {
    const from = itemOffsets[i];
    const to = itemOffsets[i + 1];
    const row = i * k;
    if (from === to) {
      t.set(p.priors, row);
      continue;
    }
    for (let j = 0; j < k; j++) {
      logp[j] = logPriors[j];
    }
    for (let a = from; a < to; a++) {
      const base = raters[a] * kk + codes[a];
      for (let j = 0; j < k; j++) {
        logp[j] += logTheta[base + j * k];
      }
    }
    // normaliseLog, inlined: this runs items × iterations times
    let max = -Infinity;
    for (let j = 0; j < k; j++) {
      if (logp[j] > max) {
        max = logp[j];
      }
    }
    if (max === -Infinity) {
      t.fill(1 / k, row, row + k);
    } else {
      let sum = 0;
      for (let j = 0; j < k; j++) {
        const e = Math.exp(logp[j] - max);
        t[row + j] = e;
        sum += e;
      }
      const inverse = 1 / sum;
      for (let j = 0; j < k; j++) {
        t[row + j] *= inverse;
      }
      ll += max + Math.log(sum);
    }
    answered++;
    for (let j = 0; j < k; j++) {
      classTotals[j] += t[row + j];
    }
    for (let a = from; a < to; a++) {
      const base = raters[a] * kk + codes[a];
      for (let j = 0; j < k; j++) {
        counts[base + j * k] += t[row + j];
      }
    }
  }
  p.answered = answered;
  return ll;
}

/** log of the Dirichlet prior densities (up to a constant). */
function logPrior(p: Parameters, k: number, s: Settings): number {
  let sum = 0;
  const add = (weight: number, prob: number) => {
    if (weight > 0) {
      sum += weight * Math.log(prob);
    }
  };
  for (let row = 0; row < p.theta.length; row += k) {
    const j = (row / k) % k;
    for (let c = 0; c < k; c++) {
      add(c === j ? s.diagonal : s.offDiagonal, p.theta[row + c]);
    }
  }
  for (let j = 0; j < k; j++) {
    add(s.classPrior, p.priors[j]);
  }
  return sum;
}

function toModel(
  data: CodedAnswers,
  p: Parameters,
  k: number,
  s: Settings,
): DawidSkeneModel {
  const matrix = (flat: Float64Array, offset: number) =>
    Array.from({ length: k }, (_, j) =>
      Array.from(flat.subarray(offset + j * k, offset + (j + 1) * k)),
    );
  const confusion: Record<string, number[][]> = {};
  const accuracy: Record<string, number> = {};
  const pooledCounts = new Float64Array(k * k);
  data.raterIds.forEach((id, r) => {
    confusion[id] = matrix(p.theta, r * k * k);
    let right = 0;
    for (let j = 0; j < k; j++) {
      right += p.priors[j] * p.theta[r * k * k + j * k + j];
    }
    accuracy[id] = right;
    for (let x = 0; x < k * k; x++) {
      pooledCounts[x] += p.counts[r * k * k + x];
    }
  });
  const pooled = new Float64Array(k * k);
  normaliseRows(pooledCounts, pooled, k, s);
  return {
    categories: [...data.categories],
    classPriors: Array.from(p.priors),
    confusion,
    pooledConfusion: matrix(pooled, 0),
    accuracy,
  };
}

/** Fits the Dawid-Skene model to {@link CodedAnswers}; see the options. */
export function dawidSkene(
  data: CodedAnswers,
  options: DawidSkeneOptions = {},
): DawidSkeneFit {
  const s = settings(options);
  const k = data.categories.length;
  const size = data.raterIds.length * k * k;
  const p: Parameters = {
    theta: new Float64Array(size),
    priors: new Float64Array(k),
    counts: new Float64Array(size),
    classTotals: new Float64Array(k),
    answered: 0,
  };
  const t = initialPosteriors(data, k);
  countPosteriors(data, t, k, p);
  let previous = -Infinity;
  let logLikelihood = -Infinity;
  let iterations = 0;
  let converged = false;
  while (iterations < s.maxIterations && !converged) {
    maximise(k, s, p);
    logLikelihood = expect(data, p, k, t) + logPrior(p, k, s);
    iterations++;
    converged =
      Math.abs(logLikelihood - previous) <=
      s.tolerance * Math.max(1, Math.abs(logLikelihood));
    previous = logLikelihood;
  }
  const labels = new Int32Array(data.itemCount).fill(-1);
  const confidence = new Float64Array(data.itemCount);
  for (let i = 0; i < data.itemCount; i++) {
    if (data.itemOffsets[i] === data.itemOffsets[i + 1]) {
      continue;
    }
    for (let j = 0; j < k; j++) {
      if (t[i * k + j] > confidence[i]) {
        confidence[i] = t[i * k + j];
        labels[i] = j;
      }
    }
  }
  return {
    model: toModel(data, p, k, s),
    posteriors: t,
    labels,
    confidence,
    iterations,
    converged,
    logLikelihood,
  };
}

export interface ItemPosterior {
  /** P(true class | answers), by category index; sums to 1. */
  posterior: number[];
  label: CategoryCode;
  confidence: number;
}

/**
 * The posterior of ONE item under a fitted model, from that item's answers
 * only: O(answers × K), for the backend to call on each submit. Annotators
 * the model has not seen (joined after the fit) answer with the pooled
 * confusion matrix. An answer outside the model's categories is an error.
 */
export function dawidSkeneItemPosterior(
  model: DawidSkeneModel,
  answers: readonly { rater: string; value: CategoryCode }[],
): ItemPosterior | UndefinedMeasure<'no-answers'> {
  if (answers.length === 0) {
    return { undefined: 'no-answers' };
  }
  const k = model.categories.length;
  const logp = Float64Array.from(model.classPriors, Math.log);
  for (const { rater, value } of answers) {
    const c = model.categories.indexOf(value);
    if (c < 0) {
      throw new Error(`answer ${JSON.stringify(value)} is not a category`);
    }
    const theta = Object.prototype.hasOwnProperty.call(model.confusion, rater)
      ? model.confusion[rater]
      : model.pooledConfusion;
    for (let j = 0; j < k; j++) {
      logp[j] += Math.log(theta[j][c]);
    }
  }
  const out = new Float64Array(k);
  normaliseLog(logp, out, 0);
  let best = 0;
  for (let j = 1; j < k; j++) {
    if (out[j] > out[best]) {
      best = j;
    }
  }
  return {
    posterior: Array.from(out),
    label: model.categories[best],
    confidence: out[best],
  };
}
