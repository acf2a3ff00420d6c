import {
  AuthService,
  DiscoveryService,
  LoggerService,
  SchedulerServiceTaskRunner,
} from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import {
  AnnotationProjectList,
  annotationProjectRecordToEntity,
} from '@chorus/plugin-annotation-common';

/** Location type of projects in the Chorus database (target: project id). */
export const ANNOTATION_PROJECT_LOCATION_TYPE = 'chorus-project';

/** Stable name: the catalogue keys this provider's entities by it. */
export const ANNOTATION_PROJECT_PROVIDER_NAME = 'chorus-annotation-projects';

export interface AnnotationProjectEntityProviderOptions {
  auth: AuthService;
  discovery: DiscoveryService;
  logger: LoggerService;
  /** How often to publish; omit to refresh only when `refresh()` is called. */
  schedule?: SchedulerServiceTaskRunner;
}

/**
 * Publishes the projects stored in the Chorus database as `AnnotationProject`
 * entities. Each refresh replaces the provider's whole set, so a deleted
 * project disappears from the catalogue.
 */
export class AnnotationProjectEntityProvider implements EntityProvider {
  private connection?: EntityProviderConnection;

  constructor(
    private readonly options: AnnotationProjectEntityProviderOptions,
  ) {}

  getProviderName(): string {
    return ANNOTATION_PROJECT_PROVIDER_NAME;
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.connection = connection;
    await this.options.schedule?.run({
      id: `${ANNOTATION_PROJECT_PROVIDER_NAME}:refresh`,
      fn: async () => {
        try {
          await this.refresh();
        } catch (error) {
          // the next run retries; the catalogue keeps the last good set
          this.options.logger.warn(
            `Could not publish annotation projects: ${error}`,
          );
        }
      },
    });
  }

  /** Reads all projects from the Chorus API and publishes them. */
  async refresh(): Promise<void> {
    if (!this.connection) {
      throw new Error(`${ANNOTATION_PROJECT_PROVIDER_NAME} is not connected`);
    }
    const { auth, discovery } = this.options;
    const baseUrl = await discovery.getBaseUrl('annotation');
    const { token } = await auth.getPluginRequestToken({
      onBehalfOf: await auth.getOwnServiceCredentials(),
      targetPluginId: 'annotation',
    });
    const response = await fetch(`${baseUrl}/projects`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    const { items } = (await response.json()) as AnnotationProjectList;
    await this.connection.applyMutation({
      type: 'full',
      entities: items.map(project => ({
        entity: annotationProjectRecordToEntity(
          project,
          // not a `url:` location: the API needs a token, so the catalogue
          // must not offer it as a "view source" link
          `${ANNOTATION_PROJECT_LOCATION_TYPE}:${project.id}`,
        ),
        locationKey: ANNOTATION_PROJECT_PROVIDER_NAME,
      })),
    });
    this.options.logger.debug(`Published ${items.length} annotation projects`);
  }
}
