// The flattening directives as a typed client uses them: the codegen documents PatientFlattened and PatientNamesByUse
// (test/documents) validated against the SDL, sent with graphql-http's client to /fhir/$graphql and with GET to
// /graphql, over real sockets to a Medplum FHIR server holding the HL7 page's example Patient. The generated result
// types describe the schema's shape, not the reshaped one (directives change the shape), so the data is checked as JSON.
import { createClient, type Client } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PatientFlattenedDocument, PatientNamesByUseDocument, type TypedDocumentString } from '../gql/graphql.ts';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { hl7ExamplePatient } from '../helpers/hl7-example-patient.ts';

let f: Fixture;
let fhirGraphql: Client;

beforeAll(async () => {
  f = await startFixture({ sources: { demo: { patients: 2, resources: [hl7ExamplePatient] } } });
  fhirGraphql = createClient({ url: `${f.url}/fhir/$graphql` });
});
afterAll(async () => {
  fhirGraphql.dispose();
  await f?.stop();
});

type Json = Record<string, unknown>;

function viaClient(document: TypedDocumentString<any, any>, variables: Record<string, unknown>): Promise<{ data?: Json | null; errors?: unknown[] }> {
  return new Promise((resolve, reject) => {
    let result: { data?: Json | null; errors?: unknown[] } | undefined;
    fhirGraphql.subscribe<Json>({ query: document.toString(), variables }, {
      next: (value) => (result = value as typeof result),
      error: reject,
      complete: () => (result ? resolve(result) : reject(new Error('no result'))),
    });
  });
}

async function viaGet(document: TypedDocumentString<any, any>, variables: Record<string, unknown>): Promise<{ data?: Json | null; errors?: unknown[] }> {
  const url = new URL(`${f.url}/graphql`);
  url.searchParams.set('query', document.toString());
  url.searchParams.set('variables', JSON.stringify(variables));
  const res = await fetch(url, { headers: { accept: 'application/graphql-response+json' } });
  expect(res.status).toBe(200);
  return (await res.json()) as { data?: Json | null; errors?: unknown[] };
}

describe('typed documents with the flattening directives', () => {
  it('PatientFlattened: @flatten moves the children up, @singleton makes them single, @first takes the first name', async () => {
    const expected = { Patient: { system: 'urn:oid:1.2.36.146.595.217.0.1', value: '12345', active: true, given: ['Peter', 'James'], family: 'Chalmers' } };
    for (const run of [viaClient, viaGet]) {
      const res = await run(PatientFlattenedDocument, { id: 'example' });
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual(expected);
    }
  });

  it('PatientNamesByUse: @slice(path: "use") keys each name by its use, @singleton one object each, @first the first given', async () => {
    const expected = {
      Patient: {
        id: 'example',
        'name.official': { family: 'Chalmers', given: 'Peter' },
        'name.usual': { family: null, given: 'Jim' }, // GraphQL answers a selected, absent field with null
        'name.maiden': { family: 'Windsor', given: 'Peter' },
      },
    };
    for (const run of [viaClient, viaGet]) {
      const res = await run(PatientNamesByUseDocument, { id: 'example' });
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual(expected);
    }
  });
});
