// What each source declares in its CapabilityStatement decides where a query goes: a type or search parameter no
// source supports is a clear error, a source lacking a parameter is left out of that search (with a warning), and
// a changed CapabilityStatement is picked up on the refresh interval.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapabilityStatement } from '@medplum/fhirtypes';
import { startFixture, type Fixture } from '../helpers/fixture.ts';

/** A lab system: Patients and Observations only, Patient search by identifier/_id only, no Observation performer. */
function labOnly(statement: CapabilityStatement): CapabilityStatement {
  const server = statement.rest![0]!;
  server.resource = server.resource!.filter((r) => r.type === 'Patient' || r.type === 'Observation');
  const patient = server.resource.find((r) => r.type === 'Patient')!;
  patient.searchParam = patient.searchParam!.filter((p) => ['identifier', '_id'].includes(p.name));
  const observation = server.resource.find((r) => r.type === 'Observation')!;
  observation.searchParam = observation.searchParam!.filter((p) => p.name !== 'performer');
  return statement;
}

let f: Fixture;

beforeAll(async () => {
  f = await startFixture({
    sources: { ehr: { patients: 5, idPrefix: 'e' }, lab: { patients: 4, idPrefix: 'l', capabilities: labOnly } },
    config: { capabilityRefreshMs: 200 },
  });
});
afterAll(() => f?.stop());

describe('capability-aware source selection', () => {
  it('a type only one source serves goes to that source only', async () => {
    f.resetCalls('lab');
    const res = await f.gql<any>('{ PractitionerList(_count: 50) { id sourceId } }');
    expect(res.errors).toBeUndefined();
    expect(new Set(res.data.PractitionerList.map((p: any) => p.sourceId))).toEqual(new Set(['ehr']));
    expect(f.calls('lab')).toHaveLength(0);
  });

  it('naming a source that does not serve the type is a clear error', async () => {
    const res = await f.gql<any>('{ PractitionerList(sourceId: "lab") { id } }');
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'UNSUPPORTED_RESOURCE_TYPE' });
    expect(res.errors![0]!.message).toBe("Source 'lab' does not serve Practitioner");
  });

  it('a source lacking a search parameter is left out of that search, with a warning naming it', async () => {
    f.resetCalls('lab');
    const res = await f.gql<any>('{ PatientList(gender: "female", _count: 50) { sourceId gender } }');
    expect(res.errors).toBeUndefined();
    expect(res.data.PatientList.length).toBeGreaterThan(0);
    for (const p of res.data.PatientList) expect(p).toEqual({ sourceId: 'ehr', gender: 'female' });
    expect(f.calls('lab')).toHaveLength(0);
    expect(res.extensions?.['warnings']).toEqual([
      expect.objectContaining({ code: 'SOURCE_SKIPPED', path: ['PatientList'], message: expect.stringContaining("'lab' (gender)") }),
    ]);
  });

  it('a parameter the source does declare still fans out to both', async () => {
    const res = await f.gql<any>('{ PatientList(_count: 50) { sourceId } }');
    expect(new Set(res.data.PatientList.map((p: any) => p.sourceId))).toEqual(new Set(['ehr', 'lab']));
    expect(res.extensions?.['warnings']).toBeUndefined();
  });

  it('with sourceId, an undeclared parameter is an error rather than an unfiltered answer', async () => {
    const res = await f.gql<any>('{ PatientList(sourceId: "lab", gender: "female") { id } }');
    expect(res.data.PatientList).toBeNull();
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'UNSUPPORTED_SEARCH_PARAMETER' });
  });

  it('a parameter no source declares is UNSUPPORTED_SEARCH_PARAMETER, before any upstream call', async () => {
    f.upstreams.ehr!.setCapabilities(labOnly);
    try {
      await waitFor(async () => (await f.gql<any>('{ PractitionerList { id } }')).errors?.[0]?.extensions?.code === 'UNSUPPORTED_RESOURCE_TYPE');
      f.resetCalls('ehr');
      const res = await f.gql<any>('{ PatientList(birthdate: "ge1900") { id } }');
      expect(res.errors![0]!.extensions).toMatchObject({ code: 'UNSUPPORTED_SEARCH_PARAMETER' });
      expect(res.errors![0]!.message).toContain('birthdate');
      expect(f.calls('ehr')).toHaveLength(0);
    } finally {
      f.upstreams.ehr!.setCapabilities(undefined);
    }
    // the refresh brings the full statement back
    await waitFor(async () => (await f.gql<any>('{ PractitionerList(_count: 1) { id } }')).errors === undefined);
  });

  it('reverse references check the parent source\'s declared types and parameters', async () => {
    const res = await f.gql<any>(`{ Patient(id: "l-pat-0001") {
      ConditionList(_reference: subject) { id }
      byPerformer: ObservationList(_reference: performer) { id }
      bySubject: ObservationList(_reference: subject) { sourceId } } }`);
    const byPath = Object.fromEntries(res.errors!.map((e) => [e.path!.join('.'), e.extensions!['code']]));
    expect(byPath).toEqual({ 'Patient.ConditionList': 'UNSUPPORTED_RESOURCE_TYPE', 'Patient.byPerformer': 'UNSUPPORTED_SEARCH_PARAMETER' });
    expect(res.data.Patient.bySubject.length).toBeGreaterThan(0);
  });
});

/** Polls (bounded: 50 × 100 ms) until the gateway's capability refresh has happened. */
async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not reached within 5 s');
}
