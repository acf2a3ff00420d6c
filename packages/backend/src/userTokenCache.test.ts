/*
 * The yarn patch of @backstage/backend-defaults (.yarn/patches) makes the
 * user-token handler remember a verified token for up to a minute, never
 * past its expiry. These tests hold the patch to that: no forged or expired
 * token is ever let through, and memory stays bounded.
 */
import { dirname, join } from 'node:path';
import { generateKeyPair, SignJWT, type CryptoKey } from 'jose';

// The handler is not exported; the patched file is loaded by its path.
const { UserTokenHandler } = require(join(
  dirname(require.resolve('@backstage/backend-defaults/package.json')),
  'dist/entrypoints/auth/user/UserTokenHandler.cjs.js',
));

const LIMIT = 4096;

async function signUserToken(
  key: CryptoKey,
  sub: string,
  expiresAtS = Math.floor(Date.now() / 1000) + 3600,
) {
  return new SignJWT({ sub, ent: [sub] })
    .setProtectedHeader({ alg: 'ES256', typ: 'vnd.backstage.user', kid: 'k1' })
    .setIssuedAt()
    .setExpirationTime(expiresAtS)
    .sign(key);
}

describe('user token verification (patched to remember verified tokens for a minute)', () => {
  let keys: { publicKey: CryptoKey; privateKey: CryptoKey };
  let getKey: jest.Mock;
  let handler: { verifyToken(token: string): Promise<unknown> };

  beforeAll(async () => {
    keys = await generateKeyPair('ES256');
  });
  beforeEach(() => {
    getKey = jest.fn(async () => keys.publicKey);
    const logger = { warn: jest.fn(), info: jest.fn(), debug: jest.fn() };
    handler = new UserTokenHandler({ getKey }, logger);
  });

  it('verifies a token once and answers its repeats from memory', async () => {
    const token = await signUserToken(keys.privateKey, 'user:default/amara');
    for (let i = 0; i < 3; i++) {
      await expect(handler.verifyToken(token)).resolves.toEqual({
        userEntityRef: 'user:default/amara',
      });
    }
    expect(getKey).toHaveBeenCalledTimes(1);

    const other = await signUserToken(keys.privateKey, 'user:default/bo');
    await expect(handler.verifyToken(other)).resolves.toEqual({
      userEntityRef: 'user:default/bo',
    });
    expect(getKey).toHaveBeenCalledTimes(2);
  });

  it('verifies a remembered token again after a minute, as the key set may have changed', async () => {
    const token = await signUserToken(keys.privateKey, 'user:default/amara');
    await handler.verifyToken(token);
    const now = Date.now();
    // only the memory's clock: jose reads the time through `new Date()`
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now + 59_000);
    try {
      await handler.verifyToken(token);
      expect(getKey).toHaveBeenCalledTimes(1);
      clock.mockReturnValue(now + 61_000);
      await handler.verifyToken(token);
      expect(getKey).toHaveBeenCalledTimes(2);
    } finally {
      clock.mockRestore();
    }
  });

  it('never answers a forged signature from memory', async () => {
    const genuine = await signUserToken(keys.privateKey, 'user:default/amara');
    await handler.verifyToken(genuine);

    // Same header and claims, signed with a key the portal never issued.
    const intruder = await generateKeyPair('ES256');
    const [header, claims] = genuine.split('.');
    const [, , forgedSignature] = (
      await signUserToken(
        intruder.privateKey,
        'user:default/amara',
        JSON.parse(Buffer.from(claims, 'base64url').toString()).exp,
      )
    ).split('.');
    const forged = [header, claims, forgedSignature].join('.');
    expect(forged).not.toBe(genuine);

    await expect(handler.verifyToken(forged)).rejects.toThrow(
      'Failed user token verification',
    );
  });

  it('refuses a remembered token once it has expired', async () => {
    const expiresAtS = Math.floor(Date.now() / 1000) + 1;
    const token = await signUserToken(
      keys.privateKey,
      'user:default/amara',
      expiresAtS,
    );
    await expect(handler.verifyToken(token)).resolves.toEqual({
      userEntityRef: 'user:default/amara',
    });

    await new Promise(r => setTimeout(r, expiresAtS * 1000 - Date.now() + 20));
    await expect(handler.verifyToken(token)).rejects.toThrow(
      'Failed user token verification',
    );
    expect(getKey).toHaveBeenCalledTimes(2);
  });

  it(`remembers at most ${LIMIT} tokens, forgetting the oldest first`, async () => {
    const tokens = await Promise.all(
      Array.from({ length: LIMIT + 1 }, (_, i) =>
        signUserToken(keys.privateKey, `user:default/annotator-${i}`),
      ),
    );
    for (const token of tokens) {
      await handler.verifyToken(token);
    }
    expect(getKey).toHaveBeenCalledTimes(LIMIT + 1);

    await handler.verifyToken(tokens[LIMIT]);
    expect(getKey).toHaveBeenCalledTimes(LIMIT + 1);
    await handler.verifyToken(tokens[0]);
    expect(getKey).toHaveBeenCalledTimes(LIMIT + 2);
  });
});
