import { TestApiProvider } from '@backstage/test-utils';
import { act, renderHook, waitFor } from '@testing-library/react';
import { ReactNode } from 'react';
import { annotationApiRef } from '../api';
import {
  FakeAnnotationApi,
  fakeAnnotationApi,
  responseError,
} from '../__testUtils__/fakeAnnotationApi';
import { trackEscalations } from '../__testUtils__/fakeQaApi';
import { useQaClaim } from './useQaClaim';

function renderClaim(fake: FakeAnnotationApi, checkIntervalMs = 50) {
  const wrapper = ({ children }: { children: ReactNode }) => (
    <TestApiProvider apis={[[annotationApiRef, fake.api]]}>
      {children}
    </TestApiProvider>
  );
  return renderHook(() => useQaClaim('p-track', { checkIntervalMs }), {
    wrapper,
  });
}

/** Renders the hook and claims the first escalation. */
async function reviewing(fake: FakeAnnotationApi) {
  const hook = renderClaim(fake);
  act(() => hook.result.current.next());
  await waitFor(() => expect(hook.result.current.status).toBe('reviewing'));
  return hook;
}

describe('useQaClaim', () => {
  it('extends the claim by heartbeat once half its time has passed', async () => {
    const fake = fakeAnnotationApi({
      qa: { escalations: trackEscalations(2), ttlMs: 400 },
    });
    const { result } = await reviewing(fake);
    const first = result.current.claim!.expiresAt;
    expect(fake.api.extendEscalationClaim).not.toHaveBeenCalled();
    await waitFor(
      () =>
        expect(fake.api.extendEscalationClaim).toHaveBeenCalledWith(
          'p-track',
          result.current.claim!.token,
        ),
      { timeout: 2_000 },
    );
    await waitFor(() =>
      expect(Date.parse(result.current.claim!.expiresAt)).toBeGreaterThan(
        Date.parse(first),
      ),
    );
    expect(result.current.status).toBe('reviewing');
  });

  it('says the claim was lost when a heartbeat finds it gone, keeping it on screen', async () => {
    const fake = fakeAnnotationApi({
      qa: { escalations: trackEscalations(1), ttlMs: 400 },
    });
    fake.api.extendEscalationClaim.mockRejectedValue(
      responseError(404, 'QA claim qa-token-1 not found'),
    );
    const { result } = await reviewing(fake);
    await waitFor(() => expect(result.current.status).toBe('lost'), {
      timeout: 2_000,
    });
    expect(result.current.claim?.escalation.id).toBe('e1');
    expect(result.current.problem).toMatch(
      /Your claim ended \(QA claim qa-token-1 not found\)/,
    );
  });

  it('releases an undecided claim when the page goes away, not a decided one', async () => {
    const fake = fakeAnnotationApi({
      qa: { escalations: trackEscalations(2) },
    });
    const undecided = await reviewing(fake);
    const token = undecided.result.current.claim!.token;
    undecided.unmount();
    expect(fake.api.releaseEscalationClaim).toHaveBeenCalledWith(
      'p-track',
      token,
    );

    const decided = await reviewing(fake);
    act(() => decided.result.current.resolve({ belongs: 'no' }, 'checked'));
    await waitFor(() => expect(decided.result.current.status).toBe('decided'));
    expect(decided.result.current.decided).toBe(1);
    decided.unmount();
    expect(fake.api.releaseEscalationClaim).toHaveBeenCalledTimes(1);
    expect(fake.qa.decisions).toEqual([
      {
        escalationId: 'e1',
        resolution: 'resolved',
        answer: { belongs: 'no' },
        note: 'checked',
      },
    ]);
  });

  it('keeps the claim and reports a refused decision', async () => {
    const fake = fakeAnnotationApi({
      qa: { escalations: trackEscalations(1) },
    });
    fake.api.resolveEscalation.mockRejectedValueOnce(
      new TypeError('Failed to fetch'),
    );
    const { result } = await reviewing(fake);
    act(() => result.current.resolve({ belongs: 'yes' }));
    await waitFor(() =>
      expect(result.current.problem).toMatch(
        /Chorus could not be reached \(Failed to fetch\)/,
      ),
    );
    expect(result.current.status).toBe('reviewing');
    act(() => result.current.resolve({ belongs: 'yes' }));
    await waitFor(() => expect(result.current.status).toBe('decided'));
    expect(result.current.problem).toBeUndefined();
  });
});
