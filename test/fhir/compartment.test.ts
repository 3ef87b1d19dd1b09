// Which Patients a resource belongs to by R4's Patient compartment, read from the resource: the rule the patient
// compartment checks and the audit trail's "patient" both use.
import { describe, expect, it } from 'vitest';
import { compartmentPaths, compartmentPatients, patientIdOf } from '../../src/fhir/compartment.ts';
import { loadFhirModel, searchParamIndex } from '../../src/fhir/model/load-model.ts';

const model = loadFhirModel();
const index = searchParamIndex(model);
const paths = compartmentPaths(model.patientCompartment, (type, code) => index(type, code)?.paths);

describe('compartmentPatients', () => {
  it('a Patient is in its own compartment', () => {
    expect(compartmentPatients({ resourceType: 'Patient', id: 'p1', link: [{ other: { reference: 'Patient/p2' } }] }, paths)).toEqual(['p1']);
  });

  it('reads every compartment path, skips references to other types, and accepts relative, absolute and versioned references', () => {
    const observation = {
      resourceType: 'Observation', id: 'o1',
      subject: { reference: 'Patient/p1/_history/3' },
      performer: [{ reference: 'Practitioner/d1' }, { reference: 'https://ehr.example.org/fhir/Patient/p2' }, { display: 'no reference' }],
    };
    expect(compartmentPatients(observation, paths)).toEqual(['p1', 'p2']);
    expect(compartmentPatients({ resourceType: 'Observation', id: 'o2', subject: { reference: 'Group/g1' } }, paths)).toEqual([]);
    expect(compartmentPatients({ resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p3' }, asserter: { reference: 'Patient/p3' } }, paths)).toEqual(['p3']);
  });

  it('a type outside the compartment has no patients at all (undefined, not empty)', () => {
    expect(compartmentPatients({ resourceType: 'Practitioner', id: 'd1' }, paths)).toBeUndefined();
    expect(compartmentPatients({ resourceType: 'Organization', id: 'org1' }, paths)).toBeUndefined();
  });

  it('patientIdOf takes only Patient references', () => {
    expect(patientIdOf('Patient/abc-1')).toBe('abc-1');
    expect(patientIdOf('http://x/fhir/Patient/abc/_history/2')).toBe('abc');
    expect(patientIdOf('Practitioner/abc')).toBeUndefined();
    expect(patientIdOf('NotPatient/abc')).toBeUndefined();
    expect(patientIdOf('Patient/a/b')).toBeUndefined();
  });
});
