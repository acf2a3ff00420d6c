import {
  BackstageCredentials,
  BackstageServicePrincipal,
  BackstageUserPrincipal,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
  PolicyDecision,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  createConditionAuthorizer,
  PermissionRuleset,
} from '@backstage/plugin-permission-node';
import {
  ANNOTATION_PROJECT_RESOURCE_TYPE,
  AnnotationProjectRecord,
  annotationProjectReadPermission,
} from '@chorus/plugin-annotation-common';
import { Request } from 'express';
import { AnnotationProjectFilter } from '../permissions';

type ProjectPermission = ResourcePermission<
  typeof ANNOTATION_PROJECT_RESOURCE_TYPE
>;

/** Who is calling: a signed-in user or a service (CLI, batch job). */
export type Caller =
  | {
      kind: 'user';
      ref: string;
      credentials: BackstageCredentials<BackstageUserPrincipal>;
    }
  | {
      kind: 'service';
      ref: string;
      credentials: BackstageCredentials<BackstageServicePrincipal>;
    };

/**
 * The caller and the project, once the caller may do `permission` (any one
 * of a list) on it; the route modules get it from the router.
 */
export type CallerIn = (
  req: Request,
  projectId: string,
  permission: ProjectPermission | ProjectPermission[],
  action: string,
) => Promise<{ who: Caller; project: AnnotationProjectRecord }>;

export async function callerOf(
  req: Request,
  httpAuth: HttpAuthService,
): Promise<Caller> {
  const credentials = await httpAuth.credentials(req, {
    allow: ['user', 'service'],
  });
  if (isUser(credentials)) {
    return {
      kind: 'user',
      ref: credentials.principal.userEntityRef,
      credentials,
    };
  }
  const service =
    credentials as BackstageCredentials<BackstageServicePrincipal>;
  return {
    kind: 'service',
    ref: `service:${service.principal.subject}`,
    credentials: service,
  };
}

function isUser(
  c: BackstageCredentials,
): c is BackstageCredentials<BackstageUserPrincipal> {
  return (c.principal as { type?: string }).type === 'user';
}

/** How long one caller's policy decisions are reused. */
const DECISION_TTL_MS = 5_000;
/**
 * A caller still asking after this share of the TTL gets their decisions
 * renewed in the background, at a random point so that callers who started
 * together do not all renew at once. Without it, every caller of a busy
 * loop waited on the permission backend at the same moment, every TTL.
 */
const RENEW_FROM = 0.5;
const RENEW_SPREAD = 0.3;
const MAX_CACHED_CALLERS = 10_000;

interface CachedDecisions {
  /** When the decisions were asked for: none is used past `at` + TTL. */
  at: number;
  renewAt: number;
  decisions: Map<string, PolicyDecision>;
  renewing?: boolean;
}

/**
 * Asks the permission framework about Chorus projects. Decisions come back
 * conditional (e.g. "holds the annotator tier") and are applied here to the
 * project already loaded. They are reused per caller for a few seconds: a
 * labeling loop asks several times a second, and tier membership changes
 * far more slowly.
 */
export class ProjectAccess {
  private readonly applies: (
    decision: PolicyDecision,
    project: AnnotationProjectRecord,
  ) => boolean;
  private readonly cache = new Map<string, CachedDecisions>();
  /** Every permission asked about, by name, for renewing. */
  private readonly permissionsByName = new Map<string, ProjectPermission>();

  constructor(
    private readonly permissions: PermissionsService,
    ruleset: PermissionRuleset<
      AnnotationProjectRecord,
      AnnotationProjectFilter,
      typeof ANNOTATION_PROJECT_RESOURCE_TYPE
    >,
  ) {
    this.applies = createConditionAuthorizer(ruleset);
  }

  /**
   * Throws unless the caller may do `permission` (any one of a list) on the
   * project. A caller who may not even read the project learns nothing: 404,
   * as if it did not exist.
   */
  async require(
    caller: Caller,
    project: AnnotationProjectRecord,
    permission: ProjectPermission | ProjectPermission[],
    action: string,
  ): Promise<void> {
    const anyOf = [permission].flat();
    const [read, ...wanted] = await this.decide(caller, [
      annotationProjectReadPermission,
      ...anyOf,
    ]);
    if (!this.applies(read, project)) {
      throw new NotFoundError(`project ${project.id} not found`);
    }
    if (!wanted.some(decision => this.applies(decision, project))) {
      const names = anyOf.map(p => p.name).join(' permission or the ');
      throw new NotAllowedError(
        `${action} is not allowed: it needs the ${names} permission on project ${project.name}`,
      );
    }
  }

  /** The projects on which the caller may do `permission`. */
  async filter(
    caller: Caller,
    projects: AnnotationProjectRecord[],
    permission: ProjectPermission = annotationProjectReadPermission,
  ): Promise<AnnotationProjectRecord[]> {
    const [decision] = await this.decide(caller, [permission]);
    return projects.filter(p => this.applies(decision, p));
  }

  /** Throws unless the caller holds a permission that names no project. */
  async requireBasic(
    caller: Caller,
    permission: BasicPermission,
    action: string,
  ): Promise<void> {
    const [decision] = await this.permissions.authorize([{ permission }], {
      credentials: caller.credentials,
    });
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `${action} is not allowed: it needs the ${permission.name} permission`,
      );
    }
  }

  private async decide(
    caller: Caller,
    wanted: ProjectPermission[],
  ): Promise<PolicyDecision[]> {
    const now = Date.now();
    let entry = this.cache.get(caller.ref);
    if (!entry || now - entry.at > DECISION_TTL_MS) {
      entry = this.remember(caller, now, new Map());
    } else if (now >= entry.renewAt && !entry.renewing) {
      this.renew(caller, entry);
    }
    const cached = entry.decisions;
    const missing = [...new Set(wanted.filter(p => !cached.has(p.name)))];
    if (missing.length) {
      missing.forEach(p => this.permissionsByName.set(p.name, p));
      const answers = await this.ask(caller, missing);
      missing.forEach((p, i) => cached.set(p.name, answers[i]));
    }
    return wanted.map(p => cached.get(p.name)!);
  }

  private ask(caller: Caller, permissions: ProjectPermission[]) {
    return this.permissions.authorizeConditional(
      permissions.map(permission => ({ permission })),
      { credentials: caller.credentials },
    );
  }

  private remember(
    caller: Caller,
    at: number,
    decisions: Map<string, PolicyDecision>,
  ): CachedDecisions {
    if (this.cache.size >= MAX_CACHED_CALLERS && !this.cache.has(caller.ref)) {
      this.cache.clear();
    }
    const spread = RENEW_FROM + Math.random() * RENEW_SPREAD;
    const entry = { at, renewAt: at + DECISION_TTL_MS * spread, decisions };
    this.cache.set(caller.ref, entry);
    return entry;
  }

  /** Asks again for everything the caller holds; the old answers serve meanwhile. */
  private renew(caller: Caller, entry: CachedDecisions) {
    entry.renewing = true;
    const at = Date.now();
    const names = [...entry.decisions.keys()];
    const permissions = names.map(name => this.permissionsByName.get(name)!);
    this.ask(caller, permissions).then(
      answers => {
        if (this.cache.get(caller.ref) === entry) {
          this.remember(
            caller,
            at,
            new Map(names.map((name, i) => [name, answers[i]])),
          );
        }
      },
      () => {
        // no second try: the entry ages out as usual, and the first request
        // after that asks in the foreground and reports the failure
      },
    );
  }
}
