import { LlmJobScope } from '@chorus/plugin-annotation-common';
import { num } from '../NewProjectPage/form';

/*
 * What the dry run and job forms send, from the text the manager typed:
 * checked as the API checks them (jobRoutes.ts, LlmJobStore's
 * checkScope), each issue naming its field.
 */

export type Checked<T> =
  | { ok: true; value: T }
  | { ok: false; issues: Record<string, string> };

/** Items a dry run answers at most (the API's limit). */
export const MAX_DRY_RUN_ITEMS = 5;

/** Item ids (numbers) separated by commas, spaces or lines. */
export function parseItemIds(text: string): string[] | undefined {
  const ids = text.split(/[\s,]+/).filter(Boolean);
  return ids.length && ids.every(id => /^[1-9][0-9]{0,17}$/.test(id))
    ? [...new Set(ids)]
    : undefined;
}

const isWhole = (n: number | undefined, min: number, max = Infinity) =>
  n !== undefined && Number.isInteger(n) && n >= min && n <= max;

export interface DryRunDraft {
  pick: 'count' | 'ids';
  count: string;
  ids: string;
}

export function checkDryRun(
  d: DryRunDraft,
): Checked<{ count: number } | { itemIds: string[] }> {
  if (d.pick === 'count') {
    const count = num(d.count);
    return isWhole(count, 1, MAX_DRY_RUN_ITEMS)
      ? { ok: true, value: { count: count! } }
      : {
          ok: false,
          issues: {
            count: `a whole number from 1 to ${MAX_DRY_RUN_ITEMS} expected`,
          },
        };
  }
  const ids = parseItemIds(d.ids);
  return ids && ids.length <= MAX_DRY_RUN_ITEMS
    ? { ok: true, value: { itemIds: ids } }
    : {
        ok: false,
        issues: {
          ids: `1 to ${MAX_DRY_RUN_ITEMS} item ids (numbers, separated by commas) expected`,
        },
      };
}

export const FILTER_STATES = ['open', 'full', 'complete', 'gold'] as const;
export type FilterState = (typeof FILTER_STATES)[number];

export interface JobDraft {
  version: number;
  scope: LlmJobScope['kind'];
  states: FilterState[];
  minPriority: string;
  sampleSize: string;
  sampleSeed: string;
  ids: string;
  mode: 'online' | 'batch';
  budgetCost: string;
  budgetTokens: string;
}

export function newJobDraft(version: number): JobDraft {
  return {
    version,
    scope: 'missing',
    states: ['gold'],
    minPriority: '',
    sampleSize: '100',
    sampleSeed: '0',
    ids: '',
    mode: 'online',
    budgetCost: '',
    budgetTokens: '',
  };
}

export interface JobRequest {
  version: number;
  scope: LlmJobScope;
  mode: 'online' | 'batch';
  budgetCost?: number;
  budgetTokens?: number;
}

/** Item ids a job may list (the store's limit; more: a filter). */
const MAX_JOB_IDS = 10_000;

function scopeOf(
  d: JobDraft,
  issues: Record<string, string>,
): LlmJobScope | undefined {
  switch (d.scope) {
    case 'missing':
      return { kind: 'missing' };
    case 'sample': {
      const size = num(d.sampleSize);
      const seed = d.sampleSeed.trim() === '' ? 0 : num(d.sampleSeed);
      if (!isWhole(size, 1)) {
        issues.sampleSize = 'a whole number of at least 1 expected';
      }
      if (!isWhole(seed, 0)) {
        issues.sampleSeed = 'a whole number of at least 0 expected';
      }
      return { kind: 'sample', size: size!, seed: seed! };
    }
    case 'items': {
      const ids = parseItemIds(d.ids);
      if (!ids || ids.length > MAX_JOB_IDS) {
        issues.ids = `1 to ${MAX_JOB_IDS} item ids (numbers, separated by commas) expected`;
      }
      return { kind: 'items', ids: ids ?? [] };
    }
    default: {
      if (!d.states.length) {
        issues.states = 'at least one state expected';
      }
      const minPriority =
        d.minPriority.trim() === '' ? undefined : num(d.minPriority);
      if (d.minPriority.trim() !== '' && !Number.isInteger(minPriority)) {
        issues.minPriority = 'a whole number expected';
      }
      return {
        kind: 'filter',
        states: [...d.states],
        ...(minPriority !== undefined ? { minPriority } : {}),
      };
    }
  }
}

/** The job to start, or the issues by field (budgets: empty is none). */
export function checkJob(d: JobDraft): Checked<JobRequest> {
  const issues: Record<string, string> = {};
  const scope = scopeOf(d, issues);
  const budget = (field: 'budgetCost' | 'budgetTokens') => {
    if (d[field].trim() === '') {
      return undefined;
    }
    const value = num(d[field]);
    const ok =
      field === 'budgetTokens'
        ? isWhole(value, 1)
        : value !== undefined && value > 0;
    if (!ok) {
      issues[field] =
        field === 'budgetTokens'
          ? 'a whole number of at least 1 expected (empty: no budget)'
          : 'a positive number expected (empty: no budget)';
    }
    return value;
  };
  const budgetCost = budget('budgetCost');
  const budgetTokens = budget('budgetTokens');
  if (Object.keys(issues).length || !scope) {
    return { ok: false, issues };
  }
  return {
    ok: true,
    value: {
      version: d.version,
      scope,
      mode: d.mode,
      ...(budgetCost !== undefined ? { budgetCost } : {}),
      ...(budgetTokens !== undefined ? { budgetTokens } : {}),
    },
  };
}
