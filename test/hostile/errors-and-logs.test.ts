// What the log and the client see (finding 8, and the rule "a 500 is a bug"): a 10,000-level document answered 500
// "Unexpected error." with an 11-line stack trace in the log and no request id. Client mistakes are now 4xx and log
// nothing at warn/error; a genuinely unexpected error is logged once WITH the request id (its stack there only) and
// answered without exception text; an upstream's malformed Bundle is not a TypeError (src/sources/fhir-client.ts,
// src/http/fhir-rest/rest-bundle.ts).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FhirClient } from '../../src/sources/fhir-client.ts';
import type { Fixture } from '../helpers/fixture.ts';
import { jsonOf, loggedFixture, postJson, STACK_FRAME, type LogLine } from './hostile-helpers.ts';

type Json = Record<string, any>;
const SECRET = 'secret-internal-detail-4242';

/** Log lines at warn or error. */
const loud = (log: LogLine[]) => log.filter((l) => l.level === 'warn' || l.level === 'error');

describe('client mistakes: 4xx, nothing logged loud, no stack traces (production)', () => {
  let f: Fixture;
  const log = loggedFixture((fixture) => (f = fixture));

  it('every hostile request of this suite answers 4xx with a request id, and the log stays quiet', async () => {
    log.length = 0;
    const json = { 'content-type': 'application/json' };
    const requests: Array<[string, RequestInit]> = [
      ['/graphql', { method: 'POST', headers: json, body: JSON.stringify({ query: `${'{a'.repeat(10_000)}${'}'.repeat(10_000)}` }) }],
      ['/fhir/$graphql', { method: 'POST', headers: json, body: JSON.stringify({ query: `${'{a'.repeat(10_000)}${'}'.repeat(10_000)}` }) }],
      ['/fhir/Patient/pat-0001/$graphql', { method: 'POST', headers: json, body: JSON.stringify({ query: `${'{a'.repeat(10_000)}${'}'.repeat(10_000)}` }) }],
      ['/graphql', { method: 'POST', headers: json, body: '{"query": "{ __typename }", oops' }],
      ['/graphql', { method: 'POST', headers: json, body: JSON.stringify({ query: `{ ${'a '.repeat(50_000)}}` }) }],
      ['/graphql', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }],
      ['/fhir/Patient', { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: `{"resourceType":"Patient","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}` }],
      ['/fhir/Patient', { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: '{"resourceType": "Patient", oops' }],
      [`/fhir/Patient?name=${'x'.repeat(2000)}`, {}],
      ['/fhir/Patient?_cursor=forged', {}],
      ['/fhir/Patient/%E0%A4%A', {}],
      ['/fhir/Patient/..%2F..%2Fetc%2Fpasswd', {}],
    ];
    for (const [path, init] of requests) {
      const r = await f.fetch(path, init);
      const text = await r.text();
      expect(r.status, `${path.slice(0, 60)}: ${text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(r.status, path.slice(0, 60)).toBeLessThan(500);
      expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(text).not.toMatch(STACK_FRAME);
      expect(text).not.toMatch(/RangeError|SyntaxError|TypeError|originalError|Maximum call stack/);
    }
    expect(loud(log)).toEqual([]);
    expect(log.filter((l) => STACK_FRAME.test(l.text))).toEqual([]);
  });
});

describe('a genuinely unexpected error: logged once with the request id, answered without exception text', () => {
  let f: Fixture;
  const log = loggedFixture((fixture) => (f = fixture));
  beforeEach(() => {
    log.length = 0;
  });
  afterEach(() => {
    vi.restoreAllMocks();
    f.upstreams['demo']!.setFault(undefined);
  });

  /** The one error line of the log: it names the request id and carries the original (message and stack). */
  function expectLoggedOnce(requestId: string, original: RegExp): void {
    const errors = log.filter((l) => l.level === 'error');
    expect(errors, JSON.stringify(log)).toHaveLength(1);
    expect(errors[0]!.text).toContain(requestId);
    expect(errors[0]!.text).toMatch(original);
    expect(errors[0]!.text).toMatch(STACK_FRAME);
  }

  it('a bug below the GraphQL resolvers (a TypeError in the FHIR client): "Unexpected error." at the field, on every GraphQL endpoint', async () => {
    vi.spyOn(FhirClient.prototype, 'read').mockRejectedValue(new TypeError(`${SECRET} is not a function`));
    const cases: Array<[string, string, unknown[]]> = [
      ['/graphql', '{ Patient(id: "pat-0001") { id } }', ['Patient']],
      ['/fhir/$graphql', '{ Patient(id: "pat-0001") { id } }', ['Patient']],
      ['/fhir/Patient/pat-0001/$graphql', '{ id }', []],
    ];
    for (const [path, query, errorPath] of cases) {
      log.length = 0;
      const r = await postJson(f, path, { query }, { 'x-request-id': 'client-req-0001' });
      const text = await r.text();
      expect(text).not.toContain(SECRET);
      expect(text).not.toMatch(STACK_FRAME);
      expect(text).not.toMatch(/TypeError|originalError/);
      const body = JSON.parse(text) as Json;
      expect(r.status, text).toBeLessThan(500); // a field error: the response carries data (null)
      expect(body.errors).toHaveLength(1);
      expect(body.errors[0]).toMatchObject({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      expect(body.errors[0].path ?? []).toEqual(errorPath);
      expect(r.headers.get('x-request-id')).toBe('client-req-0001');
      expectLoggedOnce('client-req-0001', new RegExp(SECRET));
    }
  });

  it('the same bug on the REST API: 500 OperationOutcome naming only the request id; logged once', async () => {
    vi.spyOn(FhirClient.prototype, 'exchange').mockRejectedValue(new TypeError(`${SECRET} is not a function`));
    const r = await f.fetch('/fhir/Patient/pat-0001');
    const text = await r.text();
    expect(r.status).toBe(500);
    expect(text).not.toContain(SECRET);
    expect(text).not.toMatch(STACK_FRAME);
    const id = r.headers.get('x-request-id')!;
    const body = JSON.parse(text) as Json;
    expect(body).toEqual({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'exception', diagnostics: expect.stringContaining(id) }],
    });
    expectLoggedOnce(id, new RegExp(SECRET));
  });

  it('an upstream answering data the schema cannot hold (gender: {}, active: "yes"): masked per field, logged once each with the request id', async () => {
    f.upstreams['demo']!.setFault(({ url }) =>
      url.startsWith('/Patient/pat-0001')
        ? { kind: 'status', status: 200, headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Patient', id: 'pat-0001', gender: { evil: SECRET }, active: 'yes', birthDate: '2000-01-01' }) }
        : undefined);
    const r = await postJson(f, '/graphql', { query: '{ Patient(id: "pat-0001") { id gender active birthDate } }' });
    const text = await r.text();
    expect(r.status).toBe(200);
    expect(text).not.toContain(SECRET);
    const body = JSON.parse(text) as Json;
    expect(body.data).toEqual({ Patient: { id: 'pat-0001', gender: null, active: null, birthDate: '2000-01-01' } });
    expect(body.errors.map((e: Json) => [e.path, e.message, e.extensions.code])).toEqual([
      [['Patient', 'gender'], 'Unexpected error.', 'INTERNAL_SERVER_ERROR'],
      [['Patient', 'active'], 'Unexpected error.', 'INTERNAL_SERVER_ERROR'],
    ]);
    const id = r.headers.get('x-request-id')!;
    const errors = log.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(2);
    for (const line of errors) expect(line.text).toContain(id);
  });

  it('a hostile x-request-id (too long, odd characters) is replaced, never echoed into headers or logs', async () => {
    vi.spyOn(FhirClient.prototype, 'exchange').mockRejectedValue(new TypeError('boom'));
    for (const given of ['x'.repeat(500), 'abc def', 'a"b<script>', '../../etc']) {
      log.length = 0;
      const r = await f.fetch('/fhir/Patient/pat-0001', { headers: { 'x-request-id': given } });
      await r.text();
      const id = r.headers.get('x-request-id')!;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(log.map((l) => l.text).join('\n')).not.toContain(given);
      expectLoggedOnce(id, /boom/);
    }
  });
});

describe('malformed upstream Bundles are not a 500 (they were TypeErrors)', () => {
  let f: Fixture;
  const log = loggedFixture((fixture) => (f = fixture));
  afterEach(() => f.upstreams['demo']!.setFault(undefined));

  const bundles: Record<string, unknown> = {
    'entry [null]': { resourceType: 'Bundle', type: 'searchset', entry: [null, 5, 'x', { resource: null }, { resource: 'x' }] },
    'link [null], link.url a number': { resourceType: 'Bundle', type: 'searchset', link: [null, 7, { relation: 'next', url: 42 }], entry: [] },
    'link and entry not arrays, total a string': { resourceType: 'Bundle', type: 'searchset', link: 'x', entry: { a: 1 }, total: 'many' },
    'search a string': { resourceType: 'Bundle', type: 'searchset', total: 1, entry: [{ search: 'x', resource: { resourceType: 'Patient', id: 'p1' } }] },
  };

  for (const [label, bundle] of Object.entries(bundles)) {
    it(`search answered with ${label}: GraphQL and REST answer what is usable, nothing logged as an error`, async () => {
      log.length = 0;
      f.upstreams['demo']!.setFault(({ url }) =>
        url.startsWith('/Patient?') ? { kind: 'status', status: 200, headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(bundle) } : undefined);
      const g = await f.gql<Json>('{ PatientConnection(_count: 2) { count next edges { resource { id } } } }');
      expect(g.status).toBe(200);
      expect(g.errors, JSON.stringify(g)).toBeUndefined();
      expect(g.data!.PatientConnection.next).toBeNull();
      const rest = await jsonOf<Json>(f.fetch('/fhir/Patient?_count=2'));
      expect(rest.status).toBe(200);
      expect(rest.body.resourceType).toBe('Bundle');
      expect(rest.body.link.map((l: Json) => l.relation)).toEqual(['self']);
      expect(log.filter((l) => l.level === 'error')).toEqual([]);
    });
  }

  it('history and batch responses with null links and entries: 200 with what is usable', async () => {
    const weird = { link: [null, 5, { relation: 'next', url: 7 }], entry: [null, 5, { resource: null, response: null }, { response: { location: 5 } }] };
    f.upstreams['demo']!.setFault(({ url, method }) => {
      if (url.includes('/_history')) return { kind: 'status', status: 200, headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Bundle', type: 'history', ...weird }) };
      if (method === 'POST' && url === '/') return { kind: 'status', status: 200, headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Bundle', type: 'batch-response', ...weird }) };
      return undefined;
    });
    const history = await jsonOf<Json>(f.fetch('/fhir/Patient/pat-0001/_history'));
    expect(history.status).toBe(200);
    expect(history.body.link).toEqual([]);
    const batch = await jsonOf<Json>(f.fetch('/fhir', { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry: [] }) }));
    expect(batch.status).toBe(200);
    expect(batch.body.resourceType).toBe('Bundle');
    expect(log.filter((l) => l.level === 'error')).toEqual([]);
  });
});
