// The FHIR $graphql endpoints as a third-party GraphQL client sees them: graphql-http's `createClient` (the
// reference GraphQL-over-HTTP client) pointed at [base]/$graphql and at [base]/Patient/[id]/$graphql, executing the
// codegen documents (test/documents/*.graphql -> test/gql/graphql.ts) with variables and operationName, results
// typed by ResultOf<typeof Doc>; plain GETs with `query=` at both levels; and graphql-http's audit suite (the
// GraphQL-over-HTTP spec's conformance checks) against /graphql and [base]/$graphql, where no MUST may fail.
import type { ResultOf, VariablesOf } from '@graphql-typed-document-node/core';
import { createClient, NetworkError, serverAudits, type AuditResult, type Client } from 'graphql-http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CreatePatientDocument,
  DeletePatientDocument,
  PatientByIdDocument,
  PatientFocusByIdDocument,
  PatientFocusFragmentDoc,
  PatientPageDocument,
  PatientSearchPageDocument,
  UpdatePatientDocument,
} from '../gql/graphql.ts';
import type { PatientFocusFragment, TypedDocumentString } from '../gql/graphql.ts';
import { methodAndPath, startFixture, type Fixture } from '../helpers/fixture.ts';

type Json = Record<string, any>;
const PATIENTS = 10;

let f: Fixture;
/** graphql-http client for the system level, [base]/$graphql. */
let system: Client;

interface Result<TData> {
  data?: TData | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }>;
  extensions?: Record<string, any>;
}
type Variables<TDoc> = {} extends VariablesOf<TDoc> ? [VariablesOf<TDoc>?] : [VariablesOf<TDoc>];

/** One request through a graphql-http client, as a promise of the one result. */
function request<TData>(client: Client, params: { query: string; variables?: Record<string, unknown>; operationName?: string }): Promise<Result<TData>> {
  return new Promise((resolve, reject) => {
    let result: Result<TData> | undefined;
    client.subscribe<TData, Record<string, any>>(params, {
      next: (value) => (result = value as Result<TData>),
      error: reject,
      complete: () => (result ? resolve(result) : reject(new Error('no result'))),
    });
  });
}

/** A typed document through a graphql-http client: variables checked against the document, the result typed by it. */
function execute<TDoc extends TypedDocumentString<any, any>>(client: Client, document: TDoc, ...[variables]: Variables<TDoc>): Promise<Result<ResultOf<TDoc>>> {
  return request<ResultOf<TDoc>>(client, { query: document.toString(), variables: (variables ?? {}) as Record<string, unknown> });
}

/** Like execute(), for an operation that must succeed; returns the data. */
async function run<TDoc extends TypedDocumentString<any, any>>(client: Client, document: TDoc, ...variables: Variables<TDoc>): Promise<ResultOf<TDoc>> {
  const res = await execute(client, document, ...variables);
  expect(res.errors).toBeUndefined();
  expect(res.data).toBeTruthy();
  return res.data!;
}

/**
 * The instance-level operation: the Patient is the query's root, so its selection is the PatientFocus fragment
 * itself. The operation does not validate against the schema on its own (Query has no Patient fields), so it is not
 * a codegen document; it is built around the typed fragment, and its data is typed as PatientFocusFragment.
 */
const INSTANCE_FOCUS = `query InstanceFocus($obsCount: Int) { ...PatientFocus }\n${PatientFocusFragmentDoc.toString()}`;

const instanceClient = (path: string) => createClient({ url: `${f.url}/fhir/${path}/$graphql` });

/** Plain GET with the GraphQL parameters in the query string, as a FHIR client invokes the operation. */
async function get(path: string, params: { query: string; variables?: object; operationName?: string }): Promise<{ status: number; contentType: string | null; body: Json }> {
  const search = new URLSearchParams({ query: params.query });
  if (params.variables) search.set('variables', JSON.stringify(params.variables));
  if (params.operationName) search.set('operationName', params.operationName);
  const res = await fetch(`${f.url}${path}?${search}`);
  return { status: res.status, contentType: res.headers.get('content-type'), body: (await res.json()) as Json };
}

const direct = (path: string) => f.direct<Json>('hospital', path);

/** Upstream requests other than /metadata, as 'METHOD /path'. */
const calls = () => f.calls().map(methodAndPath);

beforeAll(async () => {
  f = await startFixture({ sources: { hospital: { patients: PATIENTS } } });
  system = createClient({ url: `${f.url}/fhir/$graphql` });
});
afterAll(async () => {
  system?.dispose();
  await f?.stop();
});
beforeEach(() => f.resetCalls());

describe('graphql-http client at the system level [base]/$graphql', () => {
  it('read: PatientById with variables, exactly the upstream data, one upstream read', async () => {
    const data = await run(system, PatientByIdDocument, { id: 'pat-0002' });
    expect(calls()).toEqual(['GET /Patient/pat-0002']);
    const expected = (await direct('Patient/pat-0002')).body;
    expect(data.Patient).toEqual({
      id: 'pat-0002',
      birthDate: expected['birthDate'] ?? null,
      name: (expected['name'] as Json[]).map((n) => ({ family: n['family'] ?? null, given: n['given'] ?? null })),
    });
  });

  it('operationName picks one operation of a document holding two typed documents', async () => {
    const query = `${PatientByIdDocument.toString()}\n${PatientPageDocument.toString()}`;
    const page = await request<ResultOf<typeof PatientPageDocument>>(system, { query, variables: { count: 3 }, operationName: 'PatientPage' });
    expect(page.errors).toBeUndefined();
    expect(page.data?.PatientList?.map((p) => p?.id)).toEqual(['pat-0001', 'pat-0002', 'pat-0003']);
    const byId = await request<ResultOf<typeof PatientByIdDocument>>(system, { query, variables: { id: 'pat-0004' }, operationName: 'PatientById' });
    expect(byId.data?.Patient?.id).toBe('pat-0004');
  });

  it('search with paging: PatientSearchPage following next cursors visits every patient once', async () => {
    const seen: string[] = [];
    let cursor: VariablesOf<typeof PatientSearchPageDocument>['cursor'] = null;
    let pages = 0;
    do {
      f.resetCalls();
      const page: ResultOf<typeof PatientSearchPageDocument> = await run(system, PatientSearchPageDocument, { count: 4, cursor });
      expect(calls()).toEqual(['GET /Patient']);
      expect(page.PatientConnection?.count).toBe(PATIENTS);
      for (const edge of page.PatientConnection?.edges ?? []) seen.push(edge?.resource?.id ?? '(missing)');
      cursor = page.PatientConnection?.next ?? null;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: PATIENTS }, (_, i) => `pat-${String(i + 1).padStart(4, '0')}`));
  });

  it('writes: conditional create twice (one resource), update with If-Match, stale If-Match refused, delete then read', async () => {
    const system_ = 'urn:test:fhir-graphql-client';
    const value = `v-${process.pid}`;
    const create: VariablesOf<typeof CreatePatientDocument> = {
      res: { resourceType: 'Patient', name: [{ family: 'Client', given: ['Graph'] }], identifier: [{ system: system_, value }] },
      ifNoneExist: `identifier=${system_}|${value}`,
    };
    const first = await execute(system, CreatePatientDocument, create);
    const second = await execute(system, CreatePatientDocument, create);
    expect(first.errors).toBeUndefined();
    expect(second.errors).toBeUndefined();
    const created = first.data?.PatientCreate;
    const id = created?.id ?? '(none)';
    expect(second.data?.PatientCreate).toEqual(created);
    expect(second.extensions?.['warnings']).toEqual([expect.objectContaining({ code: 'EXISTING_RESOURCE' })]);
    expect(calls()).toEqual(['POST /Patient', 'POST /Patient']);
    expect((await direct(`Patient?identifier=${encodeURIComponent(`${system_}|${value}`)}`)).body['total']).toBe(1);

    f.resetCalls();
    const v1 = created?.meta?.versionId ?? '(none)';
    const updated = await run(system, UpdatePatientDocument, { id, res: { resourceType: 'Patient', name: [{ family: 'Updated' }] }, ifMatch: v1 });
    expect(updated.PatientUpdate?.name).toEqual([{ family: 'Updated', given: null }]);
    expect(updated.PatientUpdate?.meta?.versionId).not.toBe(v1);
    const stale = await execute(system, UpdatePatientDocument, { id, res: { resourceType: 'Patient', name: [{ family: 'Lost' }] }, ifMatch: v1 });
    expect(stale.data).toEqual({ PatientUpdate: null });
    expect(stale.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_CONFLICT', resource: { resourceType: 'OperationOutcome' } });
    expect(calls()).toEqual([`PUT /Patient/${id}`, `PUT /Patient/${id}`]);
    expect((await direct(`Patient/${id}`)).body['name']).toEqual([{ family: 'Updated' }]);

    f.resetCalls();
    const deleted = await run(system, DeletePatientDocument, { id });
    expect(deleted.PatientDelete).toMatchObject({ resourceType: 'Patient', id, sourceId: 'hospital' });
    const read = await execute(system, PatientByIdDocument, { id });
    expect(read.data?.Patient ?? null).toBeNull();
    expect(read.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    expect(calls()).toEqual([`DELETE /Patient/${id}`, `GET /Patient/${id}`]);
  });
});

describe('graphql-http client at the instance level [base]/Patient/[id]/$graphql', () => {
  it('the PatientFocus fragment as the whole query, with variables and operationName: what Patient(id:) gives', async () => {
    const expected = await run(system, PatientFocusByIdDocument, { id: 'pat-0003', obsCount: 100 });
    expect(expected.Patient?.ObservationList?.length).toBeGreaterThan(0);

    f.resetCalls();
    const client = instanceClient('Patient/pat-0003');
    const res = await request<PatientFocusFragment>(client, { query: INSTANCE_FOCUS, variables: { obsCount: 100 }, operationName: 'InstanceFocus' });
    client.dispose();
    expect(res.errors).toBeUndefined();
    const focus: PatientFocusFragment | null | undefined = res.data;
    expect(focus).toEqual(expected.Patient);
    expect(focus?.ObservationList?.every((o) => o?.subject?.reference === 'Patient/pat-0003')).toBe(true);
    expect(calls()).toHaveLength(2); // the read and one reverse-reference search

    const limited = await request<PatientFocusFragment>(instanceClient('Patient/pat-0003'), { query: INSTANCE_FOCUS, variables: { obsCount: 1 }, operationName: 'InstanceFocus' });
    expect(limited.data?.ObservationList).toHaveLength(1);
  });

  it('[base]/[sourceId]/Patient/[id]/$graphql reads from that source', async () => {
    const res = await request<PatientFocusFragment>(instanceClient('hospital/Patient/pat-0005'), { query: INSTANCE_FOCUS, variables: { obsCount: 2 } });
    expect(res.errors).toBeUndefined();
    expect(res.data?.id).toBe('pat-0005');
  });

  it('an unknown id is HTTP 404, which graphql-http reports as a NetworkError carrying the response', async () => {
    const failure = await request(instanceClient('Patient/no-such-patient'), { query: INSTANCE_FOCUS, variables: {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(NetworkError);
    const response = (failure as NetworkError<Response>).response!;
    expect(response.status).toBe(404);
    const body = (await response.json()) as Json;
    expect(body['data']).toBeNull();
    expect(body['errors'][0]['extensions']['code']).toBe('NOT_FOUND');
  });
});

describe('plain GET with query= at both levels', () => {
  it('system level: a typed document with variables and operationName, as the client got it by POST', async () => {
    const viaClient = await execute(system, PatientFocusByIdDocument, { id: 'pat-0006', obsCount: 5 });
    const viaGet = await get('/fhir/$graphql', { query: PatientFocusByIdDocument.toString(), variables: { id: 'pat-0006', obsCount: 5 }, operationName: 'PatientFocusById' });
    expect(viaGet.status).toBe(200);
    expect(viaGet.contentType).toBe('application/json; charset=utf-8');
    expect(viaGet.body).toEqual(viaClient);
    const data = viaGet.body['data'] as ResultOf<typeof PatientFocusByIdDocument>;
    expect(data.Patient?.id).toBe('pat-0006');
  });

  it('instance level: the fragment query by GET, as by POST', async () => {
    const viaClient = await request<PatientFocusFragment>(instanceClient('Patient/pat-0007'), { query: INSTANCE_FOCUS, variables: { obsCount: 5 }, operationName: 'InstanceFocus' });
    const viaGet = await get('/fhir/Patient/pat-0007/$graphql', { query: INSTANCE_FOCUS, variables: { obsCount: 5 }, operationName: 'InstanceFocus' });
    expect(viaGet.status).toBe(200);
    expect(viaGet.contentType).toBe('application/json; charset=utf-8');
    expect(viaGet.body).toEqual(viaClient);
    expect((viaGet.body['data'] as PatientFocusFragment).id).toBe('pat-0007');

    // the short form from the FHIR spec's examples
    const short = await get('/fhir/Patient/pat-0007/$graphql', { query: '{ id name { family } }' });
    expect(short.body).toEqual({ data: { id: 'pat-0007', name: viaClient.data?.name?.map((n) => ({ family: n?.family ?? null })) } });
  });

  it('a mutation by GET is refused (405) and sends nothing upstream', async () => {
    const res = await get('/fhir/$graphql', {
      query: CreatePatientDocument.toString(),
      variables: { res: { resourceType: 'Patient', name: [{ family: 'ByGet' }] } },
    });
    expect(res.status).toBe(405);
    expect(calls()).toEqual([]);
  });
});

// graphql-http's server audits: the GraphQL-over-HTTP spec's MUST / SHOULD / MAY checks, one test each. A failing
// MUST fails its test; the SHOULD / MAY findings must be exactly the known ones listed here (with their reason), so
// that a new one is noticed.
const AUDITED: Array<{ label: string; url: () => string; known: Record<string, string> }> = [
  { label: '/graphql', url: () => `${f.url}/graphql`, known: {} },
  {
    label: '/fhir/$graphql',
    url: () => `${f.url}/fhir/$graphql`,
    // The FHIR operation's result is application/json whatever the Accept header (use-fhir-graphql.ts), with the
    // status codes of application/graphql-response+json (request errors are 400), as a FHIR client expects.
    known: {
      '22EB': 'SHOULD accept application/graphql-response+json and match the content-type',
      '572B': 'SHOULD use 200 status code on document parsing failure when accepting application/json',
      'FDE2': 'SHOULD use 200 status code on document validation failure when accepting application/json',
      '7B9B': 'SHOULD use a status code of 200 on variable coercion failure when accepting application/json',
    },
  },
];

for (const { label, url, known } of AUDITED) {
  describe(`graphql-http serverAudits against ${label}`, () => {
    const findings: Record<string, string> = {};
    for (const audit of serverAudits({ url })) {
      it(`${audit.id} ${audit.name}`, async () => {
        const result: AuditResult = await audit.fn();
        if (result.status !== 'ok') {
          findings[audit.id] = `${result.status}: ${result.reason}`;
          await result.response.body?.cancel();
        }
        if (audit.name.startsWith('MUST')) expect(findings[audit.id] ?? 'ok').toBe('ok');
      });
    }
    it('no other SHOULD / MAY findings than the known ones', () => {
      expect(Object.keys(findings).sort()).toEqual(Object.keys(known).sort());
    });
  });
}
