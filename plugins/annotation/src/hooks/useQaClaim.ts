import { useApi } from '@backstage/core-plugin-api';
import {
  QaClaimResponse,
  QaDecisionResponse,
} from '@chorus/plugin-annotation-common';
import { useCallback, useEffect, useRef, useState } from 'react';
import { annotationApiRef } from '../api';
import { reasonOf, statusOf } from '../errors';
import { heartbeatDue } from './useLeaseQueue';

/*
 * The analyst's side of the QA queue: one claimed escalation at a time,
 * kept alive by heartbeats while the page is visible, released when the
 * page goes away undecided (an expired claim returns to the queue anyway).
 */

export interface QaClaimState {
  /**
   * `idle` before the first claim; `reviewing` a claim; `decided` it;
   * `empty` when no escalation is free; `lost` when the claim expired or was
   * taken (the draft stays on screen); `error` when claiming failed.
   */
  status: 'idle' | 'claiming' | 'reviewing' | 'decided' | 'empty' | 'lost';
  claim?: QaClaimResponse;
  /** The last decision made on this page. */
  decision?: QaDecisionResponse;
  busy?: 'resolving' | 'sending-back';
  /** A decision that did not go through, and why; the draft is kept. */
  problem?: string;
  /** Why claiming failed (e.g. 403: not a quality analyst here). */
  error?: Error;
  /** Decisions made from this page. */
  decided: number;
}

export interface QaClaim extends QaClaimState {
  /** Claims the next escalation (or the one the analyst holds). */
  next(): void;
  resolve(answer: Record<string, unknown>, note?: string): void;
  sendBack(guidance: string): void;
}

export interface QaClaimOptions {
  /** How often the claim is checked for a heartbeat (default 5 s). */
  checkIntervalMs?: number;
}

/** Said when a claim is gone: expired (409) or released and taken (404). */
function isClaimLost(error: unknown): boolean {
  const status = statusOf(error);
  const reason = reasonOf(error);
  return (
    (status === 409 && /QA claim .* expired/.test(reason)) ||
    (status === 404 && /^QA claim /.test(reason))
  );
}

export function useQaClaim(
  projectId: string,
  options: QaClaimOptions = {},
): QaClaim {
  const api = useApi(annotationApiRef);
  const checkIntervalMs = options.checkIntervalMs ?? 5_000;
  const [state, setState] = useState<QaClaimState>({
    status: 'idle',
    decided: 0,
  });
  // the claim to extend or release, and when it was last renewed
  const held = useRef<
    { token: string; renewedAt: number; ttlMs: number } | undefined
  >(undefined);

  const hold = (claim: QaClaimResponse) => {
    const now = Date.now();
    held.current = {
      token: claim.token,
      renewedAt: now,
      ttlMs: Math.max(Date.parse(claim.expiresAt) - now, 0),
    };
  };

  const lose = useCallback((error: unknown) => {
    held.current = undefined;
    setState(s => ({
      ...s,
      status: 'lost',
      busy: undefined,
      problem: `Your claim ended (${reasonOf(
        error,
      )}). Claim again to continue: if no one else took the item, your answer is still here.`,
    }));
  }, []);

  const next = useCallback(() => {
    setState(s => ({ ...s, status: 'claiming', error: undefined }));
    api.nextEscalation(projectId).then(
      claim => {
        if (!claim) {
          held.current = undefined;
          setState(s => ({
            ...s,
            status: 'empty',
            claim: undefined,
            problem: undefined,
          }));
          return;
        }
        hold(claim);
        setState(s => ({
          ...s,
          status: 'reviewing',
          claim,
          problem: undefined,
        }));
      },
      error =>
        setState(s => ({
          ...s,
          status: s.claim ? 'lost' : 'idle',
          error,
        })),
    );
  }, [api, projectId]);

  const decide = useCallback(
    (
      busy: 'resolving' | 'sending-back',
      call: (token: string) => Promise<QaDecisionResponse>,
    ) => {
      const token = held.current?.token;
      if (!token) {
        return;
      }
      setState(s => ({ ...s, busy, problem: undefined }));
      call(token).then(
        decision => {
          held.current = undefined;
          setState(s => ({
            ...s,
            status: 'decided',
            busy: undefined,
            decision,
            decided: s.decided + (decision.replayed ? 0 : 1),
          }));
        },
        error => {
          if (isClaimLost(error)) {
            lose(error);
            return;
          }
          setState(s => ({
            ...s,
            busy: undefined,
            problem:
              statusOf(error) === undefined
                ? `Chorus could not be reached (${reasonOf(
                    error,
                  )}); your answer is kept, try again.`
                : reasonOf(error),
          }));
        },
      );
    },
    [lose],
  );

  const resolve = useCallback(
    (answer: Record<string, unknown>, note?: string) =>
      decide('resolving', token =>
        api.resolveEscalation(projectId, token, {
          answer,
          ...(note ? { note } : {}),
        }),
      ),
    [api, decide, projectId],
  );

  const sendBack = useCallback(
    (guidance: string) =>
      decide('sending-back', token =>
        api.sendBackEscalation(projectId, token, guidance),
      ),
    [api, decide, projectId],
  );

  // heartbeats once half the claim's time has passed, while visible
  const reviewing = state.status === 'reviewing';
  useEffect(() => {
    if (!reviewing) {
      return undefined;
    }
    const timer = setInterval(() => {
      const claim = held.current;
      if (
        !claim ||
        document.visibilityState === 'hidden' ||
        !heartbeatDue(claim, Date.now())
      ) {
        return;
      }
      api.extendEscalationClaim(projectId, claim.token).then(
        ({ expiresAt }) => {
          if (held.current?.token !== claim.token) {
            return;
          }
          held.current = { ...claim, renewedAt: Date.now() };
          setState(s =>
            s.claim?.token === claim.token
              ? { ...s, claim: { ...s.claim, expiresAt } }
              : s,
          );
        },
        error => {
          if (isClaimLost(error)) {
            lose(error);
          } // a network failure: the next check tries again
        },
      );
    }, checkIntervalMs);
    return () => clearInterval(timer);
  }, [api, projectId, reviewing, checkIntervalMs, lose]);

  // leaving the page undecided gives the escalation back at once
  useEffect(
    () => () => {
      const claim = held.current;
      if (claim) {
        held.current = undefined;
        api.releaseEscalationClaim(projectId, claim.token).catch(() => {});
      }
    },
    [api, projectId],
  );

  return { ...state, next, resolve, sendBack };
}
