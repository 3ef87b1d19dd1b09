// GraphQL subscriptions as a client sees them over SSE, against a real FHIR upstream: writes made through the gateway
// (GraphQL mutations, the REST API) become numbered events at once, resolved with the subscriber's own selection set;
// search-argument filters are FHIR search semantics on the changed resource; `_since` resumes exactly after an event;
// what cannot be evaluated, or resumed, is an error before anything is delivered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { subscribeSse, type SseSubscription } from '../helpers/sse.ts';

let f: Fixture;
const open: SseSubscription[] = [];
beforeAll(async () => {
  f = await startFixture({ sources: { hospital: { patients: 3, idPrefix: 'h' } } });
});
afterAll(async () => {
  for (const s of open) s.close();
  await f?.stop();
});

async function subscribe(query: string, variables?: Record<string, unknown>) {
  const s = await subscribeSse(`${f.url}/graphql`, query, variables ? { variables } : {});
  open.push(s);
  await new Promise((r) => setTimeout(r, 150)); // registered before the writes that follow
  return s;
}
const post = (path: string, body: unknown) =>
  f.fetch(path, { method: 'POST', headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' }, body: JSON.stringify(body) });
const observation = (patient: string, code: string, value: number) => ({
  resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code }] },
  subject: { reference: `Patient/${patient}` }, valueQuantity: { value, unit: 'bpm' },
});

describe('subscriptions over SSE', () => {
  it('a gateway write is an event at once, resolved with the selection set, references included', async () => {
    const s = await subscribe('subscription { ObservationChanged { eventNumber action sourceId id resource { id valueQuantity { value } subject { resource { ... on Patient { id name { family } } } } } } }');
    expect(s.status).toBe(200);
    const patient = (await f.direct('hospital', 'Patient/h-pat-0001')).body;
    const created = await post('/fhir/Observation', observation('h-pat-0001', '8867-4', 72));
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { id: string }).id;
    const [event] = await s.waitFor(1);
    expect(event!.errors).toBeUndefined();
    const change = event!.data.ObservationChanged;
    expect(change).toMatchObject({ action: 'create', sourceId: 'hospital', id, resource: { id, valueQuantity: { value: 72 } } });
    expect(change.resource.subject.resource).toEqual({ id: 'h-pat-0001', name: [{ family: patient.name[0].family }] });
    expect(change.eventNumber).toMatch(/^\d+$/);
  });

  it('update and delete, by mutation and by REST, in order, numbers strictly increasing', async () => {
    const s = await subscribe('subscription { PatientChanged { eventNumber action id resource { name { family } } } }');
    const create = await f.gql<{ PatientCreate: { id: string } }>('mutation { PatientCreate(res: { name: [{ family: "Alpha" }] }) { id } }');
    const id = create.data!.PatientCreate.id;
    await f.gql(`mutation { PatientUpdate(id: "${id}", res: { name: [{ family: "Beta" }] }) { id } }`);
    const del = await f.fetch(`/fhir/Patient/${id}`, { method: 'DELETE' });
    expect(del.status).toBeLessThan(300);
    const events = (await s.waitFor(3)).map((p) => p.data.PatientChanged);
    expect(events.map((e) => [e.action, e.id])).toEqual([['create', id], ['update', id], ['delete', id]]);
    expect(events[0].resource.name[0].family).toBe('Alpha');
    expect(events[1].resource.name[0].family).toBe('Beta');
    expect(events[2].resource).toBeNull();
    const numbers = events.map((e) => BigInt(e.eventNumber));
    expect(numbers[0]! < numbers[1]! && numbers[1]! < numbers[2]!).toBe(true);
  });

  it('batch and transaction Bundles through the REST API: every entry written is an event, in entry order', async () => {
    const s = await subscribe('subscription { PatientChanged { action id resource { name { family } } } }');
    const bundle = (type: string, entry: unknown[]) => ({ resourceType: 'Bundle', type, entry });
    const transaction = await f.fetch('/fhir', {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json', prefer: 'return=minimal' },
      body: JSON.stringify(bundle('transaction', [
        { fullUrl: 'urn:uuid:0a1b2c3d-0000-4000-8000-000000000001', resource: { resourceType: 'Patient', name: [{ family: 'Tx-One' }] }, request: { method: 'POST', url: 'Patient' } },
        { fullUrl: 'urn:uuid:0a1b2c3d-0000-4000-8000-000000000002', resource: { resourceType: 'Patient', name: [{ family: 'Tx-Two' }] }, request: { method: 'POST', url: 'Patient' } },
      ])),
    });
    expect(transaction.status).toBe(200);
    const created = ((await transaction.json()) as { entry: Array<{ response: { location: string } }> }).entry.map((e) => /Patient\/([^/]+)/.exec(e.response.location)![1]!);
    const batch = await post('/fhir', bundle('batch', [
      { resource: { resourceType: 'Patient', id: created[0], name: [{ family: 'Tx-One-Updated' }] }, request: { method: 'PUT', url: `Patient/${created[0]}` } },
      { request: { method: 'GET', url: 'Patient/h-pat-0001' } }, // a read: no event
      { resource: { resourceType: 'Observation', status: 'not-a-status' }, request: { method: 'POST', url: 'Observation' } }, // refused by the source: no event
      { request: { method: 'DELETE', url: `Patient/${created[1]}` } },
    ]));
    expect(batch.status).toBe(200);
    const events = (await s.waitFor(4)).map((p) => p.data.PatientChanged);
    expect(events.map((e) => [e.action, e.id, e.resource?.name?.[0]?.family ?? null])).toEqual([
      ['create', created[0], 'Tx-One'], // answered without the resource (return=minimal): read back
      ['create', created[1], 'Tx-Two'],
      ['update', created[0], 'Tx-One-Updated'],
      ['delete', created[1], null],
    ]);
  });

  it('search arguments filter with FHIR search semantics on the changed resource', async () => {
    const mine = await subscribe('subscription { ObservationChanged(subject: "Patient/h-pat-0002", code: "http://loinc.org|8867-4") { id resource { subject { reference } code { coding { code } } } } }');
    await post('/fhir/Observation', observation('h-pat-0003', '8867-4', 60)); // another patient
    await post('/fhir/Observation', observation('h-pat-0002', '29463-7', 70)); // another code
    const wanted = await post('/fhir/Observation', observation('h-pat-0002', '8867-4', 80));
    const wantedId = ((await wanted.json()) as { id: string }).id;
    const events = await mine.waitFor(1);
    await new Promise((r) => setTimeout(r, 300)); // and nothing else arrives
    expect(events.map((p) => p.data.ObservationChanged.id)).toEqual([wantedId]);
  });

  it('_since resumes exactly after an event: every later matching event once, in order, then live ones', async () => {
    const first = await subscribe('subscription { PatientChanged { eventNumber id } }');
    await post('/fhir/Patient', { resourceType: 'Patient', name: [{ family: 'Resume0' }] });
    const [mark] = await first.waitFor(1);
    first.close();
    const since = mark!.data.PatientChanged.eventNumber as string;
    const missed: string[] = [];
    for (let i = 1; i <= 3; i++) missed.push(((await (await post('/fhir/Patient', { resourceType: 'Patient', name: [{ family: `Resume${i}` }] })).json()) as { id: string }).id);
    const resumed = await subscribe('subscription($since: String) { PatientChanged(_since: $since) { eventNumber id } }', { since });
    const live = ((await (await post('/fhir/Patient', { resourceType: 'Patient', name: [{ family: 'Resume4' }] })).json()) as { id: string }).id;
    const events = (await resumed.waitFor(4)).map((p) => p.data.PatientChanged);
    expect(events.map((e) => e.id)).toEqual([...missed, live]);
    const numbers = events.map((e) => BigInt(e.eventNumber));
    expect(numbers.every((n, i) => n > BigInt(since) && (i === 0 || n > numbers[i - 1]!))).toBe(true);
  });

  it('each event is resolved afresh: a referenced resource changed between two events shows its new state', async () => {
    const s = await subscribe('subscription { ObservationChanged(subject: "Patient/h-pat-0002") { resource { subject { resource { ... on Patient { name { family } } } } } } }');
    const patient = (await f.direct('hospital', 'Patient/h-pat-0002')).body;
    await post('/fhir/Observation', observation('h-pat-0002', '8867-4', 61));
    await s.waitFor(1);
    // changed on the upstream itself, behind the gateway's back
    const renamed = { ...patient, name: [{ family: 'Renamed' }] };
    expect((await f.direct('hospital', 'Patient/h-pat-0002', { method: 'PUT', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(renamed) })).status).toBe(200);
    await post('/fhir/Observation', observation('h-pat-0002', '8867-4', 62));
    const events = await s.waitFor(2);
    const families = events.map((p) => p.data.ObservationChanged.resource.subject.resource.name[0].family);
    expect(families).toEqual([patient.name[0].family, 'Renamed']);
  });

  it('the subscribers of one event share its upstream reads: one read of a reference for twenty subscribers', async () => {
    const query = 'subscription { ObservationChanged(subject: "Patient/h-pat-0003") { id resource { subject { resource { ... on Patient { id birthDate } } } } } }';
    const subscribers = await Promise.all(Array.from({ length: 20 }, () => subscribeSse(`${f.url}/graphql`, query)));
    open.push(...subscribers);
    await new Promise((r) => setTimeout(r, 300));
    f.resetCalls();
    await post('/fhir/Observation', observation('h-pat-0003', '8867-4', 64));
    const delivered = await Promise.all(subscribers.map((s) => s.waitFor(1)));
    expect(delivered.every((p) => p[0]?.data?.ObservationChanged?.resource?.subject?.resource?.id === 'h-pat-0003')).toBe(true);
    const reads = f.calls('hospital').filter((c) => c.method === 'GET' && c.url.startsWith('/Patient'));
    expect(reads).toHaveLength(1);
  });

  it('what cannot be evaluated or resumed is an error before subscribing', async () => {
    const cases: Array<[string, string]> = [
      ['subscription { ObservationChanged(value_quantity: "gt5") { id } }', 'BAD_USER_INPUT'],
      ['subscription { ObservationChanged(_since: "yesterday") { id } }', 'BAD_USER_INPUT'],
      ['subscription { ObservationChanged(_since: "99999999999") { id } }', 'BAD_USER_INPUT'],
      ['subscription { ObservationChanged(sourceId: "nowhere") { id } }', 'UNKNOWN_SOURCE'],
    ];
    for (const [query, code] of cases) {
      const s = await subscribeSse(`${f.url}/graphql`, query);
      open.push(s);
      const [payload] = await s.waitFor(1);
      expect(payload?.errors?.[0]?.extensions?.code, query).toBe(code);
      expect(payload?.data ?? null, query).toBeNull();
      expect(await s.waitForEnd(), query).toBe(true);
    }
  });

  it('the FHIR type named Subscription is still a resource type, not the subscription root', async () => {
    const r = await f.gql<{ SubscriptionList: unknown[] }>('{ SubscriptionList { id } }');
    expect(r.errors).toBeUndefined();
    expect(Array.isArray(r.data!.SubscriptionList)).toBe(true);
    const wrong = await f.gql('subscription { id }');
    expect(wrong.errors?.[0]?.message).toMatch(/Cannot query field "id" on type "SubscriptionRoot"/);
  });
});
