import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signClientAssertion } from '../../src/upstream/client-assertion.ts';
import { CLIENT_ASSERTION_TYPE, startTokenEndpoint, type TokenEndpoint } from '../helpers/token-endpoint.ts';

/**
 * The test token endpoint must refuse what a real authorization server refuses; otherwise the SMART tests prove
 * nothing. Hand-crafted bad assertions, one defect each.
 */
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const CLIENT = 'gateway-client';

let endpoint: TokenEndpoint;
beforeAll(async () => {
  endpoint = await startTokenEndpoint({ clientId: CLIENT, publicKey: rsa.publicKey, algorithm: 'RS384', keyId: 'k1' });
});
afterAll(() => endpoint.close());

const now = (): number => Math.floor(Date.now() / 1000);

function assertion(overrides: { alg?: string; key?: typeof rsa.privateKey; iss?: string; sub?: string; aud?: string; exp?: number; jti?: string; kid?: string; typ?: string } = {}): Promise<string> {
  const iat = now();
  return new SignJWT({})
    .setProtectedHeader({ alg: overrides.alg ?? 'RS384', typ: overrides.typ ?? 'JWT', kid: overrides.kid ?? 'k1' })
    .setIssuer(overrides.iss ?? CLIENT)
    .setSubject(overrides.sub ?? CLIENT)
    .setAudience(overrides.aud ?? endpoint.url)
    .setJti(overrides.jti ?? randomUUID())
    .setIssuedAt(iat)
    .setExpirationTime(overrides.exp ?? iat + 240)
    .sign(overrides.key ?? rsa.privateKey);
}

async function post(clientAssertion: string, fields: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    scope: 'system/*.read',
    client_assertion_type: CLIENT_ASSERTION_TYPE,
    client_assertion: clientAssertion,
    ...fields,
  });
  const res = await fetch(endpoint.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('test token endpoint', () => {
  it('accepts a correct assertion and issues a Bearer token', async () => {
    const { status, body } = await post(await assertion());
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 300, scope: 'system/*.read' });
    expect(endpoint.isValid(body.access_token as string)).toBe(true);
  });

  it('accepts what the gateway signs', async () => {
    const jwt = await signClientAssertion({ key: rsa.privateKey, algorithm: 'RS384', clientId: CLIENT, keyId: 'k1', audience: endpoint.url, now: Date.now() });
    expect((await post(jwt)).status).toBe(200);
  });

  it('rejects a replayed assertion (same jti)', async () => {
    const jwt = await assertion();
    expect((await post(jwt)).status).toBe(200);
    expect(await post(jwt)).toMatchObject({ status: 401, body: { error: 'invalid_client', error_description: 'jti replayed' } });
  });

  it.each([
    ['expired', () => assertion({ exp: now() - 10 }), '"exp" claim timestamp check failed'],
    ['exp more than 300 s ahead', () => assertion({ exp: now() + 3600 }), 'exp is more than 5 minutes ahead'],
    ['wrong aud', () => assertion({ aud: 'https://other.example/token' }), 'unexpected "aud" claim value'],
    ['wrong iss', () => assertion({ iss: 'someone-else' }), 'unexpected "iss" claim value'],
    ['sub differs from iss', () => assertion({ sub: 'someone-else' }), 'unexpected "sub" claim value'],
    ['signed by another key', () => assertion({ key: otherRsa.privateKey }), 'signature verification failed'],
    ['another algorithm (ES384 for an RS384 client)', () => assertion({ alg: 'ES384', key: ec.privateKey }), 'Header Parameter value not allowed'],
    ['RS256 instead of RS384', () => assertion({ alg: 'RS256' }), 'Header Parameter value not allowed'],
    ['unknown kid', () => assertion({ kid: 'k2' }), 'unknown kid'],
    ['typ other than JWT', () => assertion({ typ: 'at+jwt' }), 'unexpected "typ" JWT header value'],
  ])('rejects an assertion: %s', async (_name, make, reason) => {
    const { status, body } = await post(await make());
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
    expect(endpoint.rejected.at(-1)?.reason).toContain(reason);
  });

  it('rejects a tampered payload', async () => {
    const [h, , s] = (await assertion()).split('.');
    const forged = Buffer.from(JSON.stringify({ iss: CLIENT, sub: CLIENT, aud: endpoint.url, exp: now() + 60, jti: randomUUID() })).toString('base64url');
    expect((await post(`${h}.${forged}.${s}`)).status).toBe(401);
    expect(endpoint.rejected.at(-1)?.reason).toContain('signature verification failed');
  });

  it('rejects a wrong grant_type or client_assertion_type, and a missing scope', async () => {
    expect(await post(await assertion(), { grant_type: 'password' })).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
    expect(await post(await assertion(), { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer' }))
      .toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(await post(await assertion(), { scope: '' })).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
  });
});
