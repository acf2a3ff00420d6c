import { useRouteRef } from '@backstage/core-plugin-api';
import {
  labelingRouteRef,
  newProjectRouteRef,
  projectRouteRef,
  qualityRouteRef,
  rootRouteRef,
} from '../routes';

/** Links between the Chorus pages, from the route refs (both systems). */
export function useChorusLinks() {
  const home = useRouteRef(rootRouteRef);
  const project = useRouteRef(projectRouteRef);
  const labeling = useRouteRef(labelingRouteRef);
  const newProject = useRouteRef(newProjectRouteRef);
  const quality = useRouteRef(qualityRouteRef);
  return {
    home: () => home(),
    project: (projectId: string) => project({ projectId }),
    labeling: (projectId: string) => labeling({ projectId }),
    newProject: () => newProject(),
    quality: (projectId: string) => quality({ projectId }),
    /** The QA queue of a project (its page lives below the project's). */
    qa: (projectId: string) => `${project({ projectId })}/qa`,
  };
}
