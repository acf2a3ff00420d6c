import { PermissionsService } from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import { NotFoundError } from '@backstage/errors';
import {
  AuthorizeResult,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  AnnotationProjectRecord,
  annotationItemLabelPermission,
} from '@chorus/plugin-annotation-common';
import { annotationProjectRules } from '../permissions';
import { Caller, ProjectAccess } from './access';

const project = {
  id: 'p1',
  name: 'track-placement-relevance',
} as AnnotationProjectRecord;

function caller(n: number): Caller {
  const ref = `user:default/annotator-${n}`;
  return { kind: 'user', ref, credentials: mockCredentials.user(ref) };
}

/**
 * A permission backend whose answer the test sets, counting the questions;
 * `hold()` keeps the next answers back until `release()`.
 */
function permissionBackend() {
  let result: AuthorizeResult.ALLOW | AuthorizeResult.DENY =
    AuthorizeResult.ALLOW;
  let held: Array<() => void> | undefined;
  let failing = false;
  const backend = {
    asked: 0,
    fail: () => {
      failing = true;
    },
    allow: () => {
      result = AuthorizeResult.ALLOW;
    },
    deny: () => {
      result = AuthorizeResult.DENY;
    },
    hold: () => {
      held = [];
    },
    release: () => {
      const waiting = held ?? [];
      held = undefined;
      waiting.forEach(answer => answer());
    },
    service: {
      authorize: async () => {
        throw new Error('not used by project permissions');
      },
      authorizeConditional: async (queries: unknown[]) => {
        backend.asked += 1;
        if (held) {
          await new Promise<void>(resolve => held!.push(resolve));
        }
        if (failing) {
          throw new Error('permission backend unavailable');
        }
        return queries.map((): PolicyDecision => ({ result }));
      },
    } as unknown as PermissionsService,
  };
  return backend;
}

const flush = () => new Promise(resolve => setImmediate(resolve));

describe('ProjectAccess', () => {
  const start = new Date('2026-11-26T10:00:00Z').getTime();
  let now = start;

  beforeEach(() => {
    now = start;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });
  afterEach(() => jest.restoreAllMocks());

  function access(backend: ReturnType<typeof permissionBackend>) {
    return new ProjectAccess(
      backend.service,
      Object.values(annotationProjectRules) as any,
    );
  }
  const label = (a: ProjectAccess, n = 1) =>
    a.require(caller(n), project, annotationItemLabelPermission, 'answering');

  it('asks once per caller while the decisions are fresh', async () => {
    const backend = permissionBackend();
    const a = access(backend);
    await label(a);
    now += 2_000;
    await label(a);
    await label(a);
    expect(backend.asked).toBe(1);
    await label(a, 2);
    expect(backend.asked).toBe(2);
  });

  it('renews a busy caller in the background, without making them wait', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.5); // renew at 65% of 5 s
    const backend = permissionBackend();
    const a = access(backend);
    await label(a);

    now = start + 3_000; // not yet time to renew
    await label(a);
    expect(backend.asked).toBe(1);

    now = start + 3_500;
    backend.hold();
    backend.deny();
    // the renewal is pending, and this request does not wait for it
    await expect(label(a)).resolves.toBeUndefined();
    expect(backend.asked).toBe(2);
    await label(a); // one renewal at a time
    expect(backend.asked).toBe(2);

    backend.release();
    await flush();
    // the renewed decision (now a denial: not even visible) is the one used
    await expect(label(a)).rejects.toThrow(NotFoundError);
    expect(backend.asked).toBe(2);
  });

  it('never uses a decision past its time to live', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.5);
    const backend = permissionBackend();
    const a = access(backend);
    await label(a);
    backend.deny();
    backend.hold();
    now = start + 3_500;
    await label(a); // starts a renewal that does not come back in time

    now = start + 5_001;
    const waiting = label(a);
    await flush();
    expect(backend.asked).toBe(3); // asked again, and waits for the answer
    backend.release();
    await expect(waiting).rejects.toThrow(NotFoundError);
  });

  it('tries a failed renewal once, then asks in the foreground at expiry', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.5);
    const backend = permissionBackend();
    const a = access(backend);
    await label(a);
    backend.fail();
    now = start + 3_500;
    await label(a); // the renewal fails in the background
    await flush();
    await label(a);
    await label(a);
    expect(backend.asked).toBe(2); // not once per request

    now = start + 5_001;
    await expect(label(a)).rejects.toThrow('permission backend unavailable');
  });

  it('spreads the renewals of callers who started together', async () => {
    const draws = [0, 0.5, 0.999];
    jest.spyOn(Math, 'random').mockImplementation(() => draws.shift() ?? 0);
    const backend = permissionBackend();
    const a = access(backend);
    for (const n of [1, 2, 3]) {
      await label(a, n);
    }
    const renewedBy = async (ms: number) => {
      now = start + ms;
      for (const n of [1, 2, 3]) {
        await label(a, n);
      }
      await flush();
      return backend.asked - 3;
    };
    expect(await renewedBy(2_400)).toBe(0);
    expect(await renewedBy(2_600)).toBe(1); // from half the TTL
    expect(await renewedBy(3_300)).toBe(2);
    expect(await renewedBy(4_000)).toBe(3); // the last by 80% of it
  });
});
