import {
  discoveryApiRef,
  IdentityApi,
  identityApiRef,
} from '@backstage/core-plugin-api';
import { mockApis, TestApiProvider } from '@backstage/test-utils';
import { act, renderHook, waitFor } from '@testing-library/react';
import { ReactNode } from 'react';
import { annotationApiRef } from '../api';
import {
  FakeAnnotationApi,
  fakeAnnotationApi,
  responseError,
  trackItems,
} from '../__testUtils__/fakeAnnotationApi';
import { heartbeatDue, HeldLease, useLeaseQueue } from './useLeaseQueue';

const UUID =
  /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function renderQueue(
  fake: FakeAnnotationApi,
  options?: Parameters<typeof useLeaseQueue>[1],
  identity: IdentityApi = mockApis.identity({ token: 'token-of-amara' }),
) {
  const wrapper = ({ children }: { children: ReactNode }) => (
    <TestApiProvider
      apis={[
        [annotationApiRef, fake.api],
        [identityApiRef, identity],
        [discoveryApiRef, mockApis.discovery({ baseUrl: 'http://chorus' })],
      ]}
    >
      {children}
    </TestApiProvider>
  );
  return renderHook(() => useLeaseQueue('p-track', options), { wrapper });
}

/** Renders the queue and waits until the item after the first is leased. */
async function ready(
  fake: FakeAnnotationApi,
  options?: { checkIntervalMs?: number },
  identity?: IdentityApi,
) {
  const hook = renderQueue(fake, options, identity);
  await waitFor(() => expect(hook.result.current.upNext).toBe('ready'));
  return hook;
}

describe('heartbeatDue', () => {
  const held = (renewedAt: number, ttlMs: number): HeldLease => ({
    lease: {
      token: 't',
      expiresAt: new Date(renewedAt + ttlMs).toISOString(),
      configVersion: 1,
      item: { id: '1', externalId: 'x', data: {} },
    },
    renewedAt,
    ttlMs,
  });

  it('extends a lease once half of its time to live has passed', () => {
    expect(heartbeatDue(held(0, 600_000), 299_999)).toBe(false);
    expect(heartbeatDue(held(0, 600_000), 300_000)).toBe(true);
    expect(heartbeatDue(held(1_000, 60_000), 31_000)).toBe(true);
  });
});

describe('useLeaseQueue', () => {
  it('shows the first item and leases the next one, excluding the current lease', async () => {
    const fake = fakeAnnotationApi();
    const { result } = await ready(fake);

    expect(result.current.status).toBe('ready');
    expect(result.current.current?.item.externalId).toBe('track-0001');
    expect(fake.api.next).toHaveBeenNthCalledWith(1, 'p-track');
    expect(fake.api.next).toHaveBeenNthCalledWith(2, 'p-track', [
      result.current.current!.token,
    ]);
    expect(fake.leases.size).toBe(2);
  });

  it('submits with the lease, a UUID key and the time spent, then shows the prefetched item at once', async () => {
    const fake = fakeAnnotationApi();
    const { result } = await ready(fake);
    const first = result.current.current!;
    // the item after next never arrives: the next item must not wait for it
    fake.api.next.mockImplementation(() => new Promise(() => {}));

    let stored = false;
    await act(async () => {
      stored = await result.current.submit({ belongs: 'yes' });
    });

    expect(stored).toBe(true);
    expect(fake.api.submit).toHaveBeenCalledWith('p-track', first.item.id, {
      token: first.token,
      answer: { belongs: 'yes' },
      idempotencyKey: expect.stringMatching(UUID),
      timeSpentMs: expect.any(Number),
    });
    expect(result.current.current?.item.externalId).toBe('track-0002');
    expect(result.current.done).toBe(1);
    expect(result.current.upNext).toBe('leasing');
  });

  it('keeps the answer and the idempotency key when the network fails, and reuses the key on retry', async () => {
    const fake = fakeAnnotationApi();
    const { result } = await ready(fake);
    const first = result.current.current!;
    fake.api.submit.mockRejectedValueOnce(new TypeError('Failed to fetch'));

    await act(async () => {
      expect(await result.current.submit({ belongs: 'no' })).toBe(false);
    });
    expect(result.current.problem).toEqual({
      kind: 'network',
      message: expect.stringContaining('Chorus could not be reached'),
    });
    expect(result.current.current?.item.id).toBe(first.item.id);
    expect(result.current.done).toBe(0);

    await act(async () => {
      expect(await result.current.submit({ belongs: 'no' })).toBe(true);
    });
    const [failed, retried] = fake.api.submit.mock.calls.map(
      c => c[2].idempotencyKey,
    );
    expect(retried).toBe(failed);
    expect(result.current.problem).toBeUndefined();
    expect(result.current.done).toBe(1);
  });

  it('uses a new key when the annotator changes the answer after a failure', async () => {
    const fake = fakeAnnotationApi();
    const { result } = await ready(fake);
    fake.api.submit.mockRejectedValueOnce(new TypeError('Failed to fetch'));
    await act(async () => {
      await result.current.submit({ belongs: 'no' });
    });
    await act(async () => {
      await result.current.submit({ belongs: 'yes' });
    });
    const [first, second] = fake.api.submit.mock.calls.map(
      c => c[2].idempotencyKey,
    );
    expect(second).not.toBe(first);
  });

  it('recovers an expired lease: leases the same item again and saves the answer with the same key', async () => {
    const fake = fakeAnnotationApi();
    const { result } = await ready(fake);
    const first = result.current.current!;
    fake.expire(first.token);

    await act(async () => {
      expect(await result.current.submit({ belongs: 'yes' })).toBe(true);
    });

    const calls = fake.api.submit.mock.calls;
    expect(calls).toHaveLength(2);
    expect(calls[0][2].token).toBe(first.token);
    expect(calls[1][2].token).not.toBe(first.token);
    expect(calls[1][2].idempotencyKey).toBe(calls[0][2].idempotencyKey);
    expect(fake.submitted).toEqual([
      expect.objectContaining({
        itemId: first.item.id,
        answer: { belongs: 'yes' },
      }),
    ]);
    expect(result.current.notice).toMatch(/lease had expired/);
    expect(result.current.done).toBe(1);
    expect(result.current.current?.item.externalId).toBe('track-0002');
  });

  it('says so when an expired item went to other annotators, and moves on', async () => {
    const fake = fakeAnnotationApi();
    const { result } = await ready(fake);
    const first = result.current.current!;
    fake.expire(first.token);
    fake.takeByOthers(first.item.id);

    await act(async () => {
      expect(await result.current.submit({ belongs: 'yes' })).toBe(false);
    });

    expect(fake.submitted).toEqual([]);
    expect(result.current.notice).toMatch(
      /track-0001 expired and the item is no longer available/,
    );
    expect(result.current.done).toBe(0);
    expect(result.current.current?.item.externalId).not.toBe('track-0001');
  });

  it('shows a rejected answer without moving on', async () => {
    const fake = fakeAnnotationApi();
    const { result } = await ready(fake);
    fake.api.submit.mockRejectedValueOnce(
      responseError(400, 'answer.belongs: one of yes, no, unsure expected'),
    );
    await act(async () => {
      await result.current.submit({ belongs: 'maybe' });
    });
    expect(result.current.problem).toEqual({
      kind: 'rejected',
      message:
        'Your answer was not saved: answer.belongs: one of yes, no, unsure expected',
    });
    expect(result.current.current?.item.externalId).toBe('track-0001');
  });

  it('skips with the reason and moves on', async () => {
    const fake = fakeAnnotationApi();
    const { result } = await ready(fake);
    await act(async () => {
      await result.current.skip('cannot judge');
    });
    expect(fake.skipped).toEqual([{ itemId: '1', reason: 'cannot judge' }]);
    expect(result.current.skipped).toBe(1);
    expect(result.current.current?.item.externalId).toBe('track-0002');
  });

  it('ends with an empty queue when nothing is left', async () => {
    const fake = fakeAnnotationApi({ items: [] });
    const { result } = renderQueue(fake);
    await waitFor(() => expect(result.current.status).toBe('empty'));
    expect(result.current.current).toBeUndefined();
  });

  it('reports the last item as the last one', async () => {
    const fake = fakeAnnotationApi({ items: trackItems(1) });
    const { result } = renderQueue(fake);
    await waitFor(() => expect(result.current.upNext).toBe('none'));
    expect(result.current.current?.item.externalId).toBe('track-0001');
  });

  it('shows a loading error and loads again on reload', async () => {
    const fake = fakeAnnotationApi();
    fake.api.next.mockRejectedValueOnce(
      responseError(403, 'annotation.item.label is not allowed'),
    );
    const { result } = renderQueue(fake);
    await waitFor(() => expect(result.current.status).toBe('error'));
    expect(result.current.error?.message).toMatch(/403/);
    await act(async () => result.current.reload());
    await waitFor(() => expect(result.current.status).toBe('ready'));
  });

  it('sends heartbeats for both held leases before they expire', async () => {
    const fake = fakeAnnotationApi({ ttlMs: 400 });
    const { result } = await ready(fake, { checkIntervalMs: 50 });
    const before = result.current.current!.expiresAt;
    await waitFor(() =>
      expect(new Set(fake.api.heartbeat.mock.calls.map(c => c[1])).size).toBe(
        2,
      ),
    );
    await waitFor(() =>
      expect(result.current.current!.expiresAt > before).toBe(true),
    );
  });

  it('takes the item back when a heartbeat finds the lease expired', async () => {
    const fake = fakeAnnotationApi({ ttlMs: 400 });
    const { result } = await ready(fake, { checkIntervalMs: 50 });
    const first = result.current.current!;
    fake.expire(first.token);
    await waitFor(() =>
      expect(result.current.current!.token).not.toBe(first.token),
    );
    expect(result.current.current!.item.id).toBe(first.item.id);
  });

  it('gives held leases back when the page closes', async () => {
    const fake = fakeAnnotationApi();
    const { unmount } = await ready(fake);
    const held = [...fake.leases.keys()];
    unmount();
    await waitFor(() => expect(fake.api.release).toHaveBeenCalledTimes(2));
    expect(fake.api.release.mock.calls.map(c => c[1]).sort()).toEqual(
      held.sort(),
    );
  });

  describe('when the tab closes (pagehide)', () => {
    const realFetch = global.fetch;
    let fetchMock: jest.Mock;
    beforeEach(() => {
      fetchMock = jest.fn(async () => new Response(null, { status: 204 }));
      global.fetch = fetchMock;
    });
    afterEach(() => {
      global.fetch = realFetch;
    });

    const pageEvent = (type: 'pagehide' | 'pageshow', persisted: boolean) =>
      act(() => {
        window.dispatchEvent(
          Object.assign(new Event(type), { persisted }) as PageTransitionEvent,
        );
      });

    it('releases the held leases with keepalive requests carrying the token, and not again on unmount', async () => {
      const fake = fakeAnnotationApi();
      const { result, unmount } = await ready(fake);
      const held = [...fake.leases.keys()];
      expect(held).toHaveLength(2);
      expect(result.current.current?.token).toBe(held[0]);

      pageEvent('pagehide', false);

      // sent at once, inside the event: nothing awaited first
      expect(fetchMock.mock.calls).toEqual(
        held.map(token => [
          `http://chorus/api/annotation/projects/p-track/leases/${token}`,
          {
            method: 'DELETE',
            keepalive: true,
            headers: { Authorization: 'Bearer token-of-amara' },
          },
        ]),
      );
      unmount();
      await new Promise(r => setTimeout(r, 20));
      expect(fake.api.release).not.toHaveBeenCalled();
    });

    it('uses the latest token, fetched ahead of time', async () => {
      let n = 0;
      const identity = mockApis.identity.mock({
        getCredentials: async () => ({ token: `token-${++n}` }),
      });
      const fake = fakeAnnotationApi();
      await ready(fake, { checkIntervalMs: 30 }, identity);
      // a token is fetched at mount and again at every check
      await waitFor(() => expect(n).toBeGreaterThanOrEqual(3));
      pageEvent('pagehide', false);
      expect(fetchMock).toHaveBeenCalledTimes(2);
      const sent: string = fetchMock.mock.calls[0][1].headers.Authorization;
      expect(sent).toMatch(/^Bearer token-\d+$/);
      expect(Number(sent.split('-')[1])).toBeGreaterThanOrEqual(2);
    });

    it('leases afresh when the page comes back from the back-forward cache', async () => {
      const fake = fakeAnnotationApi();
      // the keepalive request reaches the fake backend
      fetchMock.mockImplementation(async (url: string) => {
        fake.leases.delete(url.split('/').pop()!);
        return new Response(null, { status: 204 });
      });
      const { result } = await ready(fake);
      const first = result.current.current!;
      pageEvent('pagehide', true);
      expect(fake.leases.size).toBe(0);

      pageEvent('pageshow', true);
      await waitFor(() => expect(result.current.upNext).toBe('ready'));
      // the same item comes back first, under a new lease
      expect(result.current.current?.item.id).toBe(first.item.id);
      expect(result.current.current?.token).not.toBe(first.token);
      expect(fake.leases.size).toBe(2);
    });

    it('does nothing when no lease is held', async () => {
      const fake = fakeAnnotationApi({ items: [] });
      const { result } = renderQueue(fake);
      await waitFor(() => expect(result.current.status).toBe('empty'));
      pageEvent('pagehide', false);
      expect(fetchMock).not.toHaveBeenCalled();
    });
  });
});
