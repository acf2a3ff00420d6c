import {
  BackstageCredentials,
  BackstageServicePrincipal,
  BackstageUserPrincipal,
  HttpAuthService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { NotAllowedError } from '@backstage/errors';
import {
  AnnotationProjectRecord,
  AnnotationWorkforce,
} from '@chorus/plugin-annotation-common';
import { Request } from 'express';

/** Who is calling: a signed-in user (with their groups) or a service. */
export type Caller =
  | { kind: 'user'; ref: string; ownershipRefs: string[] }
  | { kind: 'service'; ref: string };

export async function callerOf(
  req: Request,
  httpAuth: HttpAuthService,
  userInfo: UserInfoService,
): Promise<Caller> {
  const credentials = await httpAuth.credentials(req, {
    allow: ['user', 'service'],
  });
  if (isUser(credentials)) {
    const info = await userInfo.getUserInfo(credentials);
    return {
      kind: 'user',
      ref: credentials.principal.userEntityRef,
      ownershipRefs: info.ownershipEntityRefs.map(ref => normalise(ref)),
    };
  }
  const service = credentials.principal as BackstageServicePrincipal;
  return { kind: 'service', ref: `service:${service.subject}` };
}

function isUser(
  c: BackstageCredentials,
): c is BackstageCredentials<BackstageUserPrincipal> {
  return (c.principal as { type?: string }).type === 'user';
}

function normalise(ref: string, defaultKind = 'group'): string {
  return stringifyEntityRef(
    parseEntityRef(ref, { defaultKind, defaultNamespace: 'default' }),
  ).toLocaleLowerCase('en-US');
}

/** A caller's tiers in one project. Services act as managers (CLI, jobs). */
export interface ProjectRoles {
  annotator: boolean;
  qualityAnalyst: boolean;
  manager: boolean;
}

export function rolesIn(
  project: Pick<AnnotationProjectRecord, 'owner'> & {
    workforce: AnnotationWorkforce;
  },
  caller: Caller,
): ProjectRoles {
  if (caller.kind === 'service') {
    return { annotator: false, qualityAnalyst: false, manager: true };
  }
  const mine = new Set(caller.ownershipRefs);
  const any = (refs: string[]) => refs.some(r => mine.has(normalise(r)));
  return {
    annotator: any(project.workforce.annotators),
    qualityAnalyst: any(project.workforce.qualityAnalysts),
    // the owning group manages its projects too
    manager: any([...project.workforce.managers, project.owner]),
  };
}

/** Throws a 403 naming the tier the action needs. */
export function requireRole(
  roles: ProjectRoles,
  role: keyof ProjectRoles | Array<keyof ProjectRoles>,
  action: string,
): void {
  const wanted = [role].flat();
  if (!wanted.some(r => roles[r])) {
    const names: Record<keyof ProjectRoles, string> = {
      annotator: 'an annotator',
      qualityAnalyst: 'a quality analyst',
      manager: 'a project manager',
    };
    throw new NotAllowedError(
      `${action} needs ${wanted
        .map(r => names[r])
        .join(' or ')} of this project`,
    );
  }
}
