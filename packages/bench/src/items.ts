import { createHash } from 'crypto';

/*
 * Seeded item generator: the same seed gives the same 1M lines every run,
 * made on the fly so no file is ever held in memory.
 */

export const QUESTION_ID = 'sentiment';
export const LABELS = ['positive', 'negative', 'neutral'];

const WORDS = (
  'the a an this that song track artist album release live remix radio ' +
  'edit version feat cover acoustic session night day love city summer ' +
  'winter road home heart light dark fire water gold silver blue red ' +
  'dream story river ocean mountain street dance slow fast old new'
).split(' ');

/** mulberry32: small, fast, good enough for test data. */
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

export interface BenchItem {
  externalId: string;
  data: { text: string; source: string; lang: string };
  predictions: Record<string, { label: string; score: number }>;
  priority?: number;
}

/** Item `i` of a run; about 330 bytes as a JSON line. */
export function makeItem(i: number, random: () => number): BenchItem {
  const words: string[] = [];
  let length = 0;
  while (length < 150) {
    const word = WORDS[Math.floor(random() * WORDS.length)];
    words.push(word);
    length += word.length + 1;
  }
  const item: BenchItem = {
    externalId: `item-${String(i).padStart(8, '0')}`,
    data: {
      text: words.join(' '),
      source: `bench/catalogue/shard-${i % 64}`,
      lang: 'en',
    },
    predictions: {
      [QUESTION_ID]: {
        label: LABELS[Math.floor(random() * LABELS.length)],
        score: Math.round((0.34 + random() * 0.65) * 1000) / 1000,
      },
    },
  };
  // one item in ten comes first
  if (random() < 0.1) {
    item.priority = 1 + Math.floor(random() * 9);
  }
  return item;
}

/** The items `0 .. count-1` of a seed, in order. */
export function* generateItems(
  count: number,
  seed: number,
): Generator<BenchItem> {
  const random = seededRandom(seed);
  for (let i = 0; i < count; i++) {
    yield makeItem(i, random);
  }
}

/** The same items as NDJSON, in chunks of `linesPerChunk` lines. */
export function* ndjsonChunks(
  count: number,
  seed: number,
  linesPerChunk = 500,
): Generator<Buffer> {
  let lines: string[] = [];
  for (const item of generateItems(count, seed)) {
    lines.push(JSON.stringify(item));
    if (lines.length >= linesPerChunk) {
      yield Buffer.from(`${lines.join('\n')}\n`);
      lines = [];
    }
  }
  if (lines.length) {
    yield Buffer.from(`${lines.join('\n')}\n`);
  }
}

/** The columns the items table stores for one item (raw reference path). */
export function rawRow(item: BenchItem, now: number, random: () => number) {
  const priority = item.priority ?? 0;
  const data = JSON.stringify(item.data);
  const predictions = JSON.stringify(item.predictions);
  return {
    external_id: item.externalId,
    data,
    predictions,
    priority,
    uncertainty: 1 - item.predictions[QUESTION_ID].score,
    random_key: Math.floor(random() * 2_147_483_647),
    content_hash: createHash('sha256')
      .update(`[${data},${predictions},${priority},null]`)
      .digest('hex'),
    created_at: now,
    updated_at: now,
  };
}
