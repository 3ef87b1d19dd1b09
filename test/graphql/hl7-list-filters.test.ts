// The HL7 FHIR GraphQL `[field]: value` list filter ("Field Arguments: List Navigation"), over real sockets: gateway ->
// Medplum FHIR server on loopback, seeded with the page's example Patient, through /graphql and both $graphql levels.
// The page's own examples first (name(use: official), extension(url: ...)), then how the filters combine with each other,
// with fhirpath, _offset/_count and the directives, their argument types, and what stays an error.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { hl7ExamplePatient } from '../helpers/hl7-example-patient.ts';

type Json = Record<string, any>;

const DETAILS = 'http://myextension.url/details';
const example = {
  ...hl7ExamplePatient,
  extension: [
    { url: DETAILS, valueString: 'some value' },
    { url: 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace', valueAddress: { city: 'Melbourne' } },
  ],
  communication: [
    { language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'nl' }] }, preferred: true },
    { language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'en' }] } },
  ],
};

let f: Fixture;

async function post(path: string, body: string, contentType = 'application/json'): Promise<{ status: number; body: Json }> {
  const res = await f.fetch(path, { method: 'POST', headers: { 'content-type': contentType }, body });
  return { status: res.status, body: (await res.json()) as Json };
}

/** `{ Patient(id: "example") { <selection> } }` through /graphql: the Patient's data, after asserting no errors. */
async function example_(selection: string, variables?: Record<string, unknown>, declarations = ''): Promise<Json> {
  const res = await f.gql(`query${declarations} { Patient(id: "example") { ${selection} } }`, variables);
  expect(res.errors).toBeUndefined();
  expect(res.status).toBe(200);
  return (res.data as Json)['Patient'];
}

beforeAll(async () => {
  f = await startFixture({ sources: { demo: { patients: 3, resources: [example] } } });
});
afterAll(() => f?.stop());
beforeEach(() => f.resetCalls());

describe("the HL7 page's examples", () => {
  it('name(use: official) — the code written as a name, as on the page — keeps the official name only', async () => {
    expect(await example_('name(use: official) { text given family }')).toEqual({
      name: [{ text: null, given: ['Peter', 'James'], family: 'Chalmers' }],
    });
    // one read of the Patient: the filter works on the data the gateway has, nothing more is asked upstream
    expect(f.calls().map((r) => r.url)).toEqual(['/Patient/example']);
  });

  it('myext: extension(url: "...") { value: valueString } selects one extension (a list of one: the field is a list)', async () => {
    expect(await example_(`myext: extension(url: "${DETAILS}") { value: valueString }`)).toEqual({ myext: [{ value: 'some value' }] });
  });

  it('the same through POST [base]/$graphql and the instance level [base]/Patient/example/$graphql', async () => {
    const system = await post('/fhir/$graphql', JSON.stringify({ query: '{ Patient(id: "example") { name(use: official) { given family } } }' }));
    expect(system.status).toBe(200);
    expect(system.body).toEqual({ data: { Patient: { name: [{ given: ['Peter', 'James'], family: 'Chalmers' }] } } });

    const instance = await post('/fhir/Patient/example/$graphql', `{ name(use: official) { text given family } myext: extension(url: "${DETAILS}") { value: valueString } }`, 'application/graphql');
    expect(instance.status).toBe(200);
    expect(instance.body).toEqual({
      data: { name: [{ text: null, given: ['Peter', 'James'], family: 'Chalmers' }], myext: [{ value: 'some value' }] },
    });
  });
});

describe('child filters', () => {
  it('a code may be a name or a string; uri and string children take strings', async () => {
    const p = await example_(`
      byName: name(use: maiden) { family }
      byString: name(use: "maiden") { family }
      identifier(system: "urn:oid:1.2.36.146.595.217.0.1") { value }
      phones: telecom(system: phone) { value }`);
    expect(p).toEqual({
      byName: [{ family: 'Windsor' }],
      byString: [{ family: 'Windsor' }],
      identifier: [{ value: '12345' }],
      phones: [{ value: '(03) 5555 6473' }, { value: '(03) 3410 5613' }],
    });
  });

  it('several filters are AND; a repeating child (given) matches when one of its values does', async () => {
    const p = await example_(`
      mobile: telecom(system: phone, use: mobile) { value }
      none: telecom(system: phone, use: home) { value }
      jim: name(given: "Jim") { use }
      james: name(given: "James", use: maiden) { family }`);
    expect(p).toEqual({
      mobile: [{ value: '(03) 3410 5613' }],
      none: [],
      jim: [{ use: 'usual' }],
      james: [{ family: 'Windsor' }],
    });
  });

  it('booleans and integers are filtered as such: communication(preferred: true), telecom(rank: 2)', async () => {
    const p = await example_('communication(preferred: true) { language { coding { code } } } telecom(rank: 2) { use }');
    expect(p).toEqual({ communication: [{ language: { coding: [{ code: 'nl' }] } }], telecom: [{ use: 'mobile' }] });
  });

  it('compares the FHIR data, not the output: the child need not be selected, aliases change nothing', async () => {
    expect(await example_('name(use: usual) { u: use g: given }')).toEqual({ name: [{ u: 'usual', g: ['Jim'] }] });
  });

  it('a filter given as null, or as a variable left out, filters nothing', async () => {
    expect((await example_('name(use: null) { family }'))['name']).toHaveLength(3);
    expect((await example_('name(use: $use) { family }', {}, '($use: code)'))['name']).toHaveLength(3);
  });

  it('a variable for a code filter is declared `code`', async () => {
    expect(await example_('name(use: $use) { family }', { use: 'maiden' }, '($use: code)')).toEqual({ name: [{ family: 'Windsor' }] });
  });
});

describe('with fhirpath, _offset/_count and the directives', () => {
  it('filters and fhirpath both apply (AND), then _offset/_count page what is left', async () => {
    const p = await example_(`
      both: name(use: maiden, fhirpath: "family.exists()") { family }
      neither: name(use: usual, fhirpath: "family.exists()") { family }
      second: telecom(system: phone, _offset: 1) { use }
      first: telecom(system: phone, _count: 1) { use }`);
    expect(p).toEqual({ both: [{ family: 'Windsor' }], neither: [], second: [{ use: 'mobile' }], first: [{ use: 'work' }] });
  });

  it('@first takes the first of the filtered list; @slice keys the filtered items', async () => {
    expect(await example_('name(use: maiden) @first { family }')).toEqual({ name: { family: 'Windsor' } });
    expect(await example_('telecom(system: phone) @slice(path: "use") @singleton { value }')).toEqual({
      'telecom.work': { value: '(03) 5555 6473' },
      'telecom.mobile': { value: '(03) 3410 5613' },
    });
    expect(await example_('name(given: "Peter") @flatten { family given @first }')).toEqual({
      family: ['Chalmers', 'Windsor'],
      given: ['Peter', 'Peter'],
    });
  });
});

describe('what stays an error (validation: HTTP 400, nothing read)', () => {
  async function rejected(selection: string, declarations = '', variables?: Record<string, unknown>): Promise<string> {
    const res = await f.gql(`query${declarations} { Patient(id: "example") { ${selection} } }`, variables);
    expect(res.status).toBe(400);
    expect(f.calls()).toHaveLength(0);
    return res.errors!.map((e) => e.message).join('\n');
  }

  it('a child that is not a primitive, a choice child, or no child at all is an unknown argument', async () => {
    expect(await rejected('name(period: "x") { family }')).toContain('Unknown argument "period"');
    expect(await rejected('extension(valueString: "x") { url }')).toContain('Unknown argument "valueString"');
    expect(await rejected('name(nickname: "x") { family }')).toContain('Unknown argument "nickname"');
  });

  it('a value of the wrong type', async () => {
    expect(await rejected('telecom(rank: "2") { use }')).toMatch(/Int cannot represent/);
    expect(await rejected('name(use: 1) { family }')).toContain('code must be a name or a string');
    expect(await rejected('name(use: $use) { family }', '($use: String)', { use: 'official' })).toMatch(/type "String" used in position expecting type "code"/);
  });

  it('primitive lists take no arguments, as the page says', async () => {
    expect(await rejected('name { given(use: official) }')).toContain('Unknown argument "use"');
  });
});
