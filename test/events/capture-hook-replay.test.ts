// Replay protection of signed notifications across gateway processes: the signatures accepted within the window live
// in the database (table hook_replay), so a signed notification replayed to another replica on the same database, or
// to a gateway restarted on it, is refused as it is by the one that took it — on a SQLite file and on PostgreSQL. A
// notification that could not be handled (503) is forgotten, so the source's retry is taken, by either replica. The
// table only holds the window: expired signatures are pruned.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { signHook } from '../../src/events/hook-auth.ts';
import { HookReplayStore } from '../../src/events/hook-replay-store.ts';
import { startFixture, type Fixture, type GatewayOptions } from '../helpers/fixture.ts';
import type { GatewayHandle } from '../helpers/gateway.ts';
import { subscribeSse } from '../helpers/sse.ts';
import { testBackends } from '../db/helpers.ts';

const SECRET = 'replay-secret-0123456789abcdef';
const backends = testBackends('hook_replay');

describe.each(backends)('signed notifications to two gateways on one $dialect database', (backend) => {
  let f: Fixture;
  let options: GatewayOptions;
  let b: GatewayHandle;
  beforeAll(async () => {
    options = {
      config: { storage: { url: backend.fresh() }, capabilityRefreshMs: 0, events: { pollMs: 100 } },
      sourceConfig: { hospital: { changes: { mode: 'hook', secret: SECRET, types: ['Patient'] } } },
    };
    f = await startFixture({ sources: { hospital: { patients: 1, idPrefix: 'h' } }, ...options });
    b = await f.addGateway(options);
    await Promise.all([f.gateway.app.capture.settled(), b.app.capture.settled()]);
  });
  afterAll(() => f?.stop());

  const created = async (family: string) => (await f.direct('hospital', 'Patient', {
    method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Patient', name: [{ family }] }),
  })).body;
  const send = (url: string, body: string, headers: Record<string, string>) =>
    fetch(`${url}/hooks/hospital`, { method: 'POST', headers: { 'content-type': 'application/fhir+json', ...headers }, body });

  it('one replica takes it; the other, and a restarted gateway, refuse the replay; nothing is recorded twice', async () => {
    const sub = await subscribeSse(`${f.url}/graphql`, 'subscription { PatientChanged { eventNumber action id } }');
    try {
      await new Promise((r) => setTimeout(r, 150));
      // an id-only notification: were it taken twice, the gateway would read the resource's later version and log it
      const p = await created('Replayed');
      const body = JSON.stringify({ resourceType: 'Patient', id: p.id });
      const signed = signHook(SECRET, body);
      expect((await send(f.url, body, signed)).status).toBe(200);
      await f.direct('hospital', `Patient/${p.id}`, { method: 'PUT', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Patient', id: p.id, name: [{ family: 'Later' }] }) });
      const replayed = await send(b.url, body, signed);
      expect(replayed.status).toBe(401);
      expect(await replayed.text()).toContain('a replay');
      // both at once, to both replicas: one is taken
      const q = await created('Raced');
      const raced = JSON.stringify(q);
      const racedSigned = signHook(SECRET, raced);
      const answers = await Promise.all([send(f.url, raced, racedSigned), send(b.url, raced, racedSigned)]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 401]);
      // a gateway restarted on the same database remembers
      await b.stop();
      b = await f.addGateway(options);
      await b.app.capture.settled();
      expect((await send(b.url, body, signed)).status).toBe(401);
      expect((await send(b.url, raced, racedSigned)).status).toBe(401);
      await sub.waitFor(2);
      await new Promise((r) => setTimeout(r, 400));
      expect(sub.payloads.map((x) => [x.data.PatientChanged.action, x.data.PatientChanged.id])).toEqual([['create', p.id], ['create', q.id]]);
    } finally {
      sub.close();
    }
  });

  it('a notification that could not be handled (503) is forgotten: its retry is taken by the other replica', async () => {
    const p = await created('Retried');
    const body = JSON.stringify({ resourceType: 'Patient', id: p.id });
    const signed = signHook(SECRET, body);
    f.upstreams.hospital!.setFault(({ url }) => (url.startsWith(`/Patient/${p.id}`) ? { kind: 'status', status: 503 } : undefined));
    try {
      expect((await send(f.url, body, signed)).status).toBe(503);
    } finally {
      f.upstreams.hospital!.setFault(undefined);
    }
    expect((await send(b.url, body, signed)).status).toBe(200);
    expect((await send(f.url, body, signed)).status).toBe(401);
  });
});

describe.each(backends)('the replay store on $dialect', (backend) => {
  it('holds only the window: a signature is refused until it expires, then pruned', async () => {
    const db = await openDatabase(backend.fresh());
    try {
      let now = 1_000_000;
      const store = new HookReplayStore(Promise.resolve(db), () => now);
      expect(await store.claim('hospital', 'a', now + 300_000)).toBe(true);
      expect(await store.claim('hospital', 'a', now + 300_000)).toBe(false);
      expect(await store.claim('lab', 'a', now + 300_000)).toBe(true); // per source
      for (let i = 0; i < 20; i++) expect(await store.claim('hospital', `old-${i}`, now + 1000)).toBe(true);
      expect(await store.size()).toBe(22);
      now += 120_000; // the old ones' window has passed; the next claim prunes them
      expect(await store.claim('hospital', 'b', now + 300_000)).toBe(true);
      expect(await store.size()).toBe(3);
      expect(await store.claim('hospital', 'a', now + 300_000)).toBe(false); // still within its window
      now += 400_000;
      expect(await store.claim('hospital', 'a', now + 300_000)).toBe(true); // expired: a timestamp this old is refused first anyway
    } finally {
      await db.close();
    }
  });
});
