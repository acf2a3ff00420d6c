import {
  discoveryApiRef,
  identityApiRef,
  useApi,
  useApiHolder,
} from '@backstage/core-plugin-api';
import { leasePath, WorkLease } from '@chorus/plugin-annotation-common';
import { useCallback, useEffect, useReducer, useRef } from 'react';
import { AnnotationApi, annotationApiRef } from '../api';
import { isLeaseLost, reasonOf, statusOf } from '../errors';
import { newIdempotencyKey } from './idempotencyKey';

/*
 * The annotator's side of work distribution: the item on screen (current
 * lease), the next one leased ahead of time (the backend lets one annotator
 * hold two), heartbeats that keep both alive while the page is visible, and
 * recovery when a lease is lost anyway (laptop asleep, long break).
 */

/** A lease and when this page received or last extended it. */
export interface HeldLease {
  lease: WorkLease;
  /** Epoch ms of the last grant or heartbeat. */
  renewedAt: number;
  /** The lease's time to live, as granted (expiry minus grant time). */
  ttlMs: number;
}

/** A submit or skip that did not go through, and why. */
export interface LeaseQueueProblem {
  /** `network`: no answer from Chorus; `rejected`: Chorus said no. */
  kind: 'network' | 'rejected';
  message: string;
}

export interface LeaseQueue {
  status: 'loading' | 'ready' | 'empty' | 'error';
  /** The item on screen. */
  current?: WorkLease;
  /**
   * The item after this one: `ready` (leased, shows without a wait),
   * `leasing`, or `none` (nothing else is open to the annotator now).
   */
  upNext: 'ready' | 'leasing' | 'none';
  busy?: 'submitting' | 'skipping';
  /** Why loading failed (status `error`). */
  error?: Error;
  /** The last submit or skip that failed; the answer is kept for a retry. */
  problem?: LeaseQueueProblem;
  /** Something the annotator should know (a lease was lost or renewed). */
  notice?: string;
  /** Answers and skips sent from this page since it opened. */
  done: number;
  skipped: number;
  /** Sends the answer for the current item; true once it is stored. */
  submit(answer: Record<string, unknown>): Promise<boolean>;
  /** Skips the current item with a reason. */
  skip(reason: string): Promise<void>;
  /** Tries again after a loading error. */
  reload(): void;
  dismissNotice(): void;
}

export interface LeaseQueueOptions {
  /** How often held leases are checked for a heartbeat (default 5 s). */
  checkIntervalMs?: number;
}

/**
 * A lease (or a QA claim) is extended once half of its time to live has
 * passed.
 */
export function heartbeatDue(
  held: Pick<HeldLease, 'renewedAt' | 'ttlMs'>,
  now: number,
): boolean {
  return now - held.renewedAt >= held.ttlMs / 2;
}

export function isExpired(held: HeldLease, now: number): boolean {
  return Date.parse(held.lease.expiresAt) <= now;
}

function hold(lease: WorkLease, now = Date.now()): HeldLease {
  return {
    lease,
    renewedAt: now,
    ttlMs: Math.max(Date.parse(lease.expiresAt) - now, 1_000),
  };
}

/** Stable JSON of an answer, to tell a retry from a changed answer. */
function answerFingerprint(answer: Record<string, unknown>): string {
  return JSON.stringify(
    Object.keys(answer)
      .sort()
      .map(k => [k, answer[k]]),
  );
}

interface Machine {
  current?: HeldLease;
  shownAt: number;
  next?: HeldLease;
  nextPending?: Promise<void>;
  /** The last prefetch found nothing else to lease. */
  nothingNext?: boolean;
  /** The idempotency key of the current answer, reused by its retries. */
  attempt?: { itemId: string; fingerprint: string; key: string };
  status: LeaseQueue['status'];
  busy?: LeaseQueue['busy'];
  error?: Error;
  problem?: LeaseQueueProblem;
  notice?: string;
  done: number;
  skipped: number;
  mounted: boolean;
  /** A heartbeat round is in flight. */
  beating?: boolean;
  /**
   * The API base URL and the user's token, fetched ahead of time: a page
   * being closed cannot wait for promises, so its release goes out at once.
   */
  unload?: { baseUrl: string; token?: string };
  /** `pagehide` gave the held leases back. */
  released?: boolean;
}

/** The lease state machine of the labeling workspace. */
export function useLeaseQueue(
  projectId: string,
  options: LeaseQueueOptions = {},
): LeaseQueue {
  const api: AnnotationApi = useApi(annotationApiRef);
  const [, render] = useReducer((n: number) => n + 1, 0);
  const ref = useRef<Machine>({
    status: 'loading',
    shownAt: Date.now(),
    done: 0,
    skipped: 0,
    mounted: true,
  });
  const m = ref.current;

  const update = useCallback(
    (change: Partial<Machine>) => {
      Object.assign(ref.current, change);
      if (ref.current.mounted) {
        render();
      }
    },
    [ref],
  );

  /** Leases the item after the current one, unless one is held or coming. */
  const prefetch = useCallback(() => {
    const s = ref.current;
    if (!s.current || s.next || s.nextPending) {
      return;
    }
    const exclude = [s.current.lease.token];
    s.nextPending = api
      .next(projectId, exclude)
      .then(
        lease => {
          update(lease ? { next: hold(lease) } : { nothingNext: true });
        },
        () => {
          // not fatal: the next item is asked for again when it is needed
        },
      )
      .finally(() => {
        ref.current.nextPending = undefined;
      });
  }, [api, projectId, ref, update]);

  /** Shows `held` (or the end of the queue) and leases the one after it. */
  const show = useCallback(
    (held: HeldLease | undefined) => {
      if (!held) {
        update({ current: undefined, status: 'empty', busy: undefined });
        return;
      }
      const sameItem =
        ref.current.current?.lease.item.id === held.lease.item.id;
      update({
        current: held,
        status: 'ready',
        busy: undefined,
        nothingNext: false,
        ...(sameItem ? {} : { shownAt: Date.now(), problem: undefined }),
      });
      prefetch();
    },
    [prefetch, ref, update],
  );

  /** Moves on to the prefetched item, or asks for one. */
  const advance = useCallback(async () => {
    const s = ref.current;
    s.current = undefined;
    s.attempt = undefined;
    if (!s.next && s.nextPending) {
      await s.nextPending;
    }
    let held = s.next;
    s.next = undefined;
    if (held && isExpired(held, Date.now())) {
      held = undefined; // its slot went back to the pool; ask again
    }
    if (!held) {
      const lease = await api.next(projectId);
      held = lease && hold(lease);
    }
    show(held);
  }, [api, projectId, ref, show]);

  const load = useCallback(async () => {
    update({ status: 'loading', error: undefined });
    try {
      await advance();
    } catch (error) {
      update({ status: 'error', error: error as Error, busy: undefined });
    }
  }, [advance, update]);

  /**
   * The current lease is gone: ask for a fresh one, keeping the prefetched
   * item aside. Usually the same item comes back (it went back to the pool
   * and the ordering still puts it first), and the annotator's answer with
   * it; else the page moves on and says so.
   */
  const recover = useCallback(
    async (lost: HeldLease): Promise<HeldLease | undefined> => {
      const s = ref.current;
      const exclude = s.next ? [s.next.lease.token] : undefined;
      const lease = await api.next(projectId, exclude);
      const held = lease && hold(lease);
      if (held?.lease.item.id === lost.lease.item.id) {
        show(held);
        return held;
      }
      update({
        notice: `Your lease on item ${lost.lease.item.externalId} expired and the item is no longer available to you; your answer to it was not saved.`,
      });
      // the prefetched item was next anyway; the new lease waits behind it
      const prefetched = s.next;
      if (prefetched && held) {
        update({ next: held });
        show(prefetched);
        return prefetched;
      }
      show(held);
      return held;
    },
    [api, projectId, ref, show, update],
  );

  const submit = useCallback(
    async (answer: Record<string, unknown>): Promise<boolean> => {
      const s = ref.current;
      const held = s.current;
      if (!held || s.busy) {
        return false;
      }
      const itemId = held.lease.item.id;
      const fingerprint = answerFingerprint(answer);
      if (
        !s.attempt ||
        s.attempt.itemId !== itemId ||
        s.attempt.fingerprint !== fingerprint
      ) {
        s.attempt = { itemId, fingerprint, key: newIdempotencyKey() };
      }
      const idempotencyKey = s.attempt.key;
      const send = (token: string) =>
        api.submit(projectId, itemId, {
          token,
          answer,
          idempotencyKey,
          timeSpentMs: Math.max(0, Date.now() - s.shownAt),
        });
      update({ busy: 'submitting', problem: undefined });
      try {
        try {
          await send(held.lease.token);
        } catch (error) {
          if (!isLeaseLost(error)) {
            throw error;
          }
          const fresh = await recover(held);
          if (fresh?.lease.item.id !== itemId) {
            return false;
          }
          update({ busy: 'submitting' });
          // same item, same answer, same key: a replay cannot double-count
          await send(fresh.lease.token);
          update({
            notice:
              'Your lease had expired; Chorus leased the item to you again and saved your answer.',
          });
        }
      } catch (error) {
        update({
          busy: undefined,
          problem: describeProblem(error, 'Your answer was not saved'),
        });
        return false;
      }
      ref.current.done += 1;
      try {
        await advance();
      } catch (error) {
        update({ status: 'error', error: error as Error, busy: undefined });
      }
      return true;
    },
    [advance, api, projectId, recover, ref, update],
  );

  const skip = useCallback(
    async (reason: string) => {
      const s = ref.current;
      const held = s.current;
      if (!held || s.busy) {
        return;
      }
      update({ busy: 'skipping', problem: undefined });
      try {
        await api.skip(projectId, held.lease.token, reason);
        ref.current.skipped += 1;
      } catch (error) {
        if (!isLeaseLost(error)) {
          update({
            busy: undefined,
            problem: describeProblem(error, 'The item was not skipped'),
          });
          return;
        }
        // the item already went back to the pool: moving on is the skip
      }
      try {
        await advance();
      } catch (error) {
        update({ status: 'error', error: error as Error, busy: undefined });
      }
    },
    [advance, api, projectId, ref, update],
  );

  /** Extends every held lease that is due, while the page is visible. */
  const beat = useCallback(async () => {
    const s = ref.current;
    if (document.hidden || s.beating) {
      return;
    }
    s.beating = true;
    try {
      for (const which of ['current', 'next'] as const) {
        const held = ref.current[which];
        if (held && heartbeatDue(held, Date.now())) {
          await extend(which, held);
        }
      }
    } finally {
      s.beating = false;
    }

    async function extend(which: 'current' | 'next', held: HeldLease) {
      try {
        const { expiresAt } = await api.heartbeat(projectId, held.lease.token);
        if (ref.current[which] === held) {
          const renewed: HeldLease = {
            ...held,
            lease: { ...held.lease, expiresAt },
            renewedAt: Date.now(),
          };
          update(
            which === 'current' ? { current: renewed } : { next: renewed },
          );
        }
      } catch (error) {
        if (!isLeaseLost(error) || ref.current[which] !== held) {
          return; // network trouble: the next check tries again
        }
        if (which === 'next') {
          update({ next: undefined });
          prefetch();
        } else if (!ref.current.busy) {
          try {
            await recover(held);
          } catch (e) {
            update({ status: 'error', error: e as Error });
          }
        }
      }
    }
  }, [api, prefetch, projectId, recover, ref, update]);

  // a ref: the holder need not be stable, and the lease effects must not
  // re-run (their cleanup releases the leases) when it changes
  const apis = useRef(useApiHolder());
  /** Keeps the base URL and a fresh token ready for `pagehide`. */
  const prepareUnload = useCallback(async () => {
    try {
      // inside the try: an app without these APIs throws when asked
      const discovery = apis.current.get(discoveryApiRef);
      if (!discovery) {
        return;
      }
      const [baseUrl, credentials] = await Promise.all([
        discovery.getBaseUrl('annotation'),
        apis.current.get(identityApiRef)?.getCredentials(),
      ]);
      ref.current.unload = { baseUrl, token: credentials?.token };
    } catch {
      // the unmount release still works; the TTL covers the rest
    }
  }, [ref]);

  useEffect(() => {
    const s = ref.current;
    /*
     * Closing the tab unmounts nothing, so the held leases would wait for
     * their TTL. A keepalive fetch outlives the page; it is sent directly,
     * with the token fetched beforehand, because fetchApi awaits the token.
     */
    const onPageHide = () => {
      const held = [s.current, s.next].filter(
        (h): h is HeldLease => h !== undefined,
      );
      if (!s.unload || !held.length) {
        return;
      }
      const { baseUrl, token } = s.unload;
      for (const h of held) {
        fetch(`${baseUrl}${leasePath(projectId, h.lease.token)}`, {
          method: 'DELETE',
          keepalive: true,
          headers: token ? { Authorization: `Bearer ${token}` } : {},
        }).catch(() => {});
      }
      // given back: not again on unmount; a page restored from the
      // back-forward cache leases afresh (pageshow)
      s.current = undefined;
      s.next = undefined;
      s.released = true;
    };
    const onPageShow = (event: PageTransitionEvent) => {
      if (event.persisted && s.released) {
        s.released = false;
        load();
      }
    };
    window.addEventListener('pagehide', onPageHide);
    window.addEventListener('pageshow', onPageShow);
    return () => {
      window.removeEventListener('pagehide', onPageHide);
      window.removeEventListener('pageshow', onPageShow);
    };
  }, [load, projectId, ref]);

  useEffect(() => {
    const s = ref.current; // one object for the hook's life
    s.mounted = true;
    load();
    return () => {
      s.mounted = false;
      // leaving the page gives the held items back to the pool
      for (const held of [s.current, s.next]) {
        if (held) {
          api.release(projectId, held.lease.token).catch(() => {});
        }
      }
    };
  }, [api, load, projectId, ref]);

  const checkIntervalMs = options.checkIntervalMs ?? 5_000;
  useEffect(() => {
    prepareUnload();
    const timer = setInterval(() => {
      beat();
      // identity caches the token and refreshes it before it expires
      prepareUnload();
    }, checkIntervalMs);
    const onVisible = () => {
      if (!document.hidden) {
        beat();
      }
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [beat, checkIntervalMs, prepareUnload]);

  return {
    status: m.status,
    current: m.current?.lease,
    upNext: upNextOf(m),
    busy: m.busy,
    error: m.error,
    problem: m.problem,
    notice: m.notice,
    done: m.done,
    skipped: m.skipped,
    submit,
    skip,
    reload: load,
    dismissNotice: () => update({ notice: undefined }),
  };
}

function upNextOf(m: Machine): LeaseQueue['upNext'] {
  if (m.next) {
    return 'ready';
  }
  return m.nothingNext ? 'none' : 'leasing';
}

function describeProblem(error: unknown, what: string): LeaseQueueProblem {
  const status = statusOf(error);
  if (status === undefined || status >= 500) {
    return {
      kind: 'network',
      message: `${what}: Chorus could not be reached (${reasonOf(
        error,
      )}). Nothing was lost; try again.`,
    };
  }
  return { kind: 'rejected', message: `${what}: ${reasonOf(error)}` };
}
