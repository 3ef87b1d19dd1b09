// SMART on FHIR at the gateway's edge, over real sockets: with --auth-issuer every data route (GraphQL, the FHIR REST
// API, $graphql at both levels) needs a valid bearer token — each kind of bad token is 401 with the RFC 6750
// challenge and nothing is asked of any source — while health, readiness, the CapabilityStatement, GraphiQL's page and
// the SMART discovery document stay public. Tokens never reach the log or the upstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { YogaLogger } from 'graphql-yoga';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { startSmartIssuer, type SmartIssuer } from '../helpers/smart-issuer.ts';

let issuer: SmartIssuer;
let f: Fixture;
const lines: string[] = [];
const capture = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
const logger: YogaLogger = { debug: capture, info: capture, warn: capture, error: capture };

beforeAll(async () => {
  issuer = await startSmartIssuer(() => `${f.url}/fhir`);
  f = await startFixture({ sources: { demo: { patients: 3 } }, argv: ['--auth-issuer', issuer.issuer], logger });
});
afterAll(async () => {
  await f?.stop();
  await issuer?.stop();
});

interface Route {
  readonly name: string;
  readonly graphql: boolean;
  send(authorization?: string): Promise<Response>;
}

const ROUTES: Route[] = [
  { name: 'POST /graphql', graphql: true, send: (a) => f.fetch('/graphql', post({ query: '{ PatientList { id } }' }, a)) },
  { name: 'GET /fhir/Patient', graphql: false, send: (a) => f.fetch('/fhir/Patient', { headers: auth(a) }) },
  { name: 'GET /fhir/Patient/pat-0001', graphql: false, send: (a) => f.fetch('/fhir/Patient/pat-0001', { headers: auth(a) }) },
  { name: 'POST /fhir/$graphql', graphql: true, send: (a) => f.fetch('/fhir/$graphql', post({ query: '{ PatientList { id } }' }, a)) },
  { name: 'GET /fhir/Patient/pat-0001/$graphql', graphql: true, send: (a) => f.fetch(`/fhir/Patient/pat-0001/$graphql?query=${encodeURIComponent('{ id }')}`, { headers: auth(a) }) },
];

const auth = (a?: string): Record<string, string> => (a === undefined ? {} : { authorization: a });
const post = (body: unknown, a?: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...auth(a) },
  body: JSON.stringify(body),
});
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('a request without a valid token', () => {
  it('is 401 on every data route, for each kind of bad token, with the challenge and a spec-shaped body, and reaches no source', async () => {
    const now = Math.floor(Date.now() / 1000);
    const stranger = await issuer.newKey('RS256', issuer.keys[0]!.kid);
    const tokens: Array<[string, string | undefined]> = [
      ['no Authorization header', undefined],
      ['another scheme', 'Basic dXNlcjpwYXNz'],
      ['malformed', 'Bearer not.a.jwt'],
      ['bad signature', `Bearer ${await issuer.sign({}, { key: stranger })}`],
      ['alg none', `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: issuer.issuer, aud: `${f.url}/fhir`, exp: now + 600 })}.`],
      ['unknown kid', `Bearer ${await issuer.sign({}, { kid: 'nobody' })}`],
      ['wrong iss', `Bearer ${await issuer.sign({ iss: 'http://127.0.0.1:9/oauth' })}`],
      ['foreign aud', `Bearer ${await issuer.sign({ aud: 'https://elsewhere.example.org/fhir' })}`],
      ['expired', `Bearer ${await issuer.sign({ exp: now - 600, iat: now - 4000 })}`],
      ['nbf in the future', `Bearer ${await issuer.sign({ nbf: now + 900 })}`],
      ['missing exp', `Bearer ${await issuer.sign({ exp: null })}`],
      ['opaque token, no introspection configured', 'Bearer 2YotnFZFEjr1zCsicMWpAA'],
    ];
    f.resetCalls();
    for (const route of ROUTES) {
      for (const [kind, header] of tokens) {
        const res = await route.send(header);
        const what = `${route.name} with ${kind}`;
        expect(res.status, what).toBe(401);
        const challenge = res.headers.get('www-authenticate') ?? '';
        expect(challenge, what).toMatch(/^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/fhir"/);
        if (header === undefined) expect(challenge, what).not.toContain('error=');
        else expect(challenge, what).toContain('error="invalid_token"');
        expect(res.headers.get('x-request-id'), what).toBeTruthy();
        const body = (await res.json()) as any;
        if (route.graphql) {
          expect(body.data, what).toBeUndefined();
          expect(body.errors?.[0]?.extensions?.code, what).toBe('UNAUTHENTICATED');
        } else {
          expect(body.resourceType, what).toBe('OperationOutcome');
          expect(body.issue?.[0]?.code, what).toBe('login');
        }
      }
    }
    expect(f.calls()).toEqual([]);
  });

  it('a valid token whose patient claim names no existing Patient: FORBIDDEN on every data route (REST 403), never data', async () => {
    const header = `Bearer ${await issuer.sign({ scope: 'patient/*.rs', patient: 'no-such-patient' })}`;
    for (const route of ROUTES) {
      const res = await route.send(header);
      const body = (await res.json()) as any;
      // GraphQL: a field error, the request itself was valid (GraphQL over HTTP: 200 with errors); instance-level
      // $graphql: its focus resource could not be read, which is the request's status
      const instance = route.name.includes('/Patient/pat-0001/$graphql');
      expect(res.status, route.name).toBe(route.graphql && !instance ? 200 : 403);
      if (route.graphql) {
        expect(body.data?.PatientList ?? body.data?.id ?? null, route.name).toBeNull();
        expect(body.errors?.[0]?.extensions?.code, route.name).toBe('FORBIDDEN');
        expect(body.errors?.[0]?.message, route.name).toMatch(/'no-such-patient' is not a Patient/);
      } else {
        expect(body.resourceType, route.name).toBe('OperationOutcome');
        expect(body.issue?.[0]?.code, route.name).toBe('forbidden');
      }
      expect(JSON.stringify(body), route.name).not.toMatch(/"(family|given|birthDate)"/);
    }
  });

  it('never writes a token into the log', async () => {
    const token = await issuer.sign({ aud: 'https://elsewhere.example.org/fhir' });
    await ROUTES[0]!.send(`Bearer ${token}`);
    const good = await issuer.sign({ scope: 'user/*.rs' });
    await ROUTES[1]!.send(`Bearer ${good}`);
    const signature = (t: string) => t.split('.')[2]!;
    expect(lines.join('\n')).not.toContain(signature(token));
    expect(lines.join('\n')).not.toContain(signature(good));
  });
});

describe('a valid token', () => {
  it('opens every data route, and is not forwarded upstream', async () => {
    const token = await issuer.sign({ scope: 'user/*.rs' });
    f.resetCalls();
    for (const route of ROUTES) {
      const res = await route.send(`Bearer ${token}`);
      expect(res.status, route.name).toBe(200);
      const body = (await res.json()) as any;
      if (route.graphql) expect(body.errors, route.name).toBeUndefined();
    }
    const calls = f.calls();
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) expect(call.authorization).toBeUndefined(); // the demo source needs no credentials: none are sent
  });
});

describe('public routes', () => {
  it('health, readiness, the CapabilityStatement (also per source) and the GraphiQL page need no token', async () => {
    for (const [path, accept] of [['/health', '*/*'], ['/ready', '*/*'], ['/fhir/metadata', 'application/fhir+json'], ['/fhir/demo/metadata', 'application/fhir+json'], ['/graphql', 'text/html']] as const) {
      const res = await f.fetch(path, { headers: { accept } });
      expect(res.status, path).toBe(200);
      await res.arrayBuffer();
    }
  });

  it('the CapabilityStatement declares the SMART service and the authorization server\'s endpoints (oauth-uris)', async () => {
    const statement = (await (await f.fetch('/fhir/metadata', { headers: { accept: 'application/fhir+json' } })).json()) as any;
    const security = statement.rest[0].security;
    expect(security.service[0].coding[0]).toEqual({ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' });
    const uris = security.extension.find((e: any) => e.url === 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris');
    expect(uris.extension).toEqual(expect.arrayContaining([
      { url: 'authorize', valueUri: `${issuer.issuer}/authorize` },
      { url: 'token', valueUri: `${issuer.issuer}/token` },
    ]));
  });

  it('serves the SMART configuration at both well-known URLs, readable from any origin, with what SMART 2.2 requires', async () => {
    for (const path of ['/.well-known/smart-configuration', '/fhir/.well-known/smart-configuration']) {
      const res = await f.fetch(path, { headers: { origin: 'https://app.example.org' } });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      const doc = (await res.json()) as Record<string, any>;
      expect(doc).toMatchObject({
        issuer: issuer.issuer,
        jwks_uri: issuer.jwksUri,
        authorization_endpoint: `${issuer.issuer}/authorize`,
        token_endpoint: `${issuer.issuer}/token`,
        grant_types_supported: ['authorization_code', 'client_credentials'],
        code_challenge_methods_supported: ['S256'],
      });
      expect(doc.capabilities).toEqual(expect.arrayContaining(['launch-standalone', 'client-public', 'client-confidential-asymmetric', 'permission-v1', 'permission-v2', 'sso-openid-connect']));
      expect(doc.scopes_supported).toEqual(expect.arrayContaining(['patient/*.rs', 'user/*.rs', 'system/*.rs']));
      expect(doc.code_challenge_methods_supported).not.toContain('plain');
    }
  });
});
