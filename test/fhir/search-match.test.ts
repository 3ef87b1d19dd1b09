// FHIR search semantics evaluated in memory (what granular scopes, and later subscription filters, decide with),
// checked against the R4 search parameters of the model.
import { describe, expect, it } from 'vitest';
import { loadFhirModel, searchParamIndex } from '../../src/fhir/model/load-model.ts';
import { matchesSearch } from '../../src/fhir/search-match.ts';
import type { FhirResource } from '../../src/sources/fhir-types.ts';

const params = searchParamIndex(loadFhirModel());
const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category';
const obs: FhirResource = {
  resourceType: 'Observation', id: 'o1', meta: { lastUpdated: '2024-03-05T10:00:00Z' }, status: 'final',
  category: [{ coding: [{ system: LAB, code: 'laboratory' }] }],
  code: { coding: [{ system: 'http://loinc.org', code: '2339-0' }], text: 'Glucose' },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: '2024-03-05T09:30:00+01:00',
  identifier: [{ system: 'urn:lab', value: 'A-1' }],
};
const patient: FhirResource = {
  resourceType: 'Patient', id: 'p1', gender: 'female', active: true, birthDate: '1980-07',
  name: [{ family: 'Müller', given: ['Anna'] }], address: [{ city: 'Zürich' }],
};
const m = (r: FhirResource, name: string, value: string) => matchesSearch(r, name, value, params);

describe('matchesSearch', () => {
  it('token: code, system|code, |code, system|, comma-OR, :not, identifiers, booleans', () => {
    expect(m(obs, 'category', `${LAB}|laboratory`)).toBe(true);
    expect(m(obs, 'category', 'laboratory')).toBe(true);
    expect(m(obs, 'category', `${LAB}|vital-signs`)).toBe(false);
    expect(m(obs, 'category', `|laboratory`)).toBe(false); // it has a system
    expect(m(obs, 'category', `${LAB}|`)).toBe(true);
    expect(m(obs, 'category', `vital-signs,laboratory`)).toBe(true);
    expect(m(obs, 'category:not', 'laboratory')).toBe(false);
    expect(m(obs, 'identifier', 'urn:lab|A-1')).toBe(true);
    expect(m(obs, 'identifier', 'urn:other|A-1')).toBe(false);
    expect(m(obs, 'status', 'final')).toBe(true);
    expect(m(patient, 'gender', 'male')).toBe(false);
    expect(m(patient, 'active', 'true')).toBe(true);
    expect(m(obs, '_id', 'o1,o2')).toBe(true);
  });

  it('reference: Type/id, plain id, never a different id with the same tail', () => {
    expect(m(obs, 'subject', 'Patient/p1')).toBe(true);
    expect(m(obs, 'subject', 'p1')).toBe(true);
    expect(m(obs, 'subject', 'Patient/p')).toBe(false);
    expect(m(obs, 'subject', 'Group/p1')).toBe(false);
    expect(m({ ...obs, subject: { reference: 'Patient/xp1' } }, 'subject', 'p1')).toBe(false);
  });

  it('string: starts-with ignoring case and accents, :exact, :contains, on HumanName and Address parts', () => {
    expect(m(patient, 'family', 'mul')).toBe(true);
    expect(m(patient, 'name', 'ann')).toBe(true);
    expect(m(patient, 'family:exact', 'Müller')).toBe(true);
    expect(m(patient, 'family:exact', 'muller')).toBe(false);
    expect(m(patient, 'family:contains', 'ull')).toBe(true);
    expect(m(patient, 'address-city', 'zur')).toBe(true);
    expect(m(patient, 'family', 'schmidt')).toBe(false);
  });

  it('date: prefixes at the value\'s precision, time zones, partial dates on both sides', () => {
    expect(m(obs, 'date', '2024-03-05')).toBe(true);
    expect(m(obs, 'date', '2024-03')).toBe(true);
    expect(m(obs, 'date', '2024-03-06')).toBe(false);
    expect(m(obs, 'date', 'ge2024-03-05T08:30:00Z')).toBe(true);
    expect(m(obs, 'date', 'gt2024-03-05T08:30:00Z')).toBe(false); // 09:30+01:00 is 08:30Z
    expect(m(obs, 'date', 'lt2024-01-01')).toBe(false);
    expect(m(obs, 'date', 'le2024')).toBe(true);
    expect(m(patient, 'birthdate', 'eq1980')).toBe(true);
    expect(m(patient, 'birthdate', 'eq1980-07-04')).toBe(false); // the month is wider than the day
    expect(m(patient, 'birthdate', 'ap1980-07-04')).toBe(true);
    expect(m(obs, '_lastUpdated', 'gt2024-03-01')).toBe(true);
  });

  it('is undefined for what it cannot evaluate: unknown parameters, chains, unsupported modifiers and types, bad dates', () => {
    expect(m(obs, 'no-such-param', 'x')).toBeUndefined();
    expect(m(obs, 'subject.name', 'x')).toBeUndefined();
    expect(m(obs, 'subject:Patient.name', 'x')).toBeUndefined();
    expect(m(obs, 'code:text', 'glu')).toBeUndefined();
    expect(m(obs, 'value-quantity', 'gt5')).toBeUndefined();
    expect(m(obs, 'date', 'yesterday')).toBeUndefined();
  });
});
