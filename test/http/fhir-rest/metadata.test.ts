// GET [base]/metadata through the shim: a valid R4 CapabilityStatement (checked with Medplum's validator against the
// HL7 definitions) that is the union of what the sources declare; [base]/{sourceId}/metadata is that source's part.
import { validateResource } from '@medplum/core';
import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFhirDefinitions } from '../../../src/demo/fhir-definitions.ts';
import type { MemoryFhirServer } from '../../../src/demo/memory-fhir-server.ts';
import { startFixture, type Fixture } from '../../helpers/fixture.ts';
import type { GatewayHandle } from '../../helpers/gateway.ts';
import { EXACT, fhir } from './rest-helpers.ts';

/** A statement without one resource type and without one Patient search parameter. */
const without = (type: string, patientParam: string) => (statement: CapabilityStatement): CapabilityStatement => {
  const server = statement.rest![0]!;
  server.resource = server.resource!.filter((r) => r.type !== type);
  const patient = server.resource.find((r) => r.type === 'Patient')!;
  patient.searchParam = patient.searchParam!.filter((p) => p.name !== patientParam);
  return statement;
};

let f: Fixture;
let m1: MemoryFhirServer;
let m2: MemoryFhirServer;
let gw: GatewayHandle;
/** The sources' own statements, read straight from them. */
let own: Record<'m1' | 'm2', CapabilityStatement>;

beforeAll(async () => {
  ensureFhirDefinitions();
  f = await startFixture({
    sources: {
      m1: { patients: 2, idPrefix: 'm', capabilities: without('Practitioner', 'gender') },
      m2: { patients: 2, idPrefix: 'n', capabilities: without('Organization', 'birthdate') },
    },
    async beforeGateway(upstreams) {
      own = {
        m1: (await (await fetch(`${upstreams.m1!.baseUrl}/metadata`)).json()) as CapabilityStatement,
        m2: (await (await fetch(`${upstreams.m2!.baseUrl}/metadata`)).json()) as CapabilityStatement,
      };
    },
    ...EXACT,
  });
  ({ m1, m2 } = f.upstreams as Record<'m1' | 'm2', MemoryFhirServer>);
  gw = f.gateway;
});

afterAll(() => f?.stop());

const resources = (s: CapabilityStatement) => s.rest![0]!.resource ?? [];
const typesOf = (s: CapabilityStatement) => new Set(resources(s).map((r) => r.type));
const entryOf = (s: CapabilityStatement, type: string) => resources(s).find((r) => r.type === type);
const paramNames = (r: CapabilityStatementRestResource | undefined) => new Set((r?.searchParam ?? []).map((p) => p.name));
const union = <T>(...sets: Set<T>[]) => new Set(sets.flatMap((s) => [...s]));

async function statement(path: string): Promise<CapabilityStatement> {
  const res = await fhir<CapabilityStatement>(`${gw.url}/fhir/${path}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/fhir+json');
  expect(res.body.resourceType).toBe('CapabilityStatement');
  return res.body;
}

/** Valid against the R4 definitions: the validator throws on errors and returns only warnings. */
function expectValid(s: CapabilityStatement): void {
  let issues: ReturnType<typeof validateResource> = [];
  expect(() => (issues = validateResource(s))).not.toThrow();
  expect(issues.filter((i) => i.severity === 'error' || i.severity === 'fatal')).toEqual([]);
}

describe('GET /fhir/metadata', () => {
  it('is a valid R4 CapabilityStatement of an instance speaking JSON', async () => {
    const s = await statement('metadata');
    expectValid(s);
    expect(s).toMatchObject({ status: 'active', kind: 'instance', fhirVersion: '4.0.1' });
    expect(s.format).toContain('application/fhir+json');
    expect(s.format!.some((f) => f.includes('xml'))).toBe(false);
    expect(s.rest).toHaveLength(1);
    expect(s.rest![0]!.mode).toBe('server');
    expect(s.implementation?.url).toBe(`${gw.url}/fhir`);
    expect(s.rest![0]!.interaction?.map((i) => i.code).sort()).toEqual(['batch', 'transaction']);
  });

  it('serves the union of the sources\' types and, per type, of their search parameters', async () => {
    const s = await statement('metadata');
    expect(typesOf(s)).toEqual(union(typesOf(own.m1), typesOf(own.m2)));
    expect(typesOf(s).has('Practitioner')).toBe(true); // only m2 serves it
    expect(typesOf(s).has('Organization')).toBe(true); // only m1 serves it
    const patient = paramNames(entryOf(s, 'Patient'));
    expect(patient).toEqual(union(paramNames(entryOf(own.m1, 'Patient')), paramNames(entryOf(own.m2, 'Patient'))));
    expect(patient.has('gender')).toBe(true);
    expect(patient.has('birthdate')).toBe(true);
    // Each parameter keeps its type and definition.
    const declared = entryOf(own.m2, 'Patient')!.searchParam!.find((p) => p.name === 'gender')!;
    expect(entryOf(s, 'Patient')!.searchParam!.find((p) => p.name === 'gender')).toMatchObject({ name: 'gender', type: declared.type, definition: declared.definition });
  });

  it('declares per type only interactions a source declares; create only where one source serves the type', async () => {
    const s = await statement('metadata');
    for (const type of ['Patient', 'Observation', 'Practitioner', 'Organization']) {
      const serving = [own.m1, own.m2].filter((o) => entryOf(o, type) !== undefined);
      const sourcesSay = union(...serving.map((o) => new Set((entryOf(o, type)?.interaction ?? []).map((i) => i.code))));
      const gatewaySays = (entryOf(s, type)?.interaction ?? []).map((i) => i.code);
      for (const code of gatewaySays) expect(sourcesSay, `${type} ${code}`).toContain(code);
      expect(gatewaySays, type).toEqual(expect.arrayContaining(['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'search-type']));
      // A create (or type history) at /fhir needs the one source serving the type; with two it needs /fhir/{sourceId}.
      if (serving.length === 1) expect(gatewaySays, type).toContain('create');
      else expect(gatewaySays, type).not.toContain('create');
      expect(gatewaySays).not.toContain('history-type');
    }
    for (const id of ['m1', 'm2'] as const) {
      const part = await statement(`${id}/metadata`);
      expect((entryOf(part, 'Patient')?.interaction ?? []).map((i) => i.code)).toContain('create');
    }
  });

  it('a create declared at /fhir for a type only one source serves goes there', async () => {
    f.resetCalls();
    const res = await fhir(`${gw.url}/fhir/Practitioner`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Practitioner', name: [{ family: 'Declared' }] }) });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toMatch(new RegExp(`^${gw.url}/fhir/m2/Practitioner/${res.body.id}/_history/`));
    expect(m2.requests.map((r) => r.method)).toEqual(['POST']);
    expect(m1.requests).toHaveLength(0);
  });

  it('is answered from what the sources declared, without asking them again', async () => {
    f.resetCalls();
    await statement('metadata');
    await statement('m1/metadata');
    expect(m1.requests).toHaveLength(0);
    expect(m2.requests).toHaveLength(0);
  });
});

describe('GET /fhir/{sourceId}/metadata', () => {
  it.each(['m1', 'm2'] as const)('is valid and %s\'s part only', async (id) => {
    const s = await statement(`${id}/metadata`);
    expectValid(s);
    expect(s.implementation?.url).toBe(`${gw.url}/fhir/${id}`);
    expect(typesOf(s)).toEqual(typesOf(own[id]));
    expect(paramNames(entryOf(s, 'Patient'))).toEqual(paramNames(entryOf(own[id], 'Patient')));
  });

  it('m1 lacks Practitioner and Patient gender; m2 lacks Organization and Patient birthdate', async () => {
    const s1 = await statement('m1/metadata');
    expect(typesOf(s1).has('Practitioner')).toBe(false);
    expect(paramNames(entryOf(s1, 'Patient')).has('gender')).toBe(false);
    expect(paramNames(entryOf(s1, 'Patient')).has('birthdate')).toBe(true);
    const s2 = await statement('m2/metadata');
    expect(typesOf(s2).has('Organization')).toBe(false);
    expect(paramNames(entryOf(s2, 'Patient')).has('birthdate')).toBe(false);
    expect(paramNames(entryOf(s2, 'Patient')).has('gender')).toBe(true);
  });
});
