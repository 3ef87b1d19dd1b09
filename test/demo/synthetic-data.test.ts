import { validateResource } from '@medplum/core';
import type { Observation, Patient, Reference, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { ensureFhirDefinitions } from '../../src/demo/fhir-definitions.ts';
import { generateSyntheticResources, MRN_SYSTEM_BASE, NATIONAL_ID_SYSTEM } from '../../src/demo/synthetic-data.ts';

const ofType = <T extends Resource>(all: Resource[], type: T['resourceType']): T[] =>
  all.filter((r) => r.resourceType === type) as T[];
const nationalIdOf = (p: Patient): string | undefined => p.identifier?.find((i) => i.system === NATIONAL_ID_SYSTEM)?.value;

function collectReferences(value: unknown, out: string[]): string[] {
  if (Array.isArray(value)) for (const v of value) collectReferences(v, out);
  else if (value && typeof value === 'object') {
    const ref = (value as Reference).reference;
    if (typeof ref === 'string') out.push(ref);
    for (const v of Object.values(value)) collectReferences(v, out);
  }
  return out;
}

describe('generateSyntheticResources', () => {
  it('is deterministic: same options give byte-identical output', () => {
    const a = JSON.stringify(generateSyntheticResources({ patients: 25, seed: 7, idPrefix: 'x' }));
    const b = JSON.stringify(generateSyntheticResources({ patients: 25, seed: 7, idPrefix: 'x' }));
    expect(a).toBe(b);
    expect(JSON.stringify(generateSyntheticResources({ patients: 25, seed: 8, idPrefix: 'x' }))).not.toBe(a);
  });

  it('produces the expected shape and counts', () => {
    const all = generateSyntheticResources({ patients: 10 });
    expect(ofType(all, 'Organization')).toHaveLength(3);
    expect(ofType(all, 'Practitioner')).toHaveLength(5);
    const patients = ofType<Patient>(all, 'Patient');
    expect(patients.map((p) => p.id)).toEqual(Array.from({ length: 10 }, (_, i) => `pat-${String(i + 1).padStart(4, '0')}`));
    for (const p of patients) {
      const per = (type: Resource['resourceType']): number =>
        all.filter((r) => r.resourceType === type && (r as { subject?: Reference }).subject?.reference === `Patient/${p.id}`).length;
      expect(per('Observation')).toBeGreaterThanOrEqual(5);
      expect(per('Observation')).toBeLessThanOrEqual(20);
      expect(per('Condition')).toBeGreaterThanOrEqual(1);
      expect(per('Condition')).toBeLessThanOrEqual(4);
      expect(per('Encounter')).toBeGreaterThanOrEqual(1);
      expect(per('Encounter')).toBeLessThanOrEqual(4);
      expect(per('MedicationRequest')).toBeGreaterThanOrEqual(1);
      expect(per('MedicationRequest')).toBeLessThanOrEqual(3);
      expect(p.identifier?.find((i) => i.system === `${MRN_SYSTEM_BASE}main`)?.value).toBeTruthy();
      expect(nationalIdOf(p)).toMatch(/^999-\d{2}-\d{4}$/);
      expect(p.birthDate! >= '1930-01-01' && p.birthDate! <= '2020-12-31').toBe(true);
    }
    expect(patients.some((p) => (p as { _birthDate?: unknown })._birthDate)).toBe(true);
    const obs = ofType<Observation>(all, 'Observation');
    expect(obs.some((o) => o.encounter)).toBe(true);
    for (const o of obs) {
      expect(o.category?.[0]?.coding?.[0]?.code).toBe('vital-signs');
      expect(o.code.coding?.[0]?.system).toBe('http://loinc.org');
      expect(o.valueQuantity?.system).toBe('http://unitsofmeasure.org');
    }
  });

  it('every reference resolves inside the generated set', () => {
    const all = generateSyntheticResources({ patients: 30, idPrefix: 'q' });
    const ids = new Set(all.map((r) => `${r.resourceType}/${r.id}`));
    const refs = collectReferences(all, []);
    expect(refs.length).toBeGreaterThan(100);
    expect(refs.filter((r) => !ids.has(r))).toEqual([]);
    expect(ids.size).toBe(all.length); // ids are unique
  });

  it('idPrefix changes ids and MRN system but not national ids or demographics', () => {
    const a = ofType<Patient>(generateSyntheticResources({ patients: 20, seed: 3, idPrefix: 'a' }), 'Patient');
    const b = ofType<Patient>(generateSyntheticResources({ patients: 20, seed: 3, idPrefix: 'b' }), 'Patient');
    expect(a[0]!.id).toBe('a-pat-0001');
    expect(b[0]!.id).toBe('b-pat-0001');
    expect(a.map(nationalIdOf)).toEqual(b.map(nationalIdOf));
    expect(a.map((p) => [p.name, p.birthDate, p.gender])).toEqual(b.map((p) => [p.name, p.birthDate, p.gender]));
    expect(a[0]!.identifier?.some((i) => i.system === `${MRN_SYSTEM_BASE}a`)).toBe(true);
    const other = ofType<Patient>(generateSyntheticResources({ patients: 20, seed: 4 }), 'Patient');
    expect(other.map(nationalIdOf)).not.toEqual(a.map(nationalIdOf));
  });

  it('national ids are unique per patient', () => {
    const patients = ofType<Patient>(generateSyntheticResources({ patients: 2000 }), 'Patient');
    expect(new Set(patients.map(nationalIdOf)).size).toBe(2000);
  });

  it('is valid FHIR R4 (validateResource)', () => {
    ensureFhirDefinitions();
    const all = generateSyntheticResources({ patients: 15, seed: 11 });
    // validateResource throws an OperationOutcomeError on errors and returns the remaining (warning) issues.
    const problems = all.flatMap((r) => {
      try {
        return validateResource(r).map((issue) => `${r.resourceType}/${r.id}: ${JSON.stringify(issue)}`);
      } catch (err) {
        return [`${r.resourceType}/${r.id}: ${(err as Error).message}`];
      }
    });
    expect(problems).toEqual([]);
    expect(() => validateResource({ resourceType: 'Patient', birthDate: '19x' } as Resource)).toThrow(/Invalid date/);
  });
});
