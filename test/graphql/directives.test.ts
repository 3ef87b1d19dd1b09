// The HL7 FHIR GraphQL data flattening directives (@flatten @first @singleton @slice) over real sockets: gateway ->
// Medplum FHIR server on loopback, seeded with the spec page's own Patient example so that the page's outputs can be
// asserted as written there (hl7.org/fhir/R4/graphql.html, "Data Flattening Directives").
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { hl7ExamplePatient } from '../helpers/hl7-example-patient.ts';

type Json = Record<string, any>;

const example = hl7ExamplePatient;
const observations = [
  { code: '8867-4', value: 72, unit: '/min', date: '2024-01-01' },
  { code: '8310-5', value: 36.6, unit: 'Cel', date: '2024-01-02' },
  { code: '8867-4', value: 80, unit: '/min', date: '2024-01-03' },
].map((o, i) => ({
  resourceType: 'Observation',
  id: `ex-obs-${i + 1}`,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: o.code }] },
  subject: { reference: 'Patient/example' },
  effectiveDateTime: o.date,
  valueQuantity: { value: o.value, unit: o.unit },
}));

const medicationRequest = {
  resourceType: 'MedicationRequest',
  id: 'ex-medrx',
  status: 'active',
  intent: 'order',
  subject: { reference: 'Patient/example' },
  contained: [
    { resourceType: 'Medication', id: 'med1', code: { text: 'Amoxicillin 500 mg' } },
    { resourceType: 'Medication', id: 'med2', code: { text: 'Ibuprofen 200 mg' } },
  ],
  medicationReference: { reference: '#med1' },
};

let f: Fixture;

async function post(path: string, body: unknown, contentType = 'application/json'): Promise<{ status: number; body: Json }> {
  const res = await f.fetch(path, {
    method: 'POST',
    headers: { 'content-type': contentType, accept: 'application/graphql-response+json, application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

/** The Patient example through /graphql, with the client's selection inside `Patient(id: "example")`. */
async function example_(selection: string): Promise<Json> {
  const res = await f.gql(`{ Patient(id: "example") { ${selection} } }`);
  expect(res.errors).toBeUndefined();
  expect(res.status).toBe(200);
  return (res.data as Json)['Patient'];
}

beforeAll(async () => {
  f = await startFixture({ sources: { demo: { patients: 3, resources: [example, ...observations, medicationRequest] } } });
});
afterAll(() => f?.stop());
beforeEach(() => f.resetCalls());

describe('the HL7 page examples, output as the page shows it', () => {
  it('without directives: the plain graph', async () => {
    expect(await example_('identifier { system value } active name { given family }')).toEqual({
      identifier: [{ system: 'urn:oid:1.2.36.146.595.217.0.1', value: '12345' }],
      active: true,
      name: [
        { given: ['Peter', 'James'], family: 'Chalmers' },
        { given: ['Jim'], family: null },
        { given: ['Peter', 'James'], family: 'Windsor' },
      ],
    });
  });

  it('@flatten: the children replace the field; from a repeating element they become lists, absent values left out', async () => {
    const p = await example_('identifier @flatten { system value } active name @flatten { text given family }');
    expect(p).toEqual({
      system: ['urn:oid:1.2.36.146.595.217.0.1'],
      value: ['12345'],
      active: true,
      given: ['Peter', 'James', 'Jim', 'Peter', 'James'],
      family: ['Chalmers', 'Windsor'],
    });
    expect(Object.keys(p)).toEqual(['system', 'value', 'active', 'given', 'family']);
  });

  it('@first inside @flatten: the first of each item ("applies to the immediate context of the field in the source graph")', async () => {
    expect(await example_('identifier @flatten { system value } active name @flatten { text given @first family }')).toEqual({
      system: ['urn:oid:1.2.36.146.595.217.0.1'],
      value: ['12345'],
      active: true,
      given: ['Peter', 'Jim', 'Peter'],
      family: ['Chalmers', 'Windsor'],
    });
  });

  it('@singleton: single values instead of lists; @flatten @first takes the first name only', async () => {
    expect(
      await example_('identifier @flatten { system @singleton value @singleton } active name @flatten @first { text given family @singleton }'),
    ).toEqual({ system: 'urn:oid:1.2.36.146.595.217.0.1', value: '12345', active: true, given: ['Peter', 'James'], family: 'Chalmers' });
  });

  it('@slice(path: "use") with @flatten: the children are keyed by name.use', async () => {
    const p = await example_('identifier @flatten { system value } active name @flatten @slice(path: "use") { given family @singleton }');
    expect(p).toEqual({
      system: ['urn:oid:1.2.36.146.595.217.0.1'],
      value: ['12345'],
      active: true,
      'given.official': ['Peter', 'James'],
      'family.official': 'Chalmers',
      'given.usual': ['Jim'],
      'given.maiden': ['Peter', 'James'],
      'family.maiden': 'Windsor',
    });
    expect(Object.keys(p)).toEqual(['system', 'value', 'active', 'given.official', 'family.official', 'given.usual', 'given.maiden', 'family.maiden']);
  });

  it('@slice(path: "$index"): keyed by position; a list unless @singleton says otherwise', async () => {
    expect(await example_('identifier @flatten { system value } active name @flatten @slice(path: "$index") { given family @singleton }')).toEqual({
      system: ['urn:oid:1.2.36.146.595.217.0.1'],
      value: ['12345'],
      active: true,
      'given.0': ['Peter', 'James'],
      'family.0': 'Chalmers',
      'given.1': ['Jim'],
      'given.2': ['Peter', 'James'],
      'family.2': 'Windsor',
    });
    // the page's first @slice example: `name @slice(path: "$index") @flatten {given @first @singleton family}`
    expect(await example_('name @slice(path: "$index") @flatten { given @first @singleton family }')).toEqual({
      'given.0': 'Peter',
      'family.0': ['Chalmers'],
      'given.1': 'Jim',
      'given.2': 'Peter',
      'family.2': ['Windsor'],
    });
  });
});

describe('directives with aliases, fragments and nesting', () => {
  it('uses response keys (aliases) for the output names and suffixes', async () => {
    expect(await example_('ids: identifier @flatten { sys: system @singleton } names: name @flatten @slice(path: "use") { last: family @singleton }')).toEqual({
      sys: 'urn:oid:1.2.36.146.595.217.0.1',
      'last.official': 'Chalmers',
      'last.maiden': 'Windsor',
    });
  });

  it('takes the @slice path from a variable, and runs the named operation', async () => {
    const res = await post('/graphql', {
      query: `query Other { PatientList(_count: 1) { id } }
        query Names($path: String!) { Patient(id: "example") { name @flatten @slice(path: $path) { family @singleton } } }`,
      variables: { path: 'use' },
      operationName: 'Names',
    });
    expect(res.body).toEqual({ data: { Patient: { 'family.official': 'Chalmers', 'family.maiden': 'Windsor' } } });
  });

  it('applies directives written in named and inline fragments', async () => {
    const res = await f.gql(`
      query { Patient(id: "example") { ...Names ... on Patient { phone: telecom @slice(path: "use") { value } } } }
      fragment Names on Patient { name @first { given @first } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      Patient: {
        name: { given: 'Peter' },
        'phone.home': [{ value: null }],
        'phone.work': [{ value: '(03) 5555 6473' }],
        'phone.mobile': [{ value: '(03) 3410 5613' }],
      },
    });
  });

  it('@slice without @flatten keys each item under field.value; @singleton makes each one object', async () => {
    expect(await example_('telecom @slice(path: "use") @singleton { system value }')).toEqual({
      'telecom.home': { system: null, value: null },
      'telecom.work': { system: 'phone', value: '(03) 5555 6473' },
      'telecom.mobile': { system: 'phone', value: '(03) 3410 5613' },
    });
  });

  it('nests: suffixes accumulate, and flattening goes through references resolved by type (fragments on the Resource interface)', async () => {
    const p = await example_(`
      generalPractitioner @slice(path: "$index") @flatten {
        resource { ... on Practitioner { id name @flatten @slice(path: "use") { family @singleton } } ... on Organization { id orgName: name } }
      }`);
    const practitioner = (await f.direct<Json>('demo', 'Practitioner/prac-001')).body;
    const organization = (await f.direct<Json>('demo', 'Organization/org-001')).body;
    expect(p).toEqual({
      'resource.0': [{ id: 'prac-001', 'family.official': practitioner['name'][0]['family'] }],
      'resource.1': [{ id: 'org-001', orgName: organization['name'] }],
    });
  });

  it('flattens into the parent through several levels, and reverse-reference lists with a FHIRPath slice', async () => {
    const p = await example_(`
      id
      ObservationList(_reference: subject, _sort: "date") @flatten @slice(path: "code.coding.code") {
        valueQuantity @flatten { value }
      }`);
    expect(p).toEqual({ id: 'example', 'value.8867-4': [72, 80], 'value.8310-5': [36.6] });
  });

  it('works on fields of the Resource interface (contained resources, resolved references) with type-conditioned fragments', async () => {
    const res = await f.gql(`{ MedicationRequest(id: "ex-medrx") {
      contained @first { ... on Medication { id code { text } } }
      byId: contained @slice(path: "id") @singleton { ... on Medication { code { text } } }
      medicationReference { resource { ... on Medication { code @flatten { text } } } }
      all: contained @flatten { __typename ... on Medication { medication: id } }
    } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      MedicationRequest: {
        contained: { id: 'med1', code: { text: 'Amoxicillin 500 mg' } },
        'byId.med1': { code: { text: 'Amoxicillin 500 mg' } },
        'byId.med2': { code: { text: 'Ibuprofen 200 mg' } },
        medicationReference: { resource: { text: 'Amoxicillin 500 mg' } },
        __typename: ['Medication', 'Medication'],
        medication: ['med1', 'med2'],
      },
    });
  });

  it('@first on a list gives one object or null, as GraphQL would give a single field', async () => {
    expect(await example_('name @first { family } contact @first { gender } identifier(_offset: 5) @first { value }')).toEqual({
      name: { family: 'Chalmers' },
      contact: null,
      identifier: null,
    });
  });

  it('leaves @skip/@include and fields without directives as GraphQL executes them', async () => {
    const res = await f.gql(
      `query ($on: Boolean!) { Patient(id: "example") { id @include(if: $on) name @skip(if: $on) @flatten { family } active } PatientList(_count: 1) { id } }`,
      { on: true },
    );
    expect(res.errors).toBeUndefined();
    expect((res.data as Json)['Patient']).toEqual({ id: 'example', active: true });
    expect((res.data as Json)['PatientList']).toHaveLength(1);
  });
});

describe('directive errors', () => {
  it('@singleton with more than one value: NOT_SINGLETON with an OperationOutcome, data null', async () => {
    const res = await f.gql(`{ Patient(id: "example") { id name @flatten { family @singleton } } }`);
    expect(res.status).toBe(200);
    expect(res.data).toBeNull();
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.message).toBe("@singleton: 'family' has more than one value");
    expect(res.errors![0]!.path).toEqual(['Patient', 'name', 2, 'family']);
    expect(res.errors![0]!.extensions).toEqual({
      code: 'NOT_SINGLETON',
      resource: {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'multiple-matches', diagnostics: "@singleton: 'family' has more than one value" }],
      },
    });
  });

  it('@singleton on a plain list field with two items fails the same way', async () => {
    const res = await f.gql(`{ Patient(id: "example") { given: name @singleton { family } } }`);
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions?.['code']).toBe('NOT_SINGLETON');
  });

  it.each([
    ['an unparsable @slice path', `name @slice(path: "use.(") { family }`, /^@slice\(path:\): Invalid FHIRPath expression "use\.\(": line: 1; column: \d+/],
    ['an empty @slice path', `name @slice(path: " ") { family }`, /^@slice on 'name' needs a path$/],
    ['@flatten on a leaf', `active @flatten`, /^@flatten needs a field with sub-fields; 'active' has none$/],
    ['@slice with @first', `name @slice(path: "use") @first { family }`, /^@slice and @first cannot be combined/],
  ])('%s is a request error: 400, BAD_USER_INPUT, nothing executed', async (_label, selection, message) => {
    const res = await f.gql(`{ Patient(id: "example") { ${selection} } }`);
    expect(res.status).toBe(400);
    expect(res.data).toBeUndefined();
    expect(res.errors?.[0]?.message).toMatch(message);
    expect(res.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.extensions?.['resource']).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid' }] });
    expect(f.calls()).toHaveLength(0);
  });

  it('a FHIRPath @slice on a field without FHIR items (connection edges) asks for $index', async () => {
    const res = await f.gql(`{ PatientConnection(_count: 2) { edges @slice(path: "resource.id") { mode } } }`);
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(/use "\$index" here/);
    const ok = await f.gql(`{ PatientConnection(_count: 2) { edges @slice(path: "$index") @singleton { mode } } }`);
    expect(ok.data).toEqual({ PatientConnection: { 'edges.0': { mode: 'match' }, 'edges.1': { mode: 'match' } } });
  });

  it('collating children of different types into one key is an error', async () => {
    const res = await f.gql(`{ Patient(id: "example") { id name @flatten @first { id: family } } }`);
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.message).toBe("@flatten collates 'id' from fields of different types (ID and String)");
  });
});

describe('the FHIR $graphql endpoints run the same directives', () => {
  const query = 'identifier @flatten { system @singleton value @singleton } name @flatten @slice(path: "use") { given family @singleton }';
  const expected = {
    system: 'urn:oid:1.2.36.146.595.217.0.1',
    value: '12345',
    'given.official': ['Peter', 'James'],
    'family.official': 'Chalmers',
    'given.usual': ['Jim'],
    'given.maiden': ['Peter', 'James'],
    'family.maiden': 'Windsor',
  };

  it('system level /fhir/$graphql', async () => {
    const res = await post('/fhir/$graphql', `{ Patient(id: "example") { ${query} } }`, 'application/graphql');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { Patient: expected } });
  });

  it('instance level /fhir/Patient/example/$graphql: the resource is the root', async () => {
    const res = await post('/fhir/Patient/example/$graphql', { query: `{ ${query} }` });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: expected });
  });

  it('instance level errors: paths below the resource, locations in the client text', async () => {
    const text = '{ name @flatten { family @singleton } }';
    const res = await post('/fhir/Patient/example/$graphql', { query: text });
    expect(res.status).toBe(200);
    expect(res.body['data']).toBeNull();
    expect(res.body['errors'][0]).toMatchObject({ path: ['name', 2, 'family'], extensions: { code: 'NOT_SINGLETON' } });
    const bad = await post('/fhir/Patient/example/$graphql', { query: '{ name @slice(path: "(") { family } }' });
    expect(bad.status).toBe(400);
    expect(bad.body['errors'][0]).toMatchObject({ locations: [{ line: 1, column: 3 }], extensions: { code: 'BAD_USER_INPUT' } });
  });
});
