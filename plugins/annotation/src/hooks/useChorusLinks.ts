import { useRouteRef } from '@backstage/core-plugin-api';
import {
  labelingRouteRef,
  llmRouteRef,
  newProjectRouteRef,
  projectRouteRef,
  qualityRouteRef,
  qaRouteRef,
  rootRouteRef,
} from '../routes';

/** Links between the Chorus pages, from the route refs (both systems). */
export function useChorusLinks() {
  const home = useRouteRef(rootRouteRef);
  const project = useRouteRef(projectRouteRef);
  const labeling = useRouteRef(labelingRouteRef);
  const newProject = useRouteRef(newProjectRouteRef);
  const quality = useRouteRef(qualityRouteRef);
  const qa = useRouteRef(qaRouteRef);
  const llm = useRouteRef(llmRouteRef);
  return {
    home: () => home(),
    project: (projectId: string) => project({ projectId }),
    labeling: (projectId: string) => labeling({ projectId }),
    newProject: () => newProject(),
    quality: (projectId: string) => quality({ projectId }),
    qa: (projectId: string) => qa({ projectId }),
    llm: (projectId: string) => llm({ projectId }),
  };
}
