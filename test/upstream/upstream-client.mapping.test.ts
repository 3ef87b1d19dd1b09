import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/upstream/upstream-error.ts';
import { outcome, rejection, useMockUpstream } from './helpers.ts';
import { toGraphQLError } from '../../src/graphql/graphql-errors.ts';

const mock = useMockUpstream();
const { client, sequence } = mock;

describe('UpstreamClient with MockAgent: success paths', () => {
  it('joins a base URL with a path prefix and sends FHIR JSON headers plus the source headers', async () => {
    const state = sequence('/fhir/Patient', 'GET', [{ status: 200, body: { resourceType: 'Bundle', type: 'searchset' } }]);
    const res = await client().request({ method: 'GET', path: 'Patient?_id=a,b' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ resourceType: 'Bundle', type: 'searchset' });
    expect(state.seen[0]?.path).toBe('/fhir/Patient?_id=a,b');
    expect(state.seen[0]?.headers).toMatchObject({ accept: 'application/fhir+json', authorization: 'Bearer s3cret-token' });
    expect(state.seen[0]?.headers['content-type']).toBeUndefined();
  });

  it('treats a leading slash as relative to the base and ignores a trailing slash on baseUrl', async () => {
    const state = sequence('/fhir/metadata', 'GET', [{ status: 200, body: { resourceType: 'CapabilityStatement' } }]);
    const c = client({ baseUrl: 'http://fhir.test/fhir/' });
    expect(c.baseUrl).toBe('http://fhir.test/fhir');
    await c.getJson('/metadata');
    expect(state.seen[0]?.path).toBe('/fhir/metadata');
  });

  it('follows an absolute next link inside the base URL', async () => {
    const state = sequence('/fhir', 'GET', [{ status: 200, body: { resourceType: 'Bundle' } }]);
    await client().getJson('http://fhir.test/fhir?_getpages=abc&_getpagesoffset=20');
    expect(state.seen[0]?.path).toBe('/fhir?_getpages=abc&_getpagesoffset=20');
  });

  it.each([
    'http://evil.test/fhir/Patient?page=2',
    'https://fhir.test/fhir/Patient',
    'http://fhir.test/other/Patient',
    'http://fhir.test/fhirx/Patient',
    'http://user:pw@fhir.test/fhir/Patient',
    '../admin',
    'Patient/../../admin',
  ])('rejects %s without sending anything', async (path) => {
    const err = await rejection(client().request({ method: 'GET', path }));
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).code).toBe('UPSTREAM_BAD_RESPONSE');
    expect((err as UpstreamError).message).not.toContain('evil');
  });

  it('sends content-type with a body, lets request headers override, and parses the answer', async () => {
    const state = sequence('/fhir/Patient/1', 'PUT', [{ status: 200, body: { resourceType: 'Patient', id: '1' } }]);
    const res = await client().request({
      method: 'PUT',
      path: 'Patient/1',
      body: JSON.stringify({ resourceType: 'Patient', id: '1' }),
      headers: { 'If-Match': 'W/"1"' },
    });
    expect(res.body).toEqual({ resourceType: 'Patient', id: '1' });
    expect(state.seen[0]?.headers).toMatchObject({ 'content-type': 'application/fhir+json', 'if-match': 'W/"1"' });
  });

  it('resolves with an undefined body for 204 and for an empty 200', async () => {
    sequence('/fhir/Patient/1', 'DELETE', [{ status: 204 }]);
    sequence('/fhir/Patient/2', 'DELETE', [{ status: 200 }]);
    expect((await client().request({ method: 'DELETE', path: 'Patient/1' })).body).toBeUndefined();
    expect((await client().request({ method: 'DELETE', path: 'Patient/2' })).body).toBeUndefined();
  });

  it('resolves for 304', async () => {
    sequence('/fhir/Patient/1', 'GET', [{ status: 304 }]);
    const res = await client().request({ method: 'GET', path: 'Patient/1', headers: { 'if-none-match': 'W/"1"' } });
    expect(res.status).toBe(304);
    expect(res.body).toBeUndefined();
  });
});

describe('UpstreamClient with MockAgent: error mapping', () => {
  it.each([
    [404, 'NOT_FOUND'],
    [410, 'NOT_FOUND'],
    [400, 'UPSTREAM_BAD_REQUEST'],
    [422, 'UPSTREAM_BAD_REQUEST'],
    [401, 'UPSTREAM_UNAUTHORIZED'],
    [403, 'UPSTREAM_UNAUTHORIZED'],
    [409, 'UPSTREAM_CONFLICT'],
    [412, 'UPSTREAM_CONFLICT'],
    [500, 'UPSTREAM_ERROR'],
    [405, 'UPSTREAM_ERROR'],
    [418, 'UPSTREAM_ERROR'],
  ] as const)('maps %i to %s, without retrying', async (status, code) => {
    const state = sequence('/fhir/Patient/1', 'GET', [{ status, body: '<html>oops</html>', headers: { 'content-type': 'text/html' } }]);
    const err = (await rejection(client().request({ method: 'GET', path: 'Patient/1?secret=ident' }))) as UpstreamError;
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.code).toBe(code);
    expect(err.upstreamStatus).toBe(status);
    expect(err.sourceId).toBe('demo');
    expect(err.message).toBe(`Upstream 'demo' answered ${status} to GET Patient/1`);
    expect(toGraphQLError(err).extensions['code']).toBe(code);
    expect(state.calls).toBe(1);
  });

  it("uses the upstream's OperationOutcome and its diagnostics for the message", async () => {
    const oo = outcome('Unknown search parameter: foo');
    sequence('/fhir/Patient', 'GET', [{ status: 400, body: oo }]);
    const err = (await rejection(client().request({ method: 'GET', path: 'Patient?foo=1234567' }))) as UpstreamError;
    expect(err.code).toBe('UPSTREAM_BAD_REQUEST');
    expect(err.message).toBe("Upstream 'demo' answered 400 to GET Patient: Unknown search parameter: foo");
    expect(err.outcome).toEqual(oo);
    expect(toGraphQLError(err).extensions['resource']).toMatchObject({ resourceType: 'OperationOutcome', issue: expect.arrayContaining((oo as { issue: unknown[] }).issue) });
    expect(err.message).not.toContain('1234567');
    expect(err.message).not.toContain('s3cret');
  });

  it('falls back to details.text and truncates long diagnostics', async () => {
    const long = 'x'.repeat(1000);
    sequence('/fhir/Patient/1', 'PUT', [
      { status: 422, body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', details: { text: long } }] } },
    ]);
    const err = (await rejection(client().request({ method: 'PUT', path: 'Patient/1', body: '{}' }))) as UpstreamError;
    expect(err.code).toBe('UPSTREAM_BAD_REQUEST');
    expect(err.message.length).toBeLessThan(400);
    expect(err.message).toMatch(/^Upstream 'demo' answered 422 to PUT Patient\/1: x+…$/);
  });

  it('builds its own OperationOutcome when the error body is not one', async () => {
    sequence('/fhir/Patient/1', 'GET', [{ status: 404, body: { resourceType: 'Patient', id: '1', name: [{ family: 'Secret' }] } }]);
    const err = (await rejection(client().request({ method: 'GET', path: 'Patient/1' }))) as UpstreamError;
    expect(err.code).toBe('NOT_FOUND');
    expect(err.outcome.resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(err.outcome)).not.toContain('Secret');
  });

  it('maps invalid JSON to UPSTREAM_BAD_RESPONSE without quoting the body', async () => {
    sequence('/fhir/Patient/1', 'GET', [{ status: 200, body: '{"resourceType":"Patient","name":"Secret' }]);
    const err = (await rejection(client().request({ method: 'GET', path: 'Patient/1' }))) as UpstreamError;
    expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(err.upstreamStatus).toBe(200);
    expect(err.message).not.toContain('Secret');
    expect(toGraphQLError(err).originalError).toBeUndefined();
  });

  it('maps a non-JSON content type to UPSTREAM_BAD_RESPONSE', async () => {
    sequence('/fhir/Patient/1', 'GET', [{ status: 200, body: '<html></html>', headers: { 'content-type': 'text/html' } }]);
    const err = (await rejection(client().request({ method: 'GET', path: 'Patient/1' }))) as UpstreamError;
    expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(err.message).toContain("'text/html'");
  });

  it('getJson: an empty body or a non-object is UPSTREAM_BAD_RESPONSE', async () => {
    sequence('/fhir/Patient/1', 'GET', [{ status: 200 }]);
    sequence('/fhir/Patient/2', 'GET', [{ status: 200, body: [1, 2] }]);
    sequence('/fhir/Patient/3', 'GET', [{ status: 200, body: 'null' }]);
    for (const path of ['Patient/1', 'Patient/2', 'Patient/3']) {
      const err = (await rejection(client().getJson(path))) as UpstreamError;
      expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
    }
  });

  it('maps a network error to UPSTREAM_UNAVAILABLE (after retrying a GET)', async () => {
    const econnreset = Object.assign(new Error('read ECONNRESET 10.0.0.1:443'), { code: 'ECONNRESET' });
    mock.pool.intercept({ path: '/fhir/Patient/1', method: 'GET' }).replyWithError(econnreset).times(3);
    const err = (await rejection(client().request({ method: 'GET', path: 'Patient/1' }))) as UpstreamError;
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(err.message).toBe("Upstream 'demo' is unavailable for GET Patient/1: connection reset");
    expect(mock.agent.pendingInterceptors()).toHaveLength(0); // all 3 attempts used
  });
});
