import { useApi } from '@backstage/core-plugin-api';
import { useSignal } from '@backstage/plugin-signals-react';
import { ProjectProgress } from '@chorus/plugin-annotation-common';
import { useCallback, useEffect, useRef, useState } from 'react';
import { annotationApiRef } from '../api';
import { statusOf } from '../errors';

/**
 * What the backend publishes on `annotation:progress:<projectId>`: without
 * the gold count, which annotators (who get it too) must not learn.
 */
export type ProgressSignal = {
  projectId: string;
  items: Omit<ProjectProgress['items'], 'gold'>;
  annotations: number;
  skips: number;
};

export function progressChannel(projectId: string): string {
  return `annotation:progress:${projectId}`;
}

export interface ProjectProgressState {
  value?: ProjectProgress;
  error?: Error;
  loading: boolean;
  updatedAt?: Date;
  /** The signals plugin is installed: counts update without a refresh. */
  live: boolean;
  refresh(): void;
}

/**
 * A project's progress, kept current: a progress signal updates the
 * counts it carries at once and triggers a re-fetch of the full figures
 * (per annotator), at most once per `throttleMs`, however busy the project.
 */
export function useProjectProgress(
  projectId: string,
  throttleMs = 2_000,
): ProjectProgressState {
  const api = useApi(annotationApiRef);
  const [state, setState] = useState<
    Omit<ProjectProgressState, 'live' | 'refresh'>
  >({ loading: true });
  // the latest request wins; an object so the effect cleanup can hold it
  const sequence = useRef({ n: 0 });
  const lastFetch = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout>>();

  const fetchNow = useCallback(async () => {
    const mine = ++sequence.current.n;
    lastFetch.current = Date.now();
    setState(s => ({ ...s, loading: true }));
    try {
      const value = await api.progress(projectId);
      if (mine === sequence.current.n) {
        setState({ value, loading: false, updatedAt: new Date() });
      }
    } catch (error) {
      if (mine === sequence.current.n) {
        setState(s => ({ ...s, error: error as Error, loading: false }));
      }
    }
  }, [api, projectId]);

  const fetchThrottled = useCallback(() => {
    const wait = lastFetch.current + throttleMs - Date.now();
    if (wait <= 0) {
      fetchNow();
    } else if (!timer.current) {
      timer.current = setTimeout(() => {
        timer.current = undefined;
        fetchNow();
      }, wait);
    }
  }, [fetchNow, throttleMs]);

  useEffect(() => {
    const requests = sequence.current;
    const pending = timer;
    fetchNow();
    return () => {
      requests.n++; // late answers are dropped
      clearTimeout(pending.current);
      pending.current = undefined;
    };
  }, [fetchNow]);

  const { lastSignal, isSignalsAvailable } = useSignal<ProgressSignal>(
    progressChannel(projectId),
  );
  const forbidden = statusOf(state.error) === 403;
  useEffect(() => {
    if (!lastSignal || lastSignal.projectId !== projectId || forbidden) {
      return;
    }
    setState(s =>
      s.value
        ? {
            ...s,
            value: {
              ...s.value,
              items: { ...s.value.items, ...lastSignal.items },
              annotations: lastSignal.annotations,
              skips: lastSignal.skips,
            },
            updatedAt: new Date(),
          }
        : s,
    );
    fetchThrottled();
  }, [lastSignal]); // eslint-disable-line react-hooks/exhaustive-deps

  return { ...state, live: isSignalsAvailable, refresh: fetchNow };
}
