// defaultWriteSource (`--write-source b`): writes that name no source, for a type several sources serve, go to b when
// b serves the type — REST create, conditional write, batch, update-as-create and GraphQL XCreate — and only then.
// A write of an existing resource still goes to the source that has it. Real sockets, three real upstreams: a and c
// serve everything, b (the default) only Patient and Observation, so that a type b does not serve still has two
// candidates. Every test counts the upstream requests.
import type { CapabilityStatement } from '@medplum/fhirtypes';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { methodAndPath, startFixture, type Fixture } from '../helpers/fixture.ts';

type Json = Record<string, any>;

let f: Fixture;

/** b's CapabilityStatement: Patient and Observation only. */
function patientsAndObservations(statement: CapabilityStatement): CapabilityStatement {
  const server = statement.rest![0]!;
  server.resource = server.resource!.filter((r) => r.type === 'Patient' || r.type === 'Observation');
  return statement;
}

beforeAll(async () => {
  // The file names a, the command line b: the command line wins.
  f = await startFixture({
    sources: { a: { patients: 3, idPrefix: 'a' }, b: { patients: 3, idPrefix: 'b', capabilities: patientsAndObservations }, c: { patients: 3, idPrefix: 'c' } },
    argv: ['--write-source', 'b'],
    config: { capabilityRefreshMs: 0, defaultWriteSource: 'a' },
    sourceDefaults: { circuitBreaker: { failureThreshold: 0 } },
  });
});
afterAll(() => f?.stop());
beforeEach(() => f.resetCalls());

/** Upstream requests other than /metadata, as 'METHOD /path'. */
const calls = (id: string) => f.calls(id).map(methodAndPath);
const writes = (id: string) => f.writes(id).map(methodAndPath);

async function fhir(path: string, method = 'GET', body?: unknown): Promise<{ status: number; headers: Headers; body: Json }> {
  const res = await f.fetch(`/fhir${path}`, {
    method,
    headers: { accept: 'application/fhir+json', ...(body !== undefined ? { 'content-type': 'application/fhir+json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? {} : (JSON.parse(text) as Json) };
}

const patient = (family: string, extra: Json = {}) => ({ resourceType: 'Patient', name: [{ family }], ...extra });
const practitioner = { resourceType: 'Practitioner', name: [{ family: 'Nobody' }] };

describe('REST writes that name no source', () => {
  it('POST /fhir/Patient creates in b only: one POST to b, nothing to a or c', async () => {
    const res = await fhir('/Patient', 'POST', patient('ToB'));
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`${f.url}/fhir/b/Patient/${res.body.id}/_history/${res.body.meta.versionId}`);
    expect(calls('b')).toEqual(['POST /Patient']);
    expect(calls('a')).toEqual([]);
    expect(calls('c')).toEqual([]);
    const stored = await f.direct('b', `Patient/${res.body.id}`);
    expect(stored.status).toBe(200);
  });

  it('a create of a type b does not serve (a and c do) is still 400 SOURCE_REQUIRED, nothing sent', async () => {
    const res = await fhir('/Practitioner', 'POST', practitioner);
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].diagnostics).toContain('(a, c)');
    expect(res.body.issue[0].diagnostics).toContain("defaultWriteSource 'b' does not serve Practitioner");
    for (const id of ['a', 'b', 'c']) expect(calls(id)).toEqual([]);
  });

  it('a conditional update goes to b', async () => {
    const res = await fhir('/Patient?identifier=urn:test:dws|cond-1', 'PUT', patient('Conditional', { identifier: [{ system: 'urn:test:dws', value: 'cond-1' }] }));
    expect(res.status).toBe(201);
    expect(writes('b')).toEqual(['PUT /Patient']);
    expect(writes('a')).toEqual([]);
    expect(writes('c')).toEqual([]);
  });

  it('a batch whose types b serves goes to b whole; one naming a type b does not serve is SOURCE_REQUIRED', async () => {
    const bundle = (entry: object) => ({ resourceType: 'Bundle', type: 'batch', entry: [entry] });
    const res = await fhir('', 'POST', bundle({ resource: patient('Batched'), request: { method: 'POST', url: 'Patient' } }));
    expect(res.status).toBe(200);
    expect(res.body.entry[0].response.status).toMatch(/^201/);
    expect(calls('b')).toEqual(['POST /']);
    expect(calls('a')).toEqual([]);
    expect(calls('c')).toEqual([]);

    const refused = await fhir('', 'POST', bundle({ resource: practitioner, request: { method: 'POST', url: 'Practitioner' } }));
    expect(refused.status).toBe(400);
    expect(refused.body.issue[0].diagnostics).toContain('2 sources (a, c) could take it');
    expect(calls('b')).toEqual(['POST /']);
    expect(calls('a')).toEqual([]);
    expect(calls('c')).toEqual([]);
  });

  it('an update of an id no source has (update-as-create) is created in b', async () => {
    const res = await fhir('/Patient/dws-new-1', 'PUT', patient('AsCreate', { id: 'dws-new-1' }));
    expect(res.status).toBeLessThan(300); // Medplum answers an update-as-create with 200
    expect(writes('b')).toEqual(['PUT /Patient/dws-new-1']);
    expect(writes('a')).toEqual([]);
    expect(writes('c')).toEqual([]);
    expect((await f.direct('b', 'Patient/dws-new-1')).status).toBe(200);
    expect((await fhir('/Patient/dws-new-1')).body.name[0].family).toBe('AsCreate');
  });

  it('an update, patch and delete of a resource that exists in a still go to a', async () => {
    const updated = await fhir('/Patient/a-pat-0001', 'PUT', patient('StillInA', { id: 'a-pat-0001' }));
    expect(updated.status).toBe(200);
    expect(writes('a')).toEqual(['PUT /Patient/a-pat-0001']);
    expect(writes('b')).toEqual([]);
    expect((await f.direct('a', 'Patient/a-pat-0001')).body.name[0].family).toBe('StillInA');

    const patched = await f.fetch('/fhir/Patient/a-pat-0002', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json-patch+json' },
      body: JSON.stringify([{ op: 'replace', path: '/gender', value: 'other' }]),
    });
    expect(patched.status).toBe(200);
    const deleted = await fhir('/Patient/a-pat-0003', 'DELETE');
    expect(deleted.status).toBeLessThan(300);
    expect(writes('a')).toEqual(['PUT /Patient/a-pat-0001', 'PATCH /Patient/a-pat-0002', 'DELETE /Patient/a-pat-0003']);
    expect(writes('b')).toEqual([]);
    expect(writes('c')).toEqual([]);
  });

  it('/fhir/{sourceId} still writes where it says', async () => {
    const res = await fhir('/c/Patient', 'POST', patient('ToC'));
    expect(res.status).toBe(201);
    expect(calls('c')).toEqual(['POST /Patient']);
    expect(calls('b')).toEqual([]);
  });

  it('the CapabilityStatement at /fhir declares create for Patient (b serves it), not for Practitioner', async () => {
    const res = await fhir('/metadata');
    const codes = (type: string) => (res.body.rest[0].resource as Json[]).find((r) => r.type === type)!.interaction.map((i: Json) => i.code);
    expect(codes('Patient')).toContain('create');
    expect(codes('Patient')).not.toContain('history-type');
    expect(codes('Practitioner')).not.toContain('create');
    expect(codes('Practitioner')).toContain('update');
  });
});

describe('GraphQL mutations that name no source', () => {
  it('PatientCreate without sourceId creates in b', async () => {
    const res = await f.gql<Json>('mutation { PatientCreate(res: { name: [{ family: "GqlToB" }] }) { id sourceId } }');
    expect(res.errors).toBeUndefined();
    expect(res.data!['PatientCreate'].sourceId).toBe('b');
    expect(calls('b')).toEqual(['POST /Patient']);
    expect(calls('a')).toEqual([]);
    expect(calls('c')).toEqual([]);
  });

  it('PractitionerCreate (a type b does not serve) is SOURCE_REQUIRED, nothing sent', async () => {
    const res = await f.gql('mutation { PractitionerCreate(res: { name: [{ family: "Nobody" }] }) { id } }');
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'SOURCE_REQUIRED' });
    expect(res.errors![0]!.message).toContain('(a, c)');
    expect(res.errors![0]!.message).toContain("defaultWriteSource 'b' does not serve Practitioner");
    for (const id of ['a', 'b', 'c']) expect(calls(id)).toEqual([]);
  });

  it('PatientUpdate and PatientDelete without sourceId still need one: the default may not have the resource', async () => {
    for (const mutation of [
      'mutation { PatientUpdate(id: "a-pat-0001", res: {}) { id } }',
      'mutation { PatientDelete(id: "a-pat-0001") { id } }',
    ]) {
      const res = await f.gql(mutation);
      expect(res.errors![0]!.extensions).toMatchObject({ code: 'SOURCE_REQUIRED' });
      expect(res.errors![0]!.message).not.toContain('defaultWriteSource');
    }
    for (const id of ['a', 'b', 'c']) expect(calls(id)).toEqual([]);
  });

  it('with sourceId the create goes where it says', async () => {
    const res = await f.gql<Json>('mutation { PatientCreate(res: { name: [{ family: "GqlToA" }] }, sourceId: "a") { sourceId } }');
    expect(res.data!['PatientCreate'].sourceId).toBe('a');
    expect(calls('a')).toEqual(['POST /Patient']);
    expect(calls('b')).toEqual([]);
  });
});

describe('reads and searches are not affected', () => {
  it('a search still fans out to every source serving the type', async () => {
    const res = await f.gql<Json>('{ PatientList(_count: 100) { sourceId } }');
    expect(new Set(res.data!['PatientList'].map((p: Json) => p.sourceId))).toEqual(new Set(['a', 'b', 'c']));
  });
});
