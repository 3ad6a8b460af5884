import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, UnsecuredJWT, exportJWK, generateKeyPair } from 'jose';
import { fc, fuzzSurface } from '@mine/testkit';
import { JwtAuth } from './auth.js';

const ISSUER = 'https://login.example';
const AUDIENCE = 'mobile-issues-api';
const { publicKey, privateKey } = await generateKeyPair('ES256');
const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] };
const auth = new JwtAuth({ jwksJson: JSON.stringify(jwks), issuer: ISSUER, audience: AUDIENCE });
const now = () => Math.floor(Date.now() / 1000);

function token(claims: Record<string, unknown> = {}, { exp = now() + 600 as number | null } = {}) {
  const jwt = new SignJWT({ roles: ['operator'], sub: 'user-1', ...claims }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt();
  if (exp !== null) jwt.setExpirationTime(exp);
  return jwt.sign(privateKey);
}
const verify = async (jwt: string) => auth.authenticate(`Bearer ${jwt}`);
const statusOf = (result: Awaited<ReturnType<JwtAuth['authenticate']>>) => ('status' in result ? result.status : 200);

test('a valid token passes; one without exp, with another algorithm, or unsigned is refused with 401 and a plain reason', async () => {
  assert.deepEqual(await verify(await token()), { user: { sub: 'user-1', roles: ['operator'] } });
  assert.deepEqual(await verify(await token({}, { exp: null })), { status: 401, reason: 'token has no "exp" claim' });
  // HS256 "signed" with the public key's bytes: the classic algorithm-confusion forgery.
  const hs = await new SignJWT({ roles: ['supervisor'], sub: 'mallory' }).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('10m').sign(new TextEncoder().encode(JSON.stringify(jwks.keys[0])));
  assert.equal(statusOf(await verify(hs)), 401);
  const unsigned = new UnsecuredJWT({ roles: ['supervisor'], sub: 'mallory' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('10m').encode();
  assert.deepEqual(await verify(unsigned), { status: 401, reason: 'token signature algorithm is not accepted' });
  assert.deepEqual(await verify('not.a.jwt'), { status: 401, reason: 'token is malformed' });
});

test('clock tolerance: a token expired 10 s ago still passes, one expired 2 minutes ago does not', async () => {
  assert.ok('user' in (await verify(await token({}, { exp: now() - 10 }))));
  assert.deepEqual(await verify(await token({}, { exp: now() - 120 })), { status: 401, reason: 'token expired' });
});

test('an identity provider whose keys cannot be fetched gives 503, not 401 with the internal error', async () => {
  let up = true;
  const server = createServer((_request, response) => {
    if (!up) return void response.writeHead(500).end('upstream exploded: stack trace here');
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  try {
    up = false;
    const outage = await new JwtAuth({ jwksUrl: url, issuer: ISSUER, audience: AUDIENCE }).authenticate(`Bearer ${await token()}`);
    assert.equal(statusOf(outage), 503);
    assert.equal((outage as { reason: string }).reason, 'the identity provider’s keys are unavailable; retry later');
    up = true;
    assert.ok('user' in (await new JwtAuth({ jwksUrl: url, issuer: ISSUER, audience: AUDIENCE }).authenticate(`Bearer ${await token()}`)));
  } finally {
    server.close();
  }
  const closedPort = await new JwtAuth({ jwksUrl: url, issuer: ISSUER, audience: AUDIENCE }).authenticate(`Bearer ${await token()}`);
  assert.equal(statusOf(closedPort), 503);
});

test('authorization headers: any value is a user or a 401/403 with one of the service’s own reasons, never an exception', async () => {
  const reasons = new Set(['missing bearer token', 'token expired', 'token is malformed', 'token signature not valid', 'token signature algorithm is not accepted', 'token has no subject', 'token grants neither the operator nor the supervisor role']);
  const segment = fc.oneof(fc.base64String(), fc.string(), fc.json().map((j) => Buffer.from(j).toString('base64url')));
  const header = fc.oneof(
    fc.string(),
    fc.tuple(segment, segment, segment).map((parts) => `Bearer ${parts.join('.')}`),
    fc.record({ alg: fc.constantFrom('none', 'HS256', 'ES256', 'RS256', 'ES512'), kid: fc.constantFrom('k1', 'other') }).map((h) => `Bearer ${Buffer.from(JSON.stringify(h)).toString('base64url')}.${Buffer.from('{"sub":"x","exp":1}').toString('base64url')}.AAAA`),
  );
  await fuzzSurface('mobile-app authorization header', header, async (value) => {
    const result = await auth.authenticate(value);
    assert.ok('status' in result, 'nothing generated is a valid token');
    assert.ok(result.status === 401 || result.status === 403);
    assert.ok(reasons.has(result.reason) || /^token (claim ".*" is not accepted|has no ".*" claim)$/.test(result.reason), result.reason);
  }, 1000);
});
