// A subscription as a typed frontend runs it: the codegen document (test/documents/ObservationChanged.graphql ->
// test/gql/graphql.ts) over the graphql-ws client, each event typed with ResultOf<typeof Doc> so that `tsc --noEmit`
// checks every field access below against the schema; the write that causes it is the typed CreateObservation
// mutation. Resuming with the typed `$since` variable gives the same events again.
import type { ResultOf, VariablesOf } from '@graphql-typed-document-node/core';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CreateObservationDocument, ObservationChangedDocument } from '../gql/graphql.ts';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { until, wsUrl } from '../ws/ws-helpers.ts';

type Event = ResultOf<typeof ObservationChangedDocument>['ObservationChanged'];
let f: Fixture;
let client: Client;
beforeAll(async () => {
  f = await startFixture({ sources: { hospital: { patients: 3, idPrefix: 'h' } } });
  client = createClient({ url: wsUrl(f.url), webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
});
afterAll(async () => {
  await client?.dispose();
  await f?.stop();
});

/** Subscribes with typed variables; collects the typed events. */
function subscribe(variables: VariablesOf<typeof ObservationChangedDocument>) {
  const events: Event[] = [];
  const errors: unknown[] = [];
  const stop = client.subscribe<ResultOf<typeof ObservationChangedDocument>>(
    { query: ObservationChangedDocument.toString(), variables },
    { next: (r) => (r.data ? void events.push(r.data.ObservationChanged) : void errors.push(r.errors)), error: (e) => void errors.push(e), complete: () => undefined },
  );
  return { events, errors, stop };
}

async function createObservation(patient: string, value: number): Promise<string> {
  const variables: VariablesOf<typeof CreateObservationDocument> = {
    res: {
      resourceType: 'Observation',
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
      code: { text: 'Heart rate', coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      subject: { reference: `Patient/${patient}` },
      valueQuantity: { value, unit: '/min' },
    },
    sourceId: 'hospital',
  };
  const res = await f.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query: CreateObservationDocument.toString(), variables }),
  });
  const body = (await res.json()) as { data: ResultOf<typeof CreateObservationDocument> };
  return body.data.ObservationCreate!.id!;
}

describe('the typed ObservationChanged document', () => {
  it('receives the typed events of a patient\'s vital signs, and resumes with $since', async () => {
    const live = subscribe({ patient: 'Patient/h-pat-0001', category: 'vital-signs' });
    await new Promise((r) => setTimeout(r, 300));
    const mine = await createObservation('h-pat-0001', 72);
    await createObservation('h-pat-0002', 80); // another patient: filtered out
    const later = await createObservation('h-pat-0001', 75);
    await until(() => live.events.length >= 2, 'two events');
    const [first, second] = live.events as [Event, Event];
    expect(live.errors).toEqual([]);
    expect(first.id).toBe(mine);
    expect(first.action).toBe('create');
    expect(first.sourceId).toBe('hospital');
    expect(first.resource?.valueQuantity?.value).toBe(72);
    expect(first.resource?.code?.coding?.[0]?.code).toBe('8867-4');
    expect(first.resource?.subject?.resource).toMatchObject({ id: 'h-pat-0001' });
    expect(second.id).toBe(later);
    expect(BigInt(second.eventNumber)).toBeGreaterThan(BigInt(first.eventNumber));
    live.stop();

    const resumed = subscribe({ patient: 'Patient/h-pat-0001', since: first.eventNumber });
    await until(() => resumed.events.length >= 1, 'the event after $since');
    expect(resumed.events[0]!.id).toBe(later);
    resumed.stop();
  });
});
