export { AnnotationProjectOverviewCard } from './AnnotationProjectOverviewCard';
export { ModelAnnotationCard } from './ModelAnnotationCard';
export { DatasetLineageCard } from './DatasetLineageCard';
export { ChorusRouter } from './ChorusRouter';
export { MyQueuesPage } from './MyQueuesPage';
export { LabelingWorkspace } from './LabelingWorkspace';
export { ProjectOverviewPage } from './ProjectOverviewPage';
export { NewProjectPage } from './NewProjectPage';
