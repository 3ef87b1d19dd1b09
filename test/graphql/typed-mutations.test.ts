// Writes as a typed frontend makes them: the codegen mutation documents (test/documents/*.graphql ->
// test/gql/graphql.ts) POSTed to /graphql over a real socket, gateway -> Medplum's in-memory FHIR server on
// loopback. Every result is typed with ResultOf<typeof Doc>, so `tsc --noEmit` checks each field access below
// against the schema. Each test checks the upstream's own REST answer and the upstream requests the write made:
// one request per write, never retried, nothing sent for a write the gateway refuses.
import type { ResultOf, VariablesOf } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CreateObservationDocument,
  CreatePatientDocument,
  DeletePatientDocument,
  PatientByIdDocument,
  PatientFocusByIdDocument,
  PatientSearchPageDocument,
  UpdatePatientDocument,
} from '../gql/graphql.ts';
import type { PatientCreate, TypedDocumentString } from '../gql/graphql.ts';
import { methodAndPath, startFixture, type Fixture } from '../helpers/fixture.ts';

type Json = Record<string, any>;

let f: Fixture;

interface GraphQLErrorJson {
  message: string;
  path?: Array<string | number>;
  extensions?: Record<string, any>;
}
interface ExecutionResult<TData> {
  status: number;
  data?: TData | null;
  errors?: GraphQLErrorJson[];
  extensions?: Record<string, any>;
}
type Variables<TDoc> = {} extends VariablesOf<TDoc> ? [VariablesOf<TDoc>?] : [VariablesOf<TDoc>];

/** A minimal typed GraphQL-over-HTTP client: variables are checked against the document, the result is typed by it. */
async function execute<TDoc extends TypedDocumentString<any, any>>(document: TDoc, ...[variables]: Variables<TDoc>): Promise<ExecutionResult<ResultOf<TDoc>>> {
  const res = await f.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
  });
  return { status: res.status, ...((await res.json()) as Omit<ExecutionResult<ResultOf<TDoc>>, 'status'>) };
}

/** Like execute(), for an operation that must succeed: HTTP 200, no errors; returns the data. */
async function run<TDoc extends TypedDocumentString<any, any>>(document: TDoc, ...variables: Variables<TDoc>): Promise<ResultOf<TDoc>> {
  const res = await execute(document, ...variables);
  expect(res.errors).toBeUndefined();
  expect(res.status).toBe(200);
  expect(res.data).toBeTruthy();
  return res.data!;
}

/** Upstream requests other than /metadata, as 'METHOD /path' (query strings dropped). */
const calls = () => f.calls().map(methodAndPath);
const direct = (path: string) => f.direct<Json>('hospital', path);

const SYSTEM = 'urn:test:typed-mutations';
let serial = 0;
/** A unique identifier value for one test. */
const uniqueValue = (label: string) => `${label}-${process.pid}-${++serial}`;

const newPatient = (family: string, extra: Partial<PatientCreate> = {}): PatientCreate => ({
  resourceType: 'Patient',
  gender: 'female',
  birthDate: '1990-02-03',
  name: [{ family, given: ['Ada', 'B.'] }],
  ...extra,
});

/** Creates a patient through the typed mutation and returns it (id and versionId asserted present). */
async function createPatient(family: string, extra: Partial<PatientCreate> = {}) {
  const created = (await run(CreatePatientDocument, { res: newPatient(family, extra) })).PatientCreate;
  expect(created?.id).toBeTruthy();
  expect(created?.meta?.versionId).toBeTruthy();
  return { ...created!, id: created!.id!, versionId: created!.meta!.versionId! };
}

beforeAll(async () => {
  f = await startFixture({ sources: { hospital: { patients: 5 } } });
});
afterAll(() => f?.stop());
beforeEach(() => f.resetCalls());

describe('CreatePatient (typed PatientCreate mutation)', () => {
  it('creates with one POST; the answer is what the upstream stored', async () => {
    const value = uniqueValue('create');
    const data: ResultOf<typeof CreatePatientDocument> = await run(CreatePatientDocument, {
      res: newPatient('Lovelace', { identifier: [{ system: SYSTEM, value }] }),
    });
    expect(calls()).toEqual(['POST /Patient']);

    const created = data.PatientCreate;
    expect(created).toMatchObject({
      resourceType: 'Patient',
      sourceId: 'hospital',
      gender: 'female',
      birthDate: '1990-02-03',
      name: [{ family: 'Lovelace', given: ['Ada', 'B.'] }],
      identifier: [{ system: SYSTEM, value }],
    });
    // @ts-expect-error active is not selected by CreatePatient, so the typed result has no such field
    expect(created?.active).toBeUndefined();

    const stored = await direct(`Patient/${created?.id}`);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ resourceType: 'Patient', id: created?.id, birthDate: '1990-02-03', name: [{ family: 'Lovelace', given: ['Ada', 'B.'] }] });
    expect(stored.body['meta']['versionId']).toBe(created?.meta?.versionId);
    expect(stored.body['meta']['lastUpdated']).toBe(created?.meta?.lastUpdated);
  });

  it('conditional create repeated with the same ifNoneExist: one resource upstream, the second answer is the existing one', async () => {
    const value = uniqueValue('once');
    const variables: VariablesOf<typeof CreatePatientDocument> = {
      res: newPatient('Once', { identifier: [{ system: SYSTEM, value }] }),
      ifNoneExist: `identifier=${SYSTEM}|${value}`,
    };
    const first = await execute(CreatePatientDocument, variables);
    const second = await execute(CreatePatientDocument, variables);
    for (const res of [first, second]) {
      expect(res.status).toBe(200);
      expect(res.errors).toBeUndefined();
    }
    // each mutation sent its one POST (with If-None-Exist); the upstream created nothing the second time
    expect(calls()).toEqual(['POST /Patient', 'POST /Patient']);

    const created = first.data?.PatientCreate;
    const existing = second.data?.PatientCreate;
    expect(created?.id).toBeTruthy();
    expect(existing).toEqual(created); // same id, same version: the stored resource, unchanged
    expect(first.extensions?.['warnings']).toBeUndefined();
    expect(second.extensions?.['warnings']).toEqual([expect.objectContaining({ code: 'EXISTING_RESOURCE', path: ['PatientCreate'] })]);

    const search = await direct(`Patient?identifier=${encodeURIComponent(`${SYSTEM}|${value}`)}`);
    expect(search.body['total']).toBe(1);
    expect(search.body['entry'].map((e: Json) => e['resource']['id'])).toEqual([created?.id]);
    const history = await direct(`Patient/${created?.id}/_history`);
    expect(history.body['entry']).toHaveLength(1);
  });

  it('a conditional create that matches nothing creates', async () => {
    const value = uniqueValue('fresh');
    const res = await execute(CreatePatientDocument, {
      res: newPatient('Fresh', { identifier: [{ system: SYSTEM, value }] }),
      ifNoneExist: `identifier=${SYSTEM}|${value}`,
    });
    expect(res.errors).toBeUndefined();
    expect(res.extensions?.['warnings']).toBeUndefined();
    expect(calls()).toEqual(['POST /Patient']);
    expect((await direct(`Patient/${res.data?.PatientCreate?.id}`)).body['identifier']).toEqual([{ system: SYSTEM, value }]);
  });

  it('an ifNoneExist that is not a search is BAD_USER_INPUT and nothing is sent', async () => {
    const res = await execute(CreatePatientDocument, { res: newPatient('Never'), ifNoneExist: 'not a search' });
    expect(res.data?.PatientCreate ?? null).toBeNull();
    expect(res.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(calls()).toEqual([]);
  });
});

describe('CreateObservation referencing a patient', () => {
  it('stores the reference and resolves it; the patient then lists the observation', async () => {
    const patient = await createPatient('Observed');
    f.resetCalls();

    const data = await run(CreateObservationDocument, {
      res: {
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
        subject: { reference: `Patient/${patient.id}` },
        effectiveDateTime: '2024-01-02T03:04:05Z',
        valueQuantity: { value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
      },
    });
    const observation = data.ObservationCreate;
    expect(observation).toMatchObject({
      sourceId: 'hospital',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      valueQuantity: { value: 72, unit: 'beats/minute' },
      subject: { reference: `Patient/${patient.id}` },
    });
    const subject = observation?.subject?.resource;
    if (!subject || !('name' in subject)) throw new Error('subject did not resolve to a Patient');
    expect(subject).toEqual({ id: patient.id, name: [{ family: 'Observed' }] });
    // one POST; the subject is one read (the created patient, not cached across requests)
    expect(calls()).toEqual(['POST /Observation', `GET /Patient/${patient.id}`]);

    const stored = await direct(`Observation/${observation?.id}`);
    expect(stored.body).toMatchObject({ subject: { reference: `Patient/${patient.id}` }, valueQuantity: { value: 72, unit: 'beats/minute' } });

    const focus = await run(PatientFocusByIdDocument, { id: patient.id, obsCount: 10 });
    expect(focus.Patient?.ObservationList).toEqual([{ id: observation?.id, status: 'final', subject: { reference: `Patient/${patient.id}` } }]);
  });
});

describe('UpdatePatient (typed PatientUpdate mutation) with ifMatch', () => {
  it('with the current version as ifMatch: one PUT, a new version upstream', async () => {
    const patient = await createPatient('Before');
    f.resetCalls();

    const data = await run(UpdatePatientDocument, { id: patient.id, res: newPatient('After', { gender: 'other' }), ifMatch: patient.versionId });
    const updated = data.PatientUpdate;
    expect(updated).toMatchObject({ id: patient.id, sourceId: 'hospital', gender: 'other', name: [{ family: 'After', given: ['Ada', 'B.'] }] });
    const v2 = updated?.meta?.versionId;
    expect(v2).toBeTruthy();
    expect(v2).not.toBe(patient.versionId);
    expect(calls()).toEqual([`PUT /Patient/${patient.id}`]);

    const stored = await direct(`Patient/${patient.id}`);
    expect(stored.body).toMatchObject({ gender: 'other', name: [{ family: 'After' }], meta: { versionId: v2 } });

    // the ETag form of the new version works too
    f.resetCalls();
    const again = await run(UpdatePatientDocument, { id: patient.id, res: newPatient('Again'), ifMatch: `W/"${v2}"` });
    expect(again.PatientUpdate?.meta?.versionId).not.toBe(v2);
    expect(calls()).toEqual([`PUT /Patient/${patient.id}`]);
  });

  it('a stale ifMatch: UPSTREAM_CONFLICT with the OperationOutcome, one PUT, the resource upstream unchanged', async () => {
    const patient = await createPatient('Stable');
    await run(UpdatePatientDocument, { id: patient.id, res: newPatient('Second'), ifMatch: patient.versionId });
    const current = (await direct(`Patient/${patient.id}`)).body;
    f.resetCalls();

    const res = await execute(UpdatePatientDocument, { id: patient.id, res: newPatient('Lost'), ifMatch: patient.versionId });
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ PatientUpdate: null });
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.path).toEqual(['PatientUpdate']);
    expect(res.errors![0]!.extensions).toMatchObject({
      code: 'UPSTREAM_CONFLICT',
      source: 'hospital',
      upstreamStatus: 412,
      resource: { resourceType: 'OperationOutcome', issue: [expect.objectContaining({ severity: 'error' })] },
    });
    expect(calls()).toEqual([`PUT /Patient/${patient.id}`]);
    expect((await direct(`Patient/${patient.id}`)).body).toEqual(current);

    // the gateway still reads it as it is
    const read = await run(PatientByIdDocument, { id: patient.id });
    expect(read.Patient?.name?.[0]?.family).toBe('Second');
  });
});

describe('DeletePatient (typed PatientDelete mutation)', () => {
  it('one DELETE; a later read is NOT_FOUND through the gateway, and gone upstream', async () => {
    const patient = await createPatient('Doomed');
    f.resetCalls();

    const data = await run(DeletePatientDocument, { id: patient.id });
    expect(data.PatientDelete).toMatchObject({ resourceType: 'Patient', id: patient.id, sourceId: 'hospital' });
    expect(calls()).toEqual([`DELETE /Patient/${patient.id}`]);

    f.resetCalls();
    const read = await execute(PatientByIdDocument, { id: patient.id });
    expect(read.data?.Patient ?? null).toBeNull();
    expect(read.errors).toHaveLength(1);
    expect(read.errors![0]!.path).toEqual(['Patient']);
    expect(read.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', resource: { resourceType: 'OperationOutcome' } });
    expect(calls()).toEqual([`GET /Patient/${patient.id}`]);
    expect([404, 410]).toContain((await direct(`Patient/${patient.id}`)).status);
  });

  it('with a stale ifMatch nothing is deleted; with the current one it is', async () => {
    const patient = await createPatient('Guarded');
    const updated = (await run(UpdatePatientDocument, { id: patient.id, res: newPatient('Guarded2') })).PatientUpdate;
    f.resetCalls();

    const stale = await execute(DeletePatientDocument, { id: patient.id, ifMatch: patient.versionId });
    expect(stale.data?.PatientDelete ?? null).toBeNull();
    expect(stale.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_CONFLICT', resource: { resourceType: 'OperationOutcome' } });
    expect((await direct(`Patient/${patient.id}`)).status).toBe(200);

    const ok = await run(DeletePatientDocument, { id: patient.id, ifMatch: updated?.meta?.versionId ?? null });
    expect(ok.PatientDelete?.id).toBe(patient.id);
    expect(calls()).toEqual([`DELETE /Patient/${patient.id}`, `GET /Patient/${patient.id}`, `DELETE /Patient/${patient.id}`]);
    expect((await direct(`Patient/${patient.id}`)).status).not.toBe(200);
  });
});

describe('PatientSearchPage (typed connection paging) over created patients', () => {
  it('follows next cursors: every created patient exactly once, one upstream search per page', async () => {
    const system = `${SYSTEM}:paging:${process.pid}`;
    const made = new Set<string>();
    for (let i = 0; i < 7; i++) made.add((await createPatient(`Paged${i}`, { identifier: [{ system, value: `p${i}` }] })).id);

    const seen: string[] = [];
    let cursor: VariablesOf<typeof PatientSearchPageDocument>['cursor'] = null;
    let pages = 0;
    do {
      f.resetCalls();
      const page: ResultOf<typeof PatientSearchPageDocument> = await run(PatientSearchPageDocument, { identifier: `${system}|`, count: 3, cursor });
      expect(calls()).toEqual(['GET /Patient']);
      const connection = page.PatientConnection;
      expect(connection?.count).toBe(7);
      expect(connection?.pageSize).toBe(3);
      expect(connection?.offset).toBe(pages * 3);
      for (const edge of connection?.edges ?? []) {
        expect(edge?.mode ?? 'match').toBe('match');
        expect(edge?.resource?.identifier?.[0]?.system).toBe(system);
        seen.push(edge?.resource?.id ?? '(missing)');
      }
      if (pages > 0) expect(connection?.previous).toBeTruthy();
      cursor = connection?.next ?? null;
      pages++;
    } while (cursor !== null && pages < 10);

    expect(pages).toBe(3);
    expect(seen).toHaveLength(7);
    expect(new Set(seen)).toEqual(made);
  });
});
