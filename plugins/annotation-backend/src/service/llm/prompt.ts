import {
  answerJsonSchema,
  describeQuestions,
  JsonSchema,
  LlmAnnotatorConfig,
  ParsedTemplate,
  parseTemplate,
  ProjectConfig,
  renderTemplate,
} from '@chorus/plugin-annotation-common';
import { createHash } from 'crypto';

/*
 * What an LLM annotator sends for one item: a system message (the
 * config's system prompt, the project's instructions, the answer format),
 * few-shot examples as user/assistant pairs, and the item rendered by the
 * prompt template, ending with a line `id: <external id>` so the item can
 * be traced in the provider's logs (and found by the simulator).
 */

/** An item as the prompt needs it; `dataText` is the stored JSON text. */
export interface PromptItem {
  id: string;
  externalId: string;
  data: unknown;
}

export interface FewShotExample {
  externalId?: string;
  data: unknown;
  answer: Record<string, unknown>;
}

/** What a job computes once per project and annotator config. */
export interface PromptContext {
  project: ProjectConfig;
  config: LlmAnnotatorConfig;
  template: ParsedTemplate;
  schema: JsonSchema;
  system: string;
  /**
   * Hash of what the prompt takes from the project (instructions, the
   * answer schema): part of every item's content hash, so the cache never
   * serves an answer given under other instructions or labels.
   */
  projectHash: string;
}

const sha256 = (text: string) =>
  createHash('sha256').update(text).digest('hex');

export function promptContext(
  project: ProjectConfig,
  config: LlmAnnotatorConfig,
): PromptContext {
  const schema = answerJsonSchema(project);
  const parts = [
    config.systemPrompt.trim(),
    project.instructions.trim() &&
      `Instructions for annotators:\n${project.instructions.trim()}`,
    `Answer with one JSON object, one property per question:\n${describeQuestions(
      project,
    )}`,
  ];
  if (config.output === 'json_object') {
    // JSON mode has no schema parameter: the model reads it here
    parts.push(
      `The object follows this JSON schema: ${JSON.stringify(schema)}`,
    );
  }
  const { template } = parseTemplate(config.promptTemplate);
  return {
    project,
    config,
    template,
    schema,
    system: parts.filter(Boolean).join('\n\n'),
    projectHash: sha256(JSON.stringify([project.instructions, schema])),
  };
}

/**
 * The cache key of an item's content under a job: the project's part of
 * the prompt and the item's data as stored. The external id is not
 * content: two items with the same data are answered once.
 */
export function contentHash(context: PromptContext, dataText: string): string {
  return sha256(`${context.projectHash}\n${dataText}`);
}

/** The item's user message. */
export function itemMessage(context: PromptContext, item: PromptItem): string {
  const text = renderTemplate(context.template, item, context.project);
  const idLine = `id: ${item.externalId}`;
  return text.split('\n').includes(idLine) ? text : `${text}\n\n${idLine}`;
}

export type PromptMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string };

/** System message, examples, then the item. */
export function buildMessages(
  context: PromptContext,
  item: PromptItem,
  examples: readonly FewShotExample[],
): PromptMessage[] {
  const messages: PromptMessage[] = [
    { role: 'system', content: context.system },
  ];
  for (const example of examples) {
    messages.push(
      {
        role: 'user',
        content: renderTemplate(
          context.template,
          { externalId: example.externalId ?? '', data: example.data },
          context.project,
        ),
      },
      { role: 'assistant', content: JSON.stringify(example.answer) },
    );
  }
  messages.push({ role: 'user', content: itemMessage(context, item) });
  return messages;
}

/** A gold or QA-resolved item offered as an example. */
export interface FewShotCandidate extends FewShotExample {
  id: string;
  contentHash: string;
}

interface PoolEntry extends FewShotCandidate {
  words: Set<string>;
}

/** The examples a job may draw from, with their words for `similar`. */
export class FewShotPool {
  private readonly entries: PoolEntry[];

  constructor(
    private readonly context: PromptContext,
    candidates: readonly FewShotCandidate[],
  ) {
    this.entries = candidates.map(c => ({
      ...c,
      words: words(
        renderTemplate(
          context.template,
          { externalId: c.externalId ?? '', data: c.data },
          context.project,
        ),
      ),
    }));
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * The examples for one item: never the item itself or another item with
   * the same content (its answer would be the answer). `random` is seeded
   * by the content, so the same content always gets the same examples;
   * `similar` takes the highest word overlap (Jaccard), ties by id, and
   * puts the most similar last, next to the item.
   */
  select(item: PromptItem & { contentHash: string }): FewShotExample[] {
    const { count, selection } = this.context.config.fewShot;
    const eligible = this.entries.filter(
      e => e.id !== item.id && e.contentHash !== item.contentHash,
    );
    if (count === 0 || eligible.length === 0) {
      return [];
    }
    let chosen: PoolEntry[];
    if (selection === 'similar') {
      const mine = words(
        renderTemplate(this.context.template, item, this.context.project),
      );
      chosen = eligible
        .map(e => ({ e, score: jaccard(mine, e.words) }))
        .sort((a, b) => b.score - a.score || Number(a.e.id) - Number(b.e.id))
        .slice(0, count)
        .reverse()
        .map(s => s.e);
    } else {
      const random = seededRandom(item.contentHash);
      const picked = [...eligible];
      const n = Math.min(count, picked.length);
      for (let i = 0; i < n; i++) {
        const j = i + Math.floor(random() * (picked.length - i));
        [picked[i], picked[j]] = [picked[j], picked[i]];
      }
      chosen = picked.slice(0, n);
    }
    return chosen.map(e => ({
      externalId: e.externalId,
      data: e.data,
      answer: e.answer,
    }));
  }
}

/** The examples of a config: its fixed ones, or drawn from the pool. */
export function fewShotExamples(
  context: PromptContext,
  pool: FewShotPool | undefined,
  item: PromptItem & { contentHash: string },
): FewShotExample[] {
  const { fewShot } = context.config;
  if (fewShot.source === 'fixed') {
    return fewShot.examples;
  }
  if (fewShot.source === 'gold' && pool) {
    return pool.select(item);
  }
  return [];
}

function words(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let common = 0;
  for (const w of a) {
    if (b.has(w)) {
      common++;
    }
  }
  const union = a.size + b.size - common;
  return union === 0 ? 0 : common / union;
}

/** mulberry32, seeded by the first 32 bits of a hex hash. */
function seededRandom(hexSeed: string): () => number {
  let state = parseInt(hexSeed.slice(0, 8), 16) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
