// Stored audit rows as FHIR R4 AuditEvents (BALP-shaped): every field, the roles per action, the subtypes, a denial,
// anonymous access, malformed JSON columns, and R4 validity (medplum's validator over the R4 definitions).
import { validateResource } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { RESTFUL_INTERACTIONS, SUBTYPE_SYSTEM, subtypeCodings, toAuditEvent } from '../../src/audit/audit-event-resource.ts';
import type { AuditEventRow } from '../../src/db/schema.ts';
import { ensureFhirDefinitions } from '../../src/demo/fhir-definitions.ts';
import { storedRow, T0 } from './helpers.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SERVER = 'https://gw.example.org/fhir';
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const XREQUESTID = { system: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType', code: 'XrequestId' };

const event = (row: AuditEventRow, server: string | null = SERVER) => toAuditEvent(row, server === null ? {} : { server }) as Json;
const agentWithType = (e: Json, code: string) => (e.agent as Json[]).find((a) => a.type.coding[0].code === code);
const entityWithRole = (e: Json, code: string) => (e.entity as Json[]).filter((x) => x.role?.code === code);
const fromBase64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

/** The elements R4 requires of an AuditEvent (https://hl7.org/fhir/R4/auditevent.html), checked one by one. */
function expectR4Required(e: Json): void {
  expect(e.resourceType).toBe('AuditEvent');
  expect(e.type).toMatchObject({ system: expect.any(String), code: expect.any(String) });
  expect(e.recorded).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
  expect(Array.isArray(e.agent) && e.agent.length).toBeGreaterThan(0);
  for (const agent of e.agent as Json[]) expect(typeof agent.requestor).toBe('boolean');
  expect((e.agent as Json[]).filter((a) => a.requestor === true)).toHaveLength(1);
  expect(e.source.observer).toEqual({ display: 'fhir-graphql-gateway' });
  for (const entity of e.entity as Json[]) expect(entity.name === undefined || entity.query === undefined).toBe(true); // sev-1
}

/** Valid against the R4 StructureDefinitions: the validator throws on errors and returns the warnings. */
function expectValid(e: Json): void {
  ensureFhirDefinitions();
  let issues: ReturnType<typeof validateResource> = [];
  expect(() => (issues = validateResource(e as Resource))).not.toThrow();
  expect(issues.filter((i) => i.severity === 'error' || i.severity === 'fatal')).toEqual([]);
}

describe('toAuditEvent', () => {
  it('maps every column of a successful read through an application', () => {
    const row = storedRow({
      id: 'b7c1c1f6-9a3e-4c43-9d55-3c1f0b7a0e01',
      recorded_ms: T0,
      action: 'R',
      outcome: '0',
      subtype: 'read',
      agent_sub: 'user-1',
      agent_client_id: 'portal',
      agent_fhir_user: 'Practitioner/pr-1',
      network_address: '10.1.2.3',
      request_id: 'req-42',
      source_ids: JSON.stringify(['hospital', 'lab']),
      query: 'Observation?patient=Patient/pat-0001&code=ünïcødé',
      patient: 'Patient/pat-0001',
      patient_source: 'hospital',
      entity: JSON.stringify([{ reference: 'Observation/o1' }, { reference: 'Observation/o2', display: 'BP' }]),
      detail: JSON.stringify({ note: 'ignored on success' }),
    });
    const e = event(row);
    expect(e).toMatchObject({
      resourceType: 'AuditEvent',
      id: row.id,
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' },
      subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read', display: 'read' }],
      action: 'R',
      recorded: '2026-12-06T10:00:00.000Z',
      outcome: '0',
    });
    expect(e).not.toHaveProperty('outcomeDesc');
    expect(e.agent).toEqual([
      {
        type: { coding: [{ system: PARTICIPATION, code: 'IRCP', display: 'information recipient' }] },
        who: { reference: 'Practitioner/pr-1', identifier: { value: 'user-1' } },
        requestor: true,
      },
      { // BALP Read: the client is the Destination Role ID
        type: { coding: [{ system: DCM, code: '110152', display: 'Destination Role ID' }] },
        who: { identifier: { value: 'portal' } },
        requestor: false,
        network: { address: '10.1.2.3', type: '2' },
      },
      {
        type: { coding: [{ system: DCM, code: '110153', display: 'Source Role ID' }] },
        who: { display: 'fhir-graphql-gateway' },
        requestor: false,
        network: { address: SERVER, type: '5' },
      },
    ]);
    expect(e.source).toEqual({
      site: 'hospital, lab',
      observer: { display: 'fhir-graphql-gateway' },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
    });
    expect(e.entity).toEqual([
      {
        what: { reference: 'Patient/pat-0001' },
        type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
        role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
        detail: [{ type: 'source', valueString: 'hospital' }],
      },
      { what: { reference: 'Observation/o1' }, type: { system: ENTITY_TYPE, code: '2', display: 'System Object' }, role: { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' } },
      { what: { reference: 'Observation/o2', display: 'BP' }, type: { system: ENTITY_TYPE, code: '2', display: 'System Object' }, role: { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' } },
      { type: { system: ENTITY_TYPE, code: '2', display: 'System Object' }, role: { system: OBJECT_ROLE, code: '24', display: 'Query' }, query: expect.any(String) },
      { what: { identifier: { value: 'req-42' } }, type: XREQUESTID },
    ]);
    expect(fromBase64(entityWithRole(e, '24')[0]!.query)).toBe('Observation?patient=Patient/pat-0001&code=ünïcødé');
    expectR4Required(e);
    expectValid(e);
    // the validator does check what R4 requires
    const { source: _source, ...withoutSource } = e;
    expect(() => validateResource(withoutSource as Resource)).toThrow(/source/i);
    expect(() => validateResource({ ...e, agent: [{ who: { display: 'x' } }] } as Resource)).toThrow(/requestor/i);
  });

  it('names the client the Source and the user the author for writes, and the client the Source for queries (BALP)', () => {
    for (const action of ['C', 'U', 'D'] as const) {
      const e = event(storedRow({ action, subtype: action === 'C' ? 'create' : action === 'U' ? 'update' : 'delete' }));
      expect(e.agent[0].type.coding[0]).toEqual({ system: PARTICIPATION, code: 'AUT', display: 'author (originator)' });
      expect(agentWithType(e, '110153')!.who).toEqual({ identifier: { value: 'portal' } });
      expect(agentWithType(e, '110152')!.who).toEqual({ display: 'fhir-graphql-gateway' });
      expectValid(e);
    }
    const query = event(storedRow({ action: 'E', subtype: 'search-type' }));
    expect(query.agent[0].type.coding[0].code).toBe('IRCP');
    expect(agentWithType(query, '110153')!.who).toEqual({ identifier: { value: 'portal' } });
    expect(agentWithType(query, '110152')!.who).toEqual({ display: 'fhir-graphql-gateway' });
  });

  it('codes every FHIR interaction as restful-interaction, and GraphQL under the gateway\'s own system', () => {
    for (const code of ['read', 'vread', 'search-type', 'history-instance', 'create', 'update', 'patch', 'delete', 'batch', 'transaction']) {
      expect(RESTFUL_INTERACTIONS.has(code)).toBe(true);
      expect(event(storedRow({ subtype: code })).subtype).toEqual([{ system: 'http://hl7.org/fhir/restful-interaction', code, display: code }]);
    }
    expect(event(storedRow({ subtype: 'graphql' })).subtype).toEqual([{ system: SUBTYPE_SYSTEM, code: 'graphql', display: 'GraphQL request' }]);
    expect(event(storedRow({ subtype: '$graphql' })).subtype).toEqual([
      { system: 'http://hl7.org/fhir/restful-interaction', code: 'operation', display: 'operation' },
      { system: SUBTYPE_SYSTEM, code: '$graphql', display: 'FHIR $graphql operation' },
    ]);
    // a code the writer may add later is never passed off as a restful-interaction code
    expect(subtypeCodings('subscribe')).toEqual([{ system: SUBTYPE_SYSTEM, code: 'subscribe' }]);
    expectValid(event(storedRow({ subtype: '$graphql', action: 'E', query: '{ Patient(id: "p") { id } }' })));
  });

  it('describes a denial in outcomeDesc from the detail column', () => {
    const denial = event(storedRow({ outcome: '8', action: 'R', entity: null, detail: JSON.stringify({ code: 'FORBIDDEN', text: 'The access token grants no read Observation' }) }));
    expect(denial.outcome).toBe('8');
    expect(denial.outcomeDesc).toBe('FORBIDDEN: The access token grants no read Observation');
    expect(entityWithRole(denial, '4')).toEqual([]);
    expectR4Required(denial);
    expectValid(denial);

    expect(event(storedRow({ outcome: '4', detail: JSON.stringify('partly refused') })).outcomeDesc).toBe('partly refused');
    expect(event(storedRow({ outcome: '8', detail: JSON.stringify({ message: 'no scope' }) })).outcomeDesc).toBe('no scope');
    // the shapes audit-events.ts writes: a refused scope, a refused token
    const refused = event(storedRow({
      outcome: '8', patient: null, patient_source: null, source_ids: '[]', entity: JSON.stringify([{ reference: 'Observation' }]),
      detail: JSON.stringify({ code: 'FORBIDDEN', resourceType: 'Observation', interaction: 'read' }),
    }));
    expect(refused.outcomeDesc).toBe('FORBIDDEN: read Observation refused');
    expect(entityWithRole(refused, '4').map((x) => x.what)).toEqual([{ type: 'Observation' }]);
    expect(entityWithRole(refused, '1')).toEqual([]);
    expectValid(refused);
    expect(event(storedRow({ outcome: '8', detail: JSON.stringify({ code: 'UNAUTHENTICATED', status: 401 }) })).outcomeDesc).toBe('UNAUTHENTICATED (HTTP 401)');
    expect(event(storedRow({ outcome: '12', detail: JSON.stringify({ reason: 'upstream down' }) })).outcomeDesc).toBe('{"reason":"upstream down"}');
    expect(event(storedRow({ outcome: '8', detail: null }))).not.toHaveProperty('outcomeDesc');
    expect(event(storedRow({ outcome: '0', detail: JSON.stringify({ code: 'X', text: 'y' }) }))).not.toHaveProperty('outcomeDesc');
  });

  it('shows an anonymous access (no auth) and an access without a client or address', () => {
    const e = event(storedRow({ agent_sub: null, agent_client_id: null, agent_fhir_user: null, network_address: null }), null);
    expect(e.agent).toEqual([
      { type: { coding: [{ system: PARTICIPATION, code: 'IRCP', display: 'information recipient' }] }, who: { display: 'anonymous' }, requestor: true },
      { type: { coding: [{ system: DCM, code: '110153', display: 'Source Role ID' }] }, who: { display: 'fhir-graphql-gateway' }, requestor: false },
    ]);
    expectR4Required(e);
    expectValid(e);

    const byAddress = event(storedRow({ agent_client_id: null, network_address: 'client.example.org', agent_fhir_user: null }));
    expect(byAddress.agent[0].who).toEqual({ identifier: { value: 'user-1' } });
    expect(agentWithType(byAddress, '110152')).toMatchObject({ who: { display: 'client.example.org' }, network: { address: 'client.example.org', type: '1' } });
    expect(agentWithType(event(storedRow({ network_address: '::1' })), '110152')!.network).toEqual({ address: '::1', type: '2' });
  });

  it('leaves out what malformed JSON columns hold, and never throws', () => {
    const row = storedRow({ source_ids: '["hosp', entity: '{not json', detail: '{"code":', outcome: '8', patient: null, patient_source: null });
    let e: Json = {};
    expect(() => (e = event(row))).not.toThrow();
    expect(e.source).not.toHaveProperty('site');
    expect(e).not.toHaveProperty('outcomeDesc');
    expect(e.entity).toEqual([{ what: { identifier: { value: row.request_id } }, type: XREQUESTID }]);
    expectR4Required(e);
    expectValid(e);

    // valid JSON of the wrong shape: skipped item by item
    const shapes = event(storedRow({
      source_ids: JSON.stringify(['hospital', 7, null, '']),
      entity: JSON.stringify([{ reference: 'Observation/o1' }, { reference: 5 }, 'Condition/c1', null, [], { display: 'no reference' }]),
    }));
    expect(shapes.source.site).toBe('hospital');
    expect(entityWithRole(shapes, '4').map((x) => x.what)).toEqual([{ reference: 'Observation/o1' }, { reference: 'Condition/c1' }]);
    expect(entityWithRole(event(storedRow({ entity: JSON.stringify({ reference: 'Observation/o1' }) })), '4')).toEqual([]);
    expect(event(storedRow({ source_ids: JSON.stringify('hospital') })).source).not.toHaveProperty('site');
  });

  it('takes the instant from recorded_ms when recorded is not one', () => {
    expect(event(storedRow({ recorded_ms: T0, recorded: 'yesterday' })).recorded).toBe('2026-12-06T10:00:00.000Z');
  });
});
