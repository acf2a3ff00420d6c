/*
 * Relation types of the annotation lineage. Ownership uses the standard
 * `ownedBy`/`ownerOf`; dataset → model uses the standard `dependencyOf`/
 * `dependsOn` (a model depends on the data it is trained and evaluated on, and
 * the stock catalogue cards already show it). Project → dataset and project →
 * model have no standard equivalent, so they get their own names: reusing
 * `dependsOn` there would invert the direction of lineage.
 */

/** Project → dataset: the project writes the dataset's labels. */
export const RELATION_PRODUCES = 'produces';
/** Dataset → project: the inverse of {@link RELATION_PRODUCES}. */
export const RELATION_PRODUCED_BY = 'producedBy';
/** Project → model: the project's labels are for this model. */
export const RELATION_LABELS_FOR = 'labelsFor';
/** Model → project: the inverse of {@link RELATION_LABELS_FOR}. */
export const RELATION_LABELED_BY = 'labeledBy';

/** Pairs for the catalogue graph (`relationPairs`). */
export const ANNOTATION_RELATION_PAIRS: [string, string][] = [
  [RELATION_PRODUCES, RELATION_PRODUCED_BY],
  [RELATION_LABELS_FOR, RELATION_LABELED_BY],
];
