// SMART scopes decide what a valid token may do, in the core, identically on GraphQL, $graphql and the REST API:
// v1 (.read/.write/.*) and v2 (.cruds letters) scopes, wildcards, several scopes for one type OR-ed; a type not
// granted is 403 on REST and a FORBIDDEN error on that GraphQL field only, decided before anything is sent upstream.
// Granular v2 scopes (`?param=value`) cover the resources that match them: narrowed at the source, checked on return.
// The patient compartment is tested in patient-isolation.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScope } from '../../src/fhir/access.ts';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { startSmartIssuer, type SmartIssuer } from '../helpers/smart-issuer.ts';

describe('parseScope', () => {
  it('reads SMART v1 and v2 resource scopes, and nothing else', () => {
    const letters = (s: string) => [...(parseScope(s)?.interactions ?? [])].sort().join('');
    expect(letters('user/Patient.read')).toBe('rs');
    expect(letters('user/Patient.write')).toBe('cdu');
    expect(letters('system/*.*')).toBe('cdrsu');
    expect(letters('patient/Observation.rs')).toBe('rs');
    expect(letters('user/Observation.cruds')).toBe('cdrsu');
    expect(letters('user/Observation.c')).toBe('c');
    expect(parseScope('user/Observation.rs')).toMatchObject({ context: 'user', resourceType: 'Observation', filters: [] });
    expect(parseScope('patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory')).toMatchObject({
      context: 'patient', filters: [['category', 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory']],
    });
    for (const other of ['openid', 'fhirUser', 'launch/patient', 'offline_access', 'user/Patient.sr', 'user/Patient.', 'user/patient.rs', 'admin/Patient.rs', 'user/Patient.rs?bad']) {
      expect(parseScope(other), other).toBeUndefined();
    }
  });
});

let issuer: SmartIssuer;
let f: Fixture;
beforeAll(async () => {
  issuer = await startSmartIssuer(() => `${f.url}/fhir`);
  f = await startFixture({ sources: { demo: { patients: 3 } }, argv: ['--auth-issuer', issuer.issuer] });
});
afterAll(async () => {
  await f?.stop();
  await issuer?.stop();
});

const asked = async (scope: string) => `Bearer ${await issuer.sign({ scope })}`;
async function gql(scope: string, query: string, path = '/graphql') {
  const res = await f.fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: await asked(scope) },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, ...((await res.json()) as { data?: any; errors?: Array<{ message: string; path?: unknown[]; extensions?: any }> }) };
}
async function rest(scope: string, path: string, init: RequestInit = {}) {
  const res = await f.fetch(path, { ...init, headers: { accept: 'application/fhir+json', authorization: await asked(scope), ...(init.headers as Record<string, string> | undefined) } });
  return { status: res.status, body: (await res.json()) as any };
}
const forbidden = (errors: Array<{ extensions?: any; path?: unknown[] }> | undefined) =>
  (errors ?? []).filter((e) => e.extensions?.code === 'FORBIDDEN').map((e) => e.path);

describe('scopes on GraphQL and $graphql', () => {
  it('a type not granted is FORBIDDEN on its own field; the granted fields are answered; nothing is asked for it upstream', async () => {
    for (const path of ['/graphql', '/fhir/$graphql']) {
      f.resetCalls();
      const r = await gql('user/Patient.rs', '{ PatientList { id } ObservationList { id } }', path);
      expect(r.status, path).toBe(200);
      expect(r.data.PatientList.length, path).toBe(3);
      expect(r.data.ObservationList, path).toBeNull();
      expect(forbidden(r.errors), path).toEqual([['ObservationList']]);
      expect(r.errors![0]!.message).toMatch(/grants no search Observation/);
      expect(f.calls().map((c) => c.url.split('?')[0])).toEqual(['/Patient']);
    }
  });

  it('references and reverse references need their own type granted; optional: true turns a forbidden reference into null', async () => {
    const ref = await gql('user/Observation.rs', '{ ObservationList(_count: 2) { id subject { resource { ... on Patient { id } } } } }');
    expect(ref.data.ObservationList).toHaveLength(2);
    expect(ref.data.ObservationList.map((o: any) => o.subject.resource)).toEqual([null, null]);
    expect(forbidden(ref.errors)).toEqual([['ObservationList', 0, 'subject', 'resource'], ['ObservationList', 1, 'subject', 'resource']]);
    const optional = await gql('user/Observation.rs', '{ ObservationList(_count: 2) { id subject { resource(optional: true) { ... on Patient { id } } } } }');
    expect(optional.errors).toBeUndefined();
    expect(optional.data.ObservationList.map((o: any) => o.subject.resource)).toEqual([null, null]);
    const reverse = await gql('user/Patient.rs', '{ PatientList(_count: 1) { id ObservationList(_reference: subject) { id } } }');
    expect(reverse.data.PatientList[0].ObservationList).toBeNull();
    expect(forbidden(reverse.errors)).toEqual([['PatientList', 0, 'ObservationList']]);
  });

  it('several scopes for one type are OR-ed, wildcards and v1 scopes count, and read is not search', async () => {
    const both = await gql('user/Observation.r user/Observation.s user/Patient.read', '{ ObservationList(_count: 1) { id subject { resource { ... on Patient { id } } } } }');
    expect(both.errors).toBeUndefined();
    expect(both.data.ObservationList[0].subject.resource.id).toMatch(/^pat-/);
    const wildcard = await gql('user/*.rs', '{ PatientList(_count: 1) { id ObservationList(_reference: subject, _count: 1) { id } } }');
    expect(wildcard.errors).toBeUndefined();
    const readOnly = await gql('user/Patient.r', '{ a: Patient(id: "pat-0001") { id } b: PatientList { id } }');
    expect(readOnly.data.a).toEqual({ id: 'pat-0001' });
    expect(forbidden(readOnly.errors)).toEqual([['b']]);
  });

  it('mutations need c, u or d: .rs grants none of them, .c alone no update; nothing is written upstream when refused', async () => {
    f.resetCalls();
    const create = 'mutation { PatientCreate(res: { resourceType: "Patient", name: [{ family: "Scoped" }] }) { id } }';
    const refused = await gql('user/Patient.rs', create);
    expect(forbidden(refused.errors)).toEqual([['PatientCreate']]);
    expect(f.writes()).toEqual([]);
    const created = await gql('user/Patient.c', create);
    expect(created.errors).toBeUndefined();
    const id = created.data.PatientCreate.id as string;
    const update = await gql('user/Patient.c', `mutation { PatientUpdate(id: "${id}", res: { resourceType: "Patient", name: [{ family: "Changed" }] }) { id } }`);
    expect(forbidden(update.errors)).toEqual([['PatientUpdate']]);
    const v1 = await gql('user/Patient.write', `mutation { PatientDelete(id: "${id}") { id } }`);
    expect(v1.errors).toBeUndefined();
    expect(f.writes().map((w) => w.method)).toEqual(['POST', 'DELETE']);
  });

  it('a granular scope shows only the resources matching its parameters, narrowed at the source', async () => {
    const direct = await f.direct<{ entry: Array<{ resource: { id: string; gender: string } }> }>('demo', 'Patient?_count=50');
    const women = direct.body.entry.filter((e) => e.resource.gender === 'female').map((e) => e.resource.id).sort();
    const men = direct.body.entry.filter((e) => e.resource.gender === 'male').map((e) => e.resource.id);
    expect(women.length).toBeGreaterThan(0);
    expect(men.length).toBeGreaterThan(0);
    f.resetCalls();
    const r = await gql('user/Patient.rs?gender=female', '{ PatientList(_count: 50) { id gender } }');
    expect(r.errors).toBeUndefined();
    expect(r.data.PatientList.map((p: { id: string }) => p.id).sort()).toEqual(women);
    expect(f.calls('demo').map((c) => c.url)).toEqual([expect.stringContaining('gender=female')]);
    // a read by id of a resource the scope does not cover: not found, exactly like an id that does not exist
    const hidden = await rest('user/Patient.rs?gender=female', `/fhir/Patient/${men[0]}`);
    const missing = await rest('user/Patient.rs?gender=female', '/fhir/Patient/no-such-patient');
    expect(hidden.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(hidden.body.issue[0].diagnostics.replace(men[0], 'X')).toBe(missing.body.issue[0].diagnostics.replace('no-such-patient', 'X'));
    const gone = await gql('user/Patient.rs?gender=female', `{ Patient(id: "${men[0]}") { id } }`);
    expect(gone.data?.Patient ?? null).toBeNull();
    expect(gone.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('several granular scopes for one type are OR-ed: one parameter with both values at the source, or checked on return', async () => {
    const direct = await f.direct<{ entry: Array<{ resource: { id: string; code: { coding: Array<{ code: string }> } } }> }>('demo', 'Observation?_count=500');
    const codes = [...new Set(direct.body.entry.map((e) => e.resource.code.coding[0]!.code))].sort();
    expect(codes.length).toBeGreaterThan(2);
    const [c1, c2] = codes as [string, string];
    const expected = direct.body.entry.filter((e) => [c1, c2].includes(e.resource.code.coding[0]!.code)).map((e) => e.resource.id).sort();
    f.resetCalls();
    const both = await gql(`user/Observation.rs?code=http://loinc.org|${c1} user/Observation.rs?code=http://loinc.org|${c2}`, '{ ObservationList(_count: 500) { id } }');
    expect(both.errors).toBeUndefined();
    expect(both.data.ObservationList.map((o: { id: string }) => o.id).sort()).toEqual(expected);
    expect(decodeURIComponent(f.calls('demo')[0]!.url)).toContain(`code=http://loinc.org|${c1},http://loinc.org|${c2}`);
    // different parameters cannot be one search: every result is checked against the scopes on return
    const firstPatient = direct.body.entry[0]!.resource as unknown as { subject: { reference: string } };
    const mixed = await gql(`user/Observation.rs?code=http://loinc.org|${c1} user/Observation.rs?subject=${firstPatient.subject.reference}`, '{ ObservationList(_count: 500) { id code { coding { code } } subject { reference } } }');
    expect(mixed.errors).toBeUndefined();
    const wanted = direct.body.entry.filter((e) => e.resource.code.coding[0]!.code === c1 || (e.resource as unknown as { subject: { reference: string } }).subject.reference === firstPatient.subject.reference);
    expect(mixed.data.ObservationList.map((o: { id: string }) => o.id).sort()).toEqual(wanted.map((e) => e.resource.id).sort());
  });

  it('a granular scope whose parameters the gateway cannot evaluate grants nothing; patient/ scopes without a patient claim neither', async () => {
    const r = await gql('user/Observation.rs?value-quantity=gt100', '{ ObservationList { id } }');
    expect(r.data.ObservationList).toBeNull();
    expect(forbidden(r.errors)).toEqual([['ObservationList']]);
    expect(r.errors![0]!.message).toMatch(/cannot evaluate/);
    const p = await gql('patient/*.rs', '{ PatientList { id } }');
    expect(p.data.PatientList).toBeNull();
    expect(forbidden(p.errors)).toEqual([['PatientList']]);
    expect(p.errors![0]!.message).toMatch(/no patient claim/);
  });

  it('with a granular scope, search parameters that filter by unchecked resources are refused: chains, _has, _filter', async () => {
    for (const param of ['subject.name=Smith', 'subject:Patient.name=Smith', '_has:Condition:patient:code=x', '_filter=status eq final']) {
      const r = await rest('user/Observation.rs?status=final user/Patient.rs user/Condition.rs', `/fhir/Observation?${param}`);
      expect(r.status, param).toBe(403);
    }
    // without restricted scopes, _has needs a grant covering the type it looks into
    expect((await rest('user/Patient.rs', '/fhir/Patient?_has:Observation:subject:code=1234')).status).toBe(403);
  });
});

describe('scopes on the REST API', () => {
  it('a type not granted is 403 with an OperationOutcome (forbidden), reads and searches alike; a granted one answers', async () => {
    f.resetCalls();
    for (const path of ['/fhir/Observation', '/fhir/Observation?subject=Patient/pat-0001', '/fhir/Patient/pat-0001/_history']) {
      const r = await rest('user/Patient.s user/Encounter.rs', path);
      expect(r.status, path).toBe(403);
      expect(r.body.resourceType, path).toBe('OperationOutcome');
      expect(r.body.issue[0].code, path).toBe('forbidden');
    }
    expect(f.calls()).toEqual([]);
    expect((await rest('user/Patient.rs', '/fhir/Patient/pat-0001')).status).toBe(200);
    expect((await rest('user/Patient.rs', '/fhir/Patient?_count=2')).body.entry).toHaveLength(2);
  });

  it('writes, and each entry of a batch, need their own grant: refused before anything is sent', async () => {
    f.resetCalls();
    const post = await rest('user/Patient.rs', '/fhir/Patient', {
      method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Patient' }),
    });
    expect(post.status).toBe(403);
    const batch = {
      resourceType: 'Bundle', type: 'batch',
      entry: [{ request: { method: 'GET', url: 'Patient/pat-0001' } }, { request: { method: 'GET', url: 'Observation?subject=Patient/pat-0001' } }],
    };
    const refused = await rest('user/Patient.rs', '/fhir', { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(batch) });
    expect(refused.status).toBe(403);
    expect(refused.body.issue[0].diagnostics).toMatch(/search Observation/);
    expect(f.calls()).toEqual([]);
    const allowed = await rest('user/Patient.rs user/Observation.rs', '/fhir', { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(batch) });
    expect(allowed.status).toBe(200);
    expect(allowed.body.type).toBe('batch-response');
  });
});
