import {
  AnswerRow,
  CodedAnswers,
  dawidSkene,
  encodeAnswers,
  fleissKappa,
  krippendorffAlpha,
} from '@chorus/plugin-annotation-common';
import { emit, log, round } from './report';
import { seededRandom } from './items';

export interface B3Options {
  items: number;
  seed: number;
}

const CLASS_PRIORS = [0.6, 0.3, 0.1];
const HUMANS = 60;
const LLM_ACCURACY = 0.85;

/**
 * `items` items × (3 humans drawn from 60 + 1 LLM), 3 classes with priors
 * 0.6 / 0.3 / 0.1; human h is right with probability 0.7 + 0.25·h/59, the
 * LLM with 0.85; wrong answers are uniform over the other classes. Built
 * straight into the compact form the backend would build from its rows.
 */
function generate(items: number, seed: number) {
  const random = seededRandom(seed);
  const k = CLASS_PRIORS.length;
  const perItem = 4;
  const codes = new Int32Array(items * perItem);
  const raters = new Int32Array(items * perItem);
  const itemOffsets = new Int32Array(items + 1);
  const truth = new Int32Array(items);
  const accuracy = Array.from({ length: HUMANS + 1 }, (_, h) =>
    h === HUMANS ? LLM_ACCURACY : 0.7 + (0.25 * h) / (HUMANS - 1),
  );
  const answer = (t: number, p: number) =>
    random() < p ? t : (t + 1 + Math.floor(random() * (k - 1))) % k;
  for (let i = 0; i < items; i++) {
    let t = 0;
    for (let u = random() - CLASS_PRIORS[0]; u >= 0 && t < k - 1; ) {
      t++;
      u -= CLASS_PRIORS[t];
    }
    truth[i] = t;
    const at = i * perItem;
    itemOffsets[i + 1] = at + perItem;
    // three distinct humans
    const a = Math.floor(random() * HUMANS);
    const b = (a + 1 + Math.floor(random() * (HUMANS - 1))) % HUMANS;
    let c = Math.floor(random() * HUMANS);
    while (c === a || c === b) {
      c = (c + 1) % HUMANS;
    }
    [a, b, c, HUMANS].forEach((r, x) => {
      raters[at + x] = r;
      codes[at + x] = answer(t, accuracy[r]);
    });
  }
  const data: CodedAnswers = {
    itemCount: items,
    itemOffsets,
    codes,
    raters,
    categories: ['a', 'b', 'c'],
    raterIds: accuracy.map((_, h) => (h === HUMANS ? 'llm' : `human-${h}`)),
  };
  return { data, truth };
}

function timed<T>(run: () => T): { result: T; seconds: number } {
  const started = performance.now();
  const result = run();
  return { result, seconds: (performance.now() - started) / 1000 };
}

/**
 * The median of `repeats` runs: a 30k run lasts a tenth of a second, so one
 * garbage collection or a neighbour's process would swing the ratio.
 */
function median<T>(repeats: number, run: () => T) {
  const runs = Array.from({ length: repeats }, () => timed(run));
  runs.sort((x, y) => x.seconds - y.seconds);
  return runs[Math.floor(repeats / 2)];
}

/**
 * Shown, not judged: grouping the same answers given as row objects (as
 * read from the database) into the compact form with `encodeAnswers`.
 */
function encodeSeconds(data: CodedAnswers): number {
  const rows: AnswerRow[] = [];
  for (let i = 0; i < data.itemCount; i++) {
    for (let a = data.itemOffsets[i]; a < data.itemOffsets[i + 1]; a++) {
      rows.push({
        item: `item-${i}`,
        rater: data.raterIds[data.raters[a]],
        value: data.categories[data.codes[a]],
      });
    }
  }
  return timed(() => encodeAnswers(rows, { categories: data.categories }))
    .seconds;
}

/** One size: alpha, Fleiss, Dawid-Skene to convergence; seconds of each. */
function measure(items: number, seed: number, repeats: number) {
  const { data, truth } = generate(items, seed);
  const encode = encodeSeconds(data);
  const alpha = median(repeats, () => krippendorffAlpha(data, 'nominal'));
  const fleiss = median(repeats, () => fleissKappa(data));
  const ds = median(repeats, () => dawidSkene(data));
  let correct = 0;
  for (let i = 0; i < items; i++) {
    correct += ds.result.labels[i] === truth[i] ? 1 : 0;
  }
  return {
    alpha,
    fleiss,
    ds,
    total: alpha.seconds + fleiss.seconds + ds.seconds,
    dsAccuracy: correct / items,
    encode,
  };
}

/**
 * B3: the project-level quality computation (Krippendorff's alpha, Fleiss'
 * kappa, Dawid-Skene to convergence) on `items` items × 4 answers, against
 * the same computation on a tenth of the items. Each figure is the median
 * of 5 runs on the same data.
 */
export async function runB3(o: B3Options): Promise<boolean> {
  const large = o.items;
  const small = Math.round(large / 10);
  log(`b3: warm-up on ${Math.round(small / 10)} items (not measured)`);
  measure(Math.round(small / 10), o.seed + 1, 1);
  const base = { bench: 'b3' } as const;
  const results = [];
  for (const items of [small, large]) {
    log(`b3: ${items} items × 4 answers`);
    const r = measure(items, o.seed, 5);
    results.push(r);
    const at = `_${items}`;
    emit({ ...base, figure: `answers${at}`, value: items * 4 });
    emit({
      ...base,
      figure: `alpha_nominal${at}`,
      value: 'value' in r.alpha.result ? round(r.alpha.result.value, 4) : '-',
    });
    emit({
      ...base,
      figure: `fleiss_kappa${at}`,
      value: 'value' in r.fleiss.result ? round(r.fleiss.result.value, 4) : '-',
    });
    emit({
      ...base,
      figure: `ds_iterations${at}`,
      value: r.ds.result.iterations,
    });
    emit({
      ...base,
      figure: `ds_converged${at}`,
      value: r.ds.result.converged,
    });
    emit({
      ...base,
      figure: `ds_label_accuracy${at}`,
      value: round(r.dsAccuracy, 4),
    });
    emit({
      ...base,
      figure: `encode_rows_s${at}`,
      value: round(r.encode, 3),
      unit: 's',
    });
    emit({
      ...base,
      figure: `alpha_s${at}`,
      value: round(r.alpha.seconds, 3),
      unit: 's',
    });
    emit({
      ...base,
      figure: `fleiss_s${at}`,
      value: round(r.fleiss.seconds, 3),
      unit: 's',
    });
    emit({
      ...base,
      figure: `dawid_skene_s${at}`,
      value: round(r.ds.seconds, 3),
      unit: 's',
    });
  }
  const [s, l] = results;
  const totalPass = l.total <= 5;
  const ratio = l.total / s.total;
  const ratioPass = ratio <= 12;
  emit({
    ...base,
    figure: `total_s_${small}`,
    value: round(s.total, 3),
    unit: 's',
  });
  emit({
    ...base,
    figure: `total_s_${large}`,
    value: round(l.total, 3),
    unit: 's',
    target: '<= 5',
    pass: totalPass,
  });
  emit({
    ...base,
    figure: 'time_ratio_10x_data',
    value: round(ratio, 2),
    target: '<= 12',
    pass: ratioPass,
  });
  return totalPass && ratioPass;
}
