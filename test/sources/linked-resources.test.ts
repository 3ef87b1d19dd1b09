import { describe, expect, it } from 'vitest';
import type { FhirResource } from '../../src/sources/fhir-types.ts';
import { linkedIncludes } from '../../src/sources/linked-resources.ts';

const patient = (id: string): FhirResource => ({ resourceType: 'Patient', id, generalPractitioner: [{ reference: `Practitioner/gp-${id}` }] });
const obs = (id: string, subject: string): FhirResource => ({ resourceType: 'Observation', id, subject: { reference: subject } });
const gp = (id: string): FhirResource => ({ resourceType: 'Practitioner', id: `gp-${id}` });

describe('linkedIncludes', () => {
  it('keeps what the matches refer to (_include) and what refers to them (_revinclude), drops the rest', () => {
    const matches = [patient('a')];
    const included = [gp('a'), gp('b'), obs('o1', 'Patient/a'), obs('o2', 'Patient/b'), obs('o3', 'http://up.example/fhir/Patient/a/_history/2')];
    expect(linkedIncludes(matches, included).map((r) => r.id)).toEqual(['gp-a', 'o1', 'o3']);
  });

  it('follows chains (:iterate) to a fixpoint, whatever the order of the included resources', () => {
    const matches = [obs('o1', 'Patient/a')];
    const included = [gp('a'), patient('a'), gp('z')];
    expect(linkedIncludes(matches, included).map((r) => r.id)).toEqual(['gp-a', 'a']);
  });

  it('never repeats a match or an included resource', () => {
    const a = patient('a');
    const included = [{ ...a }, gp('a'), gp('a')];
    expect(linkedIncludes([a], included).map((r) => r.id)).toEqual(['gp-a']);
  });

  it('finds references nested in backbone elements and contained resources', () => {
    const encounter: FhirResource = {
      resourceType: 'Encounter', id: 'e1',
      participant: [{ individual: { reference: 'Practitioner/gp-x' } }],
      contained: [{ resourceType: 'Location', id: 'l', managingOrganization: { reference: 'Organization/org1' } }],
    };
    const included = [gp('x'), { resourceType: 'Organization', id: 'org1' }, { resourceType: 'Organization', id: 'org2' }];
    expect(linkedIncludes([encounter], included).map((r) => r.id)).toEqual(['gp-x', 'org1']);
  });
});
