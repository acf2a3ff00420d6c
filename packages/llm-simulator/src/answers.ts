/**
 * What the simulated model answers. The request's JSON schema (or tool
 * parameters) says what to fill in; the item's truth entry says what is
 * right; the accuracy options say how often the answer is right and the
 * confidence options what the model says about it. Pure and seeded: the
 * same (seed, item key, sample index) always gives the same answer.
 */
import { AccuracyOptions, ConfidenceOptions, TruthEntry } from './options';
import { Random } from './random';

/** The part of JSON Schema that structured outputs use. */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  definitions?: Record<string, JsonSchema>;
}

export type AnswerPath = Array<string | number>;

/**
 * A value the model chose among alternatives (a label, a rating): its
 * tokens carry ln(confidence), and the alternatives fill top_logprobs.
 */
export interface ScoredValue {
  path: AnswerPath;
  confidence: number;
  alternatives: unknown[];
  /** Whether the value is the item's true one (or its hashed stand-in). */
  correct: boolean;
}

export interface DerivedAnswer {
  value: unknown;
  scored: ScoredValue[];
}

export interface AnswerContext {
  seed: string;
  /** The item key found in the prompt, or a hash of the prompt. */
  itemKey: string;
  sampleIndex: number;
  /** The item's truth entry, when the truth table has one. */
  truth?: TruthEntry;
  accuracy: AccuracyOptions;
  confidence: ConfidenceOptions;
  /** The text that character spans point into. */
  spanText: string;
}

/** One field's draws for one sample: whether it is right, its confidence, and the generator for the rest. */
interface FieldDraw {
  rng: Random;
  correct: boolean;
  confidence: number;
}

const ADJECTIVES = ['clear', 'brief', 'plain', 'neutral', 'careful', 'short'];
const NOUNS = ['statement', 'remark', 'note', 'report', 'summary', 'request'];

/** A short deterministic sentence, visibly simulated. */
export function simulatedSentence(rng: Random): string {
  return `Simulated answer: a ${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)}.`;
}

// Deeper than any question's schema; stops a self-referencing schema.
const MAX_DEPTH = 32;

class Deriver {
  constructor(
    private readonly root: JsonSchema,
    private readonly context: AnswerContext,
    private readonly scored: ScoredValue[],
  ) {}

  derive(input: JsonSchema, path: AnswerPath): unknown {
    if (path.length > MAX_DEPTH) return null;
    const schema = this.resolve(input);
    const type = schemaType(schema);
    if (schema.const !== undefined) return schema.const;
    if (schema.enum) return this.choice(schema.enum, path);
    switch (type) {
      case 'boolean':
        return this.choice([true, false], path);
      case 'integer':
      case 'number':
        return this.rating(schema, path);
      case 'object':
        return Object.fromEntries(
          Object.entries(schema.properties ?? {}).map(([key, property]) => [
            key,
            this.derive(property, [...path, key]),
          ]),
        );
      case 'array':
        return this.array(schema, path);
      case 'null':
        return null;
      default:
        return this.freeText(schema, path);
    }
  }

  /** Follows local `$ref`s and takes the first non-null branch of anyOf / oneOf. */
  private resolve(schema: JsonSchema): JsonSchema {
    let current = schema;
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      if (current.$ref) {
        const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(current.$ref);
        const target = match && this.root[match[1] as '$defs'];
        current = target?.[match![2]] ?? {};
      } else if (current.anyOf || current.oneOf) {
        const branches = (current.anyOf ?? current.oneOf)!;
        current =
          branches.find(b => schemaType(this.resolve(b)) !== 'null') ??
          branches[0] ??
          {};
      } else {
        return current;
      }
    }
    return current;
  }

  /** The truth of a field, by its dotted path. */
  private truthAt(path: AnswerPath): unknown {
    return this.context.truth?.[path.join('.')];
  }

  /** A generator constant across samples (the hashed stand-in for truth). */
  private pseudoRng(path: AnswerPath): Random {
    const { seed, itemKey } = this.context;
    return new Random(seed, 'pseudo-truth', itemKey, path.join('.'));
  }

  /** This sample's draws for a field whose true value is `trueValue`. */
  private draw(path: AnswerPath, trueValue: unknown): FieldDraw {
    const { seed, itemKey, sampleIndex, accuracy, confidence } = this.context;
    const rng = new Random(
      seed,
      'answer',
      itemKey,
      sampleIndex,
      path.join('.'),
    );
    const label =
      typeof trueValue === 'string' ||
      typeof trueValue === 'number' ||
      typeof trueValue === 'boolean'
        ? String(trueValue)
        : undefined;
    const p =
      (label !== undefined ? accuracy.perClass?.[label] : undefined) ??
      accuracy.overall;
    const correct = rng.next() < p;
    const { base, gain, noise, min, max } = confidence;
    const raw = base + (correct ? gain : 0) + noise * rng.normal();
    return { rng, correct, confidence: Math.min(max, Math.max(min, raw)) };
  }

  private score(
    path: AnswerPath,
    draw: FieldDraw,
    alternatives: unknown[],
  ): void {
    this.scored.push({
      path,
      confidence: draw.confidence,
      alternatives,
      correct: draw.correct,
    });
  }

  /** Single choice: the true label, else one of the others uniformly. */
  private choice(options: unknown[], path: AnswerPath): unknown {
    const truth = this.truthAt(path);
    const trueValue =
      truth !== undefined ? truth : this.pseudoRng(path).pick(options);
    const draw = this.draw(path, trueValue);
    const wrong = options.filter(o => o !== trueValue);
    const chosen =
      draw.correct || wrong.length === 0 ? trueValue : draw.rng.pick(wrong);
    this.score(
      path,
      draw,
      options.filter(o => o !== chosen),
    );
    return chosen;
  }

  /** Ordinal rating: an integer in [minimum, maximum] (1–5 when unbounded). */
  private rating(schema: JsonSchema, path: AnswerPath): number {
    const low = Math.ceil(
      schema.minimum ??
        (schema.exclusiveMinimum !== undefined
          ? schema.exclusiveMinimum + 1
          : 1),
    );
    const high = Math.floor(
      schema.maximum ??
        (schema.exclusiveMaximum !== undefined
          ? schema.exclusiveMaximum - 1
          : low + 4),
    );
    const values: number[] = [];
    for (let v = low; v <= Math.max(low, high) && values.length < 1000; v++) {
      values.push(v);
    }
    return this.choice(values, path) as number;
  }

  private freeText(schema: JsonSchema, path: AnswerPath): string {
    const truth = this.truthAt(path);
    const { seed, itemKey, sampleIndex } = this.context;
    let text =
      typeof truth === 'string'
        ? truth
        : simulatedSentence(
            new Random(seed, 'text', itemKey, sampleIndex, path.join('.')),
          );
    if (schema.maxLength !== undefined) text = text.slice(0, schema.maxLength);
    if (schema.minLength !== undefined && text.length < schema.minLength) {
      text = text.padEnd(schema.minLength, '.');
    }
    return text;
  }

  private array(schema: JsonSchema, path: AnswerPath): unknown[] {
    const items = this.resolve(schema.items ?? {});
    if (items.enum || schemaType(items) === 'boolean') {
      return this.multipleChoice(items.enum ?? [true, false], schema, path);
    }
    const itemProperties = items.properties ?? {};
    if (itemProperties.start && itemProperties.end) {
      return this.spans(items, schema, path);
    }
    const count = Math.max(schema.minItems ?? 1, 0);
    return Array.from(
      { length: Math.min(count, schema.maxItems ?? count) },
      (_, i) => this.derive(items, [...path, i]),
    );
  }

  /** Multiple choice: the true set, else that set with one label toggled. */
  private multipleChoice(
    options: unknown[],
    schema: JsonSchema,
    path: AnswerPath,
  ): unknown[] {
    const minItems = schema.minItems ?? 0;
    const maxItems = Math.min(
      schema.maxItems ?? options.length,
      options.length,
    );
    const truth = this.truthAt(path);
    let trueSet: unknown[];
    if (Array.isArray(truth)) {
      trueSet = truth;
    } else {
      const rng = this.pseudoRng(path);
      const picked = options.filter(() => rng.next() < 1 / 3);
      const rest = options.filter(o => !picked.includes(o));
      while (picked.length < Math.max(minItems, 1) && rest.length) {
        picked.push(rest.splice(rng.int(rest.length), 1)[0]);
      }
      trueSet = picked.slice(0, maxItems);
    }
    const draw = this.draw(path, undefined);
    let chosen = [...trueSet];
    if (!draw.correct) {
      const toggle = draw.rng.pick(options);
      if (chosen.includes(toggle) && chosen.length > minItems) {
        chosen = chosen.filter(o => o !== toggle);
      } else if (!chosen.includes(toggle) && chosen.length < maxItems) {
        chosen.push(toggle);
      } else {
        // at a bound: swap a chosen label for an unchosen one
        const unchosen = options.filter(o => !chosen.includes(o));
        if (unchosen.length && chosen.length) {
          chosen[draw.rng.int(chosen.length)] = draw.rng.pick(unchosen);
        }
      }
    }
    chosen = options.filter(o => chosen.includes(o)); // stable order
    chosen.forEach((_, i) =>
      this.score(
        [...path, i],
        draw,
        options.filter(o => !chosen.includes(o)),
      ),
    );
    return chosen;
  }

  /**
   * Spans: character offsets into the prompt's span text (integer start and
   * end) or segments in seconds (number start and end). The true spans, else
   * those with one span moved to another word or relabelled.
   */
  private spans(
    items: JsonSchema,
    schema: JsonSchema,
    path: AnswerPath,
  ): unknown[] {
    const properties = items.properties!;
    const labelSchema = properties.label && this.resolve(properties.label);
    const labels = labelSchema?.enum ?? [];
    const seconds = schemaType(this.resolve(properties.start)) === 'number';
    const text = this.context.spanText;
    const words = seconds
      ? Array.from({ length: 30 }, (_, i) => ({ start: i, end: i + 1 }))
      : wordRanges(text);
    const truth = this.truthAt(path);

    const draw = this.draw(path, undefined);
    const pseudo = this.pseudoRng(path);
    const makeSpan = (rng: Random) => {
      const word = words.length ? rng.pick(words) : { start: 0, end: 1 };
      return {
        start: word.start,
        end: word.end,
        label: labels.length ? rng.pick(labels) : undefined,
      };
    };
    let spans: Array<{ start: number; end: number; label?: unknown }> =
      Array.isArray(truth)
        ? truth.map(s => ({ ...(s as object) } as never))
        : [makeSpan(pseudo)];
    if (!draw.correct) {
      if (spans.length === 0) {
        spans = [makeSpan(draw.rng)];
      } else {
        const i = draw.rng.int(spans.length);
        const others = labels.filter(l => l !== spans[i].label);
        spans[i] =
          others.length && draw.rng.next() < 0.5
            ? { ...spans[i], label: draw.rng.pick(others) }
            : { ...makeSpan(draw.rng), label: spans[i].label };
      }
    }
    spans = dropOverlaps(spans).slice(0, schema.maxItems ?? spans.length);

    return spans.map((span, i) => {
      const out: Record<string, unknown> = {};
      for (const [key, property] of Object.entries(properties)) {
        if (key === 'start' || key === 'end') out[key] = span[key];
        else if (key === 'label' && span.label !== undefined) {
          out.label = span.label;
          this.score(
            [...path, i, 'label'],
            draw,
            labels.filter(l => l !== span.label),
          );
        } else if (key === 'text' && !seconds) {
          out.text = text.slice(span.start, span.end);
        } else out[key] = this.derive(property, [...path, i, key]);
      }
      return out;
    });
  }
}

/** The answer to a schema, with the values it scored for logprobs. */
export function deriveAnswer(
  schema: JsonSchema,
  context: AnswerContext,
): DerivedAnswer {
  const scored: ScoredValue[] = [];
  const value = new Deriver(schema, context, scored).derive(schema, []);
  return { value, scored };
}

function schemaType(schema: JsonSchema): string | undefined {
  if (Array.isArray(schema.type)) {
    return schema.type.find(t => t !== 'null') ?? schema.type[0];
  }
  if (schema.type) return schema.type;
  if (schema.properties) return 'object';
  if (schema.items) return 'array';
  return undefined;
}

/** Words of three or more letters or digits (any word when there are none). */
function wordRanges(text: string): Array<{ start: number; end: number }> {
  const all = [...text.matchAll(/[\p{L}\p{N}]+/gu)].map(m => ({
    start: m.index!,
    end: m.index! + m[0].length,
  }));
  const long = all.filter(w => w.end - w.start >= 3);
  return long.length ? long : all;
}

/** Sorted by start, without overlapping spans (answers must not overlap). */
function dropOverlaps<T extends { start: number; end: number }>(
  spans: T[],
): T[] {
  const kept: T[] = [];
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    if (kept.length === 0 || span.start >= kept[kept.length - 1].end) {
      kept.push(span);
    }
  }
  return kept;
}
