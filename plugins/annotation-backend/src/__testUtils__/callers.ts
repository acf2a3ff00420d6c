import { mockCredentials } from '@backstage/backend-test-utils';
import { Server } from 'http';
import request from 'supertest';
import { expectSpecResponse } from './specResponses';

/**
 * One demo user per tier of the test projects' workforce (see demoUsers.ts;
 * the owner is in the owner group, which counts as manager), a second
 * a third annotator and a second analyst, and the users' ids.
 */
export const users = {
  annotator: 'user:default/amara.okafor',
  otherAnnotator: 'user:default/bo.lindqvist',
  thirdAnnotator: 'user:default/carlos.mendes',
  analyst: 'user:default/grace.liu',
  otherAnalyst: 'user:default/hiro.tanaka',
  manager: 'user:default/jonas.berg',
  owner: 'user:default/lena.fischer',
  outsider: 'user:default/olaf.outsider',
} as const;

/** Authorization headers of the users above and of a service. */
export const as = {
  ...(Object.fromEntries(
    Object.entries(users).map(([who, ref]) => [
      who,
      mockCredentials.user.header(ref),
    ]),
  ) as Record<keyof typeof users, string>),
  service: mockCredentials.service.header(),
};
export type Who = keyof typeof as;

/** One caller of each kind: what the access matrix goes through. */
export const tiers: Who[] = [
  'annotator',
  'analyst',
  'manager',
  'owner',
  'outsider',
  'service',
];

/** Calls the Chorus API as `who`; each response is held to the spec. */
export function apiCaller(server: Server) {
  return (method: 'get' | 'post' | 'put' | 'delete', path: string, who: Who) =>
    request(server)
      [method](`/api/annotation${path}`)
      .set('Authorization', as[who])
      .expect(expectSpecResponse);
}
