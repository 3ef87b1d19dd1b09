// The main queries as a typed frontend runs them: the codegen documents (test/documents/*.graphql ->
// test/gql/graphql.ts) POSTed with fetch over a real socket, results typed with ResultOf<typeof Doc> so that
// `tsc --noEmit` checks every field access below against the schema. Data is checked against the upstream's
// own REST answers, and the upstream request count of each query is asserted.
import type { ResultOf, VariablesOf } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  PatientByIdDocument,
  PatientConnectionPageDocument,
  PatientPageDocument,
  PatientsWithCareTeamDocument,
  PatientWithObservationsDocument,
} from '../gql/graphql.ts';
import type { TypedDocumentString } from '../gql/graphql.ts';
import { startFixture, type Fixture } from '../helpers/fixture.ts';

const PATIENTS = 30;
let f: Fixture;

interface ExecutionResult<TData> {
  status: number;
  data?: TData | null;
  errors?: Array<{ message: string; path?: Array<string | number> }>;
  extensions?: Record<string, unknown>;
}

/** A minimal typed GraphQL-over-HTTP client: variables are checked against the document, the result is typed by it. */
async function execute<TDoc extends TypedDocumentString<any, any>>(
  document: TDoc,
  ...[variables]: {} extends VariablesOf<TDoc> ? [VariablesOf<TDoc>?] : [VariablesOf<TDoc>]
): Promise<ExecutionResult<ResultOf<TDoc>>> {
  const res = await f.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
  });
  return { status: res.status, ...((await res.json()) as Omit<ExecutionResult<ResultOf<TDoc>>, 'status'>) };
}

/** Like execute(), for a query that must succeed: asserts HTTP 200 and no errors, returns the data. */
async function query<TDoc extends TypedDocumentString<any, any>>(
  document: TDoc,
  ...variables: {} extends VariablesOf<TDoc> ? [VariablesOf<TDoc>?] : [VariablesOf<TDoc>]
): Promise<ResultOf<TDoc>> {
  const res = await execute(document, ...variables);
  expect(res.errors).toBeUndefined();
  expect(res.status).toBe(200);
  expect(res.data).toBeTruthy();
  return res.data!;
}

// The upstream's own answers, as plain FHIR JSON.
type Json = Record<string, any>;
async function rest(path: string): Promise<Json> {
  const res = await f.direct<Json>('demo', path);
  expect(res.status).toBe(200);
  return res.body;
}
async function restAll(type: string): Promise<Map<string, Json>> {
  const bundle = await rest(`${type}?_count=1000`);
  return new Map((bundle['entry'] as Json[]).map((e) => [`${type}/${e['resource'].id}`, e['resource'] as Json]));
}
const upstreamCalls = () => f.calls().map((r) => r.url);

beforeAll(async () => {
  f = await startFixture({ sources: { demo: { patients: PATIENTS } } });
});
afterAll(() => f?.stop());
beforeEach(() => f.resetCalls());

describe('typed documents from codegen, over a real socket', () => {
  it('PatientById: one upstream read, exactly the upstream data', async () => {
    const data = await query(PatientByIdDocument, { id: 'pat-0001' });
    expect(upstreamCalls()).toEqual(['/Patient/pat-0001']);

    const patient = data.Patient;
    expect(patient).not.toBeNull();
    // @ts-expect-error gender is not selected by PatientById, so the typed result has no such field
    expect(patient?.gender).toBeUndefined();

    const expected = await rest('Patient/pat-0001');
    expect(patient?.id).toBe('pat-0001');
    expect(patient?.birthDate).toBe(expected['birthDate'] ?? null);
    expect(patient?.name?.map((n) => ({ family: n?.family ?? null, given: n?.given ?? null }))).toEqual(
      (expected['name'] as Json[]).map((n) => ({ family: n['family'] ?? null, given: n['given'] ?? null })),
    );
  });

  it('PatientById: a missing id gives null data, not an invented patient', async () => {
    const res = await execute(PatientByIdDocument, { id: 'pat-9999' });
    expect(res.data?.Patient ?? null).toBeNull();
    expect(upstreamCalls()).toEqual(['/Patient/pat-9999']);
  });

  it('PatientPage: one upstream search, the upstream page in its order', async () => {
    const data = await query(PatientPageDocument, { count: 10 });
    expect(upstreamCalls()).toHaveLength(1);
    expect(upstreamCalls()[0]).toMatch(/^\/Patient\?/);

    const ids = (data.PatientList ?? []).map((p) => p?.id);
    const expected = await rest('Patient?_count=10');
    expect(ids).toEqual((expected['entry'] as Json[]).map((e) => e['resource'].id));
    expect(ids).toHaveLength(10);
  });

  it('PatientWithObservations: the patient read plus one Observation search', async () => {
    const data = await query(PatientWithObservationsDocument, { id: 'pat-0003' });
    expect(upstreamCalls()).toHaveLength(2);

    const observations = data.Patient?.ObservationList ?? [];
    const expected = new Map(
      ((await rest('Observation?subject=Patient/pat-0003&_count=1000'))['entry'] as Json[]).map((e) => [e['resource'].id as string, e['resource'] as Json]),
    );
    expect(data.Patient?.id).toBe('pat-0003');
    expect(observations.length).toBeGreaterThanOrEqual(1);
    expect(observations.map((o) => o?.id).sort()).toEqual([...expected.keys()].sort());
    for (const o of observations) {
      const fhir = expected.get(o?.id ?? '')!;
      const quantity = fhir['valueQuantity'] as Json | undefined;
      expect(o?.valueQuantity ?? null).toEqual(quantity ? { value: quantity['value'] ?? null, unit: quantity['unit'] ?? null } : null);
      expect(o?.code?.coding?.map((c) => c?.code ?? null)).toEqual((fhir['code']['coding'] as Json[]).map((c) => c['code'] ?? null));
    }
    expect(observations.some((o) => typeof o?.valueQuantity?.value === 'number')).toBe(true);
  });

  it('PatientsWithCareTeam: 20 patients with practitioners and organizations in at most 3 upstream requests', async () => {
    const data = await query(PatientsWithCareTeamDocument);
    expect(upstreamCalls().length).toBeLessThanOrEqual(3);

    const list = data.PatientList ?? [];
    expect(list).toHaveLength(20);
    const [patients, practitioners, organizations] = await Promise.all([restAll('Patient'), restAll('Practitioner'), restAll('Organization')]);
    for (const p of list) {
      const fhir = patients.get(`Patient/${p?.id}`)!;
      expect(fhir).toBeDefined();

      const gps = p?.generalPractitioner ?? [];
      expect(gps).toHaveLength((fhir['generalPractitioner'] as Json[]).length);
      gps.forEach((gp, i) => {
        const practitioner = practitioners.get(fhir['generalPractitioner'][i].reference)!;
        const resource = gp?.resource;
        // The union member of `... on Practitioner` is the one with `name`; anything else is an empty object.
        if (!resource || !('name' in resource)) throw new Error(`patient ${p?.id}: generalPractitioner[${i}] did not resolve to a Practitioner`);
        expect(resource.name?.map((n) => n?.family ?? null)).toEqual((practitioner['name'] as Json[]).map((n) => n['family'] ?? null));
      });

      const organization = organizations.get(fhir['managingOrganization'].reference)!;
      const org = p?.managingOrganization?.resource;
      if (!org || !('name' in org)) throw new Error(`patient ${p?.id}: managingOrganization did not resolve to an Organization`);
      expect(org.name).toBe(organization['name'] ?? null);
    }
  });

  it('PatientConnectionPage: following the typed next cursor visits every patient exactly once', async () => {
    const seen: string[] = [];
    let cursor: VariablesOf<typeof PatientConnectionPageDocument>['cursor'] = null;
    let pages = 0;
    do {
      f.resetCalls();
      const page: ResultOf<typeof PatientConnectionPageDocument> = await query(PatientConnectionPageDocument, { cursor });
      expect(upstreamCalls()).toHaveLength(1);
      const connection = page.PatientConnection;
      expect(connection?.count).toBe(PATIENTS);
      const edges = connection?.edges ?? [];
      expect(edges.length).toBeLessThanOrEqual(10);
      for (const edge of edges) seen.push(edge?.resource?.id ?? '(missing)');
      cursor = connection?.next ?? null;
      pages++;
    } while (cursor !== null && pages < 10);

    expect(cursor).toBeNull();
    expect(pages).toBe(PATIENTS / 10);
    expect(seen).toHaveLength(PATIENTS);
    expect(new Set(seen).size).toBe(PATIENTS);
    expect(new Set(seen)).toEqual(new Set([...(await restAll('Patient')).values()].map((p) => p['id'] as string)));
  });
});
