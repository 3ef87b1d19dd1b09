// Two replicas in subscription mode (`"changes": { "mode": "subscription" }`) starting together on one database — a
// SQLite file, then PostgreSQL — in front of one real upstream (Medplum's in-memory server, its requests slowed so the
// two registrations overlap): the upstream ends with one Subscription per criteria, created once, because
// registration takes a lease in the database (capture_lock) and the second replica then finds the first one's
// Subscriptions by endpoint and criteria. Capability refreshes on both keep them, and a notification is one event.
// Also the lease itself: one holder at a time, however two race, and taken over once its holder's lease expires.
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { CaptureLock } from '../../src/events/capture-lock.ts';
import { startFixture, type Fixture, type GatewayOptions } from '../helpers/fixture.ts';
import type { GatewayHandle } from '../helpers/gateway.ts';
import { subscribeSse } from '../helpers/sse.ts';
import { testBackends } from '../db/helpers.ts';

const SECRET = 'replicas-secret-0123456789abcdef';
const CRITERIA = ['Patient', 'Observation?status=final'];
const backends = testBackends('subscription_replicas');

const freePort = () => new Promise<number>((resolve) => {
  const server = createServer();
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    server.close(() => resolve(port));
  });
});

describe.each(backends)('two replicas registering on one $dialect database', (backend) => {
  let f: Fixture;
  let replicas: GatewayHandle[];
  beforeAll(async () => {
    // The fixture's own gateway captures nothing; the two replicas share a database and the endpoint the source notifies
    // (replica A's port, as a load balancer's would be).
    f = await startFixture({ sources: { hospital: { patients: 1, idPrefix: 'h', latencyMs: 40 } }, config: { capabilityRefreshMs: 0 } });
    const port = await freePort();
    const url = backend.fresh();
    const replica = (extra: readonly string[]): GatewayOptions => ({
      argv: [...extra],
      config: { storage: { url }, capabilityRefreshMs: 500, events: { pollMs: 100 } },
      sourceConfig: { hospital: { changes: { mode: 'subscription', secret: SECRET, criteria: CRITERIA, callbackUrl: `http://127.0.0.1:${port}/hooks/hospital` } } },
    });
    f.upstreams.hospital!.resetRequests();
    replicas = await Promise.all([f.addGateway(replica(['--port', String(port)])), f.addGateway(replica([]))]);
    await Promise.all(replicas.map((r) => r.app.capture.settled()));
  });
  afterAll(() => f?.stop());

  const subscriptions = async () => ((await f.direct('hospital', 'Subscription')).body.entry ?? []).map((e: { resource: any }) => e.resource);

  it('the upstream gets one Subscription per criteria, created once; refreshes on both replicas keep them', async () => {
    const created = () => f.upstreams.hospital!.requests.filter((r) => r.method === 'POST' && r.url.split('?')[0] === '/Subscription');
    expect(created()).toHaveLength(CRITERIA.length);
    const before = await subscriptions();
    expect(before.map((s: any) => s.criteria).sort()).toEqual([...CRITERIA].sort());
    await new Promise((r) => setTimeout(r, 1500)); // a few capability refreshes on each replica
    expect((await subscriptions()).map((s: any) => s.id).sort()).toEqual(before.map((s: any) => s.id).sort());
    expect(created()).toHaveLength(CRITERIA.length);
    expect(f.upstreams.hospital!.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
  });

  it('a write on the upstream is notified once and is one event on both replicas', async () => {
    const subs = await Promise.all(replicas.map((r) => subscribeSse(`${r.url}/graphql`, 'subscription { PatientChanged { eventNumber action id } }')));
    try {
      await new Promise((r) => setTimeout(r, 150));
      const p = (await f.direct('hospital', 'Patient', { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Once' }] }) })).body;
      for (const s of subs) await s.waitFor(1);
      await f.upstreams.hospital!.notificationsSent();
      expect(f.upstreams.hospital!.notifications.filter((n) => n.resource === `Patient/${p.id}`).map((n) => n.status)).toEqual([200]);
      await new Promise((r) => setTimeout(r, 300));
      const seen = subs.map((s) => s.payloads.map((x) => x.data.PatientChanged));
      expect(seen[0]).toEqual([{ eventNumber: expect.any(String), action: 'create', id: p.id }]);
      expect(seen[1]).toEqual(seen[0]);
    } finally {
      for (const s of subs) s.close();
    }
  });
});

describe.each(backends)('the capture lease on $dialect', (backend) => {
  it('one holder at a time, however two race; taken over once the holder\'s lease expired; released after the work', async () => {
    const url = backend.fresh();
    const [one, two] = [await openDatabase(url), await openDatabase(url)];
    try {
      let now = 5_000_000;
      const a = new CaptureLock(Promise.resolve(one), 'a', () => now);
      const b = new CaptureLock(Promise.resolve(two), 'b', () => now);
      for (let round = 0; round < 10; round++) {
        const name = `race-${round}`;
        const won = await Promise.all([a.tryAcquire(name, 1000), b.tryAcquire(name, 1000)]);
        expect(won.filter(Boolean)).toHaveLength(1);
      }
      expect(await a.tryAcquire('lease', 1000)).toBe(true);
      expect(await b.tryAcquire('lease', 1000)).toBe(false);
      expect(await a.tryAcquire('lease', 1000)).toBe(true); // renewed by its holder
      now += 1001;
      expect(await b.tryAcquire('lease', 1000)).toBe(true); // a's lease ran out
      expect(await a.tryAcquire('lease', 1000)).toBe(false);
      await b.release('lease');
      expect(await a.tryAcquire('lease', 1000)).toBe(true);
      // run(): the second waits for the first's work, then runs its own
      const order: string[] = [];
      const slow = a.run('work', async () => {
        order.push('a start');
        await new Promise((r) => setTimeout(r, 200));
        order.push('a end');
      }, { retryMs: 20 });
      await new Promise((r) => setTimeout(r, 20));
      await Promise.all([slow, b.run('work', async () => void order.push('b'), { retryMs: 20 })]);
      expect(order).toEqual(['a start', 'a end', 'b']);
    } finally {
      await one.close();
      await two.close();
    }
  });
});
