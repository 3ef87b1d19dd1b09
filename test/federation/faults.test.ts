// Partial results over two and three real FHIR servers (Medplum in-memory over loopback HTTP) while one of them
// hangs, resets connections, answers 5xx or sends broken JSON: the other sources' data still arrives, every failed
// source is named once in an error at the field's path (extensions.code / source / upstreamStatus), GETs are
// retried on connection errors and 502-504 (and only those), paging resumes the failed source where it was, and
// the gateway keeps serving afterwards.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FaultAction, MemoryFhirServer } from '../../src/demo/memory-fhir-server.ts';
import { NATIONAL_ID_SYSTEM } from '../../src/demo/synthetic-data.ts';
import { isMetadata, startFixture, type Fixture, type GatewayOptions } from '../helpers/fixture.ts';
import type { GatewayHandle, GraphQLResponse } from '../helpers/gateway.ts';

const SEED = 7; // same seed everywhere: person n is '<prefix>-pat-000n' in every source that has n patients
const SIZES = { a: 12, b: 10, c: 8 } as const;
type SourceId = keyof typeof SIZES;
const IDS = Object.keys(SIZES) as SourceId[];
/** Deadline of the source that is made to hang (c in `fast`, b in `two`): it is given up after this. */
const TIMEOUT_MS = 400;
/** Deadline of the sources that stay responsive, generous so that a busy machine cannot make them time out. */
const HEALTHY_TIMEOUT_MS = 5_000;
/** The GraphQL request's own deadline: every answer here must come well before it. */
const REQUEST_TIMEOUT_MS = 20_000;

let f: Fixture;
let up: Record<SourceId, MemoryFhirServer>;
/** What each upstream itself holds: id -> birthDate, read straight from its REST API before any fault. */
let held: Record<SourceId, Map<string, string>>;
/** a, b, c, retries 0; c (the one that hangs) has timeoutMs 400. */
let fast: GatewayHandle;
/** a, b, c: retries 2 (the default), a generous timeout. */
let retrying: GatewayHandle;
/** a, b only, retries 0; b (the one that hangs) has timeoutMs 400. */
let two: GatewayHandle;

const config = {
  capabilityRefreshMs: 0, // no background /metadata reads to disturb request counts
  limits: { requestTimeoutMs: REQUEST_TIMEOUT_MS },
  identity: { patientIdentifierSystems: [NATIONAL_ID_SYSTEM] },
};
const noBreaker = { circuitBreaker: { failureThreshold: 0 } }; // disabled: these tests are about one request's failures
/** Retries 0; `hung` has timeoutMs 400, the others a generous one. */
const deadline = (hung: SourceId): GatewayOptions => ({
  config,
  sourceDefaults: { ...noBreaker, timeoutMs: HEALTHY_TIMEOUT_MS, retries: 0 },
  sourceConfig: { [hung]: { timeoutMs: TIMEOUT_MS } },
});

beforeAll(async () => {
  f = await startFixture({
    sources: Object.fromEntries(IDS.map((id) => [id, { patients: SIZES[id], seed: SEED, idPrefix: id }])),
    async beforeGateway(started) {
      const upstreams = started as Record<SourceId, MemoryFhirServer>;
      held = Object.fromEntries(await Promise.all(IDS.map(async (id) => {
        const res = await fetch(`${upstreams[id].baseUrl}/Patient?_count=500`);
        const bundle = (await res.json()) as { entry: Array<{ resource: { id: string; birthDate: string } }> };
        return [id, new Map(bundle.entry.map((e) => [e.resource.id, e.resource.birthDate]))] as const;
      }))) as Record<SourceId, Map<string, string>>;
      // The upstream builds its CapabilityStatement on the first /metadata: do that now, so that the gateways' start-up
      // probes are not the slow first ones (a source that is made to hang has only 400 ms, for /metadata too); start
      // the gateways one at a time for the same reason (building the schema keeps the event loop busy).
      await Promise.all(IDS.map(async (id) => (await fetch(`${upstreams[id].baseUrl}/metadata`)).arrayBuffer()));
    },
    ...deadline('c'),
  });
  up = f.upstreams as Record<SourceId, MemoryFhirServer>;
  fast = f.gateway;
  retrying = await f.addGateway({ config, sourceDefaults: { ...noBreaker, timeoutMs: 10_000, retries: 2 } });
  two = await f.addGateway({ only: ['a', 'b'], ...deadline('b') });
});

/** Every test starts with healthy upstreams and empty request logs, and leaves them healthy. */
beforeEach(() => f?.heal());
afterEach(() => f?.heal());

afterAll(() => f?.stop());

// ---------------------------------------------------------------------------------------------------------------

/** The fault for every request but /metadata (the gateway's capability reads are not what is tested). */
const always = (action: FaultAction) => (req: { url: string }) => (isMetadata(req.url) ? undefined : action);
/** The fault for the first `n` non-metadata requests, then normal service. */
function firstN(n: number, action: FaultAction) {
  let seen = 0;
  return (req: { url: string }) => (isMetadata(req.url) ? undefined : ++seen <= n ? action : undefined);
}

interface Row { id: string; sourceId: string; birthDate?: string }
type Err = NonNullable<GraphQLResponse<unknown>['errors']>[number];

/** Every patient the given sources hold, as 'source/id', sorted. */
const everyone = (...ids: SourceId[]) => ids.flatMap((s) => [...held[s].keys()].map((id) => `${s}/${id}`)).sort();
const keys = (rows: readonly Row[]) => rows.map((r) => `${r.sourceId}/${r.id}`);
/** The birth dates of the given sources' patients, merged and sorted. */
const datesOf = (...ids: SourceId[]) => ids.flatMap((s) => [...held[s].values()]).sort();

/** Each row is a patient its source really holds, with the birth date the source has for it. */
function expectHeld(rows: readonly Row[]): void {
  for (const r of rows) {
    expect(held[r.sourceId as SourceId]?.has(r.id), `${r.sourceId}/${r.id} is held by ${r.sourceId}`).toBe(true);
    if (r.birthDate !== undefined) expect(r.birthDate).toBe(held[r.sourceId as SourceId].get(r.id));
  }
}

/** The error says which source failed and how, without a body, a query string or a stack. */
function expectSourceError(err: Err | undefined, want: { path: (string | number)[]; code: string; source: string; upstreamStatus?: number }): void {
  expect(err).toBeDefined();
  expect(err!.path).toEqual(want.path);
  expect(err!.extensions?.['code']).toBe(want.code);
  expect(err!.extensions?.['source']).toBe(want.source);
  if (want.upstreamStatus === undefined) expect(err!.extensions?.['upstreamStatus']).toBeUndefined();
  else expect(err!.extensions?.['upstreamStatus']).toBe(want.upstreamStatus);
  expect(err!.message).toContain(`'${want.source}'`);
  expect(err!.message).not.toMatch(/_count=|_sort=|\?|at .*\(.*:\d+:\d+\)|127\.0\.0\.1/);
}

async function timed<T>(fn: () => Promise<T>): Promise<{ res: T; ms: number }> {
  const t0 = performance.now();
  const res = await fn();
  return { res, ms: performance.now() - t0 };
}

const LIST = '{ PatientList(_count: 30, _sort: "birthdate") { id sourceId birthDate } }';

// ---------------------------------------------------------------------------------------------------------------

describe('one source hangs', () => {
  it('a federated search returns the others\' patients, merged and sorted, and one UPSTREAM_TIMEOUT after the deadline', async () => {
    up.c.setFault(always({ kind: 'hang' }));
    const { res, ms } = await timed(() => fast.gql<{ PatientList: Row[] }>(LIST));

    const rows = res.data!.PatientList;
    expect(keys(rows).sort()).toEqual(everyone('a', 'b')); // 22 < 30: every patient of a and b, none of c
    expectHeld(rows);
    expect(rows.map((r) => r.birthDate)).toEqual(datesOf('a', 'b'));
    expect(res.errors).toHaveLength(1);
    expectSourceError(res.errors![0], { path: ['PatientList'], code: 'UPSTREAM_TIMEOUT', source: 'c' });

    // It did wait for c's deadline, and not for the whole request's.
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS);
    expect(ms).toBeLessThan(REQUEST_TIMEOUT_MS);
    // One search each, sent in parallel: a and b were asked before c's deadline had passed, not after it.
    expect(f.calls('a')).toHaveLength(1);
    expect(f.calls('b')).toHaveLength(1);
    expect(f.calls('c')).toHaveLength(1); // retries 0, and a timeout is not retried anyway
    for (const id of ['a', 'b'] as const) expect(f.calls(id)[0]!.at).toBeLessThan(f.calls('c')[0]!.at + TIMEOUT_MS);
  });

  it('a Connection page is merged in order from the others, and still has a next cursor', async () => {
    up.c.setFault(always({ kind: 'hang' }));
    const res = await fast.gql<{ PatientConnection: { offset: number; next: string | null; edges: Array<{ resource: Row }> } }>(
      '{ PatientConnection(_count: 5, _sort: "birthdate") { offset next edges { resource { ... on Patient { id sourceId birthDate } } } } }',
    );
    const rows = res.data!.PatientConnection.edges.map((e) => e.resource);
    expect(rows.map((r) => r.birthDate)).toEqual(datesOf('a', 'b').slice(0, 5));
    expectHeld(rows);
    expect(new Set(rows.map((r) => r.sourceId)).has('c')).toBe(false);
    expect(res.data!.PatientConnection.next).toEqual(expect.any(String));
    expect(res.errors).toHaveLength(1);
    expectSourceError(res.errors![0], { path: ['PatientConnection'], code: 'UPSTREAM_TIMEOUT', source: 'c' });
  });

  it('Patient(id:) without sourceId: the record from the source that has it, and a timeout naming the hung one', async () => {
    up.b.setFault(always({ kind: 'hang' }));
    const { res, ms } = await timed(() => two.gql<{ Patient: Row | null }>('{ Patient(id: "a-pat-0003") { id sourceId birthDate } }'));
    expect(res.data!.Patient).toEqual({ id: 'a-pat-0003', sourceId: 'a', birthDate: held.a.get('a-pat-0003') });
    // b could not say whether it has an a-pat-0003 too, so the answer is not confirmed unique there.
    expect(res.errors).toHaveLength(1);
    expectSourceError(res.errors![0], { path: ['Patient'], code: 'UPSTREAM_TIMEOUT', source: 'b' });
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS);
    expect(ms).toBeLessThan(REQUEST_TIMEOUT_MS);
    expect(f.calls('a')).toHaveLength(1);
    expect(f.calls('b')).toHaveLength(1);
  });

  it('Patient(id:) without sourceId when the hung source is the one holding it: null and that source\'s timeout', async () => {
    up.b.setFault(always({ kind: 'hang' }));
    const res = await two.gql<{ Patient: Row | null }>('{ Patient(id: "b-pat-0003") { id sourceId } }');
    expect(res.data).toEqual({ Patient: null });
    expect(res.errors).toHaveLength(1); // a's "not found" is not an error of its own
    expectSourceError(res.errors![0], { path: ['Patient'], code: 'UPSTREAM_TIMEOUT', source: 'b' });
  });

  it('Patient.sameAs asks the other sources: a hung one is a partial error, the rest still match', async () => {
    up.c.setFault(always({ kind: 'hang' }));
    const res = await fast.gql<{ Patient: Row & { sameAs: Row[] } }>('{ Patient(id: "a-pat-0002", sourceId: "a") { id sameAs { id sourceId } } }');
    expect(res.data!.Patient.sameAs).toEqual([{ id: 'b-pat-0002', sourceId: 'b' }]);
    expect(res.errors).toHaveLength(1);
    expectSourceError(res.errors![0], { path: ['Patient', 'sameAs'], code: 'UPSTREAM_TIMEOUT', source: 'c' });
    expect(f.calls('a')).toHaveLength(1); // the read by id; sameAs never asks a source about its own patient
  });
});

describe('one source resets every connection', () => {
  it('partial result with UPSTREAM_UNAVAILABLE naming it, after 1 + retries attempts at that source', async () => {
    up.c.setFault(always({ kind: 'reset' }));
    const res = await retrying.gql<{ PatientList: Row[] }>(LIST);
    const rows = res.data!.PatientList;
    expect(keys(rows).sort()).toEqual(everyone('a', 'b'));
    expect(rows.map((r) => r.birthDate)).toEqual(datesOf('a', 'b'));
    expect(res.errors).toHaveLength(1);
    expectSourceError(res.errors![0], { path: ['PatientList'], code: 'UPSTREAM_UNAVAILABLE', source: 'c' });
    expect(f.calls('c')).toHaveLength(1 + 2); // retries: 2
    expect(new Set(f.calls('c').map((r) => `${r.method} ${r.url}`)).size).toBe(1); // the same GET each time
    expect(f.calls('a')).toHaveLength(1);
    expect(f.calls('b')).toHaveLength(1);
  });

  it('with retries 0 it is tried exactly once', async () => {
    up.c.setFault(always({ kind: 'reset' }));
    const res = await fast.gql<{ PatientList: Row[] }>(LIST);
    expect(keys(res.data!.PatientList).sort()).toEqual(everyone('a', 'b'));
    expect(res.errors).toHaveLength(1);
    expectSourceError(res.errors![0], { path: ['PatientList'], code: 'UPSTREAM_UNAVAILABLE', source: 'c' });
    expect(f.calls('c')).toHaveLength(1);
  });
});

describe('one source answers 503', () => {
  it('twice, then recovers: the search costs exactly 3 requests there and succeeds with all its data', async () => {
    up.c.setFault(firstN(2, { kind: 'status', status: 503 }));
    const res = await retrying.gql<{ PatientList: Row[] }>('{ PatientList(sourceId: "c", _count: 30) { id sourceId birthDate } }');
    expect(res.errors).toBeUndefined();
    expect(keys(res.data!.PatientList).sort()).toEqual(everyone('c'));
    expectHeld(res.data!.PatientList);
    expect(f.calls('c')).toHaveLength(3);
    expect(new Set(f.calls('c').map((r) => r.url)).size).toBe(1);
    expect(f.calls('a')).toHaveLength(0);
    expect(f.calls('b')).toHaveLength(0);
  });

  it('twice, then recovers, inside a federated search: no error, every source\'s patients', async () => {
    up.c.setFault(firstN(2, { kind: 'status', status: 503 }));
    const res = await retrying.gql<{ PatientList: Row[] }>(LIST);
    expect(res.errors).toBeUndefined();
    expect(keys(res.data!.PatientList).sort()).toEqual(everyone('a', 'b', 'c'));
    expect(res.data!.PatientList.map((r) => r.birthDate)).toEqual(datesOf('a', 'b', 'c'));
    expect(f.calls('c')).toHaveLength(3);
    expect(f.calls('a')).toHaveLength(1);
    expect(f.calls('b')).toHaveLength(1);
  });

  it('with retries 0, one 503 is a partial UPSTREAM_ERROR with upstreamStatus 503 and the OperationOutcome', async () => {
    up.c.setFault(firstN(1, { kind: 'status', status: 503 }));
    const res = await fast.gql<{ PatientList: Row[] }>(LIST);
    expect(keys(res.data!.PatientList).sort()).toEqual(everyone('a', 'b'));
    expect(res.errors).toHaveLength(1);
    expectSourceError(res.errors![0], { path: ['PatientList'], code: 'UPSTREAM_ERROR', source: 'c', upstreamStatus: 503 });
    expect(res.errors![0]!.extensions?.['resource']).toMatchObject({ resourceType: 'OperationOutcome' });
    expect(f.calls('c')).toHaveLength(1);
  });

  it('a 500 is not retried even with retries 2', async () => {
    up.c.setFault(always({ kind: 'status', status: 500 }));
    const res = await retrying.gql<{ PatientList: Row[] }>(LIST);
    expect(keys(res.data!.PatientList).sort()).toEqual(everyone('a', 'b'));
    expect(res.errors).toHaveLength(1);
    expectSourceError(res.errors![0], { path: ['PatientList'], code: 'UPSTREAM_ERROR', source: 'c', upstreamStatus: 500 });
    expect(f.calls('c')).toHaveLength(1);
  });
});

describe('one source sends broken JSON', () => {
  it('is UPSTREAM_BAD_RESPONSE naming it, with the others\' data, and none of the body in the error', async () => {
    up.b.setFault(always({ kind: 'invalid-json' }));
    const res = await fast.gql<{ PatientList: Row[] }>(LIST);
    const rows = res.data!.PatientList;
    expect(keys(rows).sort()).toEqual(everyone('a', 'c'));
    expect(rows.map((r) => r.birthDate)).toEqual(datesOf('a', 'c'));
    expect(res.errors).toHaveLength(1);
    expectSourceError(res.errors![0], { path: ['PatientList'], code: 'UPSTREAM_BAD_RESPONSE', source: 'b', upstreamStatus: 200 });
    // The truncated body was '{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Pat'.
    const whole = JSON.stringify(res.errors![0]);
    for (const fragment of ['searchset', '"entry"', '\\"resourceType\\":\\"Bundle', 'resourceType\\":\\"Pat', 'Unexpected end', 'JSON at position']) {
      expect(whole).not.toContain(fragment);
    }
  });

  it('an empty 200 body is UPSTREAM_BAD_RESPONSE too', async () => {
    up.b.setFault(always({ kind: 'empty' }));
    const res = await fast.gql<{ PatientList: Row[] }>(LIST);
    expect(keys(res.data!.PatientList).sort()).toEqual(everyone('a', 'c'));
    expect(res.errors).toHaveLength(1);
    expectSourceError(res.errors![0], { path: ['PatientList'], code: 'UPSTREAM_BAD_RESPONSE', source: 'b', upstreamStatus: 200 });
  });
});

describe('nested fields go to the resource\'s own source', () => {
  it('reverse references: a failing Observation search errors only the patients of that source', async () => {
    up.c.setFault((req) => (req.url.startsWith('/Observation') ? { kind: 'status', status: 500 } : undefined));
    const res = await fast.gql<{ PatientList: Array<Row & { ObservationList: Row[] | null }> }>(
      '{ PatientList(_count: 30, _sort: "birthdate") { id sourceId ObservationList(_reference: subject, _count: 2) { id sourceId } } }',
    );
    const rows = res.data!.PatientList;
    expect(keys(rows).sort()).toEqual(everyone('a', 'b', 'c')); // the list itself did not fail
    const failedAt: string[] = [];
    rows.forEach((p, i) => {
      if (p.sourceId === 'c') {
        expect(p.ObservationList).toBeNull();
        failedAt.push(`PatientList.${i}.ObservationList`);
      } else {
        expect(p.ObservationList!.length).toBeGreaterThan(0);
        for (const o of p.ObservationList!) expect(o.sourceId).toBe(p.sourceId);
      }
    });
    expect(failedAt).toHaveLength(SIZES.c);
    expect((res.errors ?? []).map((e) => e.path!.join('.')).sort()).toEqual(failedAt.sort());
    for (const e of res.errors!) expect(e.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', source: 'c', upstreamStatus: 500 });
    // One batched Observation search per source, each for its own patients only.
    for (const id of IDS) {
      const obs = f.calls(id).filter((r) => r.url.startsWith('/Observation'));
      expect(obs).toHaveLength(1);
      const subjects = decodeURIComponent(obs[0]!.url).match(/Patient\/[\w.-]+/g) ?? [];
      expect(subjects.length).toBe(SIZES[id]);
      for (const s of subjects) expect(s.startsWith(`Patient/${id}-`)).toBe(true);
    }
  });

  it('Reference.resource: a source failing its Practitioner reads leaves the other sources\' references resolved', async () => {
    up.a.setFault((req) => (req.url.startsWith('/Practitioner') ? { kind: 'reset' } : undefined));
    type GP = { reference: string; resource: { id: string; sourceId: string } | null };
    const res = await fast.gql<{ PatientList: Array<Row & { generalPractitioner: GP[] | null }> }>(
      '{ PatientList(_count: 30, _sort: "birthdate") { id sourceId generalPractitioner { reference resource { ... on Practitioner { id sourceId } } } } }',
    );
    const rows = res.data!.PatientList;
    expect(keys(rows).sort()).toEqual(everyone('a', 'b', 'c'));
    const failedAt: string[] = [];
    rows.forEach((p, i) => {
      expect(p.generalPractitioner?.length ?? 0).toBeGreaterThan(0); // the synthetic patients all have one
      p.generalPractitioner!.forEach((gp, k) => {
        if (p.sourceId === 'a') {
          expect(gp.resource).toBeNull();
          failedAt.push(`PatientList.${i}.generalPractitioner.${k}.resource`);
        } else {
          expect(gp.resource).toEqual({ id: gp.reference.replace('Practitioner/', ''), sourceId: p.sourceId });
        }
      });
    });
    expect((res.errors ?? []).map((e) => e.path!.join('.')).sort()).toEqual(failedAt.sort());
    for (const e of res.errors!) expect(e.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', source: 'a' });
    for (const id of IDS) {
      const reads = f.calls(id).filter((r) => r.url.startsWith('/Practitioner'));
      expect(reads.length).toBe(1); // one batched read (retries 0), whatever the number of patients
      for (const ref of decodeURIComponent(reads[0]!.url).match(/[a-z]-prac-\d+/g) ?? []) expect(ref.startsWith(`${id}-`)).toBe(true);
    }
  });
});

describe('every source fails', () => {
  it('PatientList is null with one error per source, each naming it; no crash', async () => {
    up.a.setFault(always({ kind: 'reset' }));
    up.b.setFault(always({ kind: 'status', status: 500 }));
    up.c.setFault(always({ kind: 'hang' }));
    const { res, ms } = await timed(() => fast.gql<{ PatientList: Row[] | null }>(LIST));
    expect(res.data).toEqual({ PatientList: null });
    expect(res.errors).toHaveLength(3);
    const bySource = Object.fromEntries(res.errors!.map((e) => [e.extensions?.['source'], e]));
    expect(Object.keys(bySource).sort()).toEqual(['a', 'b', 'c']);
    expectSourceError(bySource['a'], { path: ['PatientList'], code: 'UPSTREAM_UNAVAILABLE', source: 'a' });
    expectSourceError(bySource['b'], { path: ['PatientList'], code: 'UPSTREAM_ERROR', source: 'b', upstreamStatus: 500 });
    expectSourceError(bySource['c'], { path: ['PatientList'], code: 'UPSTREAM_TIMEOUT', source: 'c' });
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS);
    expect(ms).toBeLessThan(REQUEST_TIMEOUT_MS);
    // GraphQL over HTTP: a response whose `data` entry is present and not null is a 2xx.
    expect(res.status).toBe(200);
  });

  it('Patient(id:) is null with one error per source; sibling fields that need no upstream are unaffected', async () => {
    up.a.setFault(always({ kind: 'status', status: 502 }));
    up.b.setFault(always({ kind: 'invalid-json' }));
    const res = await two.gql<{ Patient: Row | null; __typename: string }>('{ __typename Patient(id: "a-pat-0001") { id sourceId } }');
    expect(res.data).toEqual({ __typename: 'Query', Patient: null });
    expect(res.errors).toHaveLength(2);
    const bySource = Object.fromEntries(res.errors!.map((e) => [e.extensions?.['source'], e]));
    expectSourceError(bySource['a'], { path: ['Patient'], code: 'UPSTREAM_ERROR', source: 'a', upstreamStatus: 502 });
    expectSourceError(bySource['b'], { path: ['Patient'], code: 'UPSTREAM_BAD_RESPONSE', source: 'b', upstreamStatus: 200 });
    expect(res.status).toBe(200);
  });
});

describe('HTTP status of a partial result', () => {
  it('is 200 when data is present, for application/graphql-response+json and application/json', async () => {
    up.c.setFault(always({ kind: 'status', status: 500 }));
    const statuses: Record<string, number> = {};
    for (const accept of ['application/graphql-response+json', 'application/json']) {
      const res = await fetch(`${fast.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept },
        body: JSON.stringify({ query: LIST }),
      });
      const body = (await res.json()) as { data?: { PatientList: Row[] }; errors?: Err[] };
      expect(keys(body.data!.PatientList).sort()).toEqual(everyone('a', 'b'));
      expect(body.errors).toHaveLength(1);
      statuses[accept] = res.status;
    }
    // GraphQL over HTTP: `data` present and not null means 2xx (a MUST for graphql-response+json).
    expect(statuses).toEqual({ 'application/graphql-response+json': 200, 'application/json': 200 });
  });
});

describe('paging after a failure', () => {
  interface Page { next: string | null; edges: Array<{ resource: Row }> }
  const query = (cursor?: string) =>
    `{ PatientConnection(_count: 5, _sort: "birthdate"${cursor ? `, _cursor: "${cursor}"` : ''}) { next edges { resource { ... on Patient { id sourceId birthDate } } } } }`;

  it('the failed source keeps its position: following next to the end gives every patient exactly once', async () => {
    up.b.setFault(always({ kind: 'status', status: 500 }));
    const first = await fast.gql<{ PatientConnection: Page }>(query());
    expect(first.errors).toHaveLength(1);
    expectSourceError(first.errors![0], { path: ['PatientConnection'], code: 'UPSTREAM_ERROR', source: 'b', upstreamStatus: 500 });
    const page1 = first.data!.PatientConnection.edges.map((e) => e.resource);
    expect(page1.map((r) => r.birthDate)).toEqual(datesOf('a', 'c').slice(0, 5)); // the first 5 of a and c
    expect(page1.some((r) => r.sourceId === 'b')).toBe(false);

    up.b.setFault(undefined); // b recovers
    const seen = [...keys(page1)];
    let next = first.data!.PatientConnection.next;
    for (let pages = 1; next; pages++) {
      expect(pages).toBeLessThan(20); // 30 patients, 5 a page
      const res = await fast.gql<{ PatientConnection: Page }>(query(next));
      expect(res.errors).toBeUndefined();
      const rows = res.data!.PatientConnection.edges.map((e) => e.resource);
      expectHeld(rows);
      const dates = rows.map((r) => r.birthDate!);
      expect(dates).toEqual([...dates].sort()); // each page is still merged in order
      seen.push(...keys(rows));
      next = res.data!.PatientConnection.next;
    }
    expect(seen.length).toBe(new Set(seen).size); // nothing repeated
    expect([...seen].sort()).toEqual(everyone('a', 'b', 'c')); // nothing lost, b's included
  });

  it('a source failing on a later page is resumed from where it was on the page after', async () => {
    const seen: string[] = [];
    let next: string | null | undefined;
    let failedOnce = false;
    for (let pages = 0; pages === 0 || next; pages++) {
      expect(pages).toBeLessThan(20);
      up.a.setFault(pages === 2 ? always({ kind: 'reset' }) : undefined); // a fails on the third page only
      const res = await fast.gql<{ PatientConnection: Page }>(query(next ?? undefined));
      if (pages === 2) {
        failedOnce = true;
        expect(res.errors).toHaveLength(1);
        expectSourceError(res.errors![0], { path: ['PatientConnection'], code: 'UPSTREAM_UNAVAILABLE', source: 'a' });
      } else {
        expect(res.errors).toBeUndefined();
      }
      seen.push(...keys(res.data!.PatientConnection.edges.map((e) => e.resource)));
      next = res.data!.PatientConnection.next;
    }
    expect(failedOnce).toBe(true);
    expect(seen.length).toBe(new Set(seen).size);
    expect([...seen].sort()).toEqual(everyone('a', 'b', 'c'));
  });
});

describe('circuit breaker', () => {
  const THRESHOLD = 2;
  const RESET_MS = 1_500;
  let gw: GatewayHandle;
  beforeAll(async () => {
    gw = await f.addGateway({
      only: ['a', 'c'],
      config,
      sourceDefaults: { ...noBreaker, retries: 0 },
      sourceConfig: { c: { circuitBreaker: { failureThreshold: THRESHOLD, resetTimeoutMs: RESET_MS } } },
    });
  });
  afterAll(async () => { await gw?.stop(); });

  it('opens after consecutive failures: SOURCE_UNAVAILABLE without a request, then a probe closes it again', async () => {
    const list = '{ PatientList(_count: 30) { id sourceId } }';
    up.c.setFault(always({ kind: 'status', status: 500 }));
    for (let i = 0; i < THRESHOLD; i++) {
      const res = await gw.gql<{ PatientList: Row[] }>(list);
      expect(keys(res.data!.PatientList).sort()).toEqual(everyone('a'));
      expect(res.errors?.map((e) => e.extensions?.['code'])).toEqual(['UPSTREAM_ERROR']);
    }
    expect(f.calls('c')).toHaveLength(THRESHOLD);
    const opened = performance.now();

    f.resetCalls();
    const open = await gw.gql<{ PatientList: Row[] }>(list);
    expect(performance.now() - opened).toBeLessThan(RESET_MS); // otherwise the circuit would already be probing
    expect(keys(open.data!.PatientList).sort()).toEqual(everyone('a'));
    expect(open.errors).toHaveLength(1);
    expect(open.errors![0]).toMatchObject({ path: ['PatientList'], extensions: { code: 'SOURCE_UNAVAILABLE', source: 'c' } });
    expect(f.calls('c')).toHaveLength(0); // failed fast: nothing was sent
    expect(f.calls('a')).toHaveLength(1);

    up.c.setFault(undefined); // c is back; after the reset timeout one probe is let through and closes the circuit
    await new Promise((r) => setTimeout(r, RESET_MS + 100));
    f.resetCalls();
    const closed = await gw.gql<{ PatientList: Row[] }>(list);
    expect(closed.errors).toBeUndefined();
    expect(keys(closed.data!.PatientList).sort()).toEqual(everyone('a', 'c'));
    expect(f.calls('c')).toHaveLength(1);
  });
});

describe('afterwards', () => {
  it('every gateway still answers a normal federated query in full', async () => {
    for (const [gw, ids] of [[fast, IDS], [retrying, IDS], [two, ['a', 'b']]] as const) {
      const res = await gw.gql<{ PatientList: Row[] }>('{ PatientList(_count: 50, _sort: "birthdate") { id sourceId birthDate } }');
      expect(res.status).toBe(200);
      expect(res.errors).toBeUndefined();
      expect(keys(res.data!.PatientList).sort()).toEqual(everyone(...ids));
      expect(res.data!.PatientList.map((r) => r.birthDate)).toEqual(datesOf(...ids));
      expect((await fetch(`${gw.url}/health`)).status).toBe(200);
    }
  });
});
