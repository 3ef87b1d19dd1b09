// Reference.resource(type:, optional:) as the HL7 FHIR GraphQL page defines it, and the page's error rule ("Each error
// SHOULD include an OperationOutcome in the resource property in the graphQL extensions element") across the kinds of
// errors the gateway gives. Over real sockets: gateway -> Medplum FHIR server on loopback.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MemoryFhirServer } from '../../src/demo/memory-fhir-server.ts';
import { startFixture, type Fixture } from '../helpers/fixture.ts';

type Json = Record<string, any>;

const patient = {
  resourceType: 'Patient',
  id: 'ref-1',
  generalPractitioner: [
    { reference: 'Practitioner/prac-001' },
    { reference: 'Organization/org-001' },
    { reference: 'Practitioner/does-not-exist' },
    { type: 'Practitioner', identifier: { system: 'urn:npi', value: '123' }, display: 'Dr. Identifier Only' },
    { reference: 'http://elsewhere.example/fhir/Practitioner/9' },
  ],
};

let f: Fixture;
let upstream: MemoryFhirServer;
const upstreamCalls = () => f.calls().map((r) => r.url);
const outcome = (code: string, diagnostics: string) => ({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] });

async function references(selection: string): Promise<{ data: Json | null | undefined; errors: Json[] | undefined; status: number }> {
  const res = await f.gql(`{ Patient(id: "ref-1") { ${selection} } }`);
  return { data: res.data === null || res.data === undefined ? res.data : (res.data as Json)['Patient'], errors: res.errors, status: res.status };
}

beforeAll(async () => {
  f = await startFixture({ sources: { demo: { patients: 3, resources: [patient] } }, config: { limits: { maxDepth: 6 } } });
  upstream = f.upstreams.demo!;
});
afterAll(() => f?.stop());
beforeEach(() => f.resetCalls());
afterEach(() => upstream.setFault(undefined));

describe('Reference.resource(type:)', () => {
  it('takes the type as a name, as the page writes it (`resource(type : Patient)`), and reads only references of that type', async () => {
    const res = await references('generalPractitioner(_count: 2) { reference resource(type: Practitioner) { id } }');
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      generalPractitioner: [
        { reference: 'Practitioner/prac-001', resource: { id: 'prac-001' } },
        { reference: 'Organization/org-001', resource: null },
      ],
    });
    // the Organization is not of the right type: decided from the reference, nothing read for it
    expect(upstreamCalls()).toEqual(['/Patient/ref-1', '/Practitioner/prac-001']);
  });

  it('takes the quoted form too, and a list of types', async () => {
    const res = await references(
      'quoted: generalPractitioner(_count: 2) { resource(type: "Organization") { id } } both: generalPractitioner(_count: 2) { resource(type: [Practitioner, Organization]) { id } }',
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      quoted: [{ resource: null }, { resource: { id: 'org-001' } }],
      both: [{ resource: { id: 'prac-001' } }, { resource: { id: 'org-001' } }],
    });
  });

  it('rejects a type that is not a resource type at validation (the page example\'s own "Practioner")', async () => {
    const res = await references('generalPractitioner { resource(type: Practioner) { id } }');
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.message).toContain('"Practioner" is not a FHIR R4 resource type');
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', resource: { resourceType: 'OperationOutcome' } });
    expect(upstreamCalls()).toEqual([]);
  });

  it('ignores references of another type that could not be resolved anyway (identifier only, another server)', async () => {
    const res = await references('generalPractitioner(_offset: 3) { resource(type: Organization) { id } }');
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ generalPractitioner: [{ resource: null }, { resource: null }] });
  });

  it('the fragment form of the page selects by type as well', async () => {
    const res = await references('generalPractitioner(_count: 2) { resource { ... on Practitioner { id } ... on Organization { name } } }');
    const org = (await f.direct<Json>('demo', 'Organization/org-001')).body;
    expect(res.data).toEqual({ generalPractitioner: [{ resource: { id: 'prac-001' } }, { resource: { name: org['name'] } }] });
  });
});

describe('Reference.resource(optional:)', () => {
  it('without optional, a reference that cannot be resolved is an error on that field, with an OperationOutcome', async () => {
    const res = await references('generalPractitioner(_offset: 2) { display resource { id } }');
    expect(res.data).toEqual({
      generalPractitioner: [
        { display: null, resource: null },
        { display: 'Dr. Identifier Only', resource: null },
        { display: null, resource: null },
      ],
    });
    const byPath = new Map(res.errors!.map((e) => [e['path'].join('.'), e['extensions']]));
    expect(byPath.get('Patient.generalPractitioner.0.resource')).toMatchObject({ code: 'NOT_FOUND', resource: { resourceType: 'OperationOutcome' } });
    expect(byPath.get('Patient.generalPractitioner.1.resource')).toEqual({
      code: 'UNRESOLVABLE_REFERENCE',
      resource: outcome('not-found', 'This Reference has no literal reference (only identifier/display) and cannot be resolved'),
    });
    expect(byPath.get('Patient.generalPractitioner.2.resource')).toEqual({
      code: 'UNRESOLVABLE_REFERENCE',
      resource: outcome('not-found', 'The reference points at a server that is not a configured source'),
    });
    expect(res.errors).toHaveLength(3);
  });

  it('optional: true gives null for those, without errors', async () => {
    const res = await references('generalPractitioner { resource(optional: true) { id } }');
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      generalPractitioner: [{ resource: { id: 'prac-001' } }, { resource: { id: 'org-001' } }, { resource: null }, { resource: null }, { resource: null }],
    });
  });

  it('optional: true does not hide a failing source: that is still an error (null would say the resource does not exist)', async () => {
    upstream.setFault((req) => (req.url.startsWith('/Practitioner') ? { kind: 'status', status: 500 } : undefined));
    const res = await references('generalPractitioner(_count: 1) { resource(optional: true) { id } }');
    expect(res.data).toEqual({ generalPractitioner: [{ resource: null }] });
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({
      path: ['Patient', 'generalPractitioner', 0, 'resource'],
      extensions: { code: 'UPSTREAM_ERROR', resource: { resourceType: 'OperationOutcome' } },
    });
  });
});

describe('every error carries an OperationOutcome in extensions.resource', () => {
  const post = async (path: string, body: unknown, contentType = 'application/json') => {
    const res = await f.fetch(path, {
      method: 'POST',
      headers: { 'content-type': contentType, accept: 'application/graphql-response+json, application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };

  it.each([
    ['a syntax error', '/graphql', { query: '{ Patient(id: "ref-1") { id ' }, 400, 'GRAPHQL_PARSE_FAILED', 'invalid'],
    ['a validation error', '/graphql', { query: '{ Patient(id: "ref-1") { nope } }' }, 400, 'GRAPHQL_VALIDATION_FAILED', 'invalid'],
    ['a query limit', '/graphql', { query: '{ Patient(id: "ref-1") { generalPractitioner { resource { ... on Practitioner { qualification { code { coding { system } } } } } } } }' }, 400, 'QUERY_TOO_DEEP', 'too-costly'],
    ['no query at all', '/graphql', { variables: {} }, 400, undefined, 'invalid'],
    ['a mutation at instance level', '/fhir/Patient/ref-1/$graphql', { query: 'mutation { PatientDelete(id: "ref-1") { id } }' }, 400, 'BAD_REQUEST', 'invalid'],
    ['an invalid id', '/graphql', { query: '{ Patient(id: "not valid!") { id } }' }, 200, 'BAD_USER_INPUT', 'invalid'],
    ['an unknown id', '/fhir/$graphql', { query: '{ Patient(id: "nope") { id } }' }, 200, 'NOT_FOUND', 'not-found'],
    ['a directive misuse', '/graphql', { query: '{ Patient(id: "ref-1") { id @flatten } }' }, 400, 'BAD_USER_INPUT', 'invalid'],
  ])('%s', async (_label, path, body, status, code, issue) => {
    const res = await post(path, body);
    expect(res.status).toBe(status);
    const errors = res.body['errors'] as Json[];
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) {
      if (code !== undefined) expect(error['extensions']['code']).toBe(code);
      // ours say what the message says; an upstream's own OperationOutcome is passed on as it is
      expect(error['extensions']['resource']).toMatchObject({ resourceType: 'OperationOutcome', issue: [expect.objectContaining({ severity: 'error', code: issue })] });
      if (!error['extensions']['source']) expect(error['extensions']['resource']['issue'][0]['diagnostics']).toBe(error['message']);
    }
  });

  it("an upstream failure passes the source's OperationOutcome on", async () => {
    const body = JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: 'database down' }] });
    upstream.setFault(() => ({ kind: 'status', status: 500, body, headers: { 'content-type': 'application/fhir+json' } }));
    const res = await f.gql('{ Patient(id: "ref-1") { id } }');
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'UPSTREAM_ERROR',
      resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: 'database down' }] },
    });
  });
});
