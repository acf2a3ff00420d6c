import {
  coreServices,
  createBackendModule,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabaseId,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { Knex } from 'knex';
import path from 'path';
import request from 'supertest';
import { parse } from 'yaml';
import fs from 'fs';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import annotationPlugin from '@chorus/plugin-annotation-backend';
import catalogModuleAnnotation from '@chorus/plugin-catalog-backend-module-annotation';

jest.setTimeout(120_000);

const demo = path.resolve(__dirname, '../../../../examples/demo');
// the demo seeds as the config loader gives them: `$file` read as text
const seedProjects = (
  parse(
    fs.readFileSync(path.join(demo, 'chorus-projects.yaml'), 'utf8'),
  ) as Array<Record<string, any>>
).map(entry =>
  entry.items
    ? {
        ...entry,
        items: fs.readFileSync(path.join(demo, entry.items.$file), 'utf8'),
      }
    : entry,
);

/** Each plugin gets its own database, as in a real deployment. */
function perPluginDatabases(clients: Record<string, Knex>) {
  return createServiceFactory({
    service: coreServices.database,
    deps: { plugin: coreServices.pluginMetadata },
    factory: ({ plugin }) => ({
      getClient: async () => {
        const knex = clients[plugin.getId()];
        if (!knex) {
          throw new Error(`no test database for ${plugin.getId()}`);
        }
        return knex;
      },
    }),
  });
}

/** Collects catalogue processing errors, as the logs module would log them. */
function processingErrorCollector(errors: string[]) {
  return createBackendModule({
    pluginId: 'catalog',
    moduleId: 'test-errors',
    register(reg) {
      reg.registerInit({
        deps: { catalog: catalogProcessingExtensionPoint },
        async init({ catalog }) {
          catalog.setOnProcessingErrorHandler(event => {
            for (const error of event.errors) {
              errors.push(
                `${event.unprocessedEntity.metadata.name}: ${error.message} ${
                  (error as { cause?: Error }).cause?.message ?? ''
                }`,
              );
            }
          });
        },
      });
    },
  });
}

async function eventually<T>(
  fn: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise(r => setTimeout(r, 250));
  }
}

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

describe.each(databases.eachSupportedId())(
  'catalogue with the Chorus module on %s',
  (databaseId: TestDatabaseId) => {
    let server: Parameters<typeof request>[0];
    let annotationDb: Knex;
    let stop: () => Promise<void>;
    const errors: string[] = [];

    beforeAll(async () => {
      const catalogDb = await databases.init(databaseId);
      annotationDb = await databases.init(databaseId);
      const backend = await startTestBackend({
        features: [
          catalogPlugin,
          catalogModuleAnnotation,
          annotationPlugin,
          processingErrorCollector(errors),
          // the real scheduler, so the provider refreshes on its schedule
          schedulerServiceFactory,
          mockServices.rootLogger.factory({ level: 'warn' }),
          perPluginDatabases({ catalog: catalogDb, annotation: annotationDb }),
          mockServices.rootConfig.factory({
            data: {
              catalog: {
                rules: [
                  {
                    allow: [
                      'Group',
                      'User',
                      'System',
                      'Resource',
                      'Location',
                      'AnnotationProject',
                    ],
                  },
                ],
                locations: [
                  'org.yaml',
                  'users.yaml',
                  'ml.yaml',
                  path.resolve(__dirname, '__fixtures__/invalid-project.yaml'),
                ].map(file => ({
                  type: 'file',
                  target: path.resolve(demo, file),
                })),
                processingInterval: { seconds: 1 },
                providers: {
                  chorusAnnotation: {
                    schedule: {
                      frequency: { milliseconds: 500 },
                      timeout: { seconds: 30 },
                      initialDelay: { milliseconds: 0 },
                    },
                  },
                },
              },
              annotation: { seed: { projects: seedProjects } },
            },
          }),
        ],
      });
      server = backend.server;
      stop = () => backend.stop();
    });

    afterAll(async () => {
      await stop?.();
    });

    async function getEntity(ref: string): Promise<Entity | undefined> {
      const [kind, rest] = ref.split(':');
      const [namespace, name] = rest.split('/');
      const res = await request(server)
        .get(`/api/catalog/entities/by-name/${kind}/${namespace}/${name}`)
        .set('Authorization', mockCredentials.user.header());
      if (res.status === 404) {
        return undefined;
      }
      expect(res.status).toBe(200);
      return res.body;
    }

    function relations(entity: Entity) {
      return (entity.relations ?? [])
        .map(r => `${r.type} ${r.targetRef}`)
        .sort();
    }

    const withRelation = (ref: string, relation: string) => async () => {
      const entity = await getEntity(ref);
      return entity && relations(entity).includes(relation)
        ? entity
        : undefined;
    };

    it('publishes the seeded projects with their lineage both ways', async () => {
      const project = await eventually(
        withRelation(
          'annotationproject:default/track-placement-relevance',
          'produces resource:default/track-placement-labels',
        ),
        'the seeded project and its relations',
      );
      expect(project.metadata.annotations).not.toHaveProperty(
        'backstage.io/view-url',
      );
      expect(project.metadata.annotations).toMatchObject({
        'backstage.io/managed-by-location': expect.stringMatching(
          /^chorus-project:[0-9a-f-]{36}$/,
        ),
      });
      expect(relations(project)).toEqual([
        'labelsFor resource:default/track-artist-page-placement',
        'ownedBy group:default/cu-ml-engineering',
        'produces resource:default/track-placement-labels',
      ]);

      const model = await eventually(
        withRelation(
          'resource:default/track-artist-page-placement',
          'labeledBy annotationproject:default/track-placement-relevance',
        ),
        'the model to show the project',
      );
      expect(relations(model)).toEqual(
        expect.arrayContaining([
          'dependsOn resource:default/track-placement-labels',
          'labeledBy annotationproject:default/track-placement-relevance',
          'ownedBy group:default/cu-ml-engineering',
        ]),
      );

      const dataset = await eventually(
        withRelation(
          'resource:default/track-placement-labels',
          'producedBy annotationproject:default/track-placement-relevance',
        ),
        'the dataset to show the project',
      );
      expect(relations(dataset)).toEqual(
        expect.arrayContaining([
          'dependencyOf resource:default/track-artist-page-placement',
          'producedBy annotationproject:default/track-placement-relevance',
        ]),
      );

      const owner = await eventually(
        withRelation(
          'group:default/cu-ml-engineering',
          'ownerOf annotationproject:default/track-placement-relevance',
        ),
        'the owner group to own the project',
      );
      expect(owner).toBeDefined();
    });

    it('refuses an invalid project YAML and names the bad field', async () => {
      await eventually(
        async () =>
          errors.find(e => e.startsWith('broken-project:')) ? true : undefined,
        'the processing error of broken-project',
      );
      const error = errors.find(e => e.startsWith('broken-project:'))!;
      expect(error).toContain(
        'spec.model: expected a reference to a resource entity, got kind "component"',
      );
      expect(
        await getEntity('annotationproject:default/broken-project'),
      ).toBeUndefined();
    });

    it('publishes a new project row and removes a deleted one', async () => {
      const now = new Date();
      await annotationDb('projects').insert({
        id: '00000000-0000-4000-8000-000000000001',
        namespace: 'default',
        name: 'tempo-tagging',
        title: 'Tempo tagging',
        description: null,
        owner: 'group:cu-ml-engineering',
        lifecycle: 'experimental',
        model_ref: 'resource:track-artist-page-placement',
        dataset_ref: 'resource:track-placement-labels',
        workforce: JSON.stringify({
          annotators: ['group:cu-annotators'],
          qualityAnalysts: ['group:cu-quality-analysts'],
          managers: ['group:cu-project-managers'],
        }),
        task_type: 'ordinal-rating',
        questions: '[]',
        status: 'draft',
        created_at: now,
        updated_at: now,
      });
      const added = await eventually(
        () => getEntity('annotationproject:default/tempo-tagging'),
        'the new project entity',
      );
      expect(added.spec).toMatchObject({
        taskType: 'ordinal-rating',
        status: 'draft',
      });
      expect(added.metadata.annotations?.['chorus/project-id']).toBe(
        '00000000-0000-4000-8000-000000000001',
      );

      await annotationDb('projects')
        .where({ id: '00000000-0000-4000-8000-000000000001' })
        .delete();
      await eventually(
        async () =>
          (await getEntity('annotationproject:default/tempo-tagging'))
            ? undefined
            : true,
        'the deleted project to leave the catalogue',
      );
      // the other projects stay
      expect(
        await getEntity('annotationproject:default/podcast-policy-review'),
      ).toBeDefined();
    });
  },
);
