// The HL7 `[field]: value` list filters as a typed frontend uses them: the codegen document PatientNamesFiltered
// (test/documents/ -> test/gql/graphql.ts), its variables and result typed by the document, POSTed over a real socket to
// /graphql and to [base]/$graphql; checked against the upstream's own REST answer, in one upstream read.
import type { ResultOf, VariablesOf } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PatientNamesFilteredDocument } from '../gql/graphql.ts';
import { startFixture, type Fixture } from '../helpers/fixture.ts';

type Json = Record<string, any>;
type Variables = VariablesOf<typeof PatientNamesFilteredDocument>;
type Result = ResultOf<typeof PatientNamesFilteredDocument>;

const MRN = 'urn:demo:mrn:main';
let f: Fixture;

async function run(path: '/graphql' | '/fhir/$graphql', variables: Variables): Promise<{ status: number; data?: Result; errors?: unknown[] }> {
  const res = await f.fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query: PatientNamesFilteredDocument.toString(), variables }),
  });
  return { status: res.status, ...((await res.json()) as { data?: Result; errors?: unknown[] }) };
}

beforeAll(async () => {
  f = await startFixture({ sources: { demo: { patients: 5 } } });
});
afterAll(() => f?.stop());
beforeEach(() => f.resetCalls());

describe('PatientNamesFiltered', () => {
  it('keeps the official name, the phones and the MRN, as the upstream holds them, in one read', async () => {
    const fhir = (await f.direct<Json>('demo', 'Patient/pat-0002')).body;
    f.resetCalls();
    const res = await run('/graphql', { id: 'pat-0002', use: 'official', system: MRN });
    expect(res.errors).toBeUndefined();
    const patient = res.data!.Patient!;
    // typed by the document: name items have family and given, phones value and use
    expect(patient.name?.map((n) => ({ family: n?.family, given: n?.given }))).toEqual(
      (fhir['name'] as Json[]).filter((n) => n['use'] === 'official').map((n) => ({ family: n['family'], given: n['given'] })),
    );
    expect(patient.phones?.map((t) => t?.value)).toEqual((fhir['telecom'] as Json[]).filter((t) => t['system'] === 'phone').map((t) => t['value']));
    expect(patient.identifier?.map((i) => i?.value)).toEqual(['M000002']);
    // @ts-expect-error the document selects no period, so the typed result has none
    expect(patient.name?.[0]?.period).toBeUndefined();
    expect(f.calls().map((r) => r.url)).toEqual(['/Patient/pat-0002']);
  });

  it('a use no name has gives an empty list; the same answers through [base]/$graphql', async () => {
    const variables: Variables = { id: 'pat-0002', use: 'maiden', system: 'urn:no-such-system' };
    const viaGraphql = await run('/graphql', variables);
    expect(viaGraphql.data?.Patient).toMatchObject({ id: 'pat-0002', name: [], identifier: [] });
    const viaOperation = await run('/fhir/$graphql', variables);
    expect(viaOperation).toEqual(viaGraphql);
  });
});
