// The FHIR $graphql endpoints over real sockets: gateway -> Medplum FHIR server on loopback. Each answer is checked
// against what /graphql gives for the same query (one pipeline), or against the upstream's own data.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from '../helpers/fixture.ts';

type Json = Record<string, any>;
interface Answer {
  status: number;
  contentType: string | null;
  requestId: string | null;
  body: Json;
}

let f: Fixture;

async function answer(res: Response): Promise<Answer> {
  return { status: res.status, contentType: res.headers.get('content-type'), requestId: res.headers.get('x-request-id'), body: (await res.json()) as Json };
}

/** GET with the GraphQL parameters in the query string, as the FHIR operation is invoked. */
function get(path: string, params: { query?: string; variables?: object; operationName?: string; [k: string]: unknown }, headers: Record<string, string> = {}) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) search.set(key, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return fetch(`${f.url}${path}?${search}`, { headers }).then(answer);
}

function postJson(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${f.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  }).then(answer);
}

function postGraphql(path: string, query: string, headers: Record<string, string> = {}) {
  return fetch(`${f.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/graphql', ...headers }, body: query }).then(answer);
}

/** The same request to /graphql, from a client that accepts application/graphql-response+json. */
function viaGraphql(body: { query: string; variables?: object; operationName?: string }) {
  return postJson('/graphql', body, { accept: 'application/graphql-response+json' });
}

const TWO_OPERATIONS = /* GraphQL */ `
  query Page($n: Int, $family: String) {
    PatientList(_count: $n, _sort: "family", family: $family) { id name { family given } gender }
  }
  query One { Patient(id: "pat-0001") { id } }
`;

beforeAll(async () => {
  // maxDepth 6, so that a too-deep query is short to write; every other query here stays within it
  f = await startFixture({ sources: { hospital: { patients: 12 } }, config: { limits: { maxDepth: 6 } } });
});
afterAll(() => f?.stop());
beforeEach(() => f.resetCalls());

describe('system level [base]/$graphql', () => {
  const variables = { n: 4 };

  it('GET with query, variables and operationName answers what /graphql answers, as application/json', async () => {
    const expected = await viaGraphql({ query: TWO_OPERATIONS, variables, operationName: 'Page' });
    expect(expected.status).toBe(200);
    expect(expected.body['data']['PatientList']).toHaveLength(4);

    const res = await get('/fhir/$graphql', { query: TWO_OPERATIONS, variables, operationName: 'Page' });
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual(expected.body);
    expect(res.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('accepts the percent-encoded form /fhir/%24graphql', async () => {
    const res = await get('/fhir/%24graphql', { query: TWO_OPERATIONS, operationName: 'One' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { Patient: { id: 'pat-0001' } } });
  });

  it('POST application/json with variables and operationName', async () => {
    const expected = await viaGraphql({ query: TWO_OPERATIONS, variables, operationName: 'Page' });
    const res = await postJson('/fhir/$graphql', { query: TWO_OPERATIONS, variables, operationName: 'Page' });
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual(expected.body);
  });

  it('POST application/graphql (the raw query as the body)', async () => {
    const query = '{ PatientList(_count: 3, _sort: "family") { id name { family } } }';
    const expected = await viaGraphql({ query });
    const res = await postGraphql('/fhir/$graphql', query);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expected.body);
  });

  it('runs a query written for HAPI / Medplum $graphql unchanged (GET and POST)', async () => {
    const family = (await f.direct('hospital', 'Patient/pat-0003')).body['name'][0]['family'] as string;
    const query = `{ PatientList(name: "${family}") { id name { family given } } }`;
    const expectedIds = ((await f.direct('hospital', `Patient?name=${family}`)).body['entry'] as Json[]).map((e) => e['resource']['id']);

    const viaGet = await get('/fhir/$graphql', { query });
    const viaPost = await postJson('/fhir/$graphql', { query });
    for (const res of [viaGet, viaPost]) {
      expect(res.status).toBe(200);
      expect(res.body['errors']).toBeUndefined();
      const list = res.body['data']['PatientList'] as Json[];
      expect(list.map((p) => p['id']).sort()).toEqual(expectedIds.sort());
      expect(list.find((p) => p['id'] === 'pat-0003')!['name'][0]['family']).toBe(family);
    }
  });

  it('answers JSON whatever the Accept header (a FHIR client asks for application/fhir+json, a browser for HTML)', async () => {
    for (const accept of ['application/fhir+json', 'text/html', '*/*']) {
      const res = await get('/fhir/$graphql', { query: '{ Patient(id: "pat-0002") { id } }' }, { accept });
      expect(res.status).toBe(200);
      expect(res.contentType).toBe('application/json; charset=utf-8');
      expect(res.body).toEqual({ data: { Patient: { id: 'pat-0002' } } });
    }
  });

  it('echoes a sane x-request-id', async () => {
    const res = await get('/fhir/$graphql', { query: '{ Patient(id: "pat-0002") { id } }' }, { 'x-request-id': 'abc-123' });
    expect(res.requestId).toBe('abc-123');
  });
});

describe('instance level [base]/[Type]/[id]/$graphql', () => {
  const FOCUS_QUERY = '{ id name { family given } ObservationList(_reference: subject, _count: 100) { id subject { reference } } }';

  it('GET: the resource is the root of the query, with reverse references, as Patient(id:) would give it', async () => {
    const expected = await viaGraphql({ query: `{ Patient(id: "pat-0003") ${FOCUS_QUERY} }` });
    f.resetCalls();
    const res = await get('/fhir/Patient/pat-0003/$graphql', { query: FOCUS_QUERY });
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual({ data: expected.body['data']['Patient'] });
    expect(res.body['data']['ObservationList'].length).toBeGreaterThan(0);
    expect(res.body['data']['ObservationList'].every((o: Json) => o['subject']['reference'] === 'Patient/pat-0003')).toBe(true);
    expect(f.calls()).toHaveLength(2); // the read and one reverse-reference search, batched as on /graphql
  });

  it('POST with a fragment spread at the top level, variables and operationName', async () => {
    const query = /* GraphQL */ `
      query Focus($n: Int) {
        ...Person
        ObservationList(_reference: subject, _count: $n) { id }
      }
      query Other { id }
      fragment Person on Patient { id gender name { family } }
    `;
    const res = await postJson('/fhir/Patient/pat-0004/$graphql', { query, variables: { n: 2 }, operationName: 'Focus' });
    expect(res.status).toBe(200);
    expect(res.body['errors']).toBeUndefined();
    const patient = (await f.direct<Json>('hospital', 'Patient/pat-0004')).body;
    expect(res.body['data']).toEqual({
      id: 'pat-0004',
      gender: patient['gender'],
      name: patient['name'].map((n: Json) => ({ family: n['family'] ?? null })),
      ObservationList: [expect.objectContaining({ id: expect.any(String) }), expect.objectContaining({ id: expect.any(String) })],
    });

    const other = await postGraphql('/fhir/Patient/pat-0004/$graphql', '{ __typename ...on Patient { id } }');
    expect(other.body).toEqual({ data: { __typename: 'Patient', id: 'pat-0004' } });
  });

  it('an unknown id: data null with a NOT_FOUND error (no path: the root itself), HTTP 404 as for a FHIR read', async () => {
    const res = await get('/fhir/Patient/no-such-patient/$graphql', { query: '{ id name { family } }' });
    expect(res.status).toBe(404);
    expect(res.contentType).toBe('application/json; charset=utf-8');
    expect(res.body['data']).toBeNull();
    expect(res.body['errors']).toHaveLength(1);
    const [error] = res.body['errors'];
    expect(error['extensions']['code']).toBe('NOT_FOUND');
    expect(error['extensions']['resource']['resourceType']).toBe('OperationOutcome');
    expect(error['path']).toBeUndefined();
    expect(error['locations']).toBeUndefined(); // the root field is not in the client's text
  });

  it('field errors keep their data and lose the root from their path; warnings too', async () => {
    const res = await get('/fhir/Patient/pat-0005/$graphql', {
      query: '{ id ObservationList(_reference: subject, _count: 100000) { id } bad: ObservationList(_reference: subject, _count: -1) { id } }',
    });
    expect(res.status).toBe(200);
    expect(res.body['data']['id']).toBe('pat-0005');
    expect(res.body['data']['bad']).toBeNull();
    expect(res.body['errors']).toEqual([expect.objectContaining({ path: ['bad'], extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
    expect(res.body['extensions']['warnings']).toEqual([expect.objectContaining({ code: 'COUNT_CAPPED', path: ['ObservationList'] })]);
  });

  it('validation errors point into the client text and are 400', async () => {
    const res = await postJson('/fhir/Patient/pat-0001/$graphql', { query: 'query Q {\n  id\n  notAField\n}' });
    expect(res.status).toBe(400);
    expect(res.body['errors']).toEqual([
      expect.objectContaining({
        message: 'Cannot query field "notAField" on type "Patient".',
        locations: [{ line: 3, column: 3 }],
        extensions: {
          code: 'GRAPHQL_VALIDATION_FAILED',
          resource: {
            resourceType: 'OperationOutcome',
            issue: [{ severity: 'error', code: 'invalid', diagnostics: 'Cannot query field "notAField" on type "Patient".' }],
          },
        },
      }),
    ]);
    const sameLine = await postGraphql('/fhir/Patient/pat-0001/$graphql', '{ id notAField }');
    expect(sameLine.body['errors'][0]['locations']).toEqual([{ line: 1, column: 6 }]); // not shifted by the root field
    const syntax = await postGraphql('/fhir/Patient/pat-0001/$graphql', '{ id ');
    expect(syntax.status).toBe(400);
    expect(syntax.body['errors'][0]['extensions']['code']).toBe('GRAPHQL_PARSE_FAILED');
    expect(syntax.body['errors'][0]['locations']).toEqual([{ line: 1, column: 6 }]);
  });

  it('mutations are refused at instance level (400)', async () => {
    const res = await postJson('/fhir/Patient/pat-0001/$graphql', { query: 'mutation { id }' });
    expect(res.status).toBe(400);
    expect(res.body['errors'][0]['extensions']['code']).toBe('BAD_REQUEST');
  });

  it('reads from one source with [base]/[sourceId]/[Type]/[id]/$graphql or ?_source=', async () => {
    for (const res of [
      await get('/fhir/hospital/Patient/pat-0002/$graphql', { query: '{ id sourceId }' }),
      await get('/fhir/Patient/pat-0002/$graphql', { query: '{ id sourceId }', _source: 'hospital' }),
    ]) {
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ data: { id: 'pat-0002', sourceId: 'hospital' } });
    }
  });

  it('URL problems are FHIR errors: an unknown type or source 404, an invalid id 400, with an OperationOutcome', async () => {
    const cases: Array<[string, Record<string, string>, number, string]> = [
      ['/fhir/NotAType/x1/$graphql', {}, 404, 'not-found'],
      ['/fhir/patient/x1/$graphql', {}, 404, 'not-found'], // types are PascalCase
      ['/fhir/nowhere/Patient/x1/$graphql', {}, 404, 'not-found'],
      ['/fhir/Patient/$graphql', {}, 404, 'not-found'], // type level is not defined by the spec
      ['/fhir/Patient/not_an_id!/$graphql', {}, 400, 'invalid'],
      ['/fhir/Patient/x1/$graphql', { _source: 'nowhere' }, 400, 'invalid'],
    ];
    for (const [path, extra, status, code] of cases) {
      const res = await get(path, { query: '{ id }', ...extra }, { 'x-request-id': 'req-1' });
      expect([path, res.status]).toEqual([path, status]);
      expect(res.contentType).toBe('application/fhir+json; charset=utf-8');
      expect(res.requestId).toBe('req-1');
      expect(res.body).toEqual({ resourceType: 'OperationOutcome', issue: [expect.objectContaining({ severity: 'error', code })] });
    }
    expect(f.calls()).toHaveLength(0);
  });
});

describe('one pipeline: HTTP errors and limits as on /graphql', () => {
  it('request problems are 400 with a GraphQL errors body, as /graphql answers them', async () => {
    const cases: Array<[string, (path: string) => Promise<Answer>]> = [
      ['bad JSON', (path) => postJson(path, '{"query": ')],
      ['no query', (path) => postJson(path, { variables: {} })],
      ['no query (GET)', (path) => get(path, {})],
      ['a query that is not a string', (path) => postJson(path, { query: 42 })],
    ];
    for (const [label, send] of cases) {
      const graphql = await send('/graphql');
      for (const path of ['/fhir/$graphql', '/fhir/Patient/pat-0001/$graphql']) {
        const res = await send(path);
        expect([label, path, res.status]).toEqual([label, path, 400]);
        expect(res.contentType).toBe('application/json; charset=utf-8');
        expect(res.body['errors'][0]['extensions']['code']).toBe('BAD_REQUEST');
        expect(res.body['errors'][0]['message']).toBe(graphql.body['errors'][0]['message']);
      }
    }
  });

  it('a wrong method is 405 with Allow, as on /graphql', async () => {
    const res = await fetch(`${f.url}/fhir/$graphql`, { method: 'PUT', body: '{}' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST');
    expect(((await res.json()) as Json)['errors'][0]['extensions']['code']).toBe('BAD_REQUEST');
  });

  it('query limits apply at both levels (QUERY_TOO_DEEP, 400, nothing sent upstream)', async () => {
    const deep = '{ generalPractitioner { resource { ... on Practitioner { qualification { issuer { resource { ... on Organization { id } } } } } } } }';
    const system = await get('/fhir/$graphql', { query: `{ PatientList { id ${deep.slice(1, -1)} } }` });
    expect(system.status).toBe(400);
    expect(system.body['errors']).toHaveLength(1);
    expect(system.body['errors'][0]['extensions']).toEqual(expect.objectContaining({ code: 'QUERY_TOO_DEEP', limit: 6 }));
    // at instance level the focus resource is the first level, as in Patient(id:) { ... }
    const instance = await get('/fhir/Patient/pat-0001/$graphql', { query: deep });
    expect(instance.status).toBe(400);
    expect(instance.body['errors']).toHaveLength(1);
    expect(instance.body['errors'][0]['extensions']).toEqual(expect.objectContaining({ code: 'QUERY_TOO_DEEP', limit: 6, actual: 7 }));
    expect(f.calls()).toHaveLength(0);
  });

  it('/graphql still answers as before; the REST shim answers beside $graphql, unknown paths under /fhir are 404', async () => {
    const res = await f.gql('{ Patient(id: "pat-0001") { id sourceId } }');
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ Patient: { id: 'pat-0001', sourceId: 'hospital' } });
    expect((await fetch(`${f.url}/health`)).status).toBe(200);
    expect((await fetch(`${f.url}/fhir/Patient/pat-0001`)).status).toBe(200);
    const unknown = await fetch(`${f.url}/fhir/NoSuchType/x`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
  });
});
