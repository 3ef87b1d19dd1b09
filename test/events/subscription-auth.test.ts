// Every event is checked against the subscriber's token before it is delivered — the same core decision as a query:
// a patient/ token hears only of its patient's resources (deletes too, decided on the last version the log knows), a
// granular scope only of the resources it covers, and a type not granted is refused before subscribing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { startSmartIssuer, type SmartIssuer } from '../helpers/smart-issuer.ts';
import { subscribeSse, type SseSubscription } from '../helpers/sse.ts';

let issuer: SmartIssuer;
let f: Fixture;
const open: SseSubscription[] = [];
beforeAll(async () => {
  issuer = await startSmartIssuer(() => `${f.url}/fhir`);
  f = await startFixture({ sources: { hospital: { patients: 3, idPrefix: 'h' } }, argv: ['--auth-issuer', issuer.issuer] });
});
afterAll(async () => {
  for (const s of open) s.close();
  await f?.stop();
  await issuer?.stop();
});

const bearer = async (claims: Record<string, unknown>) => `Bearer ${await issuer.sign(claims)}`;
async function subscribe(query: string, authorization: string) {
  const s = await subscribeSse(`${f.url}/graphql`, query, { headers: { authorization } });
  open.push(s);
  await new Promise((r) => setTimeout(r, 150));
  return s;
}
async function write(method: string, path: string, body?: unknown) {
  const res = await f.fetch(path, {
    method,
    headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json', authorization: await bearer({ scope: 'user/*.cruds' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(res.status, `${method} ${path}`).toBeLessThan(300);
  return res.status === 204 ? undefined : ((await res.json()) as { id: string });
}
const observation = (patient: string, category: string) => ({
  resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient/${patient}` },
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: category }] }],
});

describe('authorization of every event', () => {
  it('a patient token hears only of its patient\'s resources: creates, updates and deletes', async () => {
    const s = await subscribe('subscription { ObservationChanged { action id resource { subject { reference } } } }', await bearer({ scope: 'patient/*.rs', patient: 'h-pat-0001' }));
    const other = await write('POST', '/fhir/Observation', observation('h-pat-0002', 'vital-signs'));
    const mine = await write('POST', '/fhir/Observation', observation('h-pat-0001', 'vital-signs'));
    await write('DELETE', `/fhir/Observation/${other!.id}`);
    await write('DELETE', `/fhir/Observation/${mine!.id}`);
    const events = (await s.waitFor(2)).map((p) => p.data.ObservationChanged);
    await new Promise((r) => setTimeout(r, 300));
    expect(s.payloads.map((p) => p.data.ObservationChanged)).toEqual(events);
    expect(events).toEqual([
      { action: 'create', id: mine!.id, resource: { subject: { reference: 'Patient/h-pat-0001' } } },
      { action: 'delete', id: mine!.id, resource: null },
    ]);
  });

  it('a granular scope hears only of what it covers', async () => {
    const lab = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
    const s = await subscribe('subscription { ObservationChanged { id } }', await bearer({ scope: `user/Observation.rs?category=${lab}` }));
    await write('POST', '/fhir/Observation', observation('h-pat-0003', 'vital-signs'));
    const covered = await write('POST', '/fhir/Observation', observation('h-pat-0003', 'laboratory'));
    const events = await s.waitFor(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(events.map((p) => p.data.ObservationChanged.id)).toEqual([covered!.id]);
  });

  it('every delivered event is in the audit trail as the subscriber\'s read of that patient\'s data', async () => {
    const stream = await subscribeSse(`${f.url}/graphql`, 'subscription { ObservationChanged(subject: "Patient/h-pat-0003") { id } }', { headers: { authorization: await bearer({ scope: 'user/Observation.rs', sub: 'watcher' }) } });
    open.push(stream);
    await new Promise((r) => setTimeout(r, 150));
    const written = await write('POST', '/fhir/Observation', observation('h-pat-0003', 'vital-signs'));
    expect((await stream.waitFor(1))[0]?.data?.ObservationChanged?.id).toBe(written!.id);
    const audit = await bearer({ scope: 'user/AuditEvent.rs' });
    let entries: Array<{ resource: any }> = [];
    for (let i = 0; i < 50 && entries.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const res = await f.fetch('/fhir/AuditEvent?agent=watcher&patient=Patient/h-pat-0003', { headers: { accept: 'application/fhir+json', authorization: audit } });
      entries = ((await res.json()) as { entry?: Array<{ resource: any }> }).entry ?? [];
    }
    expect(entries).toHaveLength(1);
    expect(JSON.stringify(entries[0]!.resource)).toContain(`Observation/${written!.id}`);
  });

  it('a type not granted is FORBIDDEN before subscribing; no token is 401', async () => {
    const refused = await subscribeSse(`${f.url}/graphql`, 'subscription { ObservationChanged { id } }', { headers: { authorization: await bearer({ scope: 'user/Patient.rs' }) } });
    open.push(refused);
    const [payload] = await refused.waitFor(1);
    expect(payload?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await subscribeSse(`${f.url}/graphql`, 'subscription { ObservationChanged { id } }');
    open.push(anonymous);
    expect(anonymous.status).toBe(401);
  });
});
