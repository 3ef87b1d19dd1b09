import { describe, expect, it } from 'vitest';
import { loadFhirModel, topLevelIndex } from '../../../src/fhir/model/load-model.ts';
import { parseShaping, shape } from '../../../src/fhir/result-shaping.ts';
import type { FhirResource } from '../../../src/sources/fhir-types.ts';

const topLevel = topLevelIndex(loadFhirModel());
const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };
const patient: FhirResource = {
  resourceType: 'Patient',
  id: 'p1',
  meta: { versionId: '3', tag: [{ system: 'urn:x', code: 'keep' }] },
  text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Ann</div>' },
  name: [{ family: 'Adams' }],
  birthDate: '1970-01-01',
  _birthDate: { extension: [{ url: 'urn:e', valueString: 'x' }] },
  deceasedBoolean: false,
  photo: [{ contentType: 'image/png' }],
  contact: [{ name: { family: 'B' } }],
};

describe('_summary and _elements', () => {
  it('_summary=true keeps the R4 summary elements (choice elements by their typed names) and tags SUBSETTED', () => {
    const out = shape(patient, parseShaping('true', undefined), topLevel);
    expect(Object.keys(out).sort()).toEqual(['_birthDate', 'birthDate', 'deceasedBoolean', 'id', 'meta', 'name', 'resourceType']);
    expect(out.meta).toEqual({ versionId: '3', tag: [{ system: 'urn:x', code: 'keep' }, SUBSETTED] });
    expect(patient.meta!['tag']).toHaveLength(1); // the input is not changed
  });

  it('_summary=text keeps the narrative and mandatory elements; data drops the narrative; false and count keep all', () => {
    expect(Object.keys(shape(patient, parseShaping('text', undefined), topLevel)).sort()).toEqual(['id', 'meta', 'resourceType', 'text']);
    const data = shape(patient, parseShaping('data', undefined), topLevel);
    expect(data).not.toHaveProperty('text');
    expect(data).toHaveProperty('contact');
    expect(shape(patient, parseShaping('false', undefined), topLevel)).toBe(patient);
    expect(parseShaping('count', undefined)).toEqual({ kind: 'count' });
  });

  it('_elements keeps the named top-level elements, their primitive extensions and choice forms', () => {
    const out = shape(patient, parseShaping(undefined, 'birthDate, deceased'), topLevel);
    expect(Object.keys(out).sort()).toEqual(['_birthDate', 'birthDate', 'deceasedBoolean', 'id', 'meta', 'resourceType']);
  });

  it('rejects bad values and the combination', () => {
    expect(() => parseShaping('maybe', undefined)).toThrow(/_summary must be one of/);
    expect(() => parseShaping('true', 'name')).toThrow(/cannot be used together/);
    expect(() => parseShaping(undefined, 'name.family')).toThrow(/not an element name/);
  });
});
