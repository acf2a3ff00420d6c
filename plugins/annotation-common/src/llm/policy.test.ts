import { parseLlmAnnotatorConfig } from './annotatorConfig';
import {
  autoAccepts,
  inAuditSample,
  llmDisagreements,
  llmRaterId,
  llmRaterName,
  reachesAutoAccept,
} from './policy';

const autoAccept = (auditRate: number) => {
  const parsed = parseLlmAnnotatorConfig({
    provider: 'p',
    promptTemplate: 't',
    role: 'auto-accept',
    autoAccept: { threshold: 0.8, auditRate },
  });
  if (!parsed.success) {
    throw new Error(JSON.stringify(parsed.issues));
  }
  return parsed.config;
};

describe('LLM roles policy', () => {
  it('draws a stable audit sample of about the rate', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => String(i + 1));
    const sampled = ids.filter(id => inAuditSample(id, 'a-1', 0.1));
    // binomial: sd = sqrt(10000 · 0.1 · 0.9) = 30
    expect(Math.abs(sampled.length - 1000)).toBeLessThan(120);
    expect(ids.filter(id => inAuditSample(id, 'a-1', 0.1))).toEqual(sampled);
    // another annotator samples other items
    const other = ids.filter(id => inAuditSample(id, 'a-2', 0.1));
    expect(other).not.toEqual(sampled);
    expect(ids.some(id => inAuditSample(id, 'a-1', 0))).toBe(false);
    expect(ids.every(id => inAuditSample(id, 'a-1', 1))).toBe(true);
  });

  it('accepts at or above the threshold, outside the audit sample only', () => {
    const config = autoAccept(0);
    const at = (confidence?: number) =>
      autoAccepts(config, { itemId: '7', annotatorId: 'a', confidence });
    expect(at(0.8)).toBe(true);
    expect(at(0.79)).toBe(false);
    expect(at(undefined)).toBe(false);
    expect(
      autoAccepts(autoAccept(1), {
        itemId: '7',
        annotatorId: 'a',
        confidence: 0.99,
      }),
    ).toBe(false);
    const vote = parseLlmAnnotatorConfig({
      provider: 'p',
      promptTemplate: 't',
    });
    expect(
      vote.success &&
        autoAccepts(vote.config, {
          itemId: '7',
          annotatorId: 'a',
          confidence: 1,
        }),
    ).toBe(false);
    // the audit sample still reaches the threshold: humans check it
    expect(reachesAutoAccept(autoAccept(1), 0.8)).toBe(true);
    expect(reachesAutoAccept(autoAccept(1), 0.79)).toBe(false);
    expect(vote.success && reachesAutoAccept(vote.config, 1)).toBe(false);
  });

  it('names the questions where the LLM and the humans differ', () => {
    const project = {
      questions: [
        {
          id: 'mood',
          type: 'single-choice' as const,
          title: 'Mood',
          field: 'x',
          required: true,
          labels: [{ value: 'calm' }, { value: 'upbeat' }],
        },
        {
          id: 'tags',
          type: 'multiple-choice' as const,
          title: 'Tags',
          field: 'x',
          required: true,
          labels: [{ value: 'live' }, { value: 'remix' }],
        },
      ],
    };
    expect(
      llmDisagreements(
        project as never,
        { mood: 'calm', tags: ['remix', 'live'] },
        { mood: 'calm', tags: ['live', 'remix'] },
      ),
    ).toEqual([]);
    expect(
      llmDisagreements(
        project as never,
        { mood: 'upbeat', tags: ['live'] },
        { mood: 'calm', tags: ['live', 'remix'] },
      ),
    ).toEqual(['mood', 'tags']);
  });

  it('names an LLM annotator as one rater, told apart from users', () => {
    expect(llmRaterId('first-pass')).toBe('llm:first-pass');
    expect(llmRaterName(llmRaterId('first-pass'))).toBe('first-pass');
    expect(llmRaterName('user:default/amara.okafor')).toBeUndefined();
  });
});
