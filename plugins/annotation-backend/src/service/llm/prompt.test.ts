import { choiceConfig } from '../../__testUtils__/fixtures';
import { llmConfig } from '../../__testUtils__/llm';
import {
  buildMessages,
  contentHash,
  FewShotCandidate,
  fewShotExamples,
  FewShotPool,
  promptContext,
} from './prompt';

const TITLES = [
  'Blue in Green by Miles Davis',
  'So What by Miles Davis',
  'Giant Steps by John Coltrane',
  'Podcast: the history of jazz',
  'Naima by John Coltrane',
  'Weather report for Tuesday',
];

function candidates(
  context: ReturnType<typeof promptContext>,
): FewShotCandidate[] {
  return TITLES.map((title, i) => {
    const dataText = JSON.stringify({ track_title: title });
    return {
      id: String(i + 1),
      externalId: `gold-${i + 1}`,
      data: JSON.parse(dataText),
      answer: { belongs: i === 3 || i === 5 ? 'no' : 'yes' },
      contentHash: contentHash(context, dataText),
    };
  });
}

describe('the prompt', () => {
  const project = choiceConfig({ instructions: 'Only music belongs.' });

  it('hashes content, not the external id, and the project part of the prompt', () => {
    const context = promptContext(project, llmConfig());
    const text = JSON.stringify({ track_title: 'x' });
    expect(contentHash(context, text)).toBe(contentHash(context, text));
    expect(contentHash(context, text)).not.toBe(
      contentHash(context, JSON.stringify({ track_title: 'y' })),
    );
    const other = promptContext(
      choiceConfig({ instructions: 'Podcasts belong too.' }),
      llmConfig(),
    );
    expect(contentHash(other, text)).not.toBe(contentHash(context, text));
  });

  it('ends the item with its id line once', () => {
    const plain = promptContext(project, llmConfig());
    const item = { id: '9', externalId: 'ext-9', data: { track_title: 'T' } };
    expect(buildMessages(plain, item, []).at(-1)!.content).toBe(
      'Track: T\n\nid: ext-9',
    );
    const withId = promptContext(
      project,
      llmConfig({
        promptTemplate: 'Track: {{ data.track_title }}\nid: {{ externalId }}',
      }),
    );
    expect(buildMessages(withId, item, []).at(-1)!.content).toBe(
      'Track: T\nid: ext-9',
    );
    expect(buildMessages(plain, item, [])[0].content).toContain(
      'Instructions for annotators:\nOnly music belongs.',
    );
  });

  it('draws gold examples at random, seeded by the content, never the item itself', () => {
    const context = promptContext(
      project,
      llmConfig({ fewShot: { source: 'gold', count: 3, selection: 'random' } }),
    );
    const pool = new FewShotPool(context, candidates(context));
    const gold2 = candidates(context)[1];
    const item = { ...gold2, externalId: 'gold-2', id: '2' };
    const drawn = fewShotExamples(context, pool, item);
    expect(drawn).toHaveLength(3);
    expect(drawn.map(e => e.externalId)).not.toContain('gold-2');
    // the same content draws the same examples; other content others
    expect(
      fewShotExamples(context, pool, { ...item, id: '99' }).map(
        e => e.externalId,
      ),
    ).not.toContain('gold-2');
    const again = fewShotExamples(context, pool, item);
    expect(again).toEqual(drawn);
    const draws = new Set(
      TITLES.map(t => {
        const dataText = JSON.stringify({ track_title: `${t}!` });
        return fewShotExamples(context, pool, {
          id: '100',
          externalId: 'x',
          data: JSON.parse(dataText),
          contentHash: contentHash(context, dataText),
        })
          .map(e => e.externalId)
          .join();
      }),
    );
    expect(draws.size).toBeGreaterThan(1);
  });

  it('takes the most similar gold examples by word overlap, the closest last', () => {
    const context = promptContext(
      project,
      llmConfig({
        fewShot: { source: 'gold', count: 2, selection: 'similar' },
      }),
    );
    const pool = new FewShotPool(context, candidates(context));
    const dataText = JSON.stringify({
      track_title: 'Impressions by John Coltrane',
    });
    const examples = fewShotExamples(context, pool, {
      id: '50',
      externalId: 'new',
      data: JSON.parse(dataText),
      contentHash: contentHash(context, dataText),
    });
    // 4 words shared with both: Naima (6 in all) beats Giant Steps (7)
    expect(examples.map(e => e.externalId)).toEqual(['gold-3', 'gold-5']);
    expect(
      fewShotExamples(context, undefined, {
        id: '50',
        externalId: 'new',
        data: {},
        contentHash: 'h',
      }),
    ).toEqual([]);
  });
});
