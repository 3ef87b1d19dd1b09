import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SmartBackendAuthConfig } from '../../src/config/config.types.ts';
import { startMemoryFhirServer, type MemoryFhirServer } from '../../src/demo/memory-fhir-server.ts';
import { SmartBackendAuth, type SmartBackendAuthOptions, type SmartBackendCredentials } from '../../src/upstream/smart-backend-auth.ts';
import { UpstreamClient } from '../../src/upstream/upstream-client.ts';
import { UpstreamError } from '../../src/upstream/upstream-error.ts';
import { startTokenEndpoint, type TokenEndpoint, type TokenEndpointOptions } from '../helpers/token-endpoint.ts';
import { clientOptions, rejection } from './helpers.ts';
import { toGraphQLError } from '../../src/graphql/graphql-errors.ts';

/** SMART Backend Services end to end over loopback sockets: token endpoint, gateway client, FHIR server. */

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const RSA_PEM = rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const EC_JWK = JSON.stringify(ec.privateKey.export({ format: 'jwk' }));
const CLIENT = 'gateway-client';

let fhir: MemoryFhirServer;
/** The endpoint whose tokens the FHIR server accepts right now. */
let endpoint: TokenEndpoint | undefined;
/** Authorization headers the FHIR server saw, in order. */
const seen: Array<string | undefined> = [];
const closeAfter: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  fhir = await startMemoryFhirServer({
    data: { patients: 3, seed: 1 },
    authorize: (header) => {
      seen.push(header);
      return header?.startsWith('Bearer ') === true && endpoint?.isValid(header.slice('Bearer '.length)) === true;
    },
  });
});
afterAll(() => fhir.close());
afterEach(async () => {
  await Promise.all(closeAfter.splice(0).map((c) => c.close()));
  endpoint = undefined;
  seen.length = 0;
  fhir.resetRequests();
});

async function tokenEndpoint(options: Partial<TokenEndpointOptions> = {}): Promise<TokenEndpoint> {
  const started = await startTokenEndpoint({ clientId: CLIENT, publicKey: rsa.publicKey, algorithm: 'RS384', ...options });
  closeAfter.push(started);
  endpoint = started;
  return started;
}

/** The config's smart-backend auth is usable as credentials as it is (checked by tsc). */
const configFits = (auth: SmartBackendAuthConfig): SmartBackendCredentials => auth;
void configFits;

function rsaCredentials(tokenUrl: string | null, overrides: Partial<SmartBackendCredentials> = {}): SmartBackendCredentials {
  return { tokenUrl, clientId: CLIENT, scope: 'system/*.read', algorithm: 'RS384', privateKey: RSA_PEM, keyId: null, ...overrides };
}

function smartAuth(credentials: SmartBackendCredentials, overrides: Partial<SmartBackendAuthOptions> = {}): SmartBackendAuth {
  const auth = new SmartBackendAuth({ sourceId: 'ehr', baseUrl: fhir.baseUrl, credentials, timeoutMs: 2_000, connectTimeoutMs: 1_000, ...overrides });
  closeAfter.push(auth);
  return auth;
}

/** A client of the FHIR server; its static 'Bearer s3cret-token' header (from clientOptions) is overridden by `auth`. */
function fhirClient(auth: SmartBackendAuth | undefined): UpstreamClient {
  const client = new UpstreamClient(clientOptions({ sourceId: 'ehr', baseUrl: fhir.baseUrl, ...(auth ? { auth } : {}) }));
  closeAfter.push(client);
  return client;
}

const fhirCalls = (path: string): number => fhir.requests.filter((r) => r.url.split('?')[0] === path).length;

describe('SMART Backend Services end to end', () => {
  it('RS384: the FHIR server refuses the request without the token and serves it with one', async () => {
    const tokens = await tokenEndpoint();
    const refused = (await rejection(fhirClient(undefined).getJson('Patient'))) as UpstreamError;
    expect(refused.code).toBe('UPSTREAM_UNAUTHORIZED');
    expect(refused.upstreamStatus).toBe(401);

    const bundle = await fhirClient(smartAuth(rsaCredentials(tokens.url))).getJson('Patient');
    expect(bundle).toMatchObject({ resourceType: 'Bundle', total: 3 });
    expect(tokens.tokenRequests).toBe(1);
    expect(seen.at(-1)).toBe(`Bearer ${tokens.issued[0]}`);
  });

  it('ES384 with a JWK key and a kid', async () => {
    const tokens = await tokenEndpoint({ publicKey: ec.publicKey, algorithm: 'ES384', keyId: 'ec-1' });
    const auth = smartAuth(rsaCredentials(tokens.url, { algorithm: 'ES384', privateKey: EC_JWK, keyId: 'ec-1', scope: 'system/Patient.rs' }));
    expect(await fhirClient(auth).getJson('Patient/pat-0001')).toMatchObject({ resourceType: 'Patient', id: 'pat-0001' });
    expect(tokens.accepted[0]?.header).toEqual({ alg: 'ES384', typ: 'JWT', kid: 'ec-1' });
  });

  it('signs assertions as the spec asks: iss = sub = client id, aud = token URL, exp - iat = 240 s, a fresh jti each time', async () => {
    const tokens = await tokenEndpoint({ expiresIn: 300 });
    const auth = smartAuth(rsaCredentials(tokens.url));
    await auth.authorization();
    auth.invalidate((await auth.authorization()));
    await auth.authorization();
    expect(tokens.accepted).toHaveLength(2);
    for (const { header, payload } of tokens.accepted) {
      expect(header).toEqual({ alg: 'RS384', typ: 'JWT' });
      expect(payload).toMatchObject({ iss: CLIENT, sub: CLIENT, aud: tokens.url });
      expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(240);
      expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(tokens.accepted[0]?.payload.jti).not.toBe(tokens.accepted[1]?.payload.jti);
  });

  it('caches the token: many reads, one token request', async () => {
    const tokens = await tokenEndpoint();
    const client = fhirClient(smartAuth(rsaCredentials(tokens.url)));
    for (let i = 0; i < 10; i++) await client.getJson('Patient/pat-0001');
    expect(tokens.tokenRequests).toBe(1);
    expect(new Set(seen)).toEqual(new Set([`Bearer ${tokens.issued[0]}`]));
  });

  it('20 concurrent first requests share exactly one token request', async () => {
    const tokens = await tokenEndpoint();
    tokens.latencyMs = 50; // all 20 ask while the token is on its way
    const client = fhirClient(smartAuth(rsaCredentials(tokens.url)));
    const results = await Promise.all(Array.from({ length: 20 }, () => client.getJson('Patient/pat-0002')));
    expect(results.every((r) => r.id === 'pat-0002')).toBe(true);
    expect(tokens.tokenRequests).toBe(1);
  });

  it('refreshes a token shortly before it expires (10 % of a short lifetime), not before', async () => {
    const tokens = await tokenEndpoint({ expiresIn: 60 });
    const clock = { offset: 0 };
    const client = fhirClient(smartAuth(rsaCredentials(tokens.url), { now: () => Date.now() + clock.offset }));
    await client.getJson('Patient/pat-0001');
    clock.offset = 50_000; // refresh is due 6 s before expiry, i.e. at 54 s
    await client.getJson('Patient/pat-0001');
    expect(tokens.tokenRequests).toBe(1);
    clock.offset = 55_000;
    await client.getJson('Patient/pat-0001');
    expect(tokens.tokenRequests).toBe(2);
    expect(seen.slice(-3)).toEqual([`Bearer ${tokens.issued[0]}`, `Bearer ${tokens.issued[0]}`, `Bearer ${tokens.issued[1]}`]);
  });

  it('a token of 1 s is renewed after it ran out (real clock)', async () => {
    const tokens = await tokenEndpoint({ expiresIn: 1 });
    const client = fhirClient(smartAuth(rsaCredentials(tokens.url)));
    await client.getJson('Patient/pat-0001');
    await new Promise((r) => setTimeout(r, 1_050));
    await client.getJson('Patient/pat-0001');
    expect(tokens.tokenRequests).toBe(2);
  });

  it('a 401 from the FHIR server: the GET is sent once more with a fresh token', async () => {
    const tokens = await tokenEndpoint();
    const client = fhirClient(smartAuth(rsaCredentials(tokens.url)));
    await client.getJson('Patient/pat-0001');
    tokens.revoke(tokens.issued[0]!);
    fhir.resetRequests();
    expect(await client.getJson('Patient/pat-0001')).toMatchObject({ id: 'pat-0001' });
    expect(tokens.tokenRequests).toBe(2);
    expect(fhirCalls('/Patient/pat-0001')).toBe(2);
    expect(seen.slice(-2)).toEqual([`Bearer ${tokens.issued[0]}`, `Bearer ${tokens.issued[1]}`]);
  });

  it('a GET refused again after the refresh is not sent a third time', async () => {
    const tokens = await tokenEndpoint();
    const client = fhirClient(smartAuth(rsaCredentials(tokens.url)));
    endpoint = undefined; // the FHIR server now refuses every token
    const err = (await rejection(client.getJson('Patient/pat-0001'))) as UpstreamError;
    expect(err.code).toBe('UPSTREAM_UNAUTHORIZED');
    expect(fhirCalls('/Patient/pat-0001')).toBe(2);
    expect(tokens.tokenRequests).toBe(2);
  });

  it('a write answered 401 is never resent, but its token is dropped', async () => {
    const tokens = await tokenEndpoint();
    const client = fhirClient(smartAuth(rsaCredentials(tokens.url)));
    await client.getJson('Patient/pat-0001');
    tokens.revoke(tokens.issued[0]!);
    fhir.resetRequests();
    const body = JSON.stringify({ resourceType: 'Patient', id: 'new-1' });
    const err = (await rejection(client.request({ method: 'PUT', path: 'Patient/new-1', body }))) as UpstreamError;
    expect(err.code).toBe('UPSTREAM_UNAUTHORIZED');
    expect(fhirCalls('/Patient/new-1')).toBe(1);
    expect(tokens.tokenRequests).toBe(1);
    await client.getJson('Patient/pat-0001'); // the next request fetches a fresh token first
    expect(tokens.tokenRequests).toBe(2);
    expect(fhirCalls('/Patient/pat-0001')).toBe(1);
  });

  it('discovers the token endpoint from .well-known/smart-configuration, once', async () => {
    const tokens = await tokenEndpoint();
    const auth = smartAuth(rsaCredentials(null), { baseUrl: tokens.discoveryBaseUrl });
    const first = await auth.authorization();
    expect(first).toBe(`Bearer ${tokens.issued[0]}`);
    auth.invalidate(first);
    await auth.authorization();
    expect(tokens.tokenRequests).toBe(2);
    expect(tokens.discoveryRequests).toBe(1);
    expect(tokens.accepted[0]?.payload.aud).toBe(tokens.url);
  });

  it('a caller that gives up does not cancel the shared token request for the others', async () => {
    const tokens = await tokenEndpoint();
    tokens.latencyMs = 100;
    const auth = smartAuth(rsaCredentials(tokens.url));
    const controller = new AbortController();
    const reason = new Error('gave up');
    const impatient = rejection(auth.authorization(controller.signal));
    const patient = auth.authorization();
    setTimeout(() => controller.abort(reason), 10);
    expect(await impatient).toBe(reason);
    expect(await patient).toBe(`Bearer ${tokens.issued[0]}`);
    expect(tokens.tokenRequests).toBe(1);
  });
});

describe('SMART Backend Services failures', () => {
  async function closedPortUrl(): Promise<string> {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((r) => server.close(() => r()));
    return `http://127.0.0.1:${port}/oauth/token`;
  }

  it('token endpoint down: UPSTREAM_AUTH_FAILED with the source id; the FHIR server gets nothing', async () => {
    const client = fhirClient(smartAuth(rsaCredentials(await closedPortUrl())));
    const err = (await rejection(client.getJson('Patient'))) as UpstreamError;
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.code).toBe('UPSTREAM_AUTH_FAILED');
    expect(err.message).toBe("Upstream 'ehr': no access token: the token endpoint is unreachable: connection refused");
    expect(toGraphQLError(err, undefined, 'request').extensions).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', source: 'ehr', http: { status: 502 } });
    expect(fhir.requests).toHaveLength(0);
  });

  it('a missing token says nothing about the FHIR server: it does not open the circuit', async () => {
    const auth = smartAuth(rsaCredentials(await closedPortUrl()));
    const client = new UpstreamClient(clientOptions({ sourceId: 'ehr', baseUrl: fhir.baseUrl, auth, circuitBreaker: { failureThreshold: 1, resetTimeoutMs: 60_000 } }));
    closeAfter.push(client);
    for (let i = 0; i < 3; i++) expect(((await rejection(client.getJson('Patient'))) as UpstreamError).code).toBe('UPSTREAM_AUTH_FAILED');
    expect(client.circuitState).toBe('closed');
  });

  it('a refusal carries the OAuth error code, never the assertion, the token or the description', async () => {
    const tokens = await tokenEndpoint();
    tokens.failWith = { status: 400, error: 'invalid_scope', description: 'echo: eyJhbGciOi...' };
    const err = (await rejection(smartAuth(rsaCredentials(tokens.url)).authorization())) as UpstreamError;
    expect(err.code).toBe('UPSTREAM_AUTH_FAILED');
    expect(err.message).toBe("Upstream 'ehr': no access token: the token endpoint refused the request (HTTP 400, invalid_scope)");
    expect(toGraphQLError(err).extensions).toMatchObject({ source: 'ehr', oauthError: 'invalid_scope', upstreamStatus: 400 });
    expect(JSON.stringify({ message: err.message, extensions: toGraphQLError(err).extensions })).not.toContain('eyJ');
  });

  it('a client the endpoint does not know (wrong client id): invalid_client', async () => {
    const tokens = await tokenEndpoint();
    const err = (await rejection(smartAuth(rsaCredentials(tokens.url, { clientId: 'stranger' })).authorization())) as UpstreamError;
    expect(toGraphQLError(err).extensions).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', oauthError: 'invalid_client', upstreamStatus: 401 });
    expect(tokens.rejected.at(-1)?.reason).toContain('"iss"');
  });

  it('a token endpoint that does not answer in time', async () => {
    const tokens = await tokenEndpoint();
    tokens.latencyMs = 1_000;
    const started = Date.now();
    const err = (await rejection(smartAuth(rsaCredentials(tokens.url), { timeoutMs: 100 }).authorization())) as UpstreamError;
    expect(err.code).toBe('UPSTREAM_AUTH_FAILED');
    expect(err.message).toMatch(/the token endpoint is unreachable: (timed out|headers timeout)$/);
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('discovery without a SMART configuration fails clearly', async () => {
    const err = (await rejection(smartAuth(rsaCredentials(null)).authorization())) as UpstreamError;
    expect(err.code).toBe('UPSTREAM_AUTH_FAILED');
    expect(err.message).toMatch(/^Upstream 'ehr': no access token: \.well-known\/smart-configuration (answered HTTP \d+|names no http\(s\) token_endpoint)$/);
  });

  it('a failed request is not cached: the next call tries again', async () => {
    const tokens = await tokenEndpoint();
    tokens.failWith = { status: 503, error: 'temporarily_unavailable' };
    const auth = smartAuth(rsaCredentials(tokens.url));
    await rejection(auth.authorization());
    tokens.failWith = undefined;
    expect(await auth.authorization()).toBe(`Bearer ${tokens.issued[0]}`);
    expect(tokens.tokenRequests).toBe(2);
  });
});
