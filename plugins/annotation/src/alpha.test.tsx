import { Entity } from '@backstage/catalog-model';
import {
  coreExtensionData,
  ExtensionDefinition,
  ExtensionDefinitionParameters,
} from '@backstage/frontend-plugin-api';
import {
  createExtensionTester,
  renderInTestApp,
  renderTestApp,
} from '@backstage/frontend-test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import {
  catalogApiMock,
  createTestEntityPage,
} from '@backstage/plugin-catalog-react/testUtils';
import { signalApiRef } from '@backstage/plugin-signals-react';
import { screen, within } from '@testing-library/react';
import annotationPlugin, {
  annotationApiRef,
  annotationProjectOverviewCard,
  datasetLineageCard,
  modelAnnotationCard,
} from './alpha';
import {
  catalogEntities,
  datasetEntity,
  lonelyDatasetEntity,
  lonelyModelEntity,
  modelEntity,
  pipelineEntity,
  projectEntity,
  rereviewEntity,
} from './__testUtils__/entities';
import {
  describeChorusPages,
  RenderChorusAt,
} from './__testUtils__/chorusPageSuite';
import { describeQaPages } from './__testUtils__/qaPageSuite';
import { describeLlmPages } from './__testUtils__/llmPageSuite';
import { fakeAnnotationApi } from './__testUtils__/fakeAnnotationApi';
import { AnnotationApi } from './api';

const catalogApi = () => catalogApiMock({ entities: catalogEntities });

/** Renders an entity-card extension, as an entity page would, for `entity`. */
function renderCardExtension<T extends ExtensionDefinitionParameters>(
  extension: ExtensionDefinition<T>,
  entity: Entity,
  annotationApi?: AnnotationApi,
) {
  const tester = createExtensionTester(extension);
  return renderInTestApp(
    <EntityProvider entity={entity}>{tester.reactElement()}</EntityProvider>,
    {
      apis: [
        catalogApi(),
        [annotationApiRef, annotationApi ?? fakeAnnotationApi().api],
      ],
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
    },
  );
}

/** The entity filter function an entity-card extension outputs. */
function filterOf(tester: {
  get(
    ref: typeof EntityCardBlueprint.dataRefs.filterFunction,
  ): ((entity: Entity) => boolean) | undefined;
}): (entity: Entity) => boolean {
  const filter = tester.get(EntityCardBlueprint.dataRefs.filterFunction);
  if (typeof filter !== 'function') {
    throw new Error('The extension outputs no entity filter function');
  }
  return filter;
}

function linkTexts(section: HTMLElement): string[] {
  return within(section)
    .queryAllByRole('link')
    .map(a => a.textContent ?? '');
}

/** A Resource that looks like a project but is of another kind. */
const unrelatedResource: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: { name: 'podcast-policy-review' },
  spec: { type: 'database', owner: 'group:cu-ml-engineering' },
};
/** The right kind name with the wrong apiVersion. */
const foreignProject: Entity = {
  ...projectEntity,
  apiVersion: 'backstage.io/v1alpha1',
};

describe('annotation plugin (new frontend system)', () => {
  it('is the annotation plugin and holds the three cards', () => {
    expect(annotationPlugin.pluginId).toBe('annotation');
    expect(
      annotationPlugin.getExtension('entity-card:annotation/project-overview'),
    ).toBeDefined();
    expect(
      annotationPlugin.getExtension('entity-card:annotation/model-lineage'),
    ).toBeDefined();
    expect(
      annotationPlugin.getExtension('entity-card:annotation/dataset-lineage'),
    ).toBeDefined();
  });

  describe('annotationProjectOverviewCard', () => {
    it('renders the project overview with workforce member counts', async () => {
      renderCardExtension(annotationProjectOverviewCard, projectEntity);

      expect(await screen.findByText('Annotation project')).toBeInTheDocument();
      expect(screen.getByText('active')).toBeInTheDocument();
      expect(screen.getByText('production')).toBeInTheDocument();
      expect(
        screen.getByRole('link', { name: 'podcast-policy-violation' }),
      ).toHaveAttribute(
        'href',
        '/catalog/default/resource/podcast-policy-violation',
      );
      expect(
        screen.getByRole('link', { name: 'podcast-policy-labels' }),
      ).toHaveAttribute(
        'href',
        '/catalog/default/resource/podcast-policy-labels',
      );
      expect(
        screen.getByText(/Which policy does the episode break, if any\?/),
      ).toBeInTheDocument();
      expect(await screen.findByText('3 members')).toBeInTheDocument();
      expect(screen.getByText('1 member')).toBeInTheDocument();
      expect(screen.getByText('0 members')).toBeInTheDocument();
      expect(screen.getByText('(not in catalogue)')).toBeInTheDocument();
    });

    it('shows completion and agreement from the quality metrics', async () => {
      renderCardExtension(
        annotationProjectOverviewCard,
        projectEntity,
        fakeAnnotationApi().api,
      );
      expect(
        await screen.findByText('20% of items complete (8 of 40)'),
      ).toBeInTheDocument();
      expect(
        screen.getByText(
          /Does the track belong on the artist page\?: Krippendorff's alpha \(nominal\) 0.66 · substantial/,
        ),
      ).toBeInTheDocument();
    });

    it('accepts only AnnotationProject entities', () => {
      const filter = filterOf(
        createExtensionTester(annotationProjectOverviewCard),
      );
      expect(filter(projectEntity)).toBe(true);
      expect(filter(rereviewEntity)).toBe(true);
      expect(filter(unrelatedResource)).toBe(false);
      expect(filter(modelEntity)).toBe(false);
      expect(filter(datasetEntity)).toBe(false);
      expect(filter(foreignProject)).toBe(false);
    });
  });

  describe('modelAnnotationCard', () => {
    it('renders the projects and the datasets of a model', async () => {
      renderCardExtension(modelAnnotationCard, modelEntity);

      const projects = await screen.findByRole('region', {
        name: 'Annotation projects',
      });
      await within(projects).findByRole('link', {
        name: 'Podcast policy re-review',
      });
      expect(linkTexts(projects)).toEqual([
        'Podcast policy review',
        'Podcast policy re-review',
      ]);
      const datasets = screen.getByRole('region', { name: 'Datasets' });
      await within(datasets).findByRole('link', {
        name: 'Podcast policy labels',
      });
      expect(linkTexts(datasets)).toEqual(['Podcast policy labels']);
    });

    it('renders the empty states', async () => {
      renderCardExtension(modelAnnotationCard, lonelyModelEntity);
      expect(
        await screen.findByText('No annotation project labels for this model.'),
      ).toBeInTheDocument();
      expect(
        screen.getByText('No dataset feeds this model.'),
      ).toBeInTheDocument();
    });

    it('accepts only ai-model resources', () => {
      const filter = filterOf(createExtensionTester(modelAnnotationCard));
      expect(filter(modelEntity)).toBe(true);
      expect(filter(lonelyModelEntity)).toBe(true);
      expect(filter(datasetEntity)).toBe(false);
      expect(filter(unrelatedResource)).toBe(false);
      expect(filter(projectEntity)).toBe(false);
      // spec.type ai-model on another kind is not a model
      expect(
        filter({ ...pipelineEntity, spec: { type: 'ai-model' } } as Entity),
      ).toBe(false);
    });
  });

  describe('datasetLineageCard', () => {
    it('renders the producing project and the consuming models', async () => {
      renderCardExtension(datasetLineageCard, datasetEntity);

      const producers = await screen.findByRole('region', {
        name: 'Produced by',
      });
      await within(producers).findByRole('link', {
        name: 'Podcast policy review',
      });
      expect(linkTexts(producers)).toEqual(['Podcast policy review']);
      const consumers = screen.getByRole('region', { name: 'Used by models' });
      await within(consumers).findByRole('link', {
        name: 'Podcast policy-violation model',
      });
      expect(linkTexts(consumers)).toEqual(['Podcast policy-violation model']);
    });

    it('renders the empty states', async () => {
      renderCardExtension(datasetLineageCard, lonelyDatasetEntity);
      expect(
        await screen.findByText('No annotation project produces this dataset.'),
      ).toBeInTheDocument();
      expect(
        screen.getByText('No model uses this dataset.'),
      ).toBeInTheDocument();
    });

    it('accepts only dataset resources', () => {
      const filter = filterOf(createExtensionTester(datasetLineageCard));
      expect(filter(datasetEntity)).toBe(true);
      expect(filter(lonelyDatasetEntity)).toBe(true);
      expect(filter(modelEntity)).toBe(false);
      expect(filter(unrelatedResource)).toBe(false);
      expect(filter(projectEntity)).toBe(false);
    });
  });

  describe('on an entity page', () => {
    const renderEntityPage = (entity: Entity) =>
      renderTestApp({
        features: [annotationPlugin],
        extensions: [createTestEntityPage({ entity })],
        apis: [catalogApi()],
      });

    it('shows only the overview card on a project page', async () => {
      renderEntityPage(projectEntity);
      expect(await screen.findByText('Annotation project')).toBeInTheDocument();
      expect(await screen.findByText('3 members')).toBeInTheDocument();
      // the card links to the project's Chorus pages
      expect(
        screen.getByRole('link', { name: /Progress and labeling in Chorus/ }),
      ).toHaveAttribute(
        'href',
        '/chorus/projects/c0ffee00-0000-4000-8000-000000000001',
      );
      expect(screen.queryByText('Training data lineage')).toBeNull();
      expect(screen.queryByText('Dataset lineage')).toBeNull();
    });

    it('shows only the model card on a model page', async () => {
      renderEntityPage(modelEntity);
      expect(
        await screen.findByText('Training data lineage'),
      ).toBeInTheDocument();
      expect(screen.queryByText('Annotation project')).toBeNull();
      expect(screen.queryByText('Dataset lineage')).toBeNull();
    });

    it('shows only the dataset card on a dataset page', async () => {
      renderEntityPage(datasetEntity);
      expect(await screen.findByText('Dataset lineage')).toBeInTheDocument();
      expect(screen.queryByText('Annotation project')).toBeNull();
      expect(screen.queryByText('Training data lineage')).toBeNull();
    });

    it('shows none of the cards on another resource', async () => {
      renderEntityPage(unrelatedResource);
      expect(
        await screen.findByTestId('empty-entity-page'),
      ).toBeInTheDocument();
    });
  });
});

describe('Chorus pages (new frontend system)', () => {
  it('holds the API, and the page at /chorus that makes the "Chorus" nav item', () => {
    expect(annotationPlugin.getExtension('api:annotation')).toBeDefined();
    const page = createExtensionTester(
      annotationPlugin.getExtension('page:annotation'),
    );
    expect(page.get(coreExtensionData.routePath)).toBe('/chorus');
    expect(page.get(coreExtensionData.title)).toBe('Chorus');
    expect(page.get(coreExtensionData.icon)).toBeDefined();
  });

  const renderChorus: RenderChorusAt = (path, apis) =>
    renderTestApp({
      features: [annotationPlugin],
      apis: [
        [annotationApiRef, apis.annotation],
        [signalApiRef, apis.signals],
      ],
      initialRouteEntries: [path],
    });
  describeChorusPages(renderChorus);
  describeQaPages(renderChorus);
  describeLlmPages(renderChorus);
});
