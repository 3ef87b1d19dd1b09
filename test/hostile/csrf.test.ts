// CSRF (finding 2): a page of any origin can make the browser POST `application/x-www-form-urlencoded`,
// `multipart/form-data` or `text/plain` without a CORS preflight, with the user's credentials; such mutations executed
// on /graphql and /fhir/$graphql. Now they are 415 UNSUPPORTED_MEDIA_TYPE before the body is read, nothing upstream
// (src/http/use-csrf-prevention.ts), and mutations over GET are 405.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { expectGraphQLError, expectNothingUpstream, expectOutcome, jsonOf } from './hostile-helpers.ts';

const MUTATION = 'mutation { PatientCreate(res: { name: [{ family: "Forged" }] }) { id } }';
const GRAPHQL_ENDPOINTS = ['/graphql', '/fhir/$graphql', '/fhir/%24graphql'] as const;

/** The bodies a cross-site form or a no-cors fetch can send without a preflight. */
function simpleBodies(query: string): Array<{ label: string; headers: Record<string, string>; body: BodyInit }> {
  const boundary = '----hostileBoundary7MA4YWxkTrZu0gW';
  const multipart =
    `--${boundary}\r\nContent-Disposition: form-data; name="query"\r\n\r\n${query}\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query })}\r\n--${boundary}--\r\n`;
  return [
    { label: 'form-urlencoded', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ query }).toString() },
    { label: 'form-urlencoded; charset', headers: { 'content-type': 'Application/X-WWW-Form-Urlencoded; charset=UTF-8' }, body: new URLSearchParams({ query }).toString() },
    { label: 'multipart/form-data', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body: multipart },
    { label: 'text/plain carrying JSON', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query }) },
    { label: 'TEXT/PLAIN;charset=utf-8', headers: { 'content-type': 'TEXT/PLAIN;charset=utf-8' }, body: JSON.stringify({ query }) },
    // a browser sends a Blob without type (sendBeacon, no-cors fetch) with no Content-Type at all
    { label: 'no Content-Type', headers: {}, body: new Blob([JSON.stringify({ query })]) },
    { label: 'a list of types', headers: { 'content-type': 'text/plain, application/json' }, body: JSON.stringify({ query }) },
  ];
}

describe('CSRF-style requests (production)', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ env: { NODE_ENV: 'production' } });
  });
  afterAll(() => f?.stop());
  beforeEach(() => f.resetCalls());

  it('mutations in form, multipart and text/plain bodies: 415 UNSUPPORTED_MEDIA_TYPE on /graphql and /fhir/$graphql, nothing upstream', async () => {
    for (const path of GRAPHQL_ENDPOINTS) {
      for (const { label, headers, body } of simpleBodies(MUTATION)) {
        const { status, body: answer } = await jsonOf(f.fetch(path, { method: 'POST', headers, body }));
        expect(status, `${path} ${label}`).toBe(415);
        const error = expectGraphQLError(answer, 'UNSUPPORTED_MEDIA_TYPE', 'not-supported');
        expect(error.message).toMatch(/application\/json/);
      }
    }
    expectNothingUpstream(f);
    expect(f.upstreams['demo']!.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('the instance level refuses them alike (415, nothing read)', async () => {
    for (const { label, headers, body } of simpleBodies('{ id name { family } }')) {
      const { status, body: answer } = await jsonOf(f.fetch('/fhir/Patient/pat-0001/$graphql', { method: 'POST', headers, body }));
      expect(status, label).toBe(415);
      expectGraphQLError(answer, 'UNSUPPORTED_MEDIA_TYPE');
    }
    expectNothingUpstream(f);
  });

  it('a mutation over GET is 405 with Allow: POST, nothing upstream', async () => {
    for (const path of GRAPHQL_ENDPOINTS) {
      const r = await f.fetch(`${path}?query=${encodeURIComponent(MUTATION)}`, { headers: { accept: 'application/graphql-response+json' } });
      expect(r.status, path).toBe(405);
      expect(r.headers.get('allow')).toBe('POST');
      const body = (await r.json()) as { errors: Array<{ message: string }> };
      expect(body.errors[0]!.message).toMatch(/mutation/i);
    }
    expectNothingUpstream(f);
  });

  it('control: the same mutation as application/json runs (one POST upstream), so the refusals above are what stopped it', async () => {
    const created = await f.gql<{ PatientCreate: { id: string } }>(MUTATION);
    expect(created.status).toBe(200);
    expect(created.data?.PatientCreate.id).toEqual(expect.any(String));
    expect(f.calls().map((c) => `${c.method} ${c.url}`)).toEqual(['POST /Patient']);
    await f.fetch(`/fhir/Patient/${created.data!.PatientCreate.id}`, { method: 'DELETE' }).then((r) => r.text());
  });

  it('REST writes in form or text/plain bodies are 415 (OperationOutcome), nothing forwarded', async () => {
    const resource = JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Forged' }] });
    const bundle = JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry: [{ resource: JSON.parse(resource), request: { method: 'POST', url: 'Patient' } }] });
    const attempts: Array<[string, string, string]> = [
      ['POST', '/fhir/Patient', resource],
      ['PUT', '/fhir/Patient/pat-0001', resource],
      ['POST', '/fhir', bundle],
      ['PATCH', '/fhir/Patient/pat-0001', '[{"op":"replace","path":"/active","value":false}]'],
    ];
    for (const [method, path, body] of attempts) {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        await expectOutcome(f.fetch(path, { method, headers: { 'content-type': type }, body }), 415, 'UNSUPPORTED_MEDIA_TYPE', 'not-supported');
      }
    }
    expectNothingUpstream(f);
  });
});
