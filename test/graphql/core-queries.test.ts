// The "done when" queries, over real sockets: gateway -> Medplum FHIR server on loopback.
// Each test checks the data against the upstream's own REST answer and counts upstream requests.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from '../helpers/fixture.ts';

let f: Fixture;

type Json = Record<string, any>;
const direct = async (path: string): Promise<Json> => (await f.direct<Json>('demo', path)).body;

const extras = [
  {
    resourceType: 'Provenance',
    id: 'prov-1',
    target: [{ reference: 'Patient/pat-0004' }],
    recorded: '2024-01-02T03:04:05Z',
    agent: [{ who: { reference: 'Practitioner/prac-001' } }],
  },
  {
    resourceType: 'MedicationRequest',
    id: 'medrx-contained',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/pat-0004' },
    contained: [{ resourceType: 'Medication', id: 'med1', code: { text: 'Amoxicillin 500 mg' } }],
    medicationReference: { reference: '#med1' },
  },
];

beforeAll(async () => {
  f = await startFixture({ sources: { demo: { patients: 60, resources: extras } } });
});
afterAll(() => f?.stop());
beforeEach(() => f.resetCalls());

describe('core queries against a real FHIR server', () => {
  it('reads a Patient by id with one upstream read, returning exactly the upstream data', async () => {
    const res = await f.gql(`{ Patient(id: "pat-0007") { resourceType id gender birthDate name { family given } identifier { system value } } }`);
    expect(f.calls().map((r) => r.url)).toEqual(['/Patient/pat-0007']);
    const expected = await direct('Patient/pat-0007');
    expect(res.errors).toBeUndefined();
    const p = (res.data as Json)['Patient'];
    expect(p).toEqual({
      resourceType: 'Patient',
      id: 'pat-0007',
      gender: expected['gender'],
      birthDate: expected['birthDate'],
      name: expected['name'].map((n: Json) => ({ family: n['family'] ?? null, given: n['given'] ?? null })),
      identifier: expected['identifier'].map((i: Json) => ({ system: i['system'], value: i['value'] })),
    });
  });

  it('returns a page of 50 Patients in one upstream search', async () => {
    const res = await f.gql(`{ PatientList(_count: 50, _sort: "family") { id name { family } } }`);
    expect(res.errors).toBeUndefined();
    const list = (res.data as Json)['PatientList'] as Json[];
    expect(f.calls()).toHaveLength(1);
    const expected = await direct('Patient?_count=50&_sort=family');
    expect(list.map((p) => p['id'])).toEqual(expected['entry'].map((e: Json) => e.resource.id));
    expect(list).toHaveLength(50);
  });

  it('returns all Observations of one Patient through ObservationList(_reference: subject)', async () => {
    const res = await f.gql(`{ Patient(id: "pat-0003") { id ObservationList(_reference: subject, _count: 100) { id subject { reference } valueQuantity { value unit } code { coding { system code } } } } }`);
    expect(res.errors).toBeUndefined();
    const obs = (res.data as Json)['Patient']['ObservationList'] as Json[];
    expect(f.calls()).toHaveLength(2);
    const expected = await direct('Observation?subject=Patient/pat-0003');
    expect(obs.map((o) => o['id']).sort()).toEqual(expected['entry'].map((e: Json) => e.resource.id).sort());
    expect(obs.length).toBeGreaterThanOrEqual(5);
    for (const o of obs) expect(o['subject'].reference).toBe('Patient/pat-0003');
  });

  it('resolves practitioner and organization of 20 Patients in at most 3 upstream requests', async () => {
    const res = await f.gql(`{
      PatientList(_count: 20) {
        id
        generalPractitioner { reference resource { ... on Practitioner { id name { family } } } }
        managingOrganization { reference resource { ... on Organization { id name } } }
      } }`);
    expect(res.errors).toBeUndefined();
    const list = (res.data as Json)['PatientList'] as Json[];
    expect(list).toHaveLength(20);
    expect(f.calls().length).toBeLessThanOrEqual(3);
    const practitioners = await direct('Practitioner?_count=1000');
    const organizations = await direct('Organization?_count=1000');
    const byRef = new Map<string, Json>();
    for (const e of [...practitioners['entry'], ...organizations['entry']]) byRef.set(`${e.resource.resourceType}/${e.resource.id}`, e.resource);
    for (const p of list) {
      for (const gp of p['generalPractitioner']) {
        const expected = byRef.get(gp.reference)!;
        expect(gp.resource).toEqual({ id: expected['id'], name: expected['name'].map((n: Json) => ({ family: n['family'] })) });
      }
      const org = byRef.get(p['managingOrganization'].reference)!;
      expect(p['managingOrganization'].resource).toEqual({ id: org['id'], name: org['name'] });
    }
  });

  it('loads Observations, Conditions and Encounters of 20 Patients in at most 4 upstream requests', async () => {
    const res = await f.gql(`{
      PatientList(_count: 20) {
        id
        ObservationList(_reference: subject, _count: 100) { id }
        ConditionList(_reference: subject, _count: 100) { id }
        EncounterList(_reference: subject, _count: 100) { id }
      } }`);
    expect(res.errors).toBeUndefined();
    const list = (res.data as Json)['PatientList'] as Json[];
    expect(list).toHaveLength(20);
    expect(f.calls().length).toBeLessThanOrEqual(4);
    for (const p of list.slice(0, 5)) {
      for (const type of ['Observation', 'Condition', 'Encounter']) {
        const expected = await direct(`${type}?subject=Patient/${p['id']}`);
        expect(p[`${type}List`].map((r: Json) => r['id']).sort()).toEqual(expected['entry'].map((e: Json) => e.resource.id).sort());
      }
    }
  });

  it('batches sibling reverse references into one search, whatever the list length', async () => {
    for (const count of [5, 40]) {
      f.resetCalls();
      const res = await f.gql(`{ PatientList(_count: ${count}) { id ConditionList(_reference: patient) { id } } }`);
      expect(res.errors).toBeUndefined();
      expect(f.calls()).toHaveLength(2);
    }
  });

  it('pages forward and back through PatientConnection with cursors, each patient exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    const cursors: Array<string | null> = [];
    do {
      cursors.push(cursor);
      const res: Json = await f.gql(
        `query($c: String) { PatientConnection(_count: 25, _cursor: $c) { count offset pageSize next previous edges { mode resource { id } } } }`,
        { c: cursor },
      );
      expect(res['errors']).toBeUndefined();
      const conn = res['data']['PatientConnection'];
      expect(conn.count).toBe(60);
      expect(conn.offset).toBe(pages * 25);
      seen.push(...conn.edges.map((e: Json) => e.resource.id));
      expect(conn.edges.every((e: Json) => e.mode === 'match')).toBe(true);
      cursor = conn.next;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(60);
    expect(seen).toHaveLength(60);
    // and back: the last page's previous cursor gives the middle page again
    const last: Json = await f.gql(`query($c: String) { PatientConnection(_count: 25, _cursor: $c) { previous edges { resource { id } } } }`, { c: cursors[2] });
    const middle: Json = await f.gql(`query($c: String) { PatientConnection(_count: 25, _cursor: $c) { offset edges { resource { id } } } }`, {
      c: last['data']['PatientConnection'].previous,
    });
    expect(middle['data']['PatientConnection'].offset).toBe(25);
    expect(middle['data']['PatientConnection'].edges.map((e: Json) => e.resource.id)).toEqual(seen.slice(25, 50));
  });

  it('caps an over-large _count and says so in extensions.warnings', async () => {
    const res = await f.gql(`{ PatientList(_count: 100000) { id } }`);
    expect(res.errors).toBeUndefined();
    expect((res.data as Json)['PatientList']).toHaveLength(60);
    expect(f.calls()[0]!.url).toContain('_count=500');
    expect(res.extensions?.['warnings']).toEqual([expect.objectContaining({ code: 'COUNT_CAPPED', path: ['PatientList'] })]);
  });

  it('serves choice elements, primitive extensions and list arguments on repeating elements', async () => {
    const withExt = (await direct('Patient?_count=1000'))['entry'].map((e: Json) => e.resource).find((p: Json) => p['_birthDate']);
    expect(withExt).toBeDefined();
    const res = await f.gql(`{ Patient(id: "${withExt.id}") { _birthDate { extension { url valueDateTime } } identifier(_count: 1) { system } second: identifier(_offset: 1) { system }
      ObservationList(_reference: subject, _count: 1) { effectiveDateTime valueQuantity { value } valueString } } }`);
    expect(res.errors).toBeUndefined();
    const p = (res.data as Json)['Patient'];
    expect(p._birthDate.extension).toEqual(withExt['_birthDate'].extension.map((e: Json) => ({ url: e['url'], valueDateTime: e['valueDateTime'] })));
    expect(p.identifier).toEqual([{ system: withExt['identifier'][0].system }]);
    expect(p.second).toEqual(withExt['identifier'].slice(1).map((i: Json) => ({ system: i['system'] })));
    expect(typeof p.ObservationList[0].valueQuantity.value).toBe('number');
    expect(p.ObservationList[0].valueString).toBeNull();
  });

  it('honours Reference.resource(type:) and (optional:)', async () => {
    const res = await f.gql(`{ Patient(id: "pat-0001") {
      asOrg: generalPractitioner { resource(type: "Organization") { id } }
      asPrac: generalPractitioner { resource(type: "Practitioner") { id } }
    } }`);
    expect(res.errors).toBeUndefined();
    const p = (res.data as Json)['Patient'];
    expect(p.asOrg[0].resource).toBeNull();
    expect(p.asPrac[0].resource.id).toMatch(/^prac-/);
  });

  it('sends identical upstream requests once within one GraphQL request', async () => {
    const res = await f.gql(`{ a: Patient(id: "pat-0002") { id } b: Patient(id: "pat-0002") { id } c: PatientList(_count: 3) { id } d: PatientList(_count: 3) { id } }`);
    expect(res.errors).toBeUndefined();
    expect(f.calls()).toHaveLength(2);
  });

  it('offers Reference(Any) parameters as reverse references where the pair exists: Patient.ProvenanceList(_reference: target)', async () => {
    const res = await f.gql(`{ Patient(id: "pat-0004") { ProvenanceList(_reference: target) { id recorded } } }`);
    expect(res.errors).toBeUndefined();
    expect((res.data as Json)['Patient']['ProvenanceList']).toEqual([{ id: 'prov-1', recorded: '2024-01-02T03:04:05Z' }]);
  });

  it('resolves #id references among contained resources, served through the Resource interface', async () => {
    const res = await f.gql(`{ MedicationRequest(id: "medrx-contained") {
      contained { resourceType id ... on Medication { code { text } } }
      medicationReference { reference resource { ... on Medication { id code { text } } } }
    } }`);
    expect(res.errors).toBeUndefined();
    const mr = (res.data as Json)['MedicationRequest'];
    expect(mr.contained).toEqual([{ resourceType: 'Medication', id: 'med1', code: { text: 'Amoxicillin 500 mg' } }]);
    expect(mr.medicationReference.resource).toEqual({ id: 'med1', code: { text: 'Amoxicillin 500 mg' } });
    expect(f.calls()).toHaveLength(1); // the contained resource costs nothing upstream
  });
});
