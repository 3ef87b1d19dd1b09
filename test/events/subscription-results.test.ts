// What a subscription event carries besides its data, as a query's result does: the event's own warnings
// (extensions.warnings) and partial failures (errors at the field's path, the other sources' data kept) — each event
// its own, never the previous event's — on SSE and graphql-ws; and the FHIR flattening directives, which events do
// not apply, refused before subscribing rather than ignored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NATIONAL_ID_SYSTEM } from '../../src/demo/synthetic-data.ts';
import { isMetadata, startFixture, type Fixture } from '../helpers/fixture.ts';
import { subscribeSse, type SseSubscription } from '../helpers/sse.ts';
import { gqlClient, watch } from '../ws/ws-helpers.ts';

let f: Fixture;
const open: SseSubscription[] = [];
const clients: ReturnType<typeof gqlClient>[] = [];
beforeAll(async () => {
  f = await startFixture({
    sources: { hospital: { patients: 2, idPrefix: 'h' }, lab: { patients: 2, idPrefix: 'l' }, clinic: { patients: 2, idPrefix: 'c' } },
    config: { limits: { maxCount: 5, defaultCount: 5 }, identity: { patientIdentifierSystems: [NATIONAL_ID_SYSTEM] } },
  });
});
afterAll(async () => {
  for (const s of open) s.close();
  for (const c of clients) await c.dispose();
  await f?.stop();
});

async function sse(query: string) {
  const s = await subscribeSse(`${f.url}/graphql`, query);
  open.push(s);
  await new Promise((r) => setTimeout(r, 150));
  return s;
}
function ws(query: string) {
  const c = gqlClient(f.url);
  clients.push(c);
  return watch(c, query);
}
const createPatient = async (family: string) => {
  const res = await f.fetch('/fhir/hospital/Patient', {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
    body: JSON.stringify({ resourceType: 'Patient', name: [{ family }], identifier: [{ system: NATIONAL_ID_SYSTEM, value: `nid-${family}` }] }),
  });
  expect(res.status).toBe(201);
};

describe('a subscription event, besides its data', () => {
  it('carries its own warnings (a capped _count) and partial failures (a source down), on SSE and graphql-ws', async () => {
    const query = 'subscription { PatientChanged { id resource { name { family } sameAs { id } ObservationList(_reference: subject, _count: 50) { id } } } }';
    const overSse = await sse(query);
    const overWs = ws(query);
    await new Promise((r) => setTimeout(r, 200));
    f.upstreams['clinic']!.setFault((req) => (isMetadata(req.url) ? undefined : { kind: 'status', status: 500 }));
    await createPatient('Down');
    await overSse.waitFor(1); // resolved (with the clinic down) as it is delivered, after the write was answered
    await overWs.waitFor(1);
    f.heal();
    await createPatient('Up');
    const sseEvents = await overSse.waitFor(2);
    const wsEvents = await overWs.waitFor(2);
    type Event = Record<string, any>;
    for (const [first, second] of [sseEvents, wsEvents] as unknown as Array<[Event, Event]>) {
      // the first: the clinic failed — a partial error at sameAs, the lab's (empty) answer kept; the cap warned
      expect(first!.data.PatientChanged.resource.name[0].family).toBe('Down');
      expect(first!.data.PatientChanged.resource.sameAs).toEqual([]);
      expect(first!.errors?.map((e: Event) => [e.path, e.extensions?.['source']])).toEqual([
        [['PatientChanged', 'resource', 'sameAs'], 'clinic'],
      ]);
      expect(JSON.stringify(first!.extensions?.['warnings'])).toContain('COUNT_CAPPED');
      // the second: its own notes only — the cap again, no failure carried over
      expect(second!.data.PatientChanged.resource.name[0].family).toBe('Up');
      expect(second!.errors).toBeUndefined();
      expect((second!.extensions?.['warnings'] as unknown[]).length).toBe((first!.extensions?.['warnings'] as unknown[]).length);
    }
  });

  it('the FHIR flattening directives are refused before subscribing (BAD_USER_INPUT), not silently ignored', async () => {
    const query = 'subscription { PatientChanged { id resource { name @first { family } } } }';
    const overSse = await sse(query);
    const [refused] = await overSse.waitFor(1);
    expect(refused!.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(refused!.errors?.[0]?.message).toContain('@first');
    const overWs = ws(query);
    await overWs.ended();
    const error = (overWs.results[0]?.errors ?? (overWs.error as unknown[]))?.[0] as { extensions?: Record<string, unknown> } | undefined;
    expect(error?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });
});
