// FHIR `_filter` on XList / XConnection (root and reverse references), as the HL7 page's schema has it, over real
// sockets: gateway -> Medplum FHIR servers on loopback. Unlike other parameters, `_filter` is never assumed: it goes only
// to sources whose CapabilityStatement declares it for the type (a search parameter named `_filter`, as HAPI declares it
// when enabled); the others are skipped with SOURCE_SKIPPED, and with none left it is UNSUPPORTED_SEARCH_PARAMETER
// before any upstream call.
//
// Medplum's in-memory repository (the demo upstream) does not implement `_filter`: it takes it for an unknown
// parameter and answers no matches (checked below). So these tests check what is sent where, and that the answer is
// the source's; whether a filter is applied is the source's business.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CapabilityStatement } from '@medplum/fhirtypes';
import type { GatewayHandle } from '../helpers/gateway.ts';
import { startFixture, type Fixture } from '../helpers/fixture.ts';

type Json = Record<string, any>;

const FILTER = 'gender eq female';

/** A CapabilityStatement edit declaring `_filter` for these types (a type-level searchParam, as HAPI declares it). */
function declareFilter(...types: string[]) {
  return (statement: CapabilityStatement): CapabilityStatement => {
    for (const r of statement.rest![0]!.resource!) {
      if (types.includes(r.type)) r.searchParam = [...(r.searchParam ?? []), { name: '_filter', type: 'special', definition: 'http://hl7.org/fhir/SearchParameter/filter' }];
    }
    return statement;
  };
}

/** A sparse CapabilityStatement: Patient declares no search parameter at all (so each is assumed supported, except _filter). */
function sparsePatient(statement: CapabilityStatement): CapabilityStatement {
  delete statement.rest![0]!.resource!.find((r) => r.type === 'Patient')!.searchParam;
  return statement;
}

const filterOf = (url: string) => new URL(url, 'http://upstream').searchParams.get('_filter');

let f: Fixture;
let onlyA: GatewayHandle;
let onlyB: GatewayHandle;
let onlySparse: GatewayHandle;

beforeAll(async () => {
  f = await startFixture({
    sources: {
      a: { patients: 4, idPrefix: 'a', capabilities: declareFilter('Patient', 'Observation') },
      b: { patients: 4, idPrefix: 'b' },
      sparse: { patients: 2, idPrefix: 's', capabilities: sparsePatient },
    },
    only: ['a', 'b'],
  });
  onlyA = await f.addGateway({ only: ['a'] });
  onlyB = await f.addGateway({ only: ['b'] });
  onlySparse = await f.addGateway({ only: ['sparse'] });
});
afterAll(() => f?.stop());
beforeEach(() => f.resetCalls());

it("the demo upstream (Medplum's in-memory repository) does not implement _filter: no matches, where gender=female has some", async () => {
  const filtered = await f.direct('a', `Patient?_filter=${encodeURIComponent(FILTER)}`);
  const plain = await f.direct('a', 'Patient?gender=female');
  expect(filtered.status).toBe(200);
  expect(filtered.body.total).toBe(0);
  expect(plain.body.total).toBeGreaterThan(0);
});

describe('a source that declares _filter', () => {
  it('PatientList(_filter:) sends it as it is and answers what the source answers', async () => {
    const res = await onlyA.gql<any>(`{ PatientList(_filter: ${JSON.stringify(FILTER)}, _count: 10) { id } }`);
    expect(res.errors).toBeUndefined();
    const calls = f.calls('a');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url.split('?')[0]).toBe('/Patient');
    expect(filterOf(calls[0]!.url)).toBe(FILTER);
    const direct = await f.direct('a', `Patient?_filter=${encodeURIComponent(FILTER)}&_count=10`);
    expect(res.data.PatientList.map((p: Json) => p.id)).toEqual((direct.body.entry ?? []).map((e: Json) => e.resource.id));
  });

  it('PatientConnection(_filter:) too; the cursor is bound to the filter', async () => {
    const res = await onlyA.gql<any>(`{ PatientConnection(_filter: ${JSON.stringify(FILTER)}, _count: 2) { count pageSize edges { resource { id } } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.PatientConnection).toEqual({ count: 0, pageSize: 2, edges: [] });
    expect(filterOf(f.calls('a')[0]!.url)).toBe(FILTER);
  });

  it('a reverse reference of a Patient of that source: ObservationList(_reference: subject, _filter:)', async () => {
    const res = await f.gql<any>('{ Patient(id: "a-pat-0001") { id ObservationList(_reference: subject, _filter: "status eq final") { id } } }');
    expect(res.errors).toBeUndefined();
    const search = f.calls('a').find((r) => r.url.startsWith('/Observation'))!;
    expect(filterOf(search.url)).toBe('status eq final');
    expect(new URL(search.url, 'http://upstream').searchParams.get('subject')).toBe('Patient/a-pat-0001');
  });
});

describe('a source that does not declare _filter', () => {
  it('alone: UNSUPPORTED_SEARCH_PARAMETER, nothing sent upstream (List, Connection, sourceId named)', async () => {
    for (const query of [
      `{ PatientList(_filter: ${JSON.stringify(FILTER)}) { id } }`,
      `{ PatientConnection(_filter: ${JSON.stringify(FILTER)}) { count } }`,
    ]) {
      const res = await onlyB.gql<any>(query);
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0]!.extensions).toMatchObject({ code: 'UNSUPPORTED_SEARCH_PARAMETER' });
      expect(res.errors![0]!.message).toContain("'b' (_filter)");
    }
    const named = await f.gql<any>(`{ PatientList(sourceId: "b", _filter: ${JSON.stringify(FILTER)}) { id } }`);
    expect(named.errors![0]!.extensions).toMatchObject({ code: 'UNSUPPORTED_SEARCH_PARAMETER' });
    expect(f.calls()).toHaveLength(0);
  });

  it('even when its statement declares nothing for the type (where other parameters are assumed supported)', async () => {
    const assumed = await onlySparse.gql<any>('{ PatientList(gender: "female") { id } }');
    expect(assumed.errors).toBeUndefined();
    f.resetCalls();
    const res = await onlySparse.gql<any>(`{ PatientList(_filter: ${JSON.stringify(FILTER)}) { id } }`);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'UNSUPPORTED_SEARCH_PARAMETER' });
    expect(f.calls('sparse')).toHaveLength(0);
  });

  it('with several sources, only those declaring it are searched; the others are named in SOURCE_SKIPPED', async () => {
    const res = await f.gql<any>(`{ PatientList(_filter: ${JSON.stringify(FILTER)}, _count: 10) { id sourceId } }`);
    expect(res.errors).toBeUndefined();
    expect(f.calls('b')).toHaveLength(0);
    expect(f.calls('a')).toHaveLength(1);
    expect(res.extensions?.['warnings']).toEqual([
      expect.objectContaining({ code: 'SOURCE_SKIPPED', path: ['PatientList'], message: expect.stringContaining("'b' (_filter)") }),
    ]);
  });

  it('a reverse reference of a Patient of that source: the field fails before its search, the rest of the query answers', async () => {
    const res = await f.gql<any>('{ Patient(id: "b-pat-0001") { id ObservationList(_reference: subject, _filter: "status eq final") { id } } }');
    expect(res.data.Patient).toEqual({ id: 'b-pat-0001', ObservationList: null });
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({ path: ['Patient', 'ObservationList'], extensions: { code: 'UNSUPPORTED_SEARCH_PARAMETER' } });
    expect(res.errors![0]!.message).toBe("Source 'b' does not declare the Observation search parameter _filter in its CapabilityStatement");
    expect(f.calls('b').map((r) => r.url.split('?')[0])).toEqual(['/Patient/b-pat-0001']);
  });

  it('the same rule through [base]/$graphql and the REST API', async () => {
    const gql = await f.fetch(`/fhir/$graphql?${new URLSearchParams({ query: `{ PatientList(sourceId: "b", _filter: ${JSON.stringify(FILTER)}) { id } }` })}`);
    expect(((await gql.json()) as Json)['errors'][0].extensions.code).toBe('UNSUPPORTED_SEARCH_PARAMETER');
    const rest = await f.fetch(`/fhir/b/Patient?_filter=${encodeURIComponent(FILTER)}`);
    expect(rest.status).toBe(400);
    expect(JSON.stringify(await rest.json())).toContain('_filter');
    expect(f.calls()).toHaveLength(0);
  });
});
