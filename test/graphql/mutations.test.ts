// Mutations (HL7 FHIR GraphQL "Mutations": XCreate, XUpdate, XDelete) over real sockets: gateway -> Medplum's
// in-memory FHIR server on loopback. Each test checks the upstream's own REST answer and counts upstream requests:
// a write is sent once (never retried), to one source, and bad input never reaches an upstream.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MemoryFhirServer } from '../../src/demo/memory-fhir-server.ts';
import { methodAndPath, startFixture, type Fixture } from '../helpers/fixture.ts';
import type { GatewayHandle } from '../helpers/gateway.ts';

type Json = Record<string, any>;

let f: Fixture;
let a: MemoryFhirServer;
/** Source a only (retries 2, the default: GETs would be retried, writes never). */
let one: GatewayHandle;
/** Sources a and b, both serving every type. */
let both: GatewayHandle;
/** Source a with a short timeout, no retries and a circuit breaker that opens after 2 failures. */
let fragile: GatewayHandle;

/** No background /metadata reads, no circuit breaker (but fragile's): request counts stay exact. */
const exact = { config: { capabilityRefreshMs: 0 }, sourceDefaults: { circuitBreaker: { failureThreshold: 0 } } };

beforeAll(async () => {
  f = await startFixture({ sources: { a: { patients: 3, idPrefix: 'a' }, b: { patients: 3, idPrefix: 'b' } }, only: ['a'], ...exact });
  a = f.upstreams.a!;
  one = f.gateway;
  both = await f.addGateway(exact);
  fragile = await f.addGateway({
    only: ['a'],
    ...exact,
    sourceConfig: { a: { timeoutMs: 500, circuitBreaker: { failureThreshold: 2, resetTimeoutMs: 60_000 } } },
  });
});
afterAll(() => f?.stop());
beforeEach(() => f.heal());

/** Upstream requests other than /metadata, as 'METHOD /path'. */
const calls = (id: string) => f.calls(id).map(methodAndPath);

const newPatient = (family: string, extra: Json = {}) => ({ resourceType: 'Patient', name: [{ family, given: ['Ada'] }], gender: 'female', ...extra });

async function createPatient(family: string): Promise<Json> {
  const res = await one.gql(`mutation ($res: PatientCreate!) { PatientCreate(res: $res) { id meta { versionId } } }`, { res: newPatient(family) });
  expect(res.errors).toBeUndefined();
  return (res.data as Json)['PatientCreate'];
}

describe('XCreate', () => {
  it('creates with one POST and returns the stored resource, readable through the gateway and the upstream', async () => {
    const res = await one.gql(`mutation {
      PatientCreate(res: { resourceType: "Patient", gender: "female", birthDate: "1984-05-06", name: [{ family: "Lovelace", given: ["Ada"] }] }) {
        resourceType id sourceId gender birthDate name { family given } meta { versionId lastUpdated }
      }
    }`);
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    const created = (res.data as Json)['PatientCreate'];
    expect(created).toMatchObject({ resourceType: 'Patient', sourceId: 'a', gender: 'female', birthDate: '1984-05-06', name: [{ family: 'Lovelace', given: ['Ada'] }] });
    expect(created.id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
    expect(created.meta.versionId).toBeTruthy();
    expect(calls('a')).toEqual(['POST /Patient']);

    const upstream = await f.direct('a', `Patient/${created.id}`);
    expect(upstream.status).toBe(200);
    expect(upstream.body).toMatchObject({ resourceType: 'Patient', id: created.id, birthDate: '1984-05-06', name: [{ family: 'Lovelace', given: ['Ada'] }] });
    expect(upstream.body['meta']['versionId']).toBe(created.meta.versionId);

    const read = await one.gql(`{ Patient(id: "${created.id}") { id birthDate name { family } } }`);
    expect(read.data).toEqual({ Patient: { id: created.id, birthDate: '1984-05-06', name: [{ family: 'Lovelace' }] } });
  });

  it('takes res as a GraphQL variable (typed PatientCreate, as Medplum names it)', async () => {
    const res = await one.gql(
      `mutation Create($res: PatientCreate!) { PatientCreate(res: $res) { id name { family } active } }`,
      { res: newPatient('Hopper', { active: true }) },
    );
    expect(res.errors).toBeUndefined();
    const created = (res.data as Json)['PatientCreate'];
    expect(created).toMatchObject({ name: [{ family: 'Hopper' }], active: true });
    expect((await f.direct('a', `Patient/${created.id}`)).body['name'][0]['family']).toBe('Hopper');
  });

  it('drops an id given in res: the server assigns it', async () => {
    const res = await one.gql(`mutation ($res: PatientCreate!) { PatientCreate(res: $res) { id } }`, { res: newPatient('Id', { id: 'chosen-by-client' }) });
    expect(res.errors).toBeUndefined();
    const id = (res.data as Json)['PatientCreate']['id'];
    expect(id).not.toBe('chosen-by-client');
    expect((await f.direct('a', 'Patient/chosen-by-client')).status).toBe(404);
  });

  it('writes contained resources (ResourceJSON) and primitive extensions', async () => {
    const res = await one.gql(
      `mutation ($res: MedicationRequestCreate!) {
        MedicationRequestCreate(res: $res) {
          id status medicationReference { reference resource { ... on Medication { code { text } } } }
          _status { extension { url valueCode } }
        }
      }`,
      {
        res: {
          resourceType: 'MedicationRequest',
          status: 'active',
          _status: { extension: [{ url: 'http://example.org/why', valueCode: 'x' }] },
          intent: 'order',
          subject: { reference: 'Patient/a-pat-0001' },
          contained: [{ resourceType: 'Medication', id: 'med1', code: { text: 'Amoxicillin 500 mg' } }],
          medicationReference: { reference: '#med1' },
        },
      },
    );
    expect(res.errors).toBeUndefined();
    const created = (res.data as Json)['MedicationRequestCreate'];
    expect(created).toMatchObject({
      status: 'active',
      medicationReference: { reference: '#med1', resource: { code: { text: 'Amoxicillin 500 mg' } } },
      _status: { extension: [{ url: 'http://example.org/why', valueCode: 'x' }] },
    });
    expect((await f.direct('a', `MedicationRequest/${created.id}`)).body['contained']).toEqual([{ resourceType: 'Medication', id: 'med1', code: { text: 'Amoxicillin 500 mg' } }]);
  });

  it('conditional create (ifNoneExist) sent twice gives exactly one resource upstream', async () => {
    const system = 'urn:test:mutations';
    const value = `cond-${Date.now()}`;
    const mutation = `mutation ($res: PatientCreate!, $if: String) { PatientCreate(res: $res, ifNoneExist: $if) { id } }`;
    const vars = { res: newPatient('Once', { identifier: [{ system, value }] }), if: `identifier=${system}|${value}` };
    const first = await one.gql(mutation, vars);
    const second = await one.gql(mutation, vars);
    expect(first.errors).toBeUndefined();
    expect(second.errors).toBeUndefined();
    const id = (first.data as Json)['PatientCreate']['id'];
    expect((second.data as Json)['PatientCreate']['id']).toBe(id);
    expect(first.extensions?.['warnings']).toBeUndefined();
    expect(second.extensions?.['warnings']).toEqual([expect.objectContaining({ code: 'EXISTING_RESOURCE', path: ['PatientCreate'] })]);
    expect(calls('a')).toEqual(['POST /Patient', 'POST /Patient']);

    const search = await f.direct('a', `Patient?identifier=${encodeURIComponent(`${system}|${value}`)}`);
    expect(search.body['total']).toBe(1);
    expect(search.body['entry'].map((e: Json) => e['resource']['id'])).toEqual([id]);
  });

  it('reads the resource back when the server answers 201 without a body (Location names the version)', async () => {
    const existing = (await f.direct('a', 'Patient/a-pat-0002')).body;
    f.resetCalls('a');
    a.setFault(({ method }) => method === 'POST'
      ? { kind: 'status', status: 201, body: '', headers: { location: `${a.baseUrl}/Patient/a-pat-0002/_history/${existing['meta']['versionId']}` } }
      : undefined);
    const res = await one.gql(`mutation ($res: PatientCreate!) { PatientCreate(res: $res) { id sourceId meta { versionId } } }`, { res: newPatient('Empty') });
    expect(res.errors).toBeUndefined();
    expect((res.data as Json)['PatientCreate']).toEqual({ id: 'a-pat-0002', sourceId: 'a', meta: { versionId: existing['meta']['versionId'] } });
    expect(calls('a')).toEqual(['POST /Patient', `GET /Patient/a-pat-0002/_history/${existing['meta']['versionId']}`]);
  });

  it('sends a POST exactly once when the upstream answers 503 (writes are never retried)', async () => {
    a.setFault(({ method }) => (method === 'POST' ? { kind: 'status', status: 503 } : undefined));
    const res = await one.gql(`mutation { PatientCreate(res: { name: [{ family: "Unlucky" }] }) { id } }`);
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ PatientCreate: null });
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', source: 'a', upstreamStatus: 503, resource: { resourceType: 'OperationOutcome' } });
    expect(res.errors![0]!.path).toEqual(['PatientCreate']);
    expect(calls('a')).toEqual(['POST /Patient']);
  });
});

describe('writes and the upstream layer', () => {
  it("a hung POST times out after the source's timeout, sent once; failed writes open the circuit, which then sends nothing", async () => {
    a.setFault(({ method }) => (method === 'POST' ? { kind: 'hang' } : undefined));
    const started = performance.now();
    const hung = await fragile.gql(`mutation { PatientCreate(res: {}) { id } }`);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(hung.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', source: 'a' });
    expect(calls('a')).toEqual(['POST /Patient']);

    a.setFault(({ method }) => (method === 'PUT' ? { kind: 'status', status: 503 } : undefined));
    const failed = await fragile.gql(`mutation { PatientUpdate(id: "a-pat-0001", res: {}) { id } }`);
    expect(failed.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamStatus: 503 });
    f.resetCalls('a');
    const refused = await fragile.gql(`mutation { PatientDelete(id: "a-pat-0001") { id } }`);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'SOURCE_UNAVAILABLE', source: 'a' });
    expect(calls('a')).toEqual([]);
    expect((await f.direct('a', 'Patient/a-pat-0001')).status).toBe(200);
  });
});

describe('XUpdate', () => {
  it('updates with the current version in ifMatch (versionId or ETag) and bumps meta.versionId', async () => {
    const created = await createPatient('Before');
    const v1 = created.meta.versionId as string;
    f.resetCalls('a');
    const update = `mutation ($id: ID!, $res: PatientCreate!, $ifMatch: String) {
      PatientUpdate(id: $id, res: $res, ifMatch: $ifMatch) { id sourceId name { family } meta { versionId } }
    }`;
    const res = await one.gql(update, { id: created.id, res: newPatient('After'), ifMatch: v1 });
    expect(res.errors).toBeUndefined();
    const updated = (res.data as Json)['PatientUpdate'];
    expect(updated).toMatchObject({ id: created.id, sourceId: 'a', name: [{ family: 'After' }] });
    const v2 = updated.meta.versionId as string;
    expect(v2).toBeTruthy();
    expect(v2).not.toBe(v1);
    expect(calls('a')).toEqual([`PUT /Patient/${created.id}`]);
    expect((await f.direct('a', `Patient/${created.id}`)).body).toMatchObject({ name: [{ family: 'After' }], meta: { versionId: v2 } });

    // The ETag as the server sent it works too; res.id may be given when it is the same.
    const again = await one.gql(update, { id: created.id, res: newPatient('Again', { id: created.id }), ifMatch: `W/"${v2}"` });
    expect(again.errors).toBeUndefined();
    expect((again.data as Json)['PatientUpdate']['meta']['versionId']).not.toBe(v2);
  });

  it('a stale ifMatch is UPSTREAM_CONFLICT with status 412 and the OperationOutcome; the resource is unchanged', async () => {
    const created = await createPatient('Stable');
    await one.gql(`mutation { PatientUpdate(id: "${created.id}", res: { name: [{ family: "Second" }] }) { id } }`);
    const current = (await f.direct('a', `Patient/${created.id}`)).body;
    f.resetCalls('a');

    const res = await one.gql(`mutation { PatientUpdate(id: "${created.id}", res: { name: [{ family: "Lost" }] }, ifMatch: "${created.meta.versionId}") { id } }`);
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ PatientUpdate: null });
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.message).toContain('412');
    expect(res.errors![0]!.extensions).toMatchObject({
      code: 'UPSTREAM_CONFLICT',
      source: 'a',
      upstreamStatus: 412,
      resource: { resourceType: 'OperationOutcome', issue: [expect.objectContaining({ severity: 'error' })] },
    });
    expect(calls('a')).toEqual([`PUT /Patient/${created.id}`]);
    expect((await f.direct('a', `Patient/${created.id}`)).body).toEqual(current);
  });

  it('rejects an id mismatch and a resourceType mismatch as BAD_USER_INPUT without calling the upstream', async () => {
    const idMismatch = await one.gql(`mutation { PatientUpdate(id: "a-pat-0001", res: { id: "a-pat-0002", name: [{ family: "X" }] }) { id } }`);
    expect(idMismatch.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', resource: { resourceType: 'OperationOutcome' } });
    expect(idMismatch.errors?.[0]?.message).toMatch(/res\.id 'a-pat-0002' differs from id 'a-pat-0001'/);

    const typeMismatch = await one.gql(`mutation ($res: PatientCreate!) { PatientUpdate(id: "a-pat-0001", res: $res) { id } }`, {
      res: { resourceType: 'Observation', name: [{ family: 'X' }] },
    });
    expect(typeMismatch.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');

    const badIfMatch = await one.gql(`mutation { PatientUpdate(id: "a-pat-0001", res: {}, ifMatch: "W/\\"a b\\"") { id } }`);
    expect(badIfMatch.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(calls('a')).toEqual([]);
    expect((await f.direct('a', 'Patient/a-pat-0001')).body['id']).toBe('a-pat-0001');
  });
});

describe('XDelete', () => {
  it('deletes with one DELETE; a later read is NOT_FOUND, through the gateway and upstream', async () => {
    const created = await createPatient('Doomed');
    f.resetCalls('a');
    const res = await one.gql(`mutation { PatientDelete(id: "${created.id}") { resourceType id sourceId outcome { issue { severity code } } } }`);
    expect(res.errors).toBeUndefined();
    expect((res.data as Json)['PatientDelete']).toEqual({
      resourceType: 'Patient',
      id: created.id,
      sourceId: 'a',
      outcome: { issue: [{ severity: 'information', code: 'informational' }] },
    });
    expect(calls('a')).toEqual([`DELETE /Patient/${created.id}`]);

    const read = await one.gql(`{ Patient(id: "${created.id}") { id } }`);
    expect(read.data).toEqual({ Patient: null });
    expect(read.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    expect([404, 410]).toContain((await f.direct('a', `Patient/${created.id}`)).status);
  });

  it('a stale ifMatch on delete is a 412 conflict and deletes nothing', async () => {
    const created = await createPatient('Kept');
    await one.gql(`mutation { PatientUpdate(id: "${created.id}", res: { name: [{ family: "Kept2" }] }) { id } }`);
    const res = await one.gql(`mutation { PatientDelete(id: "${created.id}", ifMatch: "${created.meta.versionId}") { id } }`);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_CONFLICT', upstreamStatus: 412 });
    expect((await f.direct('a', `Patient/${created.id}`)).status).toBe(200);
  });

  it('a Medplum-style PatientDelete(id:) { id } works', async () => {
    const created = await createPatient('Medplum');
    const res = await one.gql(`mutation { PatientDelete(id: "${created.id}") { id } }`);
    expect(res.data).toEqual({ PatientDelete: { id: created.id } });
  });
});

describe('input checks and source choice (nothing sent upstream)', () => {
  it('a resourceType that is not the mutation type is BAD_USER_INPUT, inline and as a variable', async () => {
    const inline = await one.gql(`mutation { PatientCreate(res: { resourceType: "Observation" }) { id } }`);
    expect(inline.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(inline.errors?.[0]?.message).toContain("res.resourceType is 'Observation'");
    const variable = await one.gql(`mutation ($res: PatientCreate!) { PatientCreate(res: $res) { id } }`, { res: { resourceType: 'Observation' } });
    expect(variable.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(calls('a')).toEqual([]);
  });

  it('an element the type does not have is a validation error (HTTP 400)', async () => {
    const res = await one.gql(`mutation { PatientCreate(res: { status: "final" }) { id } }`);
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(calls('a')).toEqual([]);
  });

  it('an ifNoneExist that is not a search query is BAD_USER_INPUT', async () => {
    const res = await one.gql(`mutation { PatientCreate(res: {}, ifNoneExist: "just words") { id } }`);
    expect(res.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(calls('a')).toEqual([]);
  });

  it('with two sources serving the type and no sourceId: SOURCE_REQUIRED naming both', async () => {
    for (const mutation of [
      `mutation { PatientCreate(res: { name: [{ family: "Where" }] }) { id } }`,
      `mutation { PatientUpdate(id: "a-pat-0001", res: {}) { id } }`,
      `mutation { PatientDelete(id: "a-pat-0001") { id } }`,
    ]) {
      const res = await both.gql(mutation);
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0]!.extensions).toMatchObject({ code: 'SOURCE_REQUIRED', resource: { resourceType: 'OperationOutcome' } });
      expect(res.errors![0]!.message).toContain('(a, b)');
    }
    expect(calls('a')).toEqual([]);
    expect(calls('b')).toEqual([]);
  });

  it('with sourceId the write goes to that source only', async () => {
    const res = await both.gql(`mutation { PatientCreate(res: { name: [{ family: "InB" }] }, sourceId: "b") { id sourceId } }`);
    expect(res.errors).toBeUndefined();
    const created = (res.data as Json)['PatientCreate'];
    expect(created.sourceId).toBe('b');
    expect(calls('b')).toEqual(['POST /Patient']);
    expect(calls('a')).toEqual([]);
    expect((await f.direct('b', `Patient/${created.id}`)).status).toBe(200);
    const unknown = await both.gql(`mutation { PatientCreate(res: {}, sourceId: "zz") { id } }`);
    expect(unknown.errors?.[0]?.extensions?.['code']).toBe('UNKNOWN_SOURCE');
  });

  it('mutations are refused over GET', async () => {
    const res = await fetch(`${one.url}/graphql?query=${encodeURIComponent('mutation { PatientDelete(id: "a-pat-0001") { id } }')}`, {
      headers: { accept: 'application/graphql-response+json' },
    });
    expect(res.status).toBe(405);
    await res.arrayBuffer();
    expect(calls('a')).toEqual([]);
  });
});

describe('loaders after a write, within one operation', () => {
  it('a reference resolved after an update sees the new version, not the copy cached before it', async () => {
    const created = await createPatient('Old');
    f.resetCalls('a');
    const obs = (label: string) => `${label}: ObservationCreate(res: { status: "final", code: { text: "${label}" }, subject: { reference: "Patient/${created.id}" } }) {
      subject { resource { ... on Patient { name { family } meta { versionId } } } }
    }`;
    const res = await one.gql(`mutation {
      ${obs('before')}
      update: PatientUpdate(id: "${created.id}", res: { name: [{ family: "New" }] }) { meta { versionId } }
      ${obs('after')}
    }`);
    expect(res.errors).toBeUndefined();
    const data = res.data as Json;
    expect(data['before'].subject.resource.name).toEqual([{ family: 'Old' }]);
    expect(data['after'].subject.resource.name).toEqual([{ family: 'New' }]);
    expect(data['after'].subject.resource.meta.versionId).toBe(data['update'].meta.versionId);
    // One read (for "before"); "after" is served by the update's own answer.
    expect(calls('a')).toEqual(['POST /Observation', `GET /Patient/${created.id}`, `PUT /Patient/${created.id}`, 'POST /Observation']);
  });

  it('a reference resolved after a delete is NOT_FOUND, not the cached copy', async () => {
    const created = await createPatient('Gone');
    const obs = (label: string) => `${label}: ObservationCreate(res: { status: "final", code: { text: "${label}" }, subject: { reference: "Patient/${created.id}" } }) {
      subject { resource { ... on Patient { id } } }
    }`;
    const res = await one.gql(`mutation { ${obs('before')} gone: PatientDelete(id: "${created.id}") { id } ${obs('after')} }`);
    const data = res.data as Json;
    expect(data['before'].subject.resource).toEqual({ id: created.id });
    expect(data['gone']).toEqual({ id: created.id });
    expect(data['after'].subject.resource).toBeNull();
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.path).toEqual(['after', 'subject', 'resource']);
    expect(res.errors![0]!.extensions?.['code']).toBe('NOT_FOUND');
  });
});
