// The HL7 FHIR GraphQL `fhirpath` argument over real sockets (gateway -> Medplum FHIR server on loopback): on
// repeating elements (before _offset/_count), on reverse-reference searches (before paging) and on root searches
// (within the page the source returned), evaluated by HL7's FHIRPath engine with the R4 model, loaded on first use.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fhirpathStats } from '../../src/fhir/fhirpath/fhirpath.ts';
import { startFixture, type Fixture } from '../helpers/fixture.ts';

type Json = Record<string, any>;

const patient = {
  resourceType: 'Patient',
  id: 'fp-1',
  active: true,
  name: [
    { use: 'official', family: 'Chalmers', given: ['Peter', 'James'] },
    { use: 'usual', given: ['Jim'] },
    { use: 'maiden', family: 'Windsor', given: ['Peter', 'James'] },
  ],
};
const vitals = [
  { code: '8867-4', value: 72, date: '2024-01-01' },
  { code: '8310-5', value: 36.6, date: '2024-01-02' },
  { code: '8867-4', value: 80, date: '2024-01-03' },
  { code: '8867-4', value: 95, date: '2024-01-04' },
].map((o, i) => ({
  resourceType: 'Observation',
  id: `fp-obs-${i + 1}`,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: o.code }] },
  subject: { reference: 'Patient/fp-1' },
  effectiveDateTime: o.date,
  valueQuantity: { value: o.value, unit: o.code === '8310-5' ? 'Cel' : '/min' },
}));
const bloodPressure = {
  resourceType: 'Observation',
  id: 'fp-bp',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
  subject: { reference: 'Patient/fp-1' },
  effectiveDateTime: '2024-01-05',
  component: [
    { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: 120, unit: 'mm[Hg]' } },
    { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: 80, unit: 'mm[Hg]' } },
  ],
};

let f: Fixture;

async function patientData(selection: string): Promise<Json> {
  const res = await f.gql(`{ Patient(id: "fp-1") { ${selection} } }`);
  expect(res.errors).toBeUndefined();
  return (res.data as Json)['Patient'];
}

beforeAll(async () => {
  f = await startFixture({ sources: { demo: { patients: 12, resources: [patient, ...vitals, bloodPressure] } } });
});
afterAll(() => f?.stop());
beforeEach(() => f.resetCalls());

describe('the FHIRPath engine', () => {
  it('is not loaded until a query uses FHIRPath, then runs in one worker thread that later queries reuse', async () => {
    await patientData('id name { family }');
    expect(fhirpathStats()?.started ?? 0).toBe(0);
    await patientData('name(fhirpath: "family.exists()") { family }');
    expect(fhirpathStats()).toMatchObject({ started: 1, workers: 1 });
    await patientData('name(fhirpath: "family.exists()") { family }');
    expect(fhirpathStats()).toMatchObject({ started: 1, workers: 1, stopped: 0 });
  });
});

describe('fhirpath on repeating elements', () => {
  it('keeps the items for which the expression is true (the page example: name(fhirpath: "family.exists()"))', async () => {
    expect(await patientData('name(fhirpath: "family.exists()") { given family }')).toEqual({
      name: [
        { given: ['Peter', 'James'], family: 'Chalmers' },
        { given: ['Peter', 'James'], family: 'Windsor' },
      ],
    });
    expect(await patientData(`name(fhirpath: "use = 'usual'") { given }`)).toEqual({ name: [{ given: ['Jim'] }] });
    expect(await patientData(`name(fhirpath: "use = 'nickname'") { given }`)).toEqual({ name: [] });
  });

  it('_offset and _count apply to the filtered list', async () => {
    expect(await patientData('name(fhirpath: "given.exists()", _offset: 1, _count: 1) { use }')).toEqual({ name: [{ use: 'usual' }] });
    expect(await patientData('name(fhirpath: "family.exists()", _offset: 1) { use }')).toEqual({ name: [{ use: 'maiden' }] });
  });

  it('knows the element types: choice elements of backbone elements, and %resource', async () => {
    const res = await f.gql(`{ Observation(id: "fp-bp") { component(fhirpath: "value.value > 100") { valueQuantity { value } } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ Observation: { component: [{ valueQuantity: { value: 120 } }] } });
    expect(await patientData('yes: name(fhirpath: "%resource.active", _count: 1) { use } no: name(fhirpath: "%resource.active.not()") { use }')).toEqual({
      yes: [{ use: 'official' }],
      no: [],
    });
  });

  it('is not offered on primitive lists ("Primitive fields SHALL NOT have any arguments at all")', async () => {
    const res = await f.gql(`{ Patient(id: "fp-1") { name { given(fhirpath: "true") } } }`);
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    const count = await f.gql(`{ Patient(id: "fp-1") { name { given(_count: 1) } } }`);
    expect(count.status).toBe(400);
  });
});

describe('fhirpath on searches', () => {
  it("reverse references: filters all of the parent's matches, then _offset/_count page them; the connection counts the filtered list", async () => {
    const list = await patientData(
      `ObservationList(_reference: subject, _sort: "date", fhirpath: "value.ofType(Quantity).value > 70") { id }`,
    );
    expect(list).toEqual({ ObservationList: [{ id: 'fp-obs-1' }, { id: 'fp-obs-3' }, { id: 'fp-obs-4' }] });
    expect(f.calls()).toHaveLength(2); // the patient, one search: the filter costs no upstream request
    const paged = await patientData(`ObservationList(_reference: subject, _sort: "date", fhirpath: "value.ofType(Quantity).value > 70", _offset: 1, _count: 1) { id }`);
    expect(paged).toEqual({ ObservationList: [{ id: 'fp-obs-3' }] });
    const connection = await patientData(
      `ObservationConnection(_reference: subject, _sort: "date", _count: 2, fhirpath: "code.coding.code = '8867-4'") { count next edges { resource { id } } }`,
    );
    expect(connection['ObservationConnection']['count']).toBe(3);
    expect(connection['ObservationConnection']['edges']).toEqual([{ resource: { id: 'fp-obs-1' } }, { resource: { id: 'fp-obs-3' } }]);
    const next = await patientData(
      `ObservationConnection(_reference: subject, _sort: "date", _count: 2, fhirpath: "code.coding.code = '8867-4'", _cursor: "${connection['ObservationConnection']['next']}") { edges { resource { id } } }`,
    );
    expect(next['ObservationConnection']['edges']).toEqual([{ resource: { id: 'fp-obs-4' } }]);
  });

  it('root XList: the filter applies to the page the source returned', async () => {
    const res = await f.gql(`{ PatientList(_count: 50, fhirpath: "name.where(use = 'maiden').exists()") { id } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ PatientList: [{ id: 'fp-1' }] });
    expect(f.calls()).toHaveLength(1);
    const all = (await f.direct<Json>('demo', 'Patient?_count=50')).body;
    const female = all['entry'].map((e: Json) => e.resource).filter((p: Json) => p.gender === 'female').map((p: Json) => ({ id: p.id }));
    expect(female.length).toBeGreaterThan(0);
    const byGender = await f.gql(`{ PatientList(_count: 50, fhirpath: "gender = 'female'") { id } }`);
    expect(byGender.data).toEqual({ PatientList: female });
  });

  it("root XConnection: the page's edges are filtered, count stays the search's total", async () => {
    const res = await f.gql(`{ PatientConnection(_count: 5, _sort: "_id", fhirpath: "id = 'fp-1'") { count pageSize edges { resource { id } } } }`);
    expect(res.errors).toBeUndefined();
    const total = (await f.direct<Json>('demo', 'Patient?_summary=count')).body['total'];
    expect(res.data).toEqual({ PatientConnection: { count: total, pageSize: 5, edges: [{ resource: { id: 'fp-1' } }] } });
  });
});

describe('fhirpath errors', () => {
  it('an expression that does not parse is BAD_USER_INPUT with an OperationOutcome; siblings keep their data', async () => {
    const res = await f.gql(`{ Patient(id: "fp-1") { id name(fhirpath: "family.exists(") { family } } }`);
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ Patient: { id: 'fp-1', name: null } });
    expect(res.errors).toHaveLength(1);
    const error = res.errors![0]!;
    expect(error.path).toEqual(['Patient', 'name']);
    expect(error.message).toMatch(/^Invalid FHIRPath expression "family\.exists\(": line: 1; column: \d+; message: mismatched input '<EOF>'$/);
    expect(error.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', diagnostics: error.message }] },
    });
  });

  it('an expression that fails on the data is BAD_USER_INPUT too', async () => {
    const res = await f.gql(`{ Patient(id: "fp-1") { name(fhirpath: "given.single() = 'Jim'") { family } } }`);
    expect(res.data).toEqual({ Patient: { name: null } });
    expect(res.errors?.[0]?.message).toMatch(/^FHIRPath expression "given\.single\(\) = 'Jim'" could not be evaluated: /);
    expect(res.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });

  it('a search with a bad expression fails its field, with no more upstream requests than without it', async () => {
    const res = await f.gql(`{ PatientList(_count: 3, fhirpath: "((") { id } }`);
    expect(res.data).toEqual({ PatientList: null });
    expect(res.errors?.[0]).toMatchObject({ path: ['PatientList'], extensions: { code: 'BAD_USER_INPUT' } });
  });
});
