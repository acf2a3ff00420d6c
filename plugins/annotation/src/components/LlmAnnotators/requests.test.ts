import { checkDryRun, checkJob, newJobDraft, parseItemIds } from './requests';

describe('parseItemIds', () => {
  it('reads ids separated by commas, spaces or lines, once each', () => {
    expect(parseItemIds('3, 1\n3 7')).toEqual(['3', '1', '7']);
    expect(parseItemIds('')).toBeUndefined();
    expect(parseItemIds('1, track-0001')).toBeUndefined();
    expect(parseItemIds('0')).toBeUndefined();
  });
});

describe('checkDryRun', () => {
  it('sends a count from 1 to 5, or up to 5 ids', () => {
    expect(checkDryRun({ pick: 'count', count: '2', ids: '' })).toEqual({
      ok: true,
      value: { count: 2 },
    });
    expect(checkDryRun({ pick: 'count', count: '6', ids: '' })).toEqual({
      ok: false,
      issues: { count: 'a whole number from 1 to 5 expected' },
    });
    expect(checkDryRun({ pick: 'ids', count: '', ids: '4,5' })).toEqual({
      ok: true,
      value: { itemIds: ['4', '5'] },
    });
    expect(
      checkDryRun({ pick: 'ids', count: '3', ids: '1 2 3 4 5 6' }),
    ).toEqual({
      ok: false,
      issues: {
        ids: '1 to 5 item ids (numbers, separated by commas) expected',
      },
    });
  });
});

describe('checkJob', () => {
  const draft = newJobDraft(2);

  it('sends each scope as the API takes it, budgets only when given', () => {
    expect(checkJob(draft)).toEqual({
      ok: true,
      value: { version: 2, scope: { kind: 'missing' }, mode: 'online' },
    });
    expect(
      checkJob({
        ...draft,
        scope: 'filter',
        states: ['complete', 'gold'],
        minPriority: '2',
        budgetCost: '1.5',
        budgetTokens: '20000',
        mode: 'batch',
      }),
    ).toEqual({
      ok: true,
      value: {
        version: 2,
        scope: { kind: 'filter', states: ['complete', 'gold'], minPriority: 2 },
        mode: 'batch',
        budgetCost: 1.5,
        budgetTokens: 20000,
      },
    });
    expect(checkJob({ ...draft, scope: 'sample', sampleSize: '50' })).toEqual({
      ok: true,
      value: {
        version: 2,
        scope: { kind: 'sample', size: 50, seed: 0 },
        mode: 'online',
      },
    });
    expect(checkJob({ ...draft, scope: 'items', ids: '9, 10' })).toMatchObject({
      ok: true,
      value: { scope: { kind: 'items', ids: ['9', '10'] } },
    });
  });

  it('names every field that is wrong', () => {
    expect(
      checkJob({
        ...draft,
        scope: 'filter',
        states: [],
        minPriority: '1.5',
        budgetCost: '0',
        budgetTokens: '2.5',
      }),
    ).toEqual({
      ok: false,
      issues: {
        states: 'at least one state expected',
        minPriority: 'a whole number expected',
        budgetCost: 'a positive number expected (empty: no budget)',
        budgetTokens:
          'a whole number of at least 1 expected (empty: no budget)',
      },
    });
    expect(
      checkJob({
        ...draft,
        scope: 'sample',
        sampleSize: '0',
        sampleSeed: '-1',
      }),
    ).toEqual({
      ok: false,
      issues: {
        sampleSize: 'a whole number of at least 1 expected',
        sampleSeed: 'a whole number of at least 0 expected',
      },
    });
    expect(checkJob({ ...draft, scope: 'items', ids: '' })).toEqual({
      ok: false,
      issues: {
        ids: '1 to 10000 item ids (numbers, separated by commas) expected',
      },
    });
  });
});
