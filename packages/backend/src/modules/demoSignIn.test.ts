import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import authPlugin from '@backstage/plugin-auth-backend';
import fs from 'fs';
import path from 'path';
import request from 'supertest';
import { parse } from 'yaml';
import { authModuleDemoProvider, DEMO_USER_HEADER } from './demoSignIn';

jest.setTimeout(60_000);

const root = path.resolve(__dirname, '../../../..');
const readYaml = (file: string) =>
  parse(fs.readFileSync(path.join(root, file), 'utf8'));

/** The `auth` section as the portal sees it with the given config files. */
function authConfig(files: string[]) {
  return ConfigReader.fromConfigs(
    files.map(file => ({ data: readYaml(file), context: file })),
  )
    .getConfig('auth')
    .get();
}

async function start(auth: unknown) {
  const { server } = await startTestBackend({
    features: [
      authPlugin,
      authModuleDemoProvider,
      catalogPlugin,
      mockServices.rootConfig.factory({
        data: {
          app: { baseUrl: 'http://localhost:3000' },
          auth: auth as any,
          catalog: {
            rules: [{ allow: ['User', 'Group'] }],
            locations: ['org.yaml', 'users.yaml'].map(file => ({
              type: 'file',
              target: path.join(root, 'examples/demo', file),
            })),
          },
        },
      }),
    ],
  });
  return server;
}

const signIn = (server: any, user?: string) => {
  const req = request(server).get('/api/auth/demo/refresh');
  return user === undefined ? req : req.set(DEMO_USER_HEADER, user);
};

describe('demo sign-in', () => {
  it('signs in catalogue users in development, and no one else', async () => {
    const server = await start(authConfig(['app-config.yaml']));
    let ok;
    // the catalogue ingests the demo users shortly after start
    for (let i = 0; i < 100; i++) {
      ok = await signIn(server, 'jonas.berg');
      if (ok.status === 200) break;
      await new Promise(r => setTimeout(r, 200));
    }
    expect(ok!.status).toBe(200);
    expect(ok!.body.backstageIdentity.identity).toMatchObject({
      userEntityRef: 'user:default/jonas.berg',
      ownershipEntityRefs: expect.arrayContaining([
        'group:default/cu-project-managers',
      ]),
    });
    expect((await signIn(server, 'nobody')).status).toBe(404);
    const bad = await signIn(server, '../admin');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain(
      `${DEMO_USER_HEADER}: expected a catalogue user name`,
    );
    expect((await signIn(server)).status).toBe(400);
  });

  it('refuses everyone with the production config merged in', async () => {
    const auth = authConfig(['app-config.yaml', 'app-config.production.yaml']);
    expect(auth).toMatchObject({ environment: 'production' });
    const server = await start(auth);
    const res = await signIn(server, 'jonas.berg');
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain(
      'only available when auth.environment is development',
    );
  });

  it('fails closed when no environment is set', async () => {
    const server = await start({ providers: { demo: {} } });
    expect((await signIn(server, 'jonas.berg')).status).toBe(403);
  });
});
