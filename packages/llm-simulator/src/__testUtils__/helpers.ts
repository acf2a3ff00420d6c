/**
 * Test helpers: an OpenAI SDK client on a simulator, a bounded-concurrency
 * map, and an independent JSON Schema check of the subset structured
 * outputs use (written apart from the simulator's own schema walker, so a
 * bug there cannot hide itself).
 */
import OpenAI from 'openai';
import { LlmSimulator } from '../server';

/**
 * Node's fetch, with its errors remade in the test's realm. Jest runs tests
 * in a VM context, where Node's AbortError is not `instanceof Error`; the
 * SDK then wraps it as an Error named '{}' and reports its own timeout as a
 * connection error. Outside Jest the SDK gets the original error.
 */
const fetchInTestRealm: typeof fetch = (input, init) =>
  fetch(input, init).catch(error => {
    throw Object.assign(new Error(error.message), {
      name: error.name,
      cause: error.cause,
    });
  });

export function clientFor(
  simulator: LlmSimulator,
  options: { maxRetries?: number; timeout?: number; apiKey?: string } = {},
): OpenAI {
  return new OpenAI({
    baseURL: `${simulator.url}/v1`,
    apiKey: options.apiKey ?? 'sk-test',
    maxRetries: options.maxRetries ?? 0,
    timeout: options.timeout ?? 20_000,
    fetch: fetchInTestRealm,
  });
}

/** Waits until `condition` holds (a response's log entry is written when its connection closes). */
export async function eventually(condition: () => boolean, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise(resolve => setTimeout(resolve, 10));
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight, keeping order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

type Schema = Record<string, any>;

/** Problems of `value` against `schema` (empty when it conforms). */
export function schemaProblems(
  value: unknown,
  schema: Schema,
  root: Schema = schema,
  at = '$',
): string[] {
  if (schema.$ref) {
    const name = String(schema.$ref).replace(/^#\/\$defs\//, '');
    return schemaProblems(value, root.$defs[name], root, at);
  }
  if (schema.anyOf) {
    const ok = schema.anyOf.some(
      (branch: Schema) => schemaProblems(value, branch, root, at).length === 0,
    );
    return ok ? [] : [`${at}: matches no anyOf branch`];
  }
  const problems: string[] = [];
  const types: string[] = [].concat(schema.type ?? []);
  const typeOf = (v: unknown) => {
    if (v === null) return 'null';
    if (Array.isArray(v)) return 'array';
    if (typeof v === 'number')
      return Number.isInteger(v) ? 'integer' : 'number';
    return typeof v;
  };
  const actual = typeOf(value);
  if (
    types.length &&
    !types.includes(actual) &&
    !(actual === 'integer' && types.includes('number'))
  ) {
    return [`${at}: expected ${types.join('|')}, got ${actual}`];
  }
  if (schema.enum && !schema.enum.includes(value)) {
    problems.push(`${at}: ${JSON.stringify(value)} not in enum`);
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) {
      problems.push(`${at}: below minimum`);
    }
    if (schema.maximum !== undefined && value > schema.maximum) {
      problems.push(`${at}: above maximum`);
    }
  }
  if (typeof value === 'string' && schema.maxLength !== undefined) {
    if (value.length > schema.maxLength) problems.push(`${at}: too long`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      problems.push(`${at}: fewer than ${schema.minItems} items`);
    }
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      problems.push(`${at}: more than ${schema.maxItems} items`);
    }
    value.forEach((item, i) =>
      problems.push(
        ...schemaProblems(item, schema.items ?? {}, root, `${at}[${i}]`),
      ),
    );
  }
  if (actual === 'object') {
    const object = value as Record<string, unknown>;
    for (const key of schema.required ?? []) {
      if (!(key in object)) problems.push(`${at}.${key}: missing`);
    }
    for (const [key, v] of Object.entries(object)) {
      const property = schema.properties?.[key];
      if (property) {
        problems.push(...schemaProblems(v, property, root, `${at}.${key}`));
      } else if (schema.additionalProperties === false) {
        problems.push(`${at}.${key}: not allowed`);
      }
    }
  }
  return problems;
}
