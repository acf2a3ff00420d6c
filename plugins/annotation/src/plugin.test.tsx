import { Entity } from '@backstage/catalog-model';
import {
  catalogApiRef,
  entityRouteRef,
  EntityProvider,
} from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { signalApiRef } from '@backstage/plugin-signals-react';
import { screen, within } from '@testing-library/react';
import { FlatRoutes } from '@backstage/core-app-api';
import { Route } from 'react-router-dom';
import {
  annotationApiRef,
  annotationPlugin,
  ChorusPage,
  EntityAnnotationProjectOverviewCard,
  EntityDatasetLineageCard,
  EntityModelAnnotationCard,
} from './index';
import {
  describeChorusPages,
  RenderChorusAt,
} from './__testUtils__/chorusPageSuite';
import { describeQaPages } from './__testUtils__/qaPageSuite';
import { describeLlmPages } from './__testUtils__/llmPageSuite';
import {
  fakeAnnotationApi,
  responseError,
} from './__testUtils__/fakeAnnotationApi';
import { AnnotationApi } from './api';
import { rootRouteRef } from './routes';
import { ANNOTATION_PROJECT_ID_ANNOTATION } from '@chorus/plugin-annotation-common';
import {
  catalogEntities,
  datasetEntity,
  lonelyDatasetEntity,
  lonelyModelEntity,
  modelEntity,
  projectEntity,
} from './__testUtils__/entities';

async function renderCard(
  Card: () => JSX.Element | null,
  entity: Entity,
  catalogApi = catalogApiMock({ entities: catalogEntities }),
  options: { chorusMounted?: boolean; annotationApi?: AnnotationApi } = {},
) {
  await renderInTestApp(
    <TestApiProvider
      apis={[
        [catalogApiRef, catalogApi],
        [annotationApiRef, options.annotationApi ?? fakeAnnotationApi().api],
      ]}
    >
      <EntityProvider entity={entity}>
        <Card />
      </EntityProvider>
    </TestApiProvider>,
    {
      mountedRoutes: {
        '/catalog/:namespace/:kind/:name': entityRouteRef,
        ...(options.chorusMounted ? { '/chorus': rootRouteRef } : {}),
      },
    },
  );
  return catalogApi;
}

/** The element of a card field, found by its label. */
function field(label: string): HTMLElement {
  const labelEl = screen.getByText(label, { selector: 'div' });
  return labelEl.nextElementSibling as HTMLElement;
}

/** The line of a workforce group, found by the group's link. */
function groupLine(linkText: string): HTMLElement {
  return screen.getByRole('link', { name: linkText }).closest('p')!;
}

function linkTexts(section: HTMLElement): string[] {
  return within(section)
    .queryAllByRole('link')
    .map(a => a.textContent ?? '');
}

describe('annotationPlugin (legacy frontend system)', () => {
  it('has the plugin id', () => {
    expect(annotationPlugin.getId()).toBe('annotation');
  });

  describe('EntityAnnotationProjectOverviewCard', () => {
    it('shows the project fields, questions and workforce with member counts', async () => {
      await renderCard(EntityAnnotationProjectOverviewCard, projectEntity);

      expect(await screen.findByText('Annotation project')).toBeInTheDocument();
      expect(within(field('Status')).getByText('active')).toBeInTheDocument();
      expect(field('Lifecycle')).toHaveTextContent('production');
      expect(field('Task type')).toHaveTextContent('mixed');
      expect(
        within(field('Owner')).getByRole('link', { name: 'cu-ml-engineering' }),
      ).toHaveAttribute('href', '/catalog/default/group/cu-ml-engineering');
      expect(
        within(field('Model')).getByRole('link', {
          name: 'podcast-policy-violation',
        }),
      ).toHaveAttribute(
        'href',
        '/catalog/default/resource/podcast-policy-violation',
      );
      expect(
        within(field('Dataset')).getByRole('link', {
          name: 'podcast-policy-labels',
        }),
      ).toHaveAttribute(
        'href',
        '/catalog/default/resource/podcast-policy-labels',
      );

      const questions = within(
        screen.getByRole('list', { name: 'Questions' }),
      ).getAllByRole('listitem');
      expect(questions.map(q => q.textContent)).toEqual([
        'Which policy does the episode break, if any? (single-choice)',
        'Mark the transcript passages that show it (text-spans)',
        // no title: falls back to the question id
        'severity (ordinal-rating)',
      ]);

      // Counts arrive after getEntitiesByRefs resolves.
      expect(
        await screen.findByText('3 members', undefined, { timeout: 3000 }),
      ).toBeInTheDocument();
      expect(groupLine('cu-annotators')).toHaveTextContent(
        'cu-annotators 3 members',
      );
      expect(groupLine('cu-contractors')).toHaveTextContent(
        'cu-contractors (not in catalogue)',
      );
      expect(groupLine('cu-quality-analysts')).toHaveTextContent(
        'cu-quality-analysts 1 member',
      );
      // only hasMember relations count, not childOf
      expect(groupLine('cu-project-managers')).toHaveTextContent(
        'cu-project-managers 0 members',
      );
      expect(screen.getAllByText('(not in catalogue)')).toHaveLength(1);

      // each group sits under its tier
      const tier = (label: string) =>
        screen.getByText(label).parentElement as HTMLElement;
      expect(linkTexts(tier('Annotators'))).toEqual([
        'cu-annotators',
        'cu-contractors',
      ]);
      expect(linkTexts(tier('Quality analysts'))).toEqual([
        'cu-quality-analysts',
      ]);
      expect(linkTexts(tier('Project managers'))).toEqual([
        'cu-project-managers',
      ]);
    });

    it("links to the project's Chorus page when the app mounts it", async () => {
      await renderCard(
        EntityAnnotationProjectOverviewCard,
        projectEntity,
        undefined,
        {
          chorusMounted: true,
        },
      );
      expect(
        await screen.findByRole('link', {
          name: /Progress and labeling in Chorus/,
        }),
      ).toHaveAttribute(
        'href',
        `/chorus/projects/${
          projectEntity.metadata.annotations![ANNOTATION_PROJECT_ID_ANNOTATION]
        }`,
      );
    });

    it('shows completion and the headline agreement per question, linking to the dashboard', async () => {
      const fake = fakeAnnotationApi();
      await renderCard(
        EntityAnnotationProjectOverviewCard,
        projectEntity,
        undefined,
        {
          chorusMounted: true,
          annotationApi: fake.api,
        },
      );
      const projectId =
        projectEntity.metadata.annotations![ANNOTATION_PROJECT_ID_ANNOTATION];
      expect(
        await screen.findByText('20% of items complete (8 of 40)'),
      ).toBeInTheDocument();
      expect(fake.api.qualityMetrics).toHaveBeenCalledWith(projectId);
      const agreement = within(screen.getByRole('list', { name: 'Agreement' }))
        .getAllByRole('listitem')
        .map(li => li.textContent);
      expect(agreement).toEqual([
        "Does the track belong on the artist page?: Krippendorff's alpha (nominal) 0.66 · substantial",
        "How good is the mix?: Krippendorff's alpha (ordinal) not enough data (no item has two answers yet)",
      ]);
      expect(
        screen.getByRole('link', { name: 'Quality dashboard' }),
      ).toHaveAttribute('href', `/chorus/projects/${projectId}/quality`);
    });

    it("tells those who may not read quality that it is the managers' and analysts'", async () => {
      const fake = fakeAnnotationApi();
      fake.api.qualityMetrics.mockRejectedValue(
        responseError(403, 'reading quality metrics is not allowed'),
      );
      await renderCard(
        EntityAnnotationProjectOverviewCard,
        projectEntity,
        undefined,
        {
          annotationApi: fake.api,
        },
      );
      expect(
        await screen.findByText(
          "Completion and agreement are shown to the project's managers and quality analysts.",
        ),
      ).toBeInTheDocument();
      expect(
        screen.queryByRole('link', { name: 'Quality dashboard' }),
      ).toBeNull();
      // the rest of the card is there
      expect(await screen.findByText('3 members')).toBeInTheDocument();
    });

    it('shows no Chorus link when the app does not mount the pages', async () => {
      await renderCard(EntityAnnotationProjectOverviewCard, projectEntity);
      expect(await screen.findByText('Annotation project')).toBeInTheDocument();
      expect(
        screen.queryByRole('link', { name: /Progress and labeling in Chorus/ }),
      ).toBeNull();
    });

    it('asks the catalogue for all the workforce groups, by full ref', async () => {
      const catalogApi = catalogApiMock({ entities: catalogEntities });
      const spy = jest.spyOn(catalogApi, 'getEntitiesByRefs');
      await renderCard(
        EntityAnnotationProjectOverviewCard,
        projectEntity,
        catalogApi,
      );
      await screen.findByText('3 members');
      expect(spy).toHaveBeenCalledWith(
        expect.objectContaining({
          entityRefs: [
            'group:default/cu-annotators',
            'group:default/cu-contractors',
            'group:default/cu-quality-analysts',
            'group:default/cu-project-managers',
          ],
        }),
      );
    });

    it('shows a warning on an entity that is not an annotation project', async () => {
      await renderCard(EntityAnnotationProjectOverviewCard, datasetEntity);
      expect(
        await screen.findByText(/Not an annotation project/),
      ).toBeInTheDocument();
      expect(
        screen.getByText(
          'resource:default/podcast-policy-labels is not an AnnotationProject',
        ),
      ).toBeInTheDocument();
      expect(screen.queryByText('Workforce')).not.toBeInTheDocument();
    });
  });

  describe('EntityModelAnnotationCard', () => {
    it('lists the labelling projects and only the datasets the model depends on', async () => {
      await renderCard(EntityModelAnnotationCard, modelEntity);

      expect(
        await screen.findByText('Training data lineage'),
      ).toBeInTheDocument();
      const projects = await screen.findByRole('region', {
        name: 'Annotation projects',
      });
      await within(projects).findByRole('link', {
        name: 'Podcast policy review',
      });
      expect(linkTexts(projects)).toEqual([
        'Podcast policy review',
        'Podcast policy re-review',
      ]);
      expect(
        within(projects).getByRole('link', { name: 'Podcast policy review' }),
      ).toHaveAttribute(
        'href',
        '/catalog/default/annotationproject/podcast-policy-review',
      );
      // each project carries its status chip
      expect(within(projects).getByText('active')).toBeInTheDocument();
      expect(within(projects).getByText('paused')).toBeInTheDocument();
      // the chip is a <div>: it must not sit inside a <p> (invalid nesting)
      expect(within(projects).getByText('active').closest('p')).toBeNull();

      const datasets = screen.getByRole('region', { name: 'Datasets' });
      await within(datasets).findByRole('link', {
        name: 'Podcast policy labels',
      });
      // not the feature store (a Resource, type database) nor the Component
      expect(linkTexts(datasets)).toEqual(['Podcast policy labels']);
      expect(screen.queryByText('Podcast feature store')).toBeNull();
      expect(screen.queryByText('Policy feature pipeline')).toBeNull();
    });

    it('renders the empty states', async () => {
      await renderCard(EntityModelAnnotationCard, lonelyModelEntity);
      expect(
        await screen.findByText('No annotation project labels for this model.'),
      ).toBeInTheDocument();
      expect(
        screen.getByText('No dataset feeds this model.'),
      ).toBeInTheDocument();
      expect(screen.queryAllByRole('link')).toHaveLength(0);
    });
  });

  describe('EntityDatasetLineageCard', () => {
    it('lists the producing project and only the models that use the dataset', async () => {
      await renderCard(EntityDatasetLineageCard, datasetEntity);

      expect(await screen.findByText('Dataset lineage')).toBeInTheDocument();
      const producers = screen.getByRole('region', { name: 'Produced by' });
      await within(producers).findByRole('link', {
        name: 'Podcast policy review',
      });
      expect(linkTexts(producers)).toEqual(['Podcast policy review']);
      expect(within(producers).getByText('active')).toBeInTheDocument();

      const consumers = screen.getByRole('region', { name: 'Used by models' });
      await within(consumers).findByRole('link', {
        name: 'Podcast policy-violation model',
      });
      // not the dashboard (a Resource, type dashboard) nor the Component
      expect(linkTexts(consumers)).toEqual(['Podcast policy-violation model']);
      expect(
        within(consumers).getByRole('link', {
          name: 'Podcast policy-violation model',
        }),
      ).toHaveAttribute(
        'href',
        '/catalog/default/resource/podcast-policy-violation',
      );
      expect(screen.queryByText('Policy dashboard')).toBeNull();
      expect(screen.queryByText('Policy feature pipeline')).toBeNull();
    });

    it('renders the empty states', async () => {
      await renderCard(EntityDatasetLineageCard, lonelyDatasetEntity);
      expect(
        await screen.findByText('No annotation project produces this dataset.'),
      ).toBeInTheDocument();
      expect(
        screen.getByText('No model uses this dataset.'),
      ).toBeInTheDocument();
      expect(screen.queryAllByRole('link')).toHaveLength(0);
    });
  });
});

describe('ChorusPage (legacy frontend system)', () => {
  const renderChorus: RenderChorusAt = async (path, apis) => {
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [annotationApiRef, apis.annotation],
          [signalApiRef, apis.signals],
        ]}
      >
        <FlatRoutes>
          <Route path="/chorus" element={<ChorusPage />} />
        </FlatRoutes>
      </TestApiProvider>,
      { routeEntries: [path] },
    );
  };
  describeChorusPages(renderChorus);
  describeQaPages(renderChorus);
  describeLlmPages(renderChorus);
});
