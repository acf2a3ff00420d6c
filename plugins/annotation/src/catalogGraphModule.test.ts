import { ALL_RELATIONS } from '@backstage/plugin-catalog-graph';
import { lineageCatalogGraphApi } from './catalogGraphModule';

describe('lineageCatalogGraphApi', () => {
  it('knows and pairs Chorus relations besides the standard ones', () => {
    const api = lineageCatalogGraphApi();
    expect(api.knownRelationPairs).toEqual(
      expect.arrayContaining([
        ['produces', 'producedBy'],
        ['labelsFor', 'labeledBy'],
        ['dependsOn', 'dependencyOf'],
      ]),
    );
    expect(api.knownRelations).toEqual(
      expect.arrayContaining([...ALL_RELATIONS, 'produces', 'labeledBy']),
    );
    // shown by default, like every known relation
    expect(api.defaultRelations).toEqual(api.knownRelations);
  });
});
