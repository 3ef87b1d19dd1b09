// The HL7 FHIR GraphQL Connection ("Searching resources"), with the page's own queries, over real sockets: gateway ->
// Medplum FHIR server on loopback. The page spells the page size `pagesize` in its schema and queries (as HAPI serves
// it) and `pageSize` in its sample answer (as Medplum serves it): both are served, `pagesize` deprecated.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { hl7ExamplePatient } from '../helpers/hl7-example-patient.ts';

type Json = Record<string, any>;

const conditions = ['active', 'resolved', 'active'].map((status, i) => ({
  resourceType: 'Condition',
  id: `ex-cond-${i + 1}`,
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: status }] },
  code: { text: `Condition ${i + 1}` },
  subject: { reference: 'Patient/example' },
}));

let f: Fixture;

async function data(query: string): Promise<Json> {
  const res = await f.gql(query);
  expect(res.errors).toBeUndefined();
  expect(res.status).toBe(200);
  return res.data as Json;
}

beforeAll(async () => {
  f = await startFixture({ sources: { demo: { patients: 5, resources: [hl7ExamplePatient, ...conditions] } } });
});
afterAll(() => f?.stop());
beforeEach(() => f.resetCalls());

describe("the page's Connection queries", () => {
  it('Example 1: PatientConnection(name: "pet") { count offset pagesize first previous next last edges { mode score resource } }', async () => {
    const query = '{ PatientConnection(name: "pet") { count offset pagesize first previous next last edges { mode score resource { name { family given } } } } }';
    const d = await data(query);
    expect(d['PatientConnection']).toEqual({
      count: 1,
      offset: 0,
      pagesize: 20,
      // a one-source search pages with the source's own links: this one gives next/previous only
      first: null,
      previous: null,
      next: null,
      last: null,
      edges: [{ mode: 'match', score: null, resource: { name: hl7ExamplePatient.name.map(({ family, given }) => ({ family: family ?? null, given })) } }],
    });
    // the page's examples are GETs of [base]/$graphql?query=...: the same answer there
    const res = await f.fetch(`/fhir/$graphql?${new URLSearchParams({ query })}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: d });
  });

  it("the sample answer's pageSize is the same number; both may be asked for at once", async () => {
    const d = await data('{ PatientConnection(_count: 2) { count offset pageSize pagesize } }');
    expect(d['PatientConnection']).toEqual({ count: 6, offset: 0, pageSize: 2, pagesize: 2 });
  });

  it('Example 2 (cursor): follow next with _cursor, as the page says', async () => {
    const page = '{ count offset pagesize first previous next last edges { mode score resource { resourceType id } } }';
    const first = (await data(`{ PatientConnection(_count: 4, _sort: "_id") ${page} }`))['PatientConnection'];
    expect(first).toMatchObject({ count: 6, offset: 0, pagesize: 4, previous: null, next: expect.any(String) });
    expect(first.edges).toHaveLength(4);
    const second = (await data(`{ PatientConnection(_count: 4, _sort: "_id", _cursor: ${JSON.stringify(first.next)}) ${page} }`))['PatientConnection'];
    expect(second).toMatchObject({ count: 6, offset: 4, pagesize: 4, previous: expect.any(String), next: null });
    expect(second.edges.map((e: Json) => e.resource.id)).toEqual(['pat-0004', 'pat-0005']);
    for (const e of [...first.edges, ...second.edges]) expect(e).toMatchObject({ mode: 'match', score: null, resource: { resourceType: 'Patient' } });
  });

  it('ConditionConnection(clinical_status: ..., patient: example) (the values quoted: search arguments are strings)', async () => {
    const d = await data(`{ ConditionConnection(clinical_status: "active", patient: "example") {
      count offset pagesize edges { mode score resource { id clinicalStatus { coding { code } } } } first previous next last } }`);
    expect(d['ConditionConnection']).toMatchObject({ count: 2, offset: 0, pagesize: 20, previous: null, next: null });
    expect(d['ConditionConnection'].edges.map((e: Json) => e.resource.id).sort()).toEqual(['ex-cond-1', 'ex-cond-3']);
  });

  it('the reverse-reference Connection: Patient/example/$graphql { name ConditionConnection(_reference: patient) {...} }', async () => {
    const res = await f.fetch('/fhir/Patient/example/$graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/graphql' },
      body: `{ name { family given } ConditionConnection(_reference: patient) { count offset pagesize first previous next last
        edges { mode score resource { ... on Condition { resourceType id clinicalStatus { coding { code } } } } } } }`,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body['errors']).toBeUndefined();
    const connection = body['data']['ConditionConnection'];
    expect(connection).toMatchObject({ count: 3, offset: 0, pagesize: 20, previous: null, next: null, first: expect.any(String), last: expect.any(String) });
    expect(connection.edges.map((e: Json) => e.resource)).toEqual(
      conditions.map((c) => ({ resourceType: 'Condition', id: c.id, clinicalStatus: { coding: [{ code: c.clinicalStatus.coding[0]!.code }] } })),
    );
  });
});

it('introspection: pagesize is deprecated in favour of pageSize, with the reason', async () => {
  const d = await data('{ __type(name: "PatientConnection") { fields(includeDeprecated: true) { name isDeprecated deprecationReason } } }');
  const fields = Object.fromEntries((d['__type'].fields as Json[]).map((x) => [x.name, x]));
  expect(Object.keys(fields)).toEqual(expect.arrayContaining(['count', 'offset', 'pageSize', 'pagesize', 'first', 'previous', 'next', 'last', 'edges']));
  expect(fields['pageSize']).toMatchObject({ isDeprecated: false });
  expect(fields['pagesize']).toMatchObject({ isDeprecated: true, deprecationReason: expect.stringContaining('pageSize') });
});
