import {
  BackstageUserPrincipal,
  coreServices,
  createServiceFactory,
  UserInfoService,
} from '@backstage/backend-plugin-api';

/** Group memberships of the demo users, as the catalogue would resolve them. */
export const demoMemberships: Record<string, string[]> = {
  'user:default/amara.okafor': ['group:default/cu-annotators'],
  'user:default/bo.lindqvist': ['group:default/cu-annotators'],
  'user:default/carlos.mendes': ['group:default/cu-annotators'],
  'user:default/grace.liu': ['group:default/cu-quality-analysts'],
  'user:default/hiro.tanaka': ['group:default/cu-quality-analysts'],
  'user:default/jonas.berg': ['group:default/cu-project-managers'],
  'user:default/lena.fischer': ['group:default/cu-ml-engineering'],
  'user:default/olaf.outsider': ['group:default/marketing'],
};

/** userInfo answering with the demo memberships. */
export const demoUserInfo: UserInfoService = {
  async getUserInfo(credentials) {
    const ref = (credentials.principal as BackstageUserPrincipal).userEntityRef;
    return {
      userEntityRef: ref,
      ownershipEntityRefs: [ref, ...(demoMemberships[ref] ?? [])],
    };
  },
};

export const demoUserInfoFactory = createServiceFactory({
  service: coreServices.userInfo,
  deps: {},
  factory: () => demoUserInfo,
});
