import { createHash } from 'crypto';
import { HttpClient } from './http';
import { LABELS, QUESTION_ID, seededRandom } from './items';

/**
 * B7's simulated people, answering through the API as the real ones would:
 * annotator i (0-based) is right with probability 0.75 + 0.025·i and
 * otherwise picks one of the wrong classes uniformly. Each answer is drawn
 * from (seed, person, item), so it does not depend on who got there first.
 */
export const HUMAN_COUNT = 8;

export function humanAccuracy(i: number): number {
  return 0.75 + 0.025 * i;
}

export function humanAnswer(
  seed: number,
  person: number,
  externalId: string,
  truth: string,
): string {
  const digest = createHash('sha256')
    .update(`${seed}:${person}:${externalId}`)
    .digest();
  const random = seededRandom(digest.readUInt32LE(0));
  if (random() < humanAccuracy(person)) {
    return truth;
  }
  const wrong = LABELS.filter(l => l !== truth);
  return wrong[Math.floor(random() * wrong.length)];
}

export interface Person {
  index: number;
  client: HttpClient;
}

/**
 * Every person loops next → submit until the queue has nothing for them;
 * rounds repeat while anyone submitted (an item that asks for one more
 * annotator reopens after its last submit). `limit` stops each person after
 * that many submits this call. Returns the number of submits.
 */
export async function labelUntilDone(
  projectPath: string,
  people: Person[],
  truth: Map<string, string>,
  seed: number,
  limit = Infinity,
): Promise<number> {
  let total = 0;
  for (;;) {
    const counts = await Promise.all(
      people.map(async ({ index, client }) => {
        let n = 0;
        while (n < limit) {
          const next = await client.request('POST', `${projectPath}/next`, {
            json: {},
          });
          if (next.status === 204) {
            break;
          }
          if (next.status !== 200) {
            throw new Error(`next: ${next.status} ${next.body.slice(0, 300)}`);
          }
          const lease = JSON.parse(next.body);
          const externalId: string = lease.item.externalId;
          const label = humanAnswer(
            seed,
            index,
            externalId,
            truth.get(externalId)!,
          );
          await client.expect(
            201,
            'POST',
            `${projectPath}/items/${lease.item.id}/annotations`,
            {
              json: {
                token: lease.token,
                answer: { [QUESTION_ID]: label },
                idempotencyKey: `b7-${index}-${lease.item.id}`,
                timeSpentMs: 5000,
              },
            },
          );
          n++;
        }
        return n;
      }),
    );
    const round = counts.reduce((a, b) => a + b, 0);
    total += round;
    if (round === 0 || limit !== Infinity) {
      return total;
    }
  }
}

/**
 * The quality analyst (the best annotator, as B7 leaves QA's accuracy
 * open) claims every escalation and resolves it with their own judgement.
 * Returns the number of resolutions.
 */
export async function resolveEscalations(
  projectPath: string,
  analyst: Person,
  truth: Map<string, string>,
  seed: number,
): Promise<number> {
  let resolved = 0;
  for (;;) {
    const claim = await analyst.client.request(
      'POST',
      `${projectPath}/qa/next`,
      { json: {} },
    );
    if (claim.status === 204) {
      return resolved;
    }
    if (claim.status !== 200) {
      throw new Error(`qa/next: ${claim.status} ${claim.body.slice(0, 300)}`);
    }
    const { token, item } = JSON.parse(claim.body);
    const label = humanAnswer(
      seed,
      analyst.index,
      `qa:${item.externalId}`,
      truth.get(item.externalId)!,
    );
    await analyst.client.expect(
      200,
      'POST',
      `${projectPath}/qa/${token}/resolve`,
      {
        json: { answer: { [QUESTION_ID]: label } },
      },
    );
    resolved++;
  }
}
