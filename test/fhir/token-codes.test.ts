// A token value that no resource can have (a code outside the required value set of the parameter's elements) is a
// warning that names the codes there are — GraphQL extensions.warnings, REST the Bundle's OperationOutcome entry —
// and the search goes on (FHIR: an unknown code is not an error; the search matches nothing), at the root and in
// reverse references alike.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from '../helpers/fixture.ts';

let f: Fixture;
beforeAll(async () => {
  f = await startFixture({ sources: { demo: { patients: 4 } } });
});
afterAll(() => f.stop());
beforeEach(() => f.resetCalls());

const GENDER = 'http://hl7.org/fhir/ValueSet/administrative-gender';
const bananaWarning = (name = 'gender', path: (string | number)[] = ['PatientList']) => ({
  code: 'CODE_NOT_IN_VALUE_SET',
  message:
    `Patient search parameter '${name}': 'banana' is not a code of the required value set ${GENDER} (male, female, other, unknown); ` +
    'no Patient can have it, so this value matches nothing',
  path,
});

interface Bundle {
  entry?: Array<{ search: { mode: string }; resource: { resourceType: string; issue?: Array<{ severity: string; diagnostics: string }> } }>;
}
const outcomeOf = (bundle: Bundle) => bundle.entry?.find((e) => e.search.mode === 'outcome')?.resource;

describe('GraphQL', () => {
  it('PatientList(gender: "banana"): an empty list, searched, with a warning naming the codes', async () => {
    const res = await f.gql('{ PatientList(gender: "banana") { id } }');
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ PatientList: [] });
    expect(res.extensions?.['warnings']).toEqual([bananaWarning()]);
    expect(f.calls('demo').map((r) => r.url)).toEqual(['/Patient?gender=banana&_count=20']); // the search still went
  });

  it('a code of the value set, or none: no warning', async () => {
    const res = await f.gql('{ female: PatientList(gender: "female") { id } all: PatientList(gender: "female,male") { id } PatientConnection { count } }');
    expect(res.errors).toBeUndefined();
    expect(res.extensions?.['warnings']).toBeUndefined();
  });

  it('each bad code of a list, and system|code by its code; a case slip gets a hint', async () => {
    const res = await f.gql(`{
      a: PatientList(gender: "female,banana") { id }
      b: PatientList(gender: "http://hl7.org/fhir/administrative-gender|Female") { id }
      c: ObservationList(status: "done") { id }
    }`);
    const warnings = res.extensions?.['warnings'] as Array<{ message: string; path: string[] }>;
    expect(warnings.map((w) => [w.path, w.message.split(': ').slice(1).join(': ')])).toEqual([
      [['a'], `'banana' is not a code of the required value set ${GENDER} (male, female, other, unknown); no Patient can have it, so this value matches nothing`],
      [['b'], `'Female' is not a code of the required value set ${GENDER} (male, female, other, unknown); codes are case-sensitive: did you mean 'female'?`],
      [['c'], "'done' is not a code of the required value set http://hl7.org/fhir/ValueSet/observation-status " +
        '(registered, preliminary, final, amended, corrected, cancelled, entered-in-error, unknown); no Observation can have it, so this value matches nothing'],
    ]);
  });

  it('in reverse references too, said once for every parent', async () => {
    const res = await f.gql('{ PatientList(_count: 3) { id ObservationList(_reference: subject, status: "done") { id } } }');
    expect(res.errors).toBeUndefined();
    expect((res.data as { PatientList: Array<{ ObservationList: unknown[] }> }).PatientList.map((p) => p.ObservationList)).toEqual([[], [], []]);
    const warnings = res.extensions?.['warnings'] as Array<{ code: string; path: unknown[] }>;
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ code: 'CODE_NOT_IN_VALUE_SET', path: ['PatientList', 0, 'ObservationList'] });
  });
});

describe('REST', () => {
  it('GET /fhir/Patient?gender=banana: the Bundle\'s OperationOutcome entry says so', async () => {
    const res = await f.fetch('/fhir/Patient?gender=banana');
    expect(res.status).toBe(200);
    const bundle = (await res.json()) as Bundle;
    expect(bundle.entry!.filter((e) => e.search.mode === 'match')).toHaveLength(0);
    expect(outcomeOf(bundle)!.issue).toEqual([
      { severity: 'information', code: 'informational', diagnostics: `${bananaWarning().message} [CODE_NOT_IN_VALUE_SET]` },
    ]);
  });

  it('checks :not and paths through datatypes; leaves :text and other modifiers alone', async () => {
    const not = (await (await f.fetch('/fhir/Patient?gender:not=banana')).json()) as Bundle;
    expect(outcomeOf(not)!.issue![0]!.diagnostics).toContain("Patient search parameter 'gender:not': 'banana' is not a code");
    const use = (await (await f.fetch('/fhir/Patient?address-use=holiday')).json()) as Bundle;
    expect(outcomeOf(use)!.issue![0]!.diagnostics).toContain("'holiday' is not a code of the required value set http://hl7.org/fhir/ValueSet/address-use");
    const text = (await (await f.fetch('/fhir/Patient?gender:text=banana')).json()) as Bundle;
    expect(outcomeOf(text)).toBeUndefined();
    const fine = (await (await f.fetch('/fhir/Patient?gender=%7Cfemale&address-use=home')).json()) as Bundle;
    expect(outcomeOf(fine)).toBeUndefined();
  });
});
