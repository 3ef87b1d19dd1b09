// FHIR REST search through the shim while sources fail: one of three failing is a 200 with the others' matches and
// an OperationOutcome entry (search mode outcome) naming it; all failing is a 5xx OperationOutcome; a hung source
// is given up after its own timeoutMs; a source whose CapabilityStatement lacks a parameter is skipped (and named),
// or, when it is the one asked, the search is refused with an OperationOutcome.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CapabilityStatement } from '@medplum/fhirtypes';
import type { FaultAction, MemoryFhirServer } from '../../../src/demo/memory-fhir-server.ts';
import { isMetadata, startFixture, type Fixture } from '../../helpers/fixture.ts';
import type { GatewayHandle } from '../../helpers/gateway.ts';
import { EXACT, expectOutcome, fhir, held, matches, outcomes, timed, type SearchBundle } from './rest-helpers.ts';

const SIZES = { a: 12, b: 10, c: 8, lab: 6 } as const;
type SourceId = keyof typeof SIZES;
const IDS = Object.keys(SIZES) as SourceId[];
/** Deadline of c, the source that is made to hang. */
const HUNG_TIMEOUT_MS = 500;
const REQUEST_TIMEOUT_MS = 20_000;

/** A lab system: Patient search by identifier and _id only. */
function labOnly(statement: CapabilityStatement): CapabilityStatement {
  const server = statement.rest![0]!;
  const patient = server.resource!.find((r) => r.type === 'Patient')!;
  patient.searchParam = patient.searchParam!.filter((p) => ['identifier', '_id'].includes(p.name));
  return statement;
}

let f: Fixture;
let up: Record<SourceId, MemoryFhirServer>;
let patients: Record<SourceId, any[]>;
/** a, b, c; c has a short timeout; retries 0 */
let gw: GatewayHandle;
/** a and lab (which declares no Patient gender search) */
let mixed: GatewayHandle;

const always = (action: FaultAction) => (req: { url: string }) => (isMetadata(req.url) ? undefined : action);

beforeAll(async () => {
  f = await startFixture({
    sources: Object.fromEntries(IDS.map((id) => [id, { patients: SIZES[id], seed: 3, idPrefix: id, ...(id === 'lab' ? { capabilities: labOnly } : {}) }])),
    async beforeGateway(started) {
      const up = started as Record<SourceId, MemoryFhirServer>;
      patients = Object.fromEntries(await Promise.all(IDS.map(async (s) => [s, await held(up[s], 'Patient')] as const))) as Record<SourceId, any[]>;
      // Build each upstream's CapabilityStatement before the gateways' start-up probes (c has only 500 ms for it too).
      await Promise.all(IDS.map(async (id) => (await fetch(`${up[id].baseUrl}/metadata`)).arrayBuffer()));
    },
    only: ['a', 'b', 'c'],
    config: { ...EXACT.config, limits: { requestTimeoutMs: REQUEST_TIMEOUT_MS } },
    sourceDefaults: { ...EXACT.sourceDefaults, retries: 0, timeoutMs: 5_000 },
    sourceConfig: { c: { timeoutMs: HUNG_TIMEOUT_MS } },
  });
  up = f.upstreams as Record<SourceId, MemoryFhirServer>;
  gw = f.gateway;
  mixed = await f.addGateway({ only: ['a', 'lab'], ...EXACT });
});

const heal = () => f?.heal();
beforeEach(heal);
afterEach(heal);

afterAll(() => f?.stop());

const keysOf = (bundle: SearchBundle) => matches(bundle).map((e) => e.resource.id as string).sort();
const everyone = (...ids: SourceId[]) => ids.flatMap((s) => patients[s].map((p) => p.id as string)).sort();

/** The bundle's one outcome entry: first, warning/incomplete, naming `source`. */
function expectSourceNamed(bundle: SearchBundle, source: string, code?: string): void {
  const notes = outcomes(bundle);
  expect(notes).toHaveLength(1);
  expect(bundle.entry![0]!.search?.mode).toBe('outcome');
  const outcome = notes[0]!.resource;
  expect(outcome.resourceType).toBe('OperationOutcome');
  expect(outcome.issue).toHaveLength(1);
  const issue = outcome.issue[0];
  expect(issue.severity).toBe('warning');
  expect(issue.code).toBe('incomplete');
  expect(issue.diagnostics).toContain(`'${source}'`);
  expect(issue.diagnostics).toContain(`source ${source}`);
  if (code) expect(issue.diagnostics).toContain(code);
  expect(issue.diagnostics).not.toContain('127.0.0.1');
}

async function healthy(): Promise<void> {
  const res = await fhir<SearchBundle>(`${gw.url}/fhir/Patient?_count=100`);
  expect(res.status).toBe(200);
  expect(keysOf(res.body)).toEqual(everyone('a', 'b', 'c'));
  expect(outcomes(res.body)).toHaveLength(0);
}

describe('one of three sources fails', () => {
  it('answering 500: 200 with the others\' matches and an outcome entry naming it', async () => {
    up.b.setFault(always({ kind: 'status', status: 500 }));
    const res = await fhir<SearchBundle>(`${gw.url}/fhir/Patient?_count=100&_sort=birthdate`);
    expect(res.status).toBe(200);
    expect(keysOf(res.body)).toEqual(everyone('a', 'c'));
    const dates = matches(res.body).map((e) => e.resource.birthDate as string);
    expect(dates).toEqual([...dates].sort());
    expectSourceNamed(res.body, 'b', 'UPSTREAM_ERROR');
    expect(f.calls('a')).toHaveLength(1);
    expect(f.calls('b')).toHaveLength(1);
    expect(f.calls('c')).toHaveLength(1);
    heal();
    await healthy();
  });

  it('sending broken JSON: 200 with the others\' matches and an outcome entry naming it', async () => {
    up.a.setFault(always({ kind: 'invalid-json' }));
    const res = await fhir<SearchBundle>(`${gw.url}/fhir/Patient?_count=100`);
    expect(res.status).toBe(200);
    expect(keysOf(res.body)).toEqual(everyone('b', 'c'));
    expectSourceNamed(res.body, 'a', 'UPSTREAM_BAD_RESPONSE');
  });

  it('hanging: given up after its timeoutMs, the others\' matches arrive with an outcome entry naming it', async () => {
    up.c.setFault(always({ kind: 'hang' }));
    const { res, ms } = await timed(() => fhir<SearchBundle>(`${gw.url}/fhir/Patient?_count=100&_sort=birthdate`));
    expect(res.status).toBe(200);
    expect(keysOf(res.body)).toEqual(everyone('a', 'b'));
    expectSourceNamed(res.body, 'c', 'UPSTREAM_TIMEOUT');
    expect(ms).toBeGreaterThanOrEqual(HUNG_TIMEOUT_MS - 5);
    expect(ms).toBeLessThan(HUNG_TIMEOUT_MS + 4_000); // generous margin; far below the request's own 20 s
    expect(f.calls('c')).toHaveLength(1);
    // a and b were asked at once, not after c gave up
    for (const id of ['a', 'b'] as const) expect(f.calls(id)[0]!.at).toBeLessThan(f.calls('c')[0]!.at + HUNG_TIMEOUT_MS);
    heal();
    await healthy();
  });
});

describe('every source fails', () => {
  it('is a 5xx OperationOutcome', async () => {
    for (const id of ['a', 'b', 'c'] as const) up[id].setFault(always({ kind: 'status', status: 500 }));
    const res = await fhir(`${gw.url}/fhir/Patient?_count=10`);
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.status).toBeLessThan(600);
    const issues = expectOutcome(res, res.status);
    expect(issues.map((i) => i.severity)).toContain('error');
    for (const id of ['a', 'b', 'c'] as const) expect(f.calls(id)).toHaveLength(1);
    heal();
    await healthy();
  });

  it('the OperationOutcome names every failed source (not only the first upstream\'s own outcome)', async () => {
    for (const id of ['a', 'b', 'c'] as const) up[id].setFault(always({ kind: 'status', status: 500 }));
    const res = await fhir(`${gw.url}/fhir/Patient?_count=10`);
    const text = JSON.stringify(expectOutcome(res, 502));
    for (const id of ['a', 'b', 'c']) expect(text).toContain(`'${id}'`);
  });

  it('a named source failing is a 5xx OperationOutcome too', async () => {
    up.b.setFault(always({ kind: 'status', status: 500 }));
    const res = await fhir(`${gw.url}/fhir/b/Patient?_count=10`);
    expectOutcome(res, 502);
    expect(f.calls('a')).toHaveLength(0);
    expect(f.calls('c')).toHaveLength(0);
  });
});

describe('a search parameter a source does not declare', () => {
  it('leaves that source out (nothing sent to it) and names it in an outcome entry', async () => {
    const res = await fhir<SearchBundle>(`${mixed.url}/fhir/Patient?gender=female&_count=100`);
    expect(res.status).toBe(200);
    expect(keysOf(res.body)).toEqual(patients.a.filter((p) => p.gender === 'female').map((p) => p.id).sort());
    const notes = outcomes(res.body);
    expect(notes).toHaveLength(1);
    const issue = notes[0]!.resource.issue[0];
    expect(issue.severity).toBe('information');
    expect(issue.diagnostics).toContain("'lab' (gender)");
    expect(issue.diagnostics).toContain('SOURCE_SKIPPED');
    expect(f.calls('lab')).toHaveLength(0);
    expect(f.calls('a')).toHaveLength(1);
  });

  it('asked of that source by /fhir/{sourceId} is a 400 OperationOutcome, nothing sent', async () => {
    const res = await fhir(`${mixed.url}/fhir/lab/Patient?gender=female`);
    const issues = expectOutcome(res, 400, 'not-supported');
    expect(issues[0]!.diagnostics).toContain('gender');
    expect(f.calls('lab')).toHaveLength(0);
    expect(f.calls('a')).toHaveLength(0);
  });

  it('a parameter both declare still goes to both', async () => {
    const res = await fhir<SearchBundle>(`${mixed.url}/fhir/Patient?_id=a-pat-0001,lab-pat-0002`);
    expect(res.status).toBe(200);
    expect(keysOf(res.body)).toEqual(['a-pat-0001', 'lab-pat-0002']);
    expect(outcomes(res.body)).toHaveLength(0);
  });
});
