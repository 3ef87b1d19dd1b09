// Change capture by a Subscription the gateway registers (`"changes": { "mode": "subscription" }`), over real sockets:
// at start the gateway registers one R4 rest-hook Subscription per criteria on the source, pointing at its own
// /hooks/{source} with the channel header; the test upstream (Medplum's in-memory server with our R4 rest-hook
// delivery) then notifies it of the writes made on it directly, which reach a gateway subscriber. A gateway write and
// the upstream's notification of it are one event; a lost Subscription is registered again at the next capability
// refresh; a source that does not support Subscriptions is left alone, with an error in the log.
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBSCRIPTION_REASON } from '../../src/events/subscription-registration.ts';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { subscribeSse, type SseSubscription } from '../helpers/sse.ts';
import { capturingLogger } from '../hostile/hostile-helpers.ts';

const SECRET = 'subscription-secret-0123456789';
const freePort = () => new Promise<number>((resolve) => {
  const server = createServer();
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    server.close(() => resolve(port));
  });
});

const { logger, lines } = capturingLogger();

let f: Fixture;
let port: number;
const open: SseSubscription[] = [];
beforeAll(async () => {
  port = await freePort();
  f = await startFixture({
    sources: {
      hospital: { patients: 2, idPrefix: 'h' },
      clinic: { patients: 1, idPrefix: 'c' },
      legacy: {
        patients: 1,
        idPrefix: 'x',
        capabilities: (statement) => {
          statement.rest![0]!.resource = statement.rest![0]!.resource!.filter((r) => r.type !== 'Subscription');
          return statement;
        },
      },
    },
    argv: ['--port', String(port), '--public-url', `http://127.0.0.1:${port}`],
    logger,
    config: { capabilityRefreshMs: 1000 },
    sourceConfig: {
      hospital: { changes: { mode: 'subscription', secret: SECRET, criteria: ['Patient', 'Observation?status=final'] } },
      clinic: { changes: { mode: 'subscription', secret: SECRET, header: 'Authorization-Hook', criteria: ['Patient'], payload: 'empty' } },
      legacy: { changes: { mode: 'subscription', secret: SECRET, criteria: ['Patient'], callbackUrl: `http://127.0.0.1:${port}/hooks/legacy` } },
    },
  });
  await f.gateway.app.capture.settled();
});
afterAll(async () => {
  for (const s of open) s.close();
  await f?.stop();
});

async function subscribe(query: string) {
  const s = await subscribeSse(`${f.url}/graphql`, query);
  open.push(s);
  await new Promise((r) => setTimeout(r, 150));
  return s;
}
async function direct(source: string, method: string, path: string, body?: unknown) {
  const res = await f.direct(source, path, { method, headers: { 'content-type': 'application/fhir+json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  expect(res.status, `${method} ${path}`).toBeLessThan(300);
  return res.body;
}
const subscriptionsOn = async (source: string) =>
  ((await f.direct(source, 'Subscription')).body.entry ?? []).map((e: { resource: any }) => e.resource);
/** Waits (bounded) until `check` holds. */
async function until(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the Subscriptions the gateway registers', () => {
  it('one active R4 rest-hook Subscription per criteria, pointing at /hooks/{source} with the channel header', async () => {
    const hospital = await subscriptionsOn('hospital');
    expect(hospital.map((s: any) => s.criteria).sort()).toEqual(['Observation?status=final', 'Patient']);
    for (const s of hospital) {
      expect(s).toMatchObject({
        status: 'active',
        reason: SUBSCRIPTION_REASON,
        channel: { type: 'rest-hook', endpoint: `http://127.0.0.1:${port}/hooks/hospital`, payload: 'application/fhir+json', header: [`x-hook-secret: ${SECRET}`] },
      });
    }
    const [clinic] = await subscriptionsOn('clinic');
    expect(clinic.channel).toEqual({ type: 'rest-hook', endpoint: `http://127.0.0.1:${port}/hooks/clinic`, header: [`authorization-hook: ${SECRET}`] });
    expect(await subscriptionsOn('legacy')).toEqual([]);
    expect(lines.filter((l) => l.level === 'error').map((l) => l.text).join('\n')).toContain("source 'legacy' does not declare Subscription");
  });
});

describe('writes made on the upstream reach a gateway subscriber', () => {
  it('create, update and delete, with the resource in the notification', async () => {
    const s = await subscribe('subscription { PatientChanged { eventNumber action sourceId id resource { name { family } } } }');
    const created = await direct('hospital', 'POST', 'Patient', { resourceType: 'Patient', name: [{ family: 'Upstream' }] });
    await direct('hospital', 'PUT', `Patient/${created.id}`, { resourceType: 'Patient', id: created.id, name: [{ family: 'Upstream2' }] });
    await direct('hospital', 'DELETE', `Patient/${created.id}`);
    const events = (await s.waitFor(3)).map((p) => p.data.PatientChanged);
    expect(events.map((e: any) => [e.action, e.sourceId, e.id, e.resource?.name[0].family ?? null])).toEqual([
      ['create', 'hospital', created.id, 'Upstream'], ['update', 'hospital', created.id, 'Upstream2'], ['delete', 'hospital', created.id, null],
    ]);
    await f.upstreams.hospital!.notificationsSent();
    expect(f.upstreams.hospital!.notifications.filter((n) => n.resource === `Patient/${created.id}`).map((n) => [n.action, n.status])).toEqual([
      ['create', 200], ['update', 200], ['delete', 200],
    ]);
  });

  it('criteria with a search: only matching resources are notified', async () => {
    const s = await subscribe('subscription { ObservationChanged { action id resource { status } } }');
    const observation = (status: string) => ({ resourceType: 'Observation', status, code: { text: 'heart rate' }, subject: { reference: 'Patient/h-pat-0001' } });
    await direct('hospital', 'POST', 'Observation', observation('preliminary'));
    const final = await direct('hospital', 'POST', 'Observation', observation('final'));
    const events = (await s.waitFor(1)).map((p) => p.data.ObservationChanged);
    await new Promise((r) => setTimeout(r, 300));
    expect(s.payloads.map((p) => p.data.ObservationChanged)).toEqual(events);
    expect(events).toEqual([{ action: 'create', id: final.id, resource: { status: 'final' } }]);
  });

  it('an empty notification (payload "empty"): the gateway reads what changed by _lastUpdated', async () => {
    const s = await subscribe('subscription { PatientChanged(sourceId: "clinic") { action id resource { name { family } } } }');
    const created = await direct('clinic', 'POST', 'Patient', { resourceType: 'Patient', name: [{ family: 'Quiet' }] });
    const [event] = await s.waitFor(1);
    expect(event!.data.PatientChanged).toEqual({ action: 'create', id: created.id, resource: { name: [{ family: 'Quiet' }] } });
    await f.upstreams.clinic!.notificationsSent();
    expect(f.upstreams.clinic!.notifications.at(-1)).toMatchObject({ payload: false, status: 200 });
    // the upstream has no type history: a catch-up cannot see deletes, which notifications tell (so info, not warn)
    expect(lines.filter((l) => l.text.includes("source 'clinic'") && l.text.includes('do not see deletes')).map((l) => [l.level, l.text.replace(/^.*source 'clinic' /, '')])).toEqual([
      ['info', 'does not declare the history-type interaction for Patient in its CapabilityStatement: changes of Patient are read with _lastUpdated searches, which do not see deletes'],
    ]);
  });

  it('a gateway write, which the upstream also notifies, is one event', async () => {
    const s = await subscribe('subscription { PatientChanged(sourceId: "hospital") { action id } }');
    const res = await f.fetch('/fhir/hospital/Patient', { method: 'POST', headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Once' }] }) });
    const { id } = (await res.json()) as { id: string };
    await s.waitFor(1);
    await f.upstreams.hospital!.notificationsSent();
    expect(f.upstreams.hospital!.notifications.filter((n) => n.resource === `Patient/${id}`).map((n) => n.status)).toEqual([200]);
    await new Promise((r) => setTimeout(r, 300));
    expect(s.payloads.map((p) => p.data.PatientChanged)).toEqual([{ action: 'create', id }]);
  });
});

describe('deletes', () => {
  it('a gateway delete, which the upstream also notifies, is one event; a delete after a re-create is another', async () => {
    const s = await subscribe('subscription { PatientChanged(sourceId: "hospital") { action id } }');
    const created = await direct('hospital', 'POST', 'Patient', { resourceType: 'Patient', name: [{ family: 'Deleted' }] });
    await s.waitFor(1);
    const res = await f.fetch(`/fhir/hospital/Patient/${created.id}`, { method: 'DELETE' });
    expect(res.status).toBeLessThan(300);
    await s.waitFor(2);
    await f.upstreams.hospital!.notificationsSent();
    expect(f.upstreams.hospital!.notifications.filter((n) => n.resource === `Patient/${created.id}`).map((n) => [n.action, n.status])).toEqual([['create', 200], ['delete', 200]]);
    // the same id again on the upstream, then deleted there: each is an event
    await direct('hospital', 'PUT', `Patient/${created.id}`, { resourceType: 'Patient', id: created.id, name: [{ family: 'Again' }] });
    await s.waitFor(3);
    await direct('hospital', 'DELETE', `Patient/${created.id}`);
    await s.waitFor(4);
    await f.upstreams.hospital!.notificationsSent();
    await new Promise((r) => setTimeout(r, 300));
    // (the re-created version is labelled as the notification lets the gateway tell: Medplum's history keeps the old
    // versions, so it is not the resource's first: an update)
    expect(s.payloads.map((p) => p.data.PatientChanged)).toEqual([
      { action: 'create', id: created.id }, { action: 'delete', id: created.id }, { action: 'update', id: created.id }, { action: 'delete', id: created.id },
    ]);
  });
});

describe('registration over time', () => {
  it('a Subscription the upstream lost is registered again at the next capability refresh; the others are kept', async () => {
    const before = await subscriptionsOn('hospital');
    const lost = before.find((s: any) => s.criteria === 'Patient');
    await direct('hospital', 'DELETE', `Subscription/${lost.id}`);
    const s = await subscribe('subscription { PatientChanged(sourceId: "hospital") { action id } }');
    const unheard = await direct('hospital', 'POST', 'Patient', { resourceType: 'Patient', name: [{ family: 'WhileLost' }] });
    await until(async () => (await subscriptionsOn('hospital')).some((x: any) => x.criteria === 'Patient'), 8000);
    const after = await subscriptionsOn('hospital');
    expect(after).toHaveLength(2);
    expect(after.find((x: any) => x.criteria !== 'Patient').id).toBe(before.find((x: any) => x.criteria !== 'Patient').id);
    // what changed while no Subscription listened is read after the registration
    const [event] = await s.waitFor(1, 8000);
    expect(event!.data.PatientChanged).toEqual({ action: 'create', id: unheard.id });
  });
});
