// Subscribers of the same operation with the same authorization share one execution per event (src/ws/
// subscription-groups.ts), over real sockets with real tokens: each still gets every event, is audited as itself and
// closed at its own token's expiry; the first subscriber leaving or expiring ends nothing for the others; subscribers
// with other scopes or another patient are other groups and hear only what they may; `_since` runs on its own. A
// client that stops reading is closed 4413 once its backlog is full, the others unaffected, and resumes with `_since`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { startSmartIssuer, type SmartIssuer } from '../helpers/smart-issuer.ts';
import { gqlClient, rawSocket, until, watch, type Watched } from './ws-helpers.ts';

type Json = Record<string, any>;
let issuer: SmartIssuer;
let f: Fixture;
const clients: ReturnType<typeof gqlClient>[] = [];
const MAX_BACKLOG = 4;
beforeAll(async () => {
  issuer = await startSmartIssuer(() => `${f.url}/fhir`);
  f = await startFixture({
    sources: { hospital: { patients: 3, idPrefix: 'h' } },
    argv: ['--auth-issuer', issuer.issuer],
    config: { audit: { durability: 'strict' }, limits: { maxBodyBytes: 4_000_000, maxSubscriptionBacklog: MAX_BACKLOG } },
  });
});
afterAll(async () => {
  for (const c of clients) await c.dispose();
  await f?.stop();
  await issuer?.stop();
});

const bearer = async (claims: Record<string, unknown>) => `Bearer ${await issuer.sign(claims)}`;
const client = async (claims: Record<string, unknown>) => {
  const c = gqlClient(f.url, { connectionParams: { authorization: await bearer(claims) } });
  clients.push(c);
  return c;
};
const groups = () => f.gateway.app.live.groups();
async function write(patient: string, note?: string): Promise<string> {
  const res = await f.fetch('/fhir/Observation', {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json', authorization: await bearer({ scope: 'user/*.cruds' }) },
    body: JSON.stringify({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient/${patient}` }, ...(note ? { note: [{ text: note }] } : {}) }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}
const ids = (w: Watched) => w.results.map((r) => r.data?.['ObservationChanged']?.id);
const SUBSCRIPTION = 'subscription { ObservationChanged { eventNumber id resource { subject { reference resource { ... on Patient { id } } } } } }';
const settle = () => new Promise((r) => setTimeout(r, 250));

describe('subscribers who share an execution', () => {
  it('one group for one operation and authorization; every member gets every event, audited as itself', async () => {
    const base = groups();
    const subs = ['reader-a', 'reader-b', 'reader-c'];
    const watched = await Promise.all(subs.map(async (sub) => watch(await client({ scope: 'user/*.rs', sub }), SUBSCRIPTION)));
    await until(() => groups() === base + 1, 'one group');
    await settle();
    const written = [await write('h-pat-0001'), await write('h-pat-0002')];
    for (const w of watched) {
      await w.waitFor(2);
      expect(ids(w)).toEqual(written);
      expect(w.results[0]!.data!['ObservationChanged'].resource).toEqual({ subject: { reference: 'Patient/h-pat-0001', resource: { id: 'h-pat-0001' } } });
    }
    expect(groups()).toBe(base + 1);
    // each delivery is in the audit trail under its own subscriber (strict: committed before it was sent)
    const auditor = { authorization: await bearer({ scope: 'user/AuditEvent.rs', sub: 'auditor' }) };
    const bundle = (await (await f.fetch('/fhir/AuditEvent?patient=Patient/h-pat-0002&_count=200', { headers: auditor })).json()) as Json;
    const events = (bundle['entry'] ?? []).map((e: Json) => JSON.stringify(e.resource));
    for (const sub of subs) expect(events.filter((e: string) => e.includes(sub) && e.includes(written[1]!)), sub).toHaveLength(1);
    for (const w of watched) w.stop();
    await until(() => groups() === base, 'the group stopped with its last member');
  });

  it('the first subscriber leaving, or its token expiring, ends nothing for the others', async () => {
    const base = groups();
    const exp = Math.floor(Date.now() / 1000) + 2;
    const first = await client({ scope: 'user/*.rs', sub: 'short', exp });
    const leaver = watch(first, SUBSCRIPTION);
    await until(() => groups() === base + 1, 'the group');
    const stayers = await Promise.all(['long-1', 'long-2'].map(async (sub) => watch(await client({ scope: 'user/*.rs', sub }), SUBSCRIPTION)));
    await settle();
    const before = await write('h-pat-0001');
    await leaver.waitFor(1);
    await until(() => first.closes.length > 0, 4_000, 'the first one\'s expiry');
    expect(first.closes).toEqual([{ code: 4403, reason: 'token expired' }]);
    const after = await write('h-pat-0003');
    for (const w of stayers) {
      await w.waitFor(2);
      expect(ids(w)).toEqual([before, after]);
    }
    expect(ids(leaver)).toEqual([before]);
    expect(groups()).toBe(base + 1);
    for (const w of stayers) w.stop();
    await until(() => groups() === base, 'stopped');
  });

  it('other scopes or another patient are other groups: a patient hears only of its own', async () => {
    const base = groups();
    const mine = watch(await client({ scope: 'patient/*.rs', patient: 'h-pat-0001', sub: 'p1' }), SUBSCRIPTION);
    const theirs = watch(await client({ scope: 'patient/*.rs', patient: 'h-pat-0002', sub: 'p2' }), SUBSCRIPTION);
    const everyone = watch(await client({ scope: 'user/*.rs', sub: 'clinician' }), SUBSCRIPTION);
    await until(() => groups() === base + 3, 'three groups');
    await settle();
    const a = await write('h-pat-0001');
    const b = await write('h-pat-0002');
    await everyone.waitFor(2);
    await mine.waitFor(1);
    await theirs.waitFor(1);
    await settle();
    expect(ids(mine)).toEqual([a]);
    expect(ids(theirs)).toEqual([b]);
    expect(ids(everyone)).toEqual([a, b]);
    for (const w of [mine, theirs, everyone]) w.stop();
    await until(() => groups() === base, 'stopped');
  });

  it('a subscriber resuming with _since replays on its own, then runs live beside the group', async () => {
    const base = groups();
    const live = watch(await client({ scope: 'user/*.rs', sub: 'live' }), SUBSCRIPTION);
    await until(() => groups() === base + 1, 'the group');
    await settle();
    const first = await write('h-pat-0001');
    const [got] = await live.waitFor(1);
    const since = got!.data!['ObservationChanged'].eventNumber as string;
    const second = await write('h-pat-0001');
    const resumed = watch(await client({ scope: 'user/*.rs', sub: 'resumer' }), `subscription { ObservationChanged(_since: "${Number(since) - 1}") { eventNumber id } }`);
    await until(() => groups() === base + 2, 'a stream of its own');
    await resumed.waitFor(2);
    expect(ids(resumed)).toEqual([first, second]);
    const third = await write('h-pat-0002');
    await resumed.waitFor(3);
    await live.waitFor(3);
    expect(ids(resumed)).toEqual([first, second, third]);
    expect(ids(live)).toEqual([first, second, third]);
    for (const w of [live, resumed]) w.stop();
    await until(() => groups() === base, 'stopped');
  });
});

describe('a client that falls behind', () => {
  it('is closed 4413 "too far behind" once its backlog is full; the others get everything; it resumes with _since', { timeout: 60_000 }, async () => {
    const token = await bearer({ scope: 'user/*.rs', sub: 'slow' });
    const fast = watch(await client({ scope: 'user/*.rs', sub: 'fast' }), 'subscription { ObservationChanged { eventNumber id resource { note { text } } } }');
    const slow = await rawSocket(f.url);
    slow.send({ type: 'connection_init', payload: { authorization: token } });
    expect((await slow.next()).type).toBe('connection_ack');
    slow.send({ id: 's', type: 'subscribe', payload: { query: 'subscription { ObservationChanged { eventNumber id resource { note { text } } } }' } });
    await settle();
    slow.ws.pause(); // stops reading: the socket buffers fill, then its results wait in the gateway
    const note = 'n'.repeat(512 * 1024); // large events fill the kernel's buffers after a few MB
    const written: string[] = [];
    const subscribers = f.gateway.app.live.subscriptions();
    // Bounded: writes until the gateway let the slow subscriber go (its close frame is queued behind the unread data),
    // at most 150 events (75 MB) or 40 s.
    const deadline = Date.now() + 40_000;
    while (f.gateway.app.live.subscriptions() === subscribers && written.length < 150 && Date.now() < deadline) {
      written.push(await write('h-pat-0001', note));
      await fast.waitFor(written.length, 10_000);
    }
    expect(f.gateway.app.live.subscriptions()).toBe(subscribers - 1);
    slow.ws.resume();
    const closed = await slow.closed(10_000);
    expect(closed).toEqual({ code: 4413, reason: 'too far behind' });
    // the fast one got every event, in order
    expect(ids(fast)).toEqual(written);
    // what the slow one got is in order, and resuming with _since brings the rest, none twice
    const got = slow.messages.filter((m) => m.type === 'next').map((m) => m.payload.data.ObservationChanged as { eventNumber: string; id: string });
    expect(got.length).toBeLessThan(written.length);
    expect(got.map((e) => e.id)).toEqual(written.slice(0, got.length));
    const since = got.at(-1)?.eventNumber ?? String(BigInt(fast.results[0]!.data!['ObservationChanged'].eventNumber) - 1n);
    const resumed = watch(await client({ scope: 'user/*.rs', sub: 'slow' }), `subscription { ObservationChanged(_since: "${since}") { id } }`);
    const rest = written.slice(got.length);
    await resumed.waitFor(rest.length, 20_000);
    expect(ids(resumed)).toEqual(rest);
    fast.stop();
    resumed.stop();
  });
});
