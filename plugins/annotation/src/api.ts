import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/core-plugin-api';
import { AnnotationClient } from '@chorus/plugin-annotation-common';

/** The Chorus API as the pages use it (the public methods of the client). */
export type AnnotationApi = Pick<AnnotationClient, keyof AnnotationClient>;

/** The Chorus API, backed by `AnnotationClient` in both frontend systems. */
export const annotationApiRef = createApiRef<AnnotationApi>({
  id: 'plugin.annotation.client',
});

export function createAnnotationApi(deps: {
  discoveryApi: DiscoveryApi;
  fetchApi: FetchApi;
}): AnnotationApi {
  return new AnnotationClient(deps);
}
