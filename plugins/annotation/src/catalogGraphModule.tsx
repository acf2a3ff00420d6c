import {
  ApiBlueprint,
  createFrontendModule,
} from '@backstage/frontend-plugin-api';
import {
  ALL_RELATION_PAIRS,
  ALL_RELATIONS,
  catalogGraphApiRef,
  DefaultCatalogGraphApi,
} from '@backstage/plugin-catalog-graph';
import { ANNOTATION_RELATION_PAIRS } from '@chorus/plugin-annotation-common';

/** The catalogue graph API, knowing Chorus's relations besides the standard ones. */
export function lineageCatalogGraphApi() {
  return new DefaultCatalogGraphApi({
    knownRelations: [...ALL_RELATIONS, ...ANNOTATION_RELATION_PAIRS.flat()],
    knownRelationPairs: [...ALL_RELATION_PAIRS, ...ANNOTATION_RELATION_PAIRS],
    // required in practice: the constructor reads it unconditionally
    defaultRelationTypes: { exclude: [] },
  });
}

/**
 * Teaches the catalogue graph Chorus's lineage relations (produces /
 * producedBy, labelsFor / labeledBy), so the graph card and page draw and
 * pair them like the standard ones.
 */
export const catalogGraphLineageModule = createFrontendModule({
  pluginId: 'catalog-graph',
  extensions: [
    ApiBlueprint.make({
      params: defineParams =>
        defineParams({
          api: catalogGraphApiRef,
          deps: {},
          factory: lineageCatalogGraphApi,
        }),
    }),
  ],
});
