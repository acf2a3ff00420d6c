import { useApi } from '@backstage/core-plugin-api';
import { LlmEvaluationReport } from '@chorus/plugin-annotation-common';
import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { annotationApiRef } from '../../api';

/**
 * A version's evaluation at a target precision, asked again when a job of
 * the annotator ends (`jobsEnded` counts them); the last one stays shown
 * while the next loads.
 */
export function useEvaluation(options: {
  projectId: string;
  annotatorId: string;
  version: number;
  targetPrecision: number;
  jobsEnded: number;
  /** False: nothing to ask (yet). */
  enabled?: boolean;
}) {
  const { projectId, annotatorId, version, targetPrecision, jobsEnded } =
    options;
  const enabled = options.enabled ?? true;
  const api = useApi(annotationApiRef);
  const state = useAsync(
    async () =>
      enabled
        ? api.evaluateLlmAnnotator(projectId, annotatorId, {
            version,
            targetPrecision,
          })
        : undefined,
    [api, projectId, annotatorId, version, targetPrecision, jobsEnded, enabled],
  );
  const [shown, setShown] = useState<LlmEvaluationReport>();
  if (state.value && state.value !== shown) {
    setShown(state.value);
  }
  return {
    // another version's figures are not this one's
    report: shown?.version === version ? shown : undefined,
    loading: state.loading,
    error: state.error,
  };
}
