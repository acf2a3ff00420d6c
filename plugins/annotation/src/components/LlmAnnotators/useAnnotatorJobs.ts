import { useApi } from '@backstage/core-plugin-api';
import {
  LlmJobInfo,
  LlmJobProgressInfo,
} from '@chorus/plugin-annotation-common';
import { useCallback, useEffect, useRef, useState } from 'react';
import { annotationApiRef } from '../../api';

/** How often the page asks while a job runs. */
export const JOB_POLL_MS = 1000;
/** The newest jobs of an annotator the page shows. */
const SHOWN_JOBS = 10;

export interface JobView {
  job: LlmJobInfo;
  /** Failures by reason, latency percentiles, in flight. */
  progress?: LlmJobProgressInfo;
}

const ended = (status: LlmJobInfo['status']) =>
  status === 'completed' || status === 'cancelled';

/**
 * An annotator's newest jobs with their progress, asked again every
 * `JOB_POLL_MS` while one runs (a finished job's progress is asked once).
 * `onEnded` runs when a job seen running or paused has ended; `reload`
 * asks at once (after a start, pause, resume or cancel).
 */
export function useAnnotatorJobs(
  projectId: string,
  annotatorId: string,
  onEnded: () => void,
) {
  const api = useApi(annotationApiRef);
  const [state, setState] = useState<{ jobs?: JobView[]; error?: unknown }>({});
  const [reloads, setReloads] = useState(0);
  const reload = useCallback(() => setReloads(n => n + 1), []);
  // across reloads: what is known, to ask only what changed
  const progress = useRef(new Map<string, LlmJobProgressInfo>());
  const statuses = useRef(new Map<string, LlmJobInfo['status']>());
  const anyRunning = useRef(false);
  const onEndedRef = useRef(onEnded);
  onEndedRef.current = onEnded;

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const jobs = (await api.listLlmJobs(projectId))
          .filter(j => j.annotatorId === annotatorId)
          .slice(0, SHOWN_JOBS);
        await Promise.all(
          jobs.map(async j => {
            const known = progress.current.get(j.id);
            if (
              !known ||
              j.status === 'running' ||
              known.job.updatedAt !== j.updatedAt
            ) {
              progress.current.set(j.id, await api.getLlmJob(projectId, j.id));
            }
          }),
        );
        if (stopped) {
          return;
        }
        let anyEnded = false;
        for (const j of jobs) {
          const before = statuses.current.get(j.id);
          anyEnded ||= !!before && !ended(before) && ended(j.status);
          statuses.current.set(j.id, j.status);
        }
        anyRunning.current = jobs.some(j => j.status === 'running');
        setState({
          error: undefined,
          jobs: jobs.map(j => ({
            job: j,
            progress: progress.current.get(j.id),
          })),
        });
        if (anyEnded) {
          onEndedRef.current();
        }
      } catch (error) {
        if (stopped) {
          return;
        }
        // keep what is shown; ask again if something was running
        setState(s => ({ ...s, error }));
      }
      if (anyRunning.current && !stopped) {
        timer = setTimeout(load, JOB_POLL_MS);
      }
    };
    load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [api, projectId, annotatorId, reloads]);

  return { ...state, reload };
}
