// The audit trail's REST route in a real yoga instance (in-process fetch), on SQLite and PostgreSQL: who may read
// it, searchset Bundles and their links, one event, append-only (405), bad parameters (400), no database (501).
import { validateResource } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { openDatabase } from '../../src/db/database.ts';
import { ensureFhirDefinitions } from '../../src/demo/fhir-definitions.ts';
import type { FhirContext } from '../../src/fhir/fhir-context.ts';
import { ANONYMOUS, type Viewer } from '../../src/fhir/viewer.ts';
import { setPublicRoot } from '../../src/http/request-meta.ts';
import { mayReadAuditTrail, useAuditEvents } from '../../src/http/use-audit-events.ts';
import { testBackends } from '../db/helpers.ts';
import { insertRows, NEWEST_FIRST, trail } from './helpers.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const backends = testBackends('audit_route');
const ORIGIN = 'http://gateway.test';

/** The test's stand-in for use-auth.ts: `x-test-scopes` makes a token viewer with those scopes, none is anonymous. */
function viewerOf(request: Request): Viewer {
  const scopes = request.headers.get('x-test-scopes');
  if (scopes === null) return ANONYMOUS;
  return {
    kind: 'token', issuer: 'https://issuer.test', subject: 'auditor-1', clientId: 'audit-app', fhirUser: 'Practitioner/auditor',
    scopes: scopes.split(' ').filter((s) => s !== ''), patient: undefined, expiresAt: Math.floor(Date.now() / 1000) + 3600,
  };
}

/** Sets the public root the way use-public-root.ts would (from a trusted proxy's headers). */
const publicRoot: Plugin = {
  onRequest({ request }) {
    const root = request.headers.get('x-test-public-root');
    if (root !== null) setPublicRoot(request, root);
  },
};

function yogaWith(db: Db | null, logged: string[] = [], maxCount = 100) {
  return createYoga({
    schema: createSchema({ typeDefs: 'type Query { hello: String }', resolvers: { Query: { hello: () => 'world' } } }),
    graphqlEndpoint: '/graphql',
    graphiql: false,
    landingPage: false,
    logging: false,
    plugins: [
      publicRoot,
      useAuditEvents({
        db, fhirBasePath: '/fhir', log: (m) => logged.push(m), maxCount,
        contextOf: (request) => ({ viewer: viewerOf(request) }) as unknown as FhirContext,
      }),
    ],
  });
}

async function call(yoga: ReturnType<typeof yogaWith>, path: string, init: { method?: string; scopes?: string; headers?: Record<string, string>; body?: string } = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.scopes !== undefined) headers['x-test-scopes'] = init.scopes;
  const res = await yoga.fetch(path.startsWith('http') ? path : `${ORIGIN}${path}`, { method: init.method ?? 'GET', headers, ...(init.body !== undefined && { body: init.body }) });
  const text = await res.text();
  return { res, status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as Json };
}

function expectOutcome(body: Json, issueCode: string, text: RegExp): void {
  expect(body.resourceType).toBe('OperationOutcome');
  expect(body.issue.some((i: Json) => i.code === issueCode && text.test(i.diagnostics ?? i.details?.text ?? ''))).toBe(true);
}

const entryIds = (bundle: Json) => (bundle.entry ?? []).map((e: Json) => e.resource.id);

describe.each(backends)('useAuditEvents on $dialect', (backend) => {
  let db: Db;
  let yoga: ReturnType<typeof yogaWith>;
  const logged: string[] = [];

  beforeAll(async () => {
    db = await openDatabase(backend.fresh());
    await insertRows(db, trail());
    yoga = yogaWith(db, logged);
  });
  afterAll(async () => {
    await db?.close();
    expect(logged).toEqual([]); // nothing unexpected happened
  });

  it('refuses a token without an audit scope: 403 FORBIDDEN OperationOutcome', async () => {
    for (const scopes of ['', 'openid fhirUser', 'user/Patient.rs user/Observation.read', 'patient/AuditEvent.rs', 'patient/*.read', 'user/AuditEvent.rs?subtype=read', 'user/AuditEvent.cud', 'user/AuditEvent.write', 'openid system/*.rs', 'user/*.*']) {
      const { res, status, body } = await call(yoga, '/fhir/AuditEvent', { scopes });
      expect(status, scopes).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
      expectOutcome(body, 'forbidden', /grants no search of the audit trail.*user\/AuditEvent\.rs.*\[FORBIDDEN\]/);
      const one = await call(yoga, '/fhir/AuditEvent/ev-a', { scopes });
      expect(one.status, scopes).toBe(403);
      expectOutcome(one.body, 'forbidden', /grants no read of the audit trail/);
    }
  });

  it('answers a searchset Bundle to user/AuditEvent.rs, system/AuditEvent.read (named: a * type does not open it), and anonymous (no auth)', async () => {
    for (const scopes of ['user/AuditEvent.rs', 'system/AuditEvent.read', 'user/*.rs user/AuditEvent.s', undefined]) {
      const { res, status, body } = await call(yoga, '/fhir/AuditEvent', scopes === undefined ? {} : { scopes });
      expect(status, scopes).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-request-id')).toBeTruthy();
      expect(body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 8 });
      expect(entryIds(body)).toEqual(NEWEST_FIRST);
    }
    expect(mayReadAuditTrail(ANONYMOUS, 's')).toBe(true);
  });

  it('checks read and search apart: .r reads one event, .s searches', async () => {
    expect((await call(yoga, '/fhir/AuditEvent/ev-a', { scopes: 'user/AuditEvent.r' })).status).toBe(200);
    expect((await call(yoga, '/fhir/AuditEvent', { scopes: 'user/AuditEvent.r' })).status).toBe(403);
    expect((await call(yoga, '/fhir/AuditEvent', { scopes: 'system/AuditEvent.s' })).status).toBe(200);
    expect((await call(yoga, '/fhir/AuditEvent/ev-a', { scopes: 'system/AuditEvent.s' })).status).toBe(403);
  });

  it('fills entries with valid AuditEvents under the public base, and pages with self / next / previous links', async () => {
    const headers = { 'x-test-public-root': 'https://public.example/gw' };
    const first = await call(yoga, '/fhir/AuditEvent?patient=p1,p2&_count=2', { scopes: 'user/AuditEvent.rs', headers });
    expect(first.status).toBe(200);
    expect(first.body.total).toBeUndefined();
    expect(entryIds(first.body)).toEqual(['ev-c', 'ev-b']);
    const entry = first.body.entry[0];
    expect(entry.fullUrl).toBe('https://public.example/gw/fhir/AuditEvent/ev-c');
    expect(entry.search).toEqual({ mode: 'match' });
    expect(entry.resource).toMatchObject({ resourceType: 'AuditEvent', id: 'ev-c', subtype: [{ code: 'operation' }, { code: '$graphql' }], action: 'R' });
    expect(entry.resource.agent.at(-1).network).toEqual({ address: 'https://public.example/gw/fhir', type: '5' });
    ensureFhirDefinitions();
    for (const e of first.body.entry) expect(() => validateResource(e.resource as Resource)).not.toThrow();

    const links = Object.fromEntries(first.body.link.map((l: Json) => [l.relation, l.url]));
    expect(links).toEqual({
      self: 'https://public.example/gw/fhir/AuditEvent?patient=p1%2Cp2&_count=2&_offset=0',
      next: 'https://public.example/gw/fhir/AuditEvent?patient=p1%2Cp2&_count=2&_offset=2',
    });
    // follow next links to the end (the public root is the test's own, so ask the origin for the same path)
    const seen = [...entryIds(first.body)];
    let next: string | undefined = links.next;
    let last: Json = first.body;
    while (next !== undefined) {
      const page = await call(yoga, next.replace('https://public.example/gw', ORIGIN), { scopes: 'user/AuditEvent.rs', headers });
      expect(page.status).toBe(200);
      seen.push(...entryIds(page.body));
      last = page.body;
      next = page.body.link.find((l: Json) => l.relation === 'next')?.url;
    }
    expect(seen).toEqual(['ev-c', 'ev-b', 'ev-g', 'ev-a', 'ev-d']);
    expect(last.total).toBe(5);
    expect(last.link.find((l: Json) => l.relation === 'previous').url).toBe('https://public.example/gw/fhir/AuditEvent?patient=p1%2Cp2&_count=2&_offset=2');

    // without a public root set: the request's own origin
    const plain = await call(yoga, '/fhir/AuditEvent?_count=1');
    expect(plain.body.entry[0].fullUrl).toBe(`${ORIGIN}/fhir/AuditEvent/ev-c`);
    expect(plain.body.link[0].url).toBe(`${ORIGIN}/fhir/AuditEvent?_count=1&_offset=0`);
  });

  it('caps _count at maxCount', async () => {
    const small = yogaWith(db, logged, 3);
    const { body } = await call(small, '/fhir/AuditEvent?_count=1000');
    expect(entryIds(body)).toEqual(NEWEST_FIRST.slice(0, 3));
    expect(body.link.find((l: Json) => l.relation === 'next').url).toBe(`${ORIGIN}/fhir/AuditEvent?_count=3&_offset=3`);
  });

  it('searches with POST _search and a form body, like GET', async () => {
    const { status, body } = await call(yoga, '/fhir/AuditEvent/_search?_count=10', {
      method: 'POST', scopes: 'user/AuditEvent.rs', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'agent=user-1&date=ge2026-12-06',
    });
    expect(status).toBe(200);
    expect(entryIds(body)).toEqual(['ev-c', 'ev-g', 'ev-a']);
    const json = await call(yoga, '/fhir/AuditEvent/_search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(415);
    expect((await call(yoga, '/fhir/AuditEvent/_search')).status).toBe(405);
    expect((await call(yoga, '/fhir/AuditEvent/_search', { method: 'POST', scopes: 'user/Patient.rs' })).status).toBe(403);
  });

  it('reads one event, and answers 404 for one that is not in the trail', async () => {
    const { res, status, body } = await call(yoga, '/fhir/AuditEvent/ev-d', { scopes: 'system/AuditEvent.read' });
    expect(status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(body).toMatchObject({ resourceType: 'AuditEvent', id: 'ev-d', action: 'C', outcome: '8', outcomeDesc: 'FORBIDDEN: no create Observation' });
    ensureFhirDefinitions();
    expect(() => validateResource(body as Resource)).not.toThrow();
    expect((await call(yoga, '/fhir/AuditEvent/ev-d/')).body.id).toBe('ev-d'); // a trailing slash

    const missing = await call(yoga, '/fhir/AuditEvent/ev-zzz', { scopes: 'system/AuditEvent.read' });
    expect(missing.status).toBe(404);
    expectOutcome(missing.body, 'not-found', /AuditEvent\/ev-zzz is not in the audit trail/);
    const invalid = await call(yoga, '/fhir/AuditEvent/a_b');
    expect(invalid.status).toBe(400);
    expectOutcome(invalid.body, 'invalid', /not a valid FHIR id/);
  });

  it('refuses writes with 405 and allow: GET: the trail is append-only', async () => {
    const writes: Array<[method: string, path: string]> = [
      ['POST', '/fhir/AuditEvent'], ['PUT', '/fhir/AuditEvent'], ['PATCH', '/fhir/AuditEvent'], ['DELETE', '/fhir/AuditEvent'],
      ['PUT', '/fhir/AuditEvent/ev-a'], ['PATCH', '/fhir/AuditEvent/ev-a'], ['DELETE', '/fhir/AuditEvent/ev-a'], ['POST', '/fhir/AuditEvent/ev-a'],
    ];
    for (const [method, path] of writes) {
      for (const scopes of ['user/AuditEvent.cruds', undefined]) {
        const { res, status, body } = await call(yoga, path, {
          method, ...(scopes !== undefined && { scopes }), headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'AuditEvent' }),
        });
        expect(status, `${method} ${path}`).toBe(405);
        expect(res.headers.get('allow')).toBe('GET');
        expectOutcome(body, 'not-supported', /append-only/);
      }
    }
    expect((await call(yoga, '/fhir/AuditEvent/ev-a')).status).toBe(200); // still there
    expect((await call(yoga, '/fhir/AuditEvent')).body.total).toBe(8);
  });

  it('answers bad parameters with 400 OperationOutcomes naming them', async () => {
    const cases: Array<[string, RegExp]> = [
      ['foo=bar', /Unknown AuditEvent search parameter 'foo'/],
      ['date=ne2026', /prefix 'ne' is not supported/],
      ['date=2026-13-01', /not a FHIR date/],
      ['_sort=agent', /_sort 'agent' is not supported/],
      ['_count=many', /'_count' must be a whole number/],
      ['patient:missing=true', /modifier/],
      ['outcome=1', /not one of 0, 4, 8, 12/],
    ];
    for (const [query, message] of cases) {
      const { res, status, body } = await call(yoga, `/fhir/AuditEvent?${query}`, { scopes: 'user/AuditEvent.rs' });
      expect(status, query).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
      expectOutcome(body, 'invalid', message);
    }
    expect((await call(yoga, '/fhir/AuditEvent?_format=xml')).status).toBe(406);
    expect((await call(yoga, '/fhir/AuditEvent?_format=json')).status).toBe(200);
  });

  it('has no history or operations (501), and nothing deeper (404)', async () => {
    for (const path of ['/fhir/AuditEvent/_history', '/fhir/AuditEvent/ev-a/_history', '/fhir/AuditEvent/ev-a/_history/1', '/fhir/AuditEvent/$export']) {
      expect((await call(yoga, path)).status, path).toBe(501);
    }
    const deeper = await call(yoga, '/fhir/AuditEvent/ev-a/Patient');
    expect(deeper.status).toBe(404);
    expectOutcome(deeper.body, 'not-found', /No FHIR interaction/);
  });

  it('answers percent-encoded spellings of its paths, and leaves every other path alone', async () => {
    expect((await call(yoga, '/fhir/Audit%45vent/ev-a')).body.id).toBe('ev-a');
    for (const path of ['/fhir/Patient', '/fhir/AuditEvents', '/fhir/hospital/AuditEvent', '/AuditEvent', '/fhirAuditEvent']) {
      const res = await yoga.fetch(`${ORIGIN}${path}`);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type') ?? '', path).not.toMatch(/fhir\+json/);
    }
  });
});

describe('useAuditEvents without a database', () => {
  const yoga = yogaWith(null);

  it('answers 501 NOT_IMPLEMENTED to a reader, after the scope check, and 405 to writes', async () => {
    for (const path of ['/fhir/AuditEvent', '/fhir/AuditEvent/ev-a']) {
      const { status, body } = await call(yoga, path, { scopes: 'user/AuditEvent.rs' });
      expect(status).toBe(501);
      expectOutcome(body, 'not-supported', /audit trail is not stored \(no database\)/);
      expect((await call(yoga, path)).status).toBe(501);
      expect((await call(yoga, path, { scopes: 'user/Patient.rs' })).status).toBe(403);
      expect((await call(yoga, path, { method: 'DELETE' })).status).toBe(405);
    }
  });
});
