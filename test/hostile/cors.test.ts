// CORS (finding 3): any Origin (`null` too) was reflected with credentials and every preflighted method and header
// allowed, while the REST API sent no CORS at all. Now an allow-list from config (`cors.origins`, default none),
// `null` never, credentials only when configured, the same on /graphql, the FHIR REST API and $graphql
// (src/http/use-cors.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from '../helpers/fixture.ts';

const APP = 'https://app.example.org';
const FOREIGN = [
  'https://evil.example.com',
  'null',
  'http://app.example.org', // another scheme is another origin
  'https://app.example.org.evil.example.com',
  'https://evil.example.com/https://app.example.org',
  'https://app.example.org:8443',
  'https://APP.EXAMPLE.ORG',
  `${APP}, https://evil.example.com`,
  '*',
];

interface Probe {
  readonly label: string;
  readonly path: string;
  readonly init: RequestInit;
}

/** One request per route: GraphQL POST and GET, REST read, REST search, REST error, $graphql, instance $graphql, health. */
function probes(origin: string): Probe[] {
  const json = { 'content-type': 'application/json', origin };
  const query = JSON.stringify({ query: '{ __typename }' });
  return [
    { label: 'POST /graphql', path: '/graphql', init: { method: 'POST', headers: json, body: query } },
    { label: 'GET /graphql', path: `/graphql?query=${encodeURIComponent('{ __typename }')}`, init: { headers: { origin } } },
    { label: 'REST read', path: '/fhir/Patient/pat-0001', init: { headers: { origin } } },
    { label: 'REST search', path: '/fhir/Patient?_count=1', init: { headers: { origin } } },
    { label: 'REST error', path: '/fhir/NoSuchType/1', init: { headers: { origin } } },
    { label: 'POST /fhir/$graphql', path: '/fhir/$graphql', init: { method: 'POST', headers: json, body: query } },
    { label: 'instance $graphql', path: '/fhir/Patient/pat-0001/$graphql', init: { method: 'POST', headers: json, body: JSON.stringify({ query: '{ id }' }) } },
    { label: 'health', path: '/health', init: { headers: { origin } } },
  ];
}

function preflight(f: Fixture, path: string, origin: string, method = 'POST', headers = 'content-type, authorization'): Promise<Response> {
  return f.fetch(path, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
  });
}

const PREFLIGHT_PATHS = ['/graphql', '/fhir/Patient', '/fhir/Patient/pat-0001', '/fhir/$graphql', '/fhir/Patient/pat-0001/$graphql'];

function expectNoCors(r: Response, label: string): void {
  for (const name of ['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-allow-methods', 'access-control-allow-headers', 'access-control-expose-headers']) {
    expect(r.headers.get(name), `${label}: ${name}`).toBeNull();
  }
}

describe('CORS, default config: no cross-origin access at all', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ env: { NODE_ENV: 'production' } });
  });
  afterAll(() => f?.stop());

  it('no CORS header for any origin on any route (and the answers themselves are unchanged)', async () => {
    for (const origin of [APP, ...FOREIGN]) {
      for (const { label, path, init } of probes(origin)) {
        const r = await f.fetch(path, init);
        await r.text();
        expect(r.status, `${origin} ${label}`).toBeLessThan(500);
        expectNoCors(r, `${origin} ${label}`);
      }
    }
  });

  it('preflights are 403 without CORS headers, from any origin, on every route', async () => {
    f.resetCalls();
    for (const origin of [APP, 'null', 'https://evil.example.com']) {
      for (const path of PREFLIGHT_PATHS) {
        for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'GET']) {
          const r = await preflight(f, path, origin, method);
          expect(r.status, `${origin} ${method} ${path}`).toBe(403);
          expectNoCors(r, `${origin} ${method} ${path}`);
          expect(await r.text()).toBe('');
        }
      }
    }
    expect(f.calls()).toEqual([]);
  });
});

describe('CORS with cors: { origins: [app], credentials: true }', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ env: { NODE_ENV: 'production' }, config: { cors: { origins: [APP], credentials: true } } });
  });
  afterAll(() => f?.stop());

  it('the allowed origin gets its own origin back, credentials, exposed headers and Vary: Origin on every route', async () => {
    for (const { label, path, init } of probes(APP)) {
      const r = await f.fetch(path, init);
      await r.text();
      expect(r.status, label).toBeLessThan(500);
      expect(r.headers.get('access-control-allow-origin'), label).toBe(APP);
      expect(r.headers.get('access-control-allow-credentials'), label).toBe('true');
      expect(r.headers.get('access-control-expose-headers'), label).toMatch(/x-request-id/);
      expect(r.headers.get('vary'), label).toMatch(/\bOrigin\b/i);
    }
  });

  it('other origins — null, look-alikes, other schemes and ports, lists, "*" — get nothing (but Vary: Origin)', async () => {
    for (const origin of FOREIGN) {
      for (const { label, path, init } of probes(origin)) {
        const r = await f.fetch(path, init);
        await r.text();
        expectNoCors(r, `${origin} ${label}`);
        expect(r.headers.get('vary'), `${origin} ${label}`).toMatch(/\bOrigin\b/i);
      }
    }
  });

  it('a request without Origin (same-origin, curl) gets no CORS headers', async () => {
    const r = await f.fetch('/fhir/Patient/pat-0001');
    await r.text();
    expect(r.status).toBe(200);
    expectNoCors(r, 'no origin');
  });

  it('a preflight from the allowed origin is 204 listing methods and headers; from any other origin 403 with nothing', async () => {
    f.resetCalls();
    for (const path of PREFLIGHT_PATHS) {
      const ok = await preflight(f, path, APP, 'DELETE');
      expect(ok.status, path).toBe(204);
      expect(ok.headers.get('access-control-allow-origin')).toBe(APP);
      expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
      expect(ok.headers.get('access-control-allow-methods')!.split(/,\s*/)).toEqual(expect.arrayContaining(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']));
      expect(ok.headers.get('access-control-allow-headers')!.split(/,\s*/)).toEqual(
        expect.arrayContaining(['content-type', 'authorization', 'if-match', 'if-none-exist', 'prefer']),
      );
      expect(ok.headers.get('access-control-max-age')).toBe('600');
      expect(ok.headers.get('vary')).toMatch(/\bOrigin\b/i);
      // the preflight does not echo what it was asked for
      const odd = await preflight(f, path, APP, 'PROPFIND', 'x-evil, cookie');
      expect(odd.headers.get('access-control-allow-methods')).not.toMatch(/PROPFIND/);
      expect(odd.headers.get('access-control-allow-headers')).not.toMatch(/x-evil|cookie/);
      for (const origin of FOREIGN) {
        const refused = await preflight(f, path, origin);
        expect(refused.status, `${origin} ${path}`).toBe(403);
        expectNoCors(refused, `${origin} ${path}`);
      }
    }
    expect(f.calls()).toEqual([]);
  });
});

describe('CORS with cors: { origins: ["*"] } (any origin, never credentials)', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ env: { NODE_ENV: 'production' }, config: { cors: { origins: ['*'] } } });
  });
  afterAll(() => f?.stop());

  it('any origin gets `*` (never its own origin echoed, never credentials); `null` gets nothing', async () => {
    for (const origin of ['https://evil.example.com', APP]) {
      for (const { label, path, init } of probes(origin)) {
        const r = await f.fetch(path, init);
        await r.text();
        expect(r.headers.get('access-control-allow-origin'), `${origin} ${label}`).toBe('*');
        expect(r.headers.get('access-control-allow-credentials'), `${origin} ${label}`).toBeNull();
      }
      const ok = await preflight(f, '/graphql', origin);
      expect(ok.status).toBe(204);
      expect(ok.headers.get('access-control-allow-origin')).toBe('*');
      expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    }
    const nul = await f.fetch('/fhir/Patient/pat-0001', { headers: { origin: 'null' } });
    await nul.text();
    expectNoCors(nul, 'null');
    expect((await preflight(f, '/graphql', 'null')).status).toBe(403);
  });

  it('credentials with "*" is a startup error (config)', async () => {
    await expect(startFixture({ config: { cors: { origins: ['*'], credentials: true } } })).rejects.toThrow(/credentials/);
  });
});
