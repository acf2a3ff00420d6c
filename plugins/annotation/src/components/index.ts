export { AnnotationProjectOverviewCard } from './AnnotationProjectOverviewCard';
export { ModelAnnotationCard } from './ModelAnnotationCard';
export { DatasetLineageCard } from './DatasetLineageCard';
