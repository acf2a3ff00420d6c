import { DbKind } from './databases';

export interface Figure {
  bench: string;
  /** Absent for benchmarks without a database (B3). */
  db?: DbKind;
  figure: string;
  value: number | string | boolean;
  unit?: string;
  /** For targets: what the figure must be, and whether it is. */
  target?: string;
  pass?: boolean;
}

/** One JSON line per figure on stdout; everything else goes to stderr. */
export function emit(figure: Figure): void {
  process.stdout.write(`${JSON.stringify(figure)}\n`);
}

export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Nearest-rank percentile of unsorted samples. */
export function percentile(samples: number[], p: number): number {
  if (!samples.length) {
    return NaN;
  }
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}
