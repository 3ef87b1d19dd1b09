// The FHIR model carries, for token search parameters whose elements are `code`s bound `required` to a value set, that
// value set and its codes (from the HL7 R4 bundles), so that a code no resource can have is found before searching.
import { describe, expect, it } from 'vitest';
import { loadFhirModel, searchParamIndex } from '../../../src/fhir/model/load-model.ts';

const model = loadFhirModel();
const params = searchParamIndex(model);

describe('required value sets of token search parameters', () => {
  it('binds Patient.gender to administrative-gender, with its codes', () => {
    expect(params('Patient', 'gender')).toMatchObject({
      type: 'token',
      valueSet: 'http://hl7.org/fhir/ValueSet/administrative-gender',
      codes: ['male', 'female', 'other', 'unknown'],
    });
    expect(params('Person', 'gender')?.codes).toEqual(['male', 'female', 'other', 'unknown']);
  });

  it('follows paths through datatypes and backbone elements', () => {
    expect(params('Patient', 'address-use')?.valueSet).toBe('http://hl7.org/fhir/ValueSet/address-use');
    expect(params('Observation', 'status')?.codes).toEqual(
      ['registered', 'preliminary', 'final', 'amended', 'corrected', 'cancelled', 'entered-in-error', 'unknown'],
    );
    expect(params('Encounter', 'status')?.codes).toContain('in-progress');
  });

  it('leaves out what a value outside the set could still match: CodeableConcepts, Codings, identifiers, free values', () => {
    for (const [type, code] of [['Observation', 'code'], ['Patient', 'identifier'], ['Patient', 'language'], ['Patient', 'active'], ['Patient', 'name']] as const) {
      expect(params(type, code)?.valueSet, `${type}.${code}`).toBeUndefined();
      expect(params(type, code)?.codes, `${type}.${code}`).toBeUndefined();
    }
  });

  it('stays small: one list of codes per value set, every bound parameter pointing at one', () => {
    const bound = Object.values(model.searchParams).flat().filter((p) => p.valueSet !== undefined);
    expect(bound.length).toBeGreaterThan(100);
    for (const p of bound) expect(model.valueSets[p.valueSet!], p.code).toBeDefined();
    const codes = Object.values(model.valueSets).reduce((n, c) => n + c.length, 0);
    expect(codes).toBeLessThan(1_000);
    expect(JSON.stringify(model.valueSets).length).toBeLessThan(20_000);
  });
});
