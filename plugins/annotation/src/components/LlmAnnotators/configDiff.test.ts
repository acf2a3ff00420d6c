import { diffConfigs, lineDiff } from './configDiff';

const base = {
  provider: 'openai',
  model: 'gpt-4o-mini',
  systemPrompt: '',
  promptTemplate: 'Title: {{ data.track_title }}',
  fewShot: {
    source: 'fixed',
    examples: [
      { data: { track_title: 'A' }, answer: { belongs: 'yes' } },
      { data: { track_title: 'B' }, answer: { belongs: 'no' } },
    ],
    count: 3,
    selection: 'random',
  },
  temperature: 0,
  role: 'vote',
};

describe('diffConfigs', () => {
  it('finds nothing between equal configs, whatever their key order', () => {
    const reordered = Object.fromEntries(Object.entries(base).reverse());
    expect(diffConfigs(base, structuredClone(base))).toEqual([]);
    expect(diffConfigs(base, reordered)).toEqual([]);
  });

  it('names each changed field by its path, in the config’s order', () => {
    const after = {
      ...base,
      temperature: 0.7,
      fewShot: { ...base.fewShot, source: 'gold', count: 5 },
      promptTemplate: 'Track: {{ data.track_title }}',
    };
    expect(diffConfigs(base, after)).toEqual([
      {
        path: 'promptTemplate',
        before: 'Title: {{ data.track_title }}',
        after: 'Track: {{ data.track_title }}',
      },
      { path: 'fewShot.source', before: 'fixed', after: 'gold' },
      { path: 'fewShot.count', before: 3, after: 5 },
      { path: 'temperature', before: 0, after: 0.7 },
    ]);
  });

  it('goes down into lists: a changed answer, an added and a removed example', () => {
    const examples = structuredClone(base.fewShot.examples);
    examples[1].answer.belongs = 'unsure';
    const third = { data: { track_title: 'C' }, answer: { belongs: 'yes' } };
    expect(
      diffConfigs(base, {
        ...base,
        fewShot: { ...base.fewShot, examples: [...examples, third] },
      }),
    ).toEqual([
      {
        path: 'fewShot.examples[1].answer.belongs',
        before: 'no',
        after: 'unsure',
      },
      { path: 'fewShot.examples[2]', before: undefined, after: third },
    ]);
    expect(
      diffConfigs(base, {
        ...base,
        fewShot: { ...base.fewShot, examples: examples.slice(0, 1) },
      }),
    ).toEqual([
      {
        path: 'fewShot.examples[1]',
        before: base.fewShot.examples[1],
        after: undefined,
      },
    ]);
  });

  it('shows a field set on one side only as not set on the other', () => {
    const { model, ...withoutModel } = base;
    const autoAccept = { threshold: 0.9, auditRate: 0.05 };
    expect(
      diffConfigs(base, { ...withoutModel, role: 'auto-accept', autoAccept }),
    ).toEqual([
      { path: 'model', before: model, after: undefined },
      { path: 'role', before: 'vote', after: 'auto-accept' },
      { path: 'autoAccept', before: undefined, after: autoAccept },
    ]);
  });

  it('places a field only the newer version has where that version has it', () => {
    const { model, ...withoutModel } = base;
    expect(diffConfigs(withoutModel, { ...base, temperature: 1 })).toEqual([
      { path: 'model', before: undefined, after: model },
      { path: 'temperature', before: 0, after: 1 },
    ]);
    expect(diffConfigs({ b: 1 }, { a: 1, b: 2, c: 3 })).toEqual([
      { path: 'a', before: undefined, after: 1 },
      { path: 'b', before: 1, after: 2 },
      { path: 'c', before: undefined, after: 3 },
    ]);
  });

  it('compares a value whose type changed as a whole', () => {
    expect(diffConfigs({ a: [1] }, { a: { 0: 1 } })).toEqual([
      { path: 'a', before: [1], after: { 0: 1 } },
    ]);
    expect(diffConfigs({ a: 1 }, { a: '1' })).toEqual([
      { path: 'a', before: 1, after: '1' },
    ]);
  });
});

describe('lineDiff', () => {
  it('keeps equal texts as they are', () => {
    expect(lineDiff('a\nb', 'a\nb')).toEqual([
      { op: 'same', text: 'a' },
      { op: 'same', text: 'b' },
    ]);
  });

  it('shows a replaced line removed, then added, between the kept ones', () => {
    expect(lineDiff('head\nold\ntail', 'head\nnew\ntail')).toEqual([
      { op: 'same', text: 'head' },
      { op: 'removed', text: 'old' },
      { op: 'added', text: 'new' },
      { op: 'same', text: 'tail' },
    ]);
  });

  it('finds the lines kept in between insertions and deletions', () => {
    const before = ['{{ instructions }}', 'x', 'Item:', '{{ data }}', 'y'];
    const after = ['{{ instructions }}', 'Item:', 'z', '{{ data }}'];
    expect(lineDiff(before.join('\n'), after.join('\n'))).toEqual([
      { op: 'same', text: '{{ instructions }}' },
      { op: 'removed', text: 'x' },
      { op: 'same', text: 'Item:' },
      { op: 'added', text: 'z' },
      { op: 'same', text: '{{ data }}' },
      { op: 'removed', text: 'y' },
    ]);
  });

  it('handles texts added from nothing and removed to nothing', () => {
    expect(lineDiff('', 'a\nb')).toEqual([
      { op: 'added', text: 'a' },
      { op: 'added', text: 'b' },
    ]);
    expect(lineDiff('a', '')).toEqual([{ op: 'removed', text: 'a' }]);
    // an empty line is a line
    expect(lineDiff('a', 'a\n')).toEqual([
      { op: 'same', text: 'a' },
      { op: 'added', text: '' },
    ]);
  });

  it('compares only the changed middle of long prompts, line by line', () => {
    // 5,000 × 5,000 lines would be over the table's limit: a line-by-line
    // result shows the common head and tail were set aside first
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i}`);
    const changed = [...lines];
    changed[2500] = 'changed';
    const diff = lineDiff(lines.join('\n'), changed.join('\n'));
    expect(diff.filter(l => l.op !== 'same')).toEqual([
      { op: 'removed', text: 'line 2500' },
      { op: 'added', text: 'changed' },
    ]);
    expect(diff).toHaveLength(5001);
  });

  it('shows a changed middle too long to compare as removed, then added', () => {
    // 2,100 × 2,100 line pairs is over the limit: the shared line in the
    // middle is not looked for
    const before = Array.from({ length: 2100 }, (_, i) =>
      i === 1000 ? 'shared' : `old ${i}`,
    );
    const after = Array.from({ length: 2100 }, (_, i) =>
      i === 1000 ? 'shared' : `new ${i}`,
    );
    const diff = lineDiff(
      ['head', ...before, 'tail'].join('\n'),
      ['head', ...after, 'tail'].join('\n'),
    );
    expect(diff).toEqual([
      { op: 'same', text: 'head' },
      ...before.map(text => ({ op: 'removed', text })),
      ...after.map(text => ({ op: 'added', text })),
      { op: 'same', text: 'tail' },
    ]);
  });
});
