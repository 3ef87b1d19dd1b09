// The one request pipeline (src/http/create-yoga.ts): every route — GraphQL, the $graphql endpoints, the FHIR REST API,
// /health, /ready, GraphiQL, unknown paths — is one yoga instance, so the cross-cutting plugins apply to all of them,
// REST works in-process through yoga.fetch, and one failure has one status on every transport.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, isErrorCode, issueTypeOf, statusOf } from '../../src/errors/error-codes.ts';
import { startFixture, type Fixture } from '../helpers/fixture.ts';

let f: Fixture;
const shared = { resourceType: 'Organization', id: 'shared-org', name: 'In both' };

beforeAll(async () => {
  f = await startFixture({ sources: { a: { patients: 5, idPrefix: 'a', resources: [shared] }, b: { patients: 5, idPrefix: 'b', resources: [shared] } } });
});
afterAll(() => f?.stop());

describe('one pipeline', () => {
  it('serves the FHIR REST API in-process through yoga.fetch, no socket involved', async () => {
    const yoga = f.gateway.app.yoga;
    f.resetCalls();
    const read = await yoga.fetch('http://gateway.test/fhir/a/Patient/a-pat-0001');
    expect(read.status).toBe(200);
    expect(read.headers.get('content-type')).toContain('application/fhir+json');
    expect(((await read.json()) as { id: string }).id).toBe('a-pat-0001');
    const search = await yoga.fetch('http://gateway.test/fhir/Patient?_count=3&_sort=family');
    const bundle = (await search.json()) as { type: string; entry: Array<{ fullUrl: string }>; link: Array<{ relation: string; url: string }> };
    expect(bundle.type).toBe('searchset');
    expect(bundle.entry).toHaveLength(3);
    // links are made from the URL the client used (here the in-process one)
    expect(bundle.entry[0]!.fullUrl).toMatch(/^http:\/\/gateway\.test\/fhir\/[ab]\/Patient\//);
    expect(f.calls('a').map((r) => r.url)).toContain('/Patient/a-pat-0001');
  });

  it('gives every route the same request id, security headers and CSP', async () => {
    const routes: Array<[string, RequestInit?]> = [
      ['/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) }],
      ['/fhir/$graphql?query=%7B__typename%7D'],
      ['/fhir/a/Patient/a-pat-0001/$graphql?query=%7Bid%7D'],
      ['/fhir/metadata'],
      ['/fhir/a/Patient/a-pat-0001'],
      ['/fhir/Patient/does-not-exist'],
      ['/health'],
      ['/ready'],
      ['/no/such/path'],
    ];
    for (const [path, init] of routes) {
      const res = await f.fetch(path, { ...init, headers: { ...(init?.headers as Record<string, string>), 'x-request-id': `req-${path.length}` } });
      expect(res.headers.get('x-request-id'), path).toBe(`req-${path.length}`);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('cache-control'), path).toBe('no-store');
      expect(res.headers.get('content-security-policy'), path).toContain("default-src 'none'");
      expect(res.status, path).toBeLessThan(500);
      await res.body?.cancel();
    }
  });

  it('/health and /ready match their exact paths and say why in JSON', async () => {
    const health = await f.fetch('/health');
    expect(await health.json()).toEqual({ status: 'pass' });
    expect(await (await f.fetch('/ready')).json()).toEqual({ status: 'pass' });
    // a REST read of the id "health" is a REST read, not the liveness probe
    const read = await f.fetch('/fhir/a/Organization/health');
    expect(read.status).toBe(404);
    expect(((await read.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
  });

  it('one failure, one status: an id in two sources is 409 multiple-matches on REST and at $graphql instance level, AMBIGUOUS_ID in GraphQL', async () => {
    const rest = await f.fetch('/fhir/Organization/shared-org');
    expect(rest.status).toBe(409);
    const outcome = (await rest.json()) as { issue: Array<{ code: string; diagnostics: string }> };
    expect(outcome.issue[0]!.code).toBe('multiple-matches');
    expect(outcome.issue[0]!.diagnostics).toContain('AMBIGUOUS_ID');

    const instance = await f.fetch('/fhir/Organization/shared-org/$graphql?query=%7Bid%7D');
    expect(instance.status).toBe(409);
    const body = (await instance.json()) as { data: unknown; errors: Array<{ extensions: { code: string; resource: { issue: Array<{ code: string }> } } }> };
    expect(body.data).toBeNull();
    expect(body.errors[0]!.extensions.code).toBe('AMBIGUOUS_ID');
    expect(body.errors[0]!.extensions.resource.issue[0]!.code).toBe('multiple-matches');

    const graphql = await f.gql('{ Organization(id: "shared-org") { id } }');
    expect(graphql.status).toBe(200); // a field error: the response still has data
    expect(graphql.errors?.[0]?.extensions).toMatchObject({ code: 'AMBIGUOUS_ID', resource: { issue: [{ code: 'multiple-matches' }] } });
  });
});

describe('the error table', () => {
  it('gives every code a 4xx/5xx status and an R4 issue type', () => {
    const issueTypes = new Set(['invalid', 'structure', 'required', 'value', 'invariant', 'security', 'login', 'unknown', 'expired', 'forbidden',
      'suppressed', 'processing', 'not-supported', 'duplicate', 'multiple-matches', 'not-found', 'deleted', 'too-long', 'code-invalid',
      'extension', 'too-costly', 'business-rule', 'conflict', 'transient', 'lock-error', 'no-store', 'exception', 'timeout', 'incomplete',
      'throttled', 'informational']);
    expect(ERROR_CODES.length).toBeGreaterThan(30);
    for (const code of ERROR_CODES) {
      expect(isErrorCode(code), code).toBe(true);
      expect(statusOf(code), code).toBeGreaterThanOrEqual(400);
      expect(statusOf(code), code).toBeLessThan(600);
      expect(issueTypes.has(issueTypeOf(code)), code).toBe(true);
    }
    expect(isErrorCode('NO_SUCH_CODE')).toBe(false);
    expect(statusOf('AMBIGUOUS_ID')).toBe(409);
    expect(statusOf('NOT_FOUND', undefined, 410)).toBe(410);
    expect(statusOf('UPSTREAM_ERROR', undefined, 503)).toBe(503);
    expect(statusOf('UPSTREAM_ERROR', undefined, 500)).toBe(502);
  });
});

describe('one body limit for every route (limits.maxBodyBytes)', () => {
  let small: Fixture;
  beforeAll(async () => {
    small = await startFixture({ sources: { a: { patients: 2 } }, config: { limits: { maxBodyBytes: 4096, maxDocumentBytes: 2048 } } });
  });
  afterAll(() => small?.stop());

  const big = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(10_000) } });
  /** The same bytes sent without Content-Length (chunked), so only the streaming bound can catch it. */
  const chunked = () => new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(big));
      controller.close();
    },
  });

  it.each([
    ['/graphql', 'application/json', 'graphql'],
    ['/fhir/$graphql', 'application/json', 'graphql'],
    ['/fhir/a/Patient', 'application/fhir+json', 'fhir'],
  ] as const)('%s: 413 BODY_TOO_LARGE, declared or chunked, nothing upstream', async (path, type, shape) => {
    small.resetCalls();
    for (const body of [big, chunked()]) {
      const res = await small.fetch(path, { method: 'POST', headers: { 'content-type': type }, body, duplex: 'half' } as RequestInit);
      expect(res.status, path).toBe(413);
      const answer = (await res.json()) as { errors?: Array<{ extensions: { code: string } }>; resourceType?: string; issue?: Array<{ diagnostics: string }> };
      if (shape === 'graphql') expect(answer.errors?.[0]?.extensions.code).toBe('BODY_TOO_LARGE');
      else expect(answer.issue?.[0]?.diagnostics).toContain('BODY_TOO_LARGE');
    }
    expect(small.calls()).toEqual([]);
  });

  it('a body under the limit passes on every route', async () => {
    const res = await small.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ PatientList { id } }' }) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { PatientList: unknown[] } }).data.PatientList).toHaveLength(2);
  });
});
