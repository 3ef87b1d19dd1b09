// What an answer gives away (findings 10 and 11):
// - invalid JSON bodies got `extensions.originalError` (the JS SyntaxError, quoting part of the body) in production;
// - `X-Forwarded-Host` from any client rewrote Bundle links and fullUrls (now only from trustedProxies, or replaced
//   by a configured publicBaseUrl);
// - patient data came without `Cache-Control: no-store` / `X-Content-Type-Options: nosniff` (now on every answer,
//   with a CSP);
// - an upstream's error text was passed through verbatim (now only an upstream OperationOutcome is; an HTML or stack
//   trace body gives our own message).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { expectGraphQLError, expectOutcome, jsonOf, postJson, rawRequest, STACK_FRAME } from './hostile-helpers.ts';

type Json = Record<string, any>;

const BODY_SECRET = 'patient-ssn-123-45-6789';

describe('invalid JSON bodies (production): no originalError, no exception text', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ env: { NODE_ENV: 'production' } });
  });
  afterAll(() => f?.stop());

  const INVALID = [
    `{"query": "{ __typename }", "variables": {"ssn": "${BODY_SECRET}"} oops`,
    `{"query": "${BODY_SECRET}`,
    '\u0000\u0001',
    '{"query": "{ __typename }",}',
  ];
  const MISSHAPEN = ['null', '[]', '"x"', '42', '{"query": 5}', '{"query": {"a": 1}}', '{"query": "{ __typename }", "variables": "x"}', '{"query": "{ __typename }", "operationName": 7}', '{}'];

  it('GraphQL endpoints answer 400 with a message of their own, whatever the Accept header', async () => {
    for (const path of ['/graphql', '/fhir/$graphql', '/fhir/Patient/pat-0001/$graphql']) {
      for (const body of [...INVALID, ...MISSHAPEN]) {
        for (const accept of ['application/graphql-response+json', 'application/json', '*/*']) {
          const r = await postJson(f, path, body, { accept });
          const text = await r.text();
          // invalid JSON is 400 for every client; a well-formed request without a usable query is a GraphQL-over-HTTP
          // "request error", 200 under the legacy application/json (and */*), 400 under graphql-response+json
          const legacy = accept !== 'application/graphql-response+json' && MISSHAPEN.includes(body);
          expect(r.status, `${path} ${accept} ${body.slice(0, 30)}: ${text.slice(0, 200)}`).toBe(legacy && r.status === 200 ? 200 : 400);
          expect(text).not.toContain(BODY_SECRET);
          expect(text).not.toMatch(/originalError|SyntaxError|Unexpected token|is not valid JSON|position \d/);
          expect(text).not.toMatch(STACK_FRAME);
          const parsed = JSON.parse(text) as Json;
          expect(parsed.errors[0].extensions.code).toMatch(/^(BAD_REQUEST|OPERATION_RESOLUTION_FAILURE)$/);
        }
      }
    }
  });

  it('the REST API answers an OperationOutcome without exception text (create, update, batch, patch, _search)', async () => {
    const json = { 'content-type': 'application/fhir+json' };
    for (const body of INVALID) {
      for (const [method, path, headers] of [
        ['POST', '/fhir/Patient', json],
        ['PUT', '/fhir/Patient/pat-0001', json],
        ['POST', '/fhir', json],
        ['PATCH', '/fhir/Patient/pat-0001', { 'content-type': 'application/json-patch+json' }],
      ] as const) {
        const outcome = await expectOutcome(f.fetch(path, { method, headers, body }), 400, 'INVALID_JSON', 'structure');
        const text = JSON.stringify(outcome);
        expect(text).not.toContain(BODY_SECRET);
        expect(text).not.toMatch(/SyntaxError|Unexpected token|position \d/);
      }
    }
    for (const body of ['null', '[]', '42', '{"resourceType": 5}', '{"name": "x"}']) {
      await expectOutcome(f.fetch('/fhir/Patient', { method: 'POST', headers: json, body }), 400, 'NOT_A_RESOURCE');
    }
  });
});

describe('forwarding headers and the public URL', () => {
  const SPOOF = { 'x-forwarded-host': 'evil.example.com', 'x-forwarded-proto': 'https', forwarded: 'host=evil.example.com;proto=https' };

  /** Every URL a client is handed by a REST search, a create and a paged GraphQL search. */
  async function urlsOf(f: Fixture, headers: Record<string, string>): Promise<string[]> {
    const search = await jsonOf<Json>(f.fetch('/fhir/Patient?_count=2', { headers }));
    const created = await f.fetch('/fhir/Patient', { method: 'POST', headers: { ...headers, 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Patient' }) });
    await created.text();
    const read = await f.fetch('/fhir/Patient/pat-0001', { headers });
    await read.text();
    return [
      ...search.body.link.map((l: Json) => l.url as string),
      ...search.body.entry.map((e: Json) => e.fullUrl as string),
      created.headers.get('location')!,
      read.headers.get('content-location')!,
    ];
  }

  it('a client\'s X-Forwarded-Host / -Proto / Forwarded are ignored by default', async () => {
    const f = await startFixture({ env: { NODE_ENV: 'production' } });
    try {
      const urls = await urlsOf(f, SPOOF);
      expect(urls.length).toBeGreaterThan(4);
      for (const url of urls) expect(url.startsWith(`${f.url}/fhir/`), url).toBe(true);
    } finally {
      await f.stop();
    }
  });

  it('from a trusted proxy (trustedProxies: [127.0.0.1]) X-Forwarded-Host / -Proto are honoured; malformed ones are not', async () => {
    const f = await startFixture({ env: { NODE_ENV: 'production' }, config: { trustedProxies: ['127.0.0.1'] } });
    try {
      const urls = await urlsOf(f, { 'x-forwarded-host': 'gw.example.org', 'x-forwarded-proto': 'https' });
      for (const url of urls) expect(url.startsWith('https://gw.example.org/fhir/'), url).toBe(true);
      // the first of several values (the client's own, as the proxy appended it)
      for (const url of await urlsOf(f, { 'x-forwarded-host': 'gw.example.org:8443, other.example.org' })) {
        expect(url.startsWith('http://gw.example.org:8443/fhir/'), url).toBe(true);
      }
      // values that are not a host or a scheme fall back to the request's own
      const malformed: Array<Record<string, string>> = [
        { 'x-forwarded-host': 'evil.example.com/x?y=', 'x-forwarded-proto': 'javascript' },
        { 'x-forwarded-host': 'user@evil.example.com' },
        { 'x-forwarded-host': '"><script>' },
      ];
      for (const headers of malformed) {
        for (const url of await urlsOf(f, headers)) expect(url.startsWith(`${f.url}/fhir/`), `${JSON.stringify(headers)} ${url}`).toBe(true);
      }
    } finally {
      await f.stop();
    }
  });

  it('a trusted proxy list that does not hold the peer is not trust', async () => {
    const f = await startFixture({ env: { NODE_ENV: 'production' }, config: { trustedProxies: ['10.0.0.1'] } });
    try {
      for (const url of await urlsOf(f, SPOOF)) expect(url.startsWith(`${f.url}/fhir/`), url).toBe(true);
    } finally {
      await f.stop();
    }
  });

  it('a configured publicBaseUrl is used for every link, whatever the client sends (forwarding headers, Host)', async () => {
    const f = await startFixture({ env: { NODE_ENV: 'production' }, config: { publicBaseUrl: 'https://public.example.org/base', trustedProxies: ['127.0.0.1'] } });
    try {
      for (const url of await urlsOf(f, SPOOF)) expect(url.startsWith('https://public.example.org/base/fhir/'), url).toBe(true);
      const raw = await rawRequest(f.url, { path: '/fhir/Patient?_count=1', headers: { host: 'evil.example.com' } });
      expect(raw.status).toBe(200);
      for (const link of (JSON.parse(raw.body) as Json).link) expect(link.url.startsWith('https://public.example.org/base/fhir/')).toBe(true);
    } finally {
      await f.stop();
    }
  });
});

describe('security headers on every answer', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ env: { NODE_ENV: 'production' }, config: { cors: { origins: ['https://app.example.org'] } } });
  });
  afterAll(() => f?.stop());

  it('no-store, nosniff, no-referrer and a CSP on GraphQL, $graphql, REST, errors, health, readiness, preflights, 404s, 405s, 413s', async () => {
    const json = { 'content-type': 'application/json' };
    const requests: Array<[string, string, RequestInit]> = [
      ['graphql 200', '/graphql', { method: 'POST', headers: json, body: JSON.stringify({ query: '{ Patient(id: "pat-0001") { id name { family } } }' }) }],
      ['graphql GET', `/graphql?query=${encodeURIComponent('{ __typename }')}`, {}],
      ['graphql 400', '/graphql', { method: 'POST', headers: json, body: '{' }],
      ['graphql 405', `/graphql?query=${encodeURIComponent('mutation { PatientDelete(id: "x") { id } }')}`, {}],
      ['graphql 413', '/graphql', { method: 'POST', headers: json, body: JSON.stringify({ query: `{ ${'a '.repeat(60_000)}}` }) }],
      ['graphql 415', '/graphql', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }],
      ['$graphql', '/fhir/$graphql', { method: 'POST', headers: json, body: JSON.stringify({ query: '{ Patient(id: "pat-0001") { id } }' }) }],
      ['instance $graphql', '/fhir/Patient/pat-0001/$graphql', { method: 'POST', headers: json, body: JSON.stringify({ query: '{ id }' }) }],
      ['instance $graphql 404', '/fhir/Patient/nope/$graphql', { method: 'POST', headers: json, body: JSON.stringify({ query: '{ id }' }) }],
      ['REST read', '/fhir/Patient/pat-0001', {}],
      ['REST search', '/fhir/Patient?_count=2', {}],
      ['REST 404', '/fhir/Patient/nope', {}],
      ['REST 400', '/fhir/Patient?_count=-1', {}],
      ['REST 405', '/fhir/metadata', { method: 'DELETE' }],
      ['REST 406', '/fhir/Patient/pat-0001?_format=xml', {}],
      ['REST 501', '/fhir/Patient/$everything', {}],
      ['metadata', '/fhir/metadata', {}],
      ['health', '/health', {}],
      ['ready', '/ready', {}],
      ['unknown route', '/nope', {}],
      ['preflight 204', '/graphql', { method: 'OPTIONS', headers: { origin: 'https://app.example.org', 'access-control-request-method': 'POST' } }],
      ['preflight 403', '/graphql', { method: 'OPTIONS', headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' } }],
    ];
    for (const [label, path, init] of requests) {
      const r = await f.fetch(path, init);
      await r.text();
      expect(r.headers.get('cache-control'), label).toBe('no-store');
      expect(r.headers.get('x-content-type-options'), label).toBe('nosniff');
      expect(r.headers.get('referrer-policy'), label).toBe('no-referrer');
      expect(r.headers.get('content-security-policy'), label).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(r.headers.get('x-request-id'), label).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('the answer to a request the pipeline cannot build (bad Host) carries them too', async () => {
    const raw = await rawRequest(f.url, { path: '/health', headers: { host: 'a b' } });
    expect(raw.status).toBe(400);
    expect(raw.headers['cache-control']).toBe('no-store');
    expect(raw.headers['x-content-type-options']).toBe('nosniff');
    expect(raw.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
  });
});

describe('upstream error texts are not passed through (finding 11)', () => {
  let f: Fixture;
  const HTML = `<html><body><h1>500 Internal Server Error</h1><pre>${BODY_SECRET} at com.vendor.Fhir.read(Fhir.java:42)</pre></body></html>`;
  const STACK = `TypeError: Cannot read properties of undefined (reading '${BODY_SECRET}')\n    at handler (/srv/fhir/app.js:10:5)\n    at process.processTicksAndRejections (node:internal)`;
  beforeAll(async () => {
    f = await startFixture({ env: { NODE_ENV: 'production' }, config: {}, sourceDefaults: { circuitBreaker: { failureThreshold: 0 }, retries: 0 } });
  });
  afterAll(() => f?.stop());
  afterEach(() => f.upstreams['demo']!.setFault(undefined));

  const fault = (status: number, body: string, type: string) =>
    f.upstreams['demo']!.setFault(({ url }) => (url.startsWith('/Patient') ? { kind: 'status', status, body, headers: { 'content-type': type } } : undefined));

  for (const [label, body, type] of [['HTML', HTML, 'text/html'], ['a JS stack trace', STACK, 'text/plain'], ['a JSON non-outcome', JSON.stringify({ error: BODY_SECRET, stack: STACK }), 'application/json']] as const) {
    for (const status of [500, 502, 400, 404, 409]) {
      it(`an upstream ${status} with ${label}: GraphQL and REST give our message, not the body`, async () => {
        fault(status, body, type);
        for (const query of ['{ Patient(id: "pat-0001") { id } }', '{ PatientList(_count: 2) { id } }']) {
          const r = await postJson(f, '/graphql', { query });
          const text = await r.text();
          expect(r.status).toBe(200);
          expect(text).not.toContain(BODY_SECRET);
          expect(text).not.toMatch(/<html|<pre>|\.java:|app\.js/);
          const error = (JSON.parse(text) as Json).errors[0];
          expect(error.message).toMatch(/Upstream 'demo' answered \d{3}|not found|NOT_FOUND|No Patient/i);
          expect(error.extensions.source).toBe('demo');
        }
        for (const path of ['/fhir/Patient/pat-0001', '/fhir/Patient?_count=2', '/fhir/Patient/pat-0001/_history']) {
          const r = await f.fetch(path);
          const text = await r.text();
          expect(r.status, `${path}: ${text}`).toBeGreaterThanOrEqual(400);
          expect(r.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
          expect(text).not.toContain(BODY_SECRET);
          expect(text).not.toMatch(/<html|<pre>|\.java:|app\.js/);
          expect((JSON.parse(text) as Json).resourceType).toBe('OperationOutcome');
        }
      });
    }
  }

  it('writes too: an upstream 500 with HTML to a create / update / delete is answered with our OperationOutcome', async () => {
    f.upstreams['demo']!.setFault(({ method }) => (method !== 'GET' ? { kind: 'status', status: 500, body: HTML, headers: { 'content-type': 'text/html' } } : undefined));
    const json = { 'content-type': 'application/fhir+json' };
    for (const [method, path, body] of [
      ['POST', '/fhir/Patient', JSON.stringify({ resourceType: 'Patient' })],
      ['PUT', '/fhir/Patient/pat-0001', JSON.stringify({ resourceType: 'Patient', id: 'pat-0001' })],
      ['DELETE', '/fhir/Patient/pat-0001', undefined],
      ['POST', '/fhir', JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry: [] })],
    ] as const) {
      const r = await f.fetch(path, { method, headers: json, ...(body !== undefined ? { body } : {}) });
      const text = await r.text();
      expect(r.status, `${method} ${path}`).toBe(502);
      expect(text).not.toContain(BODY_SECRET);
      expect((JSON.parse(text) as Json).resourceType).toBe('OperationOutcome');
    }
    const g = await f.gql<Json>('mutation { PatientCreate(res: { name: [{ family: "X" }] }) { id } }');
    expect(JSON.stringify(g)).not.toContain(BODY_SECRET);
    expect(g.errors![0]!.extensions?.['code']).toBe('UPSTREAM_ERROR');
  });

  it('an upstream OperationOutcome is passed on (issues first), as the HL7 page wants', async () => {
    const outcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'processing', diagnostics: 'Upstream says: invalid birthdate' }] };
    fault(400, JSON.stringify(outcome), 'application/fhir+json');
    const rest = await expectOutcome(f.fetch('/fhir/Patient?_count=2'), 400, 'UPSTREAM_BAD_REQUEST');
    expect(rest.issue[0]).toEqual(outcome.issue[0]);
    const g = await f.gql<Json>('{ PatientList(_count: 2) { id } }');
    const error = expectGraphQLErrorAt(g);
    expect(error.extensions?.['resource']).toMatchObject(outcome);
  });
});

function expectGraphQLErrorAt(g: { errors?: Array<{ extensions?: Record<string, any> }> }) {
  expect(g.errors).toHaveLength(1);
  expectGraphQLError({ errors: g.errors as never }, 'UPSTREAM_BAD_REQUEST');
  return g.errors![0]!;
}
