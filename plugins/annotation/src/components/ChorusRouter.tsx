import { ErrorPage } from '@backstage/core-components';
import { ReactRouterV6PageRouter } from '@backstage/frontend-adapter-react-router-v6';
import { Route, Routes, useParams } from 'react-router-dom';
import { EscalationQueuePage } from './EscalationQueue';
import { LabelingWorkspace } from './LabelingWorkspace';
import { LlmAnnotatorsPage } from './LlmAnnotators';
import { MyQueuesPage } from './MyQueuesPage';
import { NewProjectPage } from './NewProjectPage';
import { ProjectOverviewPage } from './ProjectOverviewPage';
import { QualityDashboardPage } from './QualityDashboard';

function ProjectOverviewRoute() {
  const { projectId = '' } = useParams();
  return <ProjectOverviewPage key={projectId} projectId={projectId} />;
}

function LabelingRoute() {
  const { projectId = '' } = useParams();
  return <LabelingWorkspace key={projectId} projectId={projectId} />;
}

function QualityRoute() {
  const { projectId = '' } = useParams();
  return <QualityDashboardPage key={projectId} projectId={projectId} />;
}

function QaRoute() {
  const { projectId = '' } = useParams();
  return <EscalationQueuePage key={projectId} projectId={projectId} />;
}

function LlmRoute() {
  const { projectId = '' } = useParams();
  return <LlmAnnotatorsPage key={projectId} projectId={projectId} />;
}

/**
 * The Chorus pages below the plugin's root route, in both frontend systems
 * (the paths match `projectRouteRef`, `newProjectRouteRef`,
 * `labelingRouteRef`, `qualityRouteRef`, `qaRouteRef` and `llmRouteRef`). The adapter
 * gives the routes their React Router context in the new frontend system
 * and passes through in the legacy one.
 */
export function ChorusRouter() {
  return (
    <ReactRouterV6PageRouter>
      <Routes>
        <Route path="/" element={<MyQueuesPage />} />
        <Route path="/projects/new" element={<NewProjectPage />} />
        <Route path="/projects/:projectId" element={<ProjectOverviewRoute />} />
        <Route path="/projects/:projectId/label" element={<LabelingRoute />} />
        <Route path="/projects/:projectId/quality" element={<QualityRoute />} />
        <Route path="/projects/:projectId/qa" element={<QaRoute />} />
        <Route path="/projects/:projectId/llm" element={<LlmRoute />} />
        <Route
          path="*"
          element={
            <ErrorPage status="404" statusMessage="No such Chorus page" />
          }
        />
      </Routes>
    </ReactRouterV6PageRouter>
  );
}
