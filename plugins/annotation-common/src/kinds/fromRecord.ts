import type { AnnotationProjectRecord } from '../api';
import {
  ANNOTATION_PROJECT_KIND,
  AnnotationProjectEntityV1alpha1,
  CHORUS_API_VERSION,
} from './AnnotationProject';

/** Annotation naming the Chorus project id behind a catalogue entity. */
export const ANNOTATION_PROJECT_ID_ANNOTATION = 'chorus/project-id';

/** The record fields that make up a catalogue entity. */
export type AnnotationProjectEntityFields = Pick<
  AnnotationProjectRecord,
  | 'name'
  | 'namespace'
  | 'title'
  | 'description'
  | 'owner'
  | 'lifecycle'
  | 'model'
  | 'dataset'
  | 'workforce'
  | 'taskType'
  | 'questions'
  | 'status'
> & { id?: string };

/**
 * The catalogue entity of a project stored in the Chorus database.
 * `location` becomes the managed-by annotations.
 */
export function annotationProjectRecordToEntity(
  record: AnnotationProjectEntityFields,
  location?: string,
): AnnotationProjectEntityV1alpha1 {
  const annotations: Record<string, string> = {};
  if (record.id) {
    annotations[ANNOTATION_PROJECT_ID_ANNOTATION] = record.id;
  }
  if (location) {
    annotations['backstage.io/managed-by-location'] = location;
    annotations['backstage.io/managed-by-origin-location'] = location;
  }
  return {
    apiVersion: CHORUS_API_VERSION,
    kind: ANNOTATION_PROJECT_KIND,
    metadata: {
      name: record.name,
      namespace: record.namespace,
      title: record.title,
      ...(record.description ? { description: record.description } : {}),
      annotations,
    },
    spec: {
      owner: record.owner,
      lifecycle: record.lifecycle,
      model: record.model,
      dataset: record.dataset,
      workforce: record.workforce,
      taskType: record.taskType,
      ...(record.questions.length ? { questions: record.questions } : {}),
      status: record.status,
    },
  };
}
