/** A seeded PRNG (mulberry32): the same seed gives the same tests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomInt(random: () => number, n: number): number {
  return Math.floor(random() * n);
}

/** A random permutation of 0..n-1. */
export function permutation(random: () => number, n: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/**
 * Random reliability data, one row per item, one column per rater, with
 * missing answers; categories 1..k, raters biased toward a per-item value
 * so coefficients are far from 0.
 */
export function randomMatrix(
  random: () => number,
  items: number,
  raters: number,
  k: number,
  missing = 0.25,
): (number | null)[][] {
  return Array.from({ length: items }, () => {
    const truth = 1 + randomInt(random, k);
    return Array.from({ length: raters }, () => {
      if (random() < missing) {
        return null;
      }
      return random() < 0.6 ? truth : 1 + randomInt(random, k);
    });
  });
}

/** A measure as one comparable value: rounded to 1e-10, or its reason. */
export function summary(m: { value: number } | { undefined: string }) {
  return 'value' in m ? Math.round(m.value * 1e10) / 1e10 : m.undefined;
}
