// The R4 Patient CompartmentDefinition in the model, as the patient-compartment checks will read it: which search
// parameters tie a resource to its patient. Every one must be a reference search parameter of its type, with element
// paths to follow, or the compartment could not be checked on a resource the gateway holds.
import { describe, expect, it } from 'vitest';
import { loadFhirModel } from '../../../src/fhir/model/load-model.ts';

describe('the Patient compartment in the model', () => {
  const model = loadFhirModel();

  it('has R4\'s parameters per type, and leaves out types outside the compartment', () => {
    expect(model.patientCompartment['Observation']).toEqual(['subject', 'performer']);
    expect(model.patientCompartment['Patient']).toEqual(['link']);
    expect(model.patientCompartment['Condition']).toEqual(['patient', 'asserter']);
    expect(model.patientCompartment['Practitioner']).toBeUndefined();
    expect(model.patientCompartment['Organization']).toBeUndefined();
    expect(Object.keys(model.patientCompartment).length).toBeGreaterThan(60);
  });

  it('names only reference search parameters of the type, each with element paths', () => {
    const missing: string[] = [];
    for (const [type, params] of Object.entries(model.patientCompartment)) {
      for (const code of params) {
        const def = model.searchParams[type]?.find((p) => p.code === code);
        if (def?.type !== 'reference' || def.paths === undefined || def.paths.length === 0) missing.push(`${type}.${code} (${def?.type ?? 'unknown'})`);
      }
    }
    expect(missing).toEqual([]);
  });
});
