import { useRouteRef } from '@backstage/core-plugin-api';
import {
  labelingRouteRef,
  newProjectRouteRef,
  projectRouteRef,
  rootRouteRef,
} from '../routes';

/** Links between the Chorus pages, from the route refs (both systems). */
export function useChorusLinks() {
  const home = useRouteRef(rootRouteRef);
  const project = useRouteRef(projectRouteRef);
  const labeling = useRouteRef(labelingRouteRef);
  const newProject = useRouteRef(newProjectRouteRef);
  return {
    home: () => home(),
    project: (projectId: string) => project({ projectId }),
    labeling: (projectId: string) => labeling({ projectId }),
    newProject: () => newProject(),
  };
}
