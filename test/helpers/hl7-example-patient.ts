/** The HL7 FHIR GraphQL page's example Patient (R4 patient-example, the parts its directive examples select). */
export const hl7ExamplePatient = {
  resourceType: 'Patient',
  id: 'example',
  identifier: [{ use: 'usual', system: 'urn:oid:1.2.36.146.595.217.0.1', value: '12345' }],
  active: true,
  name: [
    { use: 'official', family: 'Chalmers', given: ['Peter', 'James'] },
    { use: 'usual', given: ['Jim'] },
    { use: 'maiden', family: 'Windsor', given: ['Peter', 'James'] },
  ],
  telecom: [
    { use: 'home' },
    { system: 'phone', value: '(03) 5555 6473', use: 'work', rank: 1 },
    { system: 'phone', value: '(03) 3410 5613', use: 'mobile', rank: 2 },
  ],
  generalPractitioner: [{ reference: 'Practitioner/prac-001' }, { reference: 'Organization/org-001' }],
};
