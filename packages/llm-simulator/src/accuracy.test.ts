import { clientFor, mapLimit } from './__testUtils__/helpers';
import { b7Preset } from './options';
import { startLlmSimulator } from './server';

const LABELS = ['c0', 'c1', 'c2'] as const;
const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['label'],
  properties: { label: { type: 'string', enum: [...LABELS] } },
};

/** The probability a client reads off the logprobs: exp(sum over the label's tokens). */
function labelProbability(
  content: string,
  tokens: Array<{ token: string; logprob: number }>,
): number {
  const start = content.indexOf(':"') + 2;
  const end = content.indexOf('"', start);
  let offset = 0;
  let logprob = 0;
  for (const t of tokens) {
    if (offset < end && offset + t.token.length > start) logprob += t.logprob;
    offset += t.token.length;
  }
  return Math.exp(logprob);
}

describe('accuracy and confidence (B7’s simulated LLM)', () => {
  it('is right per class at the configured rates, with B7’s confidence model', async () => {
    const items = Array.from({ length: 2100 }, (_, i) => ({
      key: `item-${i}`,
      truth: LABELS[i % 3],
    }));
    const simulator = await startLlmSimulator({
      seed: 'b7',
      ...b7Preset(LABELS),
      truth: Object.fromEntries(items.map(i => [i.key, { label: i.truth }])),
    });
    try {
      const client = clientFor(simulator);
      const answers = await mapLimit(items, 32, async item => {
        const completion = await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: `Classify.\nitem: ${item.key}` }],
          response_format: {
            type: 'json_schema',
            json_schema: { name: 'label', schema: SCHEMA, strict: true },
          },
          logprobs: true,
        });
        const content = completion.choices[0].message.content!;
        return {
          truth: item.truth,
          label: JSON.parse(content).label as string,
          confidence: labelProbability(
            content,
            completion.choices[0].logprobs!.content!,
          ),
        };
      });

      const expected = { c0: 0.92, c1: 0.8, c2: 0.6 };
      for (const label of LABELS) {
        const ofClass = answers.filter(a => a.truth === label);
        const accuracy =
          ofClass.filter(a => a.label === label).length / ofClass.length;
        const p = expected[label];
        // within four binomial standard deviations
        expect(Math.abs(accuracy - p)).toBeLessThan(
          4 * Math.sqrt((p * (1 - p)) / ofClass.length),
        );
        // wrong answers are spread over both other labels
        const wrong = ofClass.filter(a => a.label !== label);
        for (const other of LABELS.filter(l => l !== label)) {
          const share =
            wrong.filter(a => a.label === other).length / wrong.length;
          expect(share).toBeGreaterThan(0.35);
        }
      }

      // confidence = clip(0.55 + 0.4·[correct] + N(0, 0.15), 0.34, 0.999)
      const confidences = answers.map(a => a.confidence);
      expect(Math.min(...confidences)).toBeGreaterThanOrEqual(0.34 - 1e-9);
      expect(Math.max(...confidences)).toBeLessThanOrEqual(0.999 + 1e-9);
      const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
      const right = answers
        .filter(a => a.label === a.truth)
        .map(a => a.confidence);
      const wrong = answers
        .filter(a => a.label !== a.truth)
        .map(a => a.confidence);
      // clipped normal means: E[min(0.999, N(0.95, 0.15))] ≈ 0.911,
      // E[clip(N(0.55, 0.15), 0.34, 0.999)] ≈ 0.555
      expect(Math.abs(mean(right) - 0.911)).toBeLessThan(0.02);
      expect(Math.abs(mean(wrong) - 0.555)).toBeLessThan(0.03);
      // a share of answers sits at the upper clip (P(N(0.95, 0.15) > 0.999) ≈ 0.37)
      const clipped = right.filter(c => Math.abs(c - 0.999) < 1e-9).length;
      expect(Math.abs(clipped / right.length - 0.37)).toBeLessThan(0.05);
    } finally {
      await simulator.close();
    }
  }, 120_000);
});
