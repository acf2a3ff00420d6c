export { LabelingWorkspace } from './LabelingWorkspace';
