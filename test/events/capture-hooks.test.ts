// Change capture by rest-hook notifications (`"changes": { "mode": "hook" }`), over real sockets: a write made directly
// on the upstream (not through the gateway) reaches a gateway subscriber when the upstream notifies /hooks/{source} —
// with the resource (R4, Medplum-style), with its id only, with nothing (the gateway searches by _lastUpdated), or as
// an R4 / R4B / R5 topic-based notification Bundle, whose numbering gaps are caught up. Each notification is
// authenticated by the channel header or an HMAC signature with a timestamp; a refused one records nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHook } from '../../src/events/hook-auth.ts';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { startSmartIssuer, type SmartIssuer } from '../helpers/smart-issuer.ts';
import { subscribeSse, type SseSubscription } from '../helpers/sse.ts';

const SECRET = 'hook-secret-0123456789abcdef';
const QUERY = 'subscription { PatientChanged { eventNumber action sourceId id resource { name { family } } } }';

let f: Fixture;
let s: SseSubscription;
let seen = 0;
beforeAll(async () => {
  f = await startFixture({
    sources: { hospital: { patients: 3, idPrefix: 'h' }, lab: { patients: 1, idPrefix: 'l' } },
    config: { limits: { maxDocumentBytes: 1024, maxBodyBytes: 4096 } },
    sourceConfig: { hospital: { changes: { mode: 'hook', secret: SECRET, types: ['Patient'] } } },
  });
  await f.gateway.app.capture.settled(); // the watermark of Patient is taken
  s = await subscribeSse(`${f.url}/graphql`, QUERY);
  await new Promise((r) => setTimeout(r, 150));
});
afterAll(async () => {
  s?.close();
  await f?.stop();
});

type Change = { eventNumber: string; action: string; sourceId: string; id: string; resource: { name: Array<{ family: string }> } | null };
/** The next `n` events the subscriber receives (none may be pending before). */
async function next(n: number): Promise<Change[]> {
  const payloads = await s.waitFor(seen + n);
  const events = payloads.slice(seen, seen + n).map((p) => {
    expect(p.errors).toBeUndefined();
    return p.data.PatientChanged as Change;
  });
  seen += events.length;
  expect(events).toHaveLength(n);
  return events;
}
/** Nothing more arrives within a while. */
async function quiet(): Promise<void> {
  await new Promise((r) => setTimeout(r, 400));
  expect(s.payloads.slice(seen).map((p) => p.data?.PatientChanged)).toEqual([]);
}

const patient = (family: string, id?: string) => ({ resourceType: 'Patient', ...(id && { id }), name: [{ family }] });
/** A write straight to the upstream's REST API: the gateway does not see it. */
async function direct(method: string, path: string, body?: unknown) {
  const res = await f.direct('hospital', path, {
    method,
    headers: { 'content-type': 'application/fhir+json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(res.status, `${method} ${path}`).toBeLessThan(300);
  return res.body;
}
async function hook(body: unknown, headers: Record<string, string> = { 'x-hook-secret': SECRET }, path = '/hooks/hospital', method = 'POST') {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return f.fetch(path, { method, headers: { 'content-type': 'application/fhir+json', ...headers }, ...(text === undefined ? {} : { body: text }) });
}
const signed = (body: unknown, nowMs?: number) => signHook(SECRET, body === undefined ? '' : JSON.stringify(body), nowMs);

describe('rest-hook notifications (R4)', () => {
  it('full resource, by the channel header: the resource as the upstream sent it', async () => {
    const created = await direct('POST', 'Patient', patient('Fullpayload'));
    const res = await hook(created);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
    expect(await next(1)).toEqual([{ eventNumber: expect.stringMatching(/^\d+$/), action: 'create', sourceId: 'hospital', id: created.id, resource: { name: [{ family: 'Fullpayload' }] } }]);
  });

  it('id only, signed with HMAC: the gateway reads the resource from the upstream', async () => {
    const created = await direct('POST', 'Patient', patient('Before'));
    await direct('PUT', `Patient/${created.id}`, patient('IdOnly', created.id));
    const stub = { resourceType: 'Patient', id: created.id };
    const res = await hook(stub, { ...signed(stub) });
    expect(res.status).toBe(200);
    expect(await next(1)).toMatchObject([{ action: 'update', id: created.id, resource: { name: [{ family: 'IdOnly' }] } }]);
  });

  it('HAPI-style PUT /hooks/{source}/{Type}/{id} and deletes (DELETE there, or Medplum\'s deleted-resource header)', async () => {
    const a = await direct('POST', 'Patient', patient('Hapi'));
    expect((await hook(a, { 'x-hook-secret': SECRET }, `/hooks/hospital/Patient/${a.id}`, 'PUT')).status).toBe(200);
    await direct('DELETE', `Patient/${a.id}`);
    expect((await hook(undefined, { 'x-hook-secret': SECRET }, `/hooks/hospital/Patient/${a.id}`, 'DELETE')).status).toBe(200);
    const b = await direct('POST', 'Patient', patient('Medplum'));
    expect((await hook(b)).status).toBe(200);
    await direct('DELETE', `Patient/${b.id}`);
    expect((await hook(b, { 'x-hook-secret': SECRET, 'x-medplum-deleted-resource': `Patient/${b.id}` })).status).toBe(200);
    expect((await next(4)).map((e) => [e.action, e.id, e.resource?.name[0]?.family ?? null])).toEqual([
      ['create', a.id, 'Hapi'], ['delete', a.id, null], ['create', b.id, 'Medplum'], ['delete', b.id, null],
    ]);
  });

  it('an empty notification: the gateway searches the watched types from its watermark', async () => {
    const one = await direct('POST', 'Patient', patient('EmptyOne'));
    const two = await direct('POST', 'Patient', patient('EmptyTwo'));
    const res = await hook(undefined, signed(undefined));
    expect(res.status).toBe(200);
    expect((await next(2)).map((e) => [e.action, e.id, e.resource?.name[0]?.family])).toEqual([['create', one.id, 'EmptyOne'], ['create', two.id, 'EmptyTwo']]);
    expect((await hook(undefined)).status).toBe(200); // nothing new since (by the channel header: the signed one again would be a replay)
    await quiet();
  });

  it('a gateway write and the upstream\'s notification of it are one event', async () => {
    const res = await f.fetch('/fhir/hospital/Patient', { method: 'POST', headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' }, body: JSON.stringify(patient('Twice')) });
    expect(res.status).toBe(201);
    const written = (await res.json()) as { id: string; meta: { versionId: string } };
    const [event] = await next(1);
    expect(event).toMatchObject({ action: 'create', id: written.id });
    const upstream = await f.direct('hospital', `Patient/${written.id}`);
    expect((await hook(upstream.body)).status).toBe(200);
    expect((await hook(undefined)).status).toBe(200); // and a catch-up that finds it again
    await quiet();
  });

  it("a gateway delete and the upstream's notification of it are one event, however it is told; a delete after a re-create is another", async () => {
    const created = await direct('POST', 'Patient', patient('DeletedTwice'));
    expect((await hook(created)).status).toBe(200);
    expect((await next(1)).map((e) => [e.action, e.id])).toEqual([['create', created.id]]);
    expect((await f.fetch(`/fhir/hospital/Patient/${created.id}`, { method: 'DELETE' })).status).toBeLessThan(300);
    expect((await next(1)).map((e) => [e.action, e.id])).toEqual([['delete', created.id]]);
    // the upstream tells of it: Medplum-style (the last version, or {}), HAPI-style, and as a notification Bundle entry
    expect((await hook(created, { 'x-hook-secret': SECRET, 'x-medplum-deleted-resource': `Patient/${created.id}` })).status).toBe(200);
    expect((await hook({}, { 'x-hook-secret': SECRET, 'x-medplum-deleted-resource': `Patient/${created.id}` })).status).toBe(200);
    expect((await hook(undefined, { 'x-hook-secret': SECRET }, `/hooks/hospital/Patient/${created.id}`, 'DELETE')).status).toBe(200);
    expect((await hook({ resourceType: 'Bundle', type: 'history', entry: [{ fullUrl: `Patient/${created.id}`, request: { method: 'DELETE', url: `Patient/${created.id}` } }] })).status).toBe(200);
    await quiet();
    const again = await direct('PUT', `Patient/${created.id}`, patient('Recreated', created.id));
    expect((await hook(again)).status).toBe(200);
    await direct('DELETE', `Patient/${created.id}`);
    expect((await hook(again, { 'x-hook-secret': SECRET, 'x-medplum-deleted-resource': `Patient/${created.id}` })).status).toBe(200);
    expect((await next(2)).map((e) => [e.action, e.id])).toEqual([['update', created.id], ['delete', created.id]]);
    await quiet();
  });
});

/** An R4 backport notification: Parameters status, then the focus entries. */
function r4Bundle(subscription: string, eventsSince: number, events: Array<{ n: number; resource?: any; id?: string; method?: string }>) {
  return {
    resourceType: 'Bundle',
    type: 'history',
    timestamp: new Date().toISOString(),
    entry: [
      {
        fullUrl: 'urn:uuid:7f0b6c3e-0000-4000-8000-000000000001',
        resource: {
          resourceType: 'Parameters',
          meta: { profile: ['http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4'] },
          parameter: [
            { name: 'subscription', valueReference: { reference: `${f.upstreams.hospital!.baseUrl}/Subscription/${subscription}` } },
            { name: 'topic', valueCanonical: 'http://example.org/SubscriptionTopic/patient-change' },
            { name: 'status', valueCode: 'active' },
            { name: 'type', valueCode: 'event-notification' },
            { name: 'events-since-subscription-start', valueString: String(eventsSince) },
            ...events.map((e) => ({
              name: 'notification-event',
              part: [
                { name: 'event-number', valueString: String(e.n) },
                { name: 'timestamp', valueInstant: new Date().toISOString() },
                { name: 'focus', valueReference: { reference: `${f.upstreams.hospital!.baseUrl}/Patient/${e.resource?.id ?? e.id}` } },
              ],
            })),
          ],
        },
      },
      ...events.map((e) => ({
        fullUrl: `${f.upstreams.hospital!.baseUrl}/Patient/${e.resource?.id ?? e.id}`,
        ...(e.resource ? { resource: e.resource } : {}),
        request: { method: e.method ?? 'POST', url: 'Patient' },
        response: { status: '201' },
      })),
    ],
  };
}

describe('topic-based notification Bundles (R4 backport, R4B, R5)', () => {
  it('R4 full-resource, then id-only; a gap in the event numbers is caught up with a _lastUpdated search first', async () => {
    const one = await direct('POST', 'Patient', patient('Topic1'));
    expect((await hook(r4Bundle('topic-a', 1, [{ n: 1, resource: one }]))).status).toBe(200);
    expect(await next(1)).toMatchObject([{ action: 'create', id: one.id, resource: { name: [{ family: 'Topic1' }] } }]);
    const two = await direct('POST', 'Patient', patient('Topic2'));
    expect((await hook(r4Bundle('topic-a', 2, [{ n: 2, id: two.id }]))).status).toBe(200); // id-only: read back
    expect(await next(1)).toMatchObject([{ action: 'create', id: two.id, resource: { name: [{ family: 'Topic2' }] } }]);
    const missed = await direct('POST', 'Patient', patient('Missed')); // event 3 never arrives
    const four = await direct('POST', 'Patient', patient('Topic4'));
    const bundle = r4Bundle('topic-a', 4, [{ n: 4, resource: four }]);
    const res = await hook(bundle, signed(bundle));
    expect(res.status).toBe(200);
    expect((await next(2)).map((e) => [e.id, e.resource?.name[0]?.family])).toEqual([[missed.id, 'Missed'], [four.id, 'Topic4']]);
    await quiet();
  });

  it('R4B SubscriptionStatus (full) and R5 subscription-notification (id-only); a heartbeat past the last number catches up', async () => {
    const ref = { reference: 'Subscription/topic-b' };
    const a = await direct('POST', 'Patient', patient('R4b'));
    const r4b = {
      resourceType: 'Bundle', type: 'history',
      entry: [
        { resource: { resourceType: 'SubscriptionStatus', status: 'active', type: 'event-notification', eventsSinceSubscriptionStart: '1', notificationEvent: [{ eventNumber: '1', focus: { reference: `Patient/${a.id}` } }], subscription: ref, topic: 'http://example.org/t' } },
        { fullUrl: `${f.upstreams.hospital!.baseUrl}/Patient/${a.id}`, resource: a, request: { method: 'POST', url: 'Patient' } },
        { fullUrl: `${f.upstreams.hospital!.baseUrl}/Patient/h-pat-0001`, resource: (await f.direct('hospital', 'Patient/h-pat-0001')).body }, // additional context: no change
      ],
    };
    expect((await hook(r4b)).status).toBe(200);
    expect((await next(1)).map((e) => [e.action, e.id])).toEqual([['create', a.id]]);
    const b = await direct('POST', 'Patient', patient('R5'));
    const r5 = {
      resourceType: 'Bundle', type: 'subscription-notification',
      entry: [
        { resource: { resourceType: 'SubscriptionStatus', status: 'active', type: 'event-notification', eventsSinceSubscriptionStart: 2, notificationEvent: [{ eventNumber: 2, focus: { reference: `Patient/${b.id}` } }], subscription: ref, topic: 'http://example.org/t' } },
        { fullUrl: `${f.upstreams.hospital!.baseUrl}/Patient/${b.id}` },
      ],
    };
    expect((await hook(r5)).status).toBe(200);
    expect(await next(1)).toMatchObject([{ id: b.id, resource: { name: [{ family: 'R5' }] } }]);
    const c = await direct('POST', 'Patient', patient('Unheard')); // its event 3 is lost
    const heartbeat = { resourceType: 'Bundle', type: 'history', entry: [{ resource: { resourceType: 'SubscriptionStatus', status: 'active', type: 'heartbeat', eventsSinceSubscriptionStart: '3', subscription: ref, topic: 'http://example.org/t' } }] };
    expect((await hook(heartbeat)).status).toBe(200);
    expect((await next(1)).map((e) => e.id)).toEqual([c.id]);
  });
});

describe('authentication and refusals', () => {
  it('a wrong channel header, a bad signature, a stale or future timestamp, a replay: 401, and nothing is recorded', async () => {
    const p = await direct('POST', 'Patient', patient('Refused'));
    const body = JSON.stringify(p);
    const good = signHook(SECRET, body);
    const answers = [
      await hook(p, { 'x-hook-secret': `${SECRET}x` }),
      await hook(p, {}),
      await hook(p, signHook('another-secret-0123456789', body)),
      await hook(p, { ...good, 'x-hook-signature': good['x-hook-signature']!.replace(/.$/, (c) => (c === '0' ? '1' : '0')) }),
      await hook(p, signHook(SECRET, body, Date.now() - 6 * 60_000)),
      await hook(p, signHook(SECRET, body, Date.now() + 6 * 60_000)),
      await hook(p, { 'x-hook-signature': good['x-hook-signature']! }), // no timestamp
      await hook(`${body} `, good), // the body changed after signing
    ];
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401, 401, 401, 401, 401]);
    const outcome = (await answers[0]!.json()) as { issue: Array<{ code: string; diagnostics: string }> };
    expect(outcome.issue[0]).toMatchObject({ code: 'login' });
    expect(JSON.stringify(outcome)).not.toContain(SECRET);
    await quiet();
    expect((await hook(p, good)).status).toBe(200);
    expect((await next(1)).map((e) => e.id)).toEqual([p.id]);
    expect((await hook(p, good)).status).toBe(401); // the same signed notification again
    await quiet();
  });

  it('404 for a source that takes no notifications, 405 for another method, 400 for a body that is no notification, 413 over the body limit', async () => {
    expect((await hook(undefined, signed(undefined), '/hooks/lab')).status).toBe(404);
    expect((await hook(undefined, signed(undefined), '/hooks/nope')).status).toBe(404);
    expect((await hook(undefined, signed(undefined), '/hooks')).status).toBe(404);
    const get = await f.fetch('/hooks/hospital');
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
    const malformed = '{"resourceType":"Patient",';
    expect((await hook(malformed, signHook(SECRET, malformed))).status).toBe(400);
    const outcome = { resourceType: 'OperationOutcome', issue: [] };
    expect((await hook(outcome)).status).toBe(400);
    expect((await hook({ resourceType: 'Patient' })).status).toBe(400); // no id
    const deep = `${'['.repeat(200)}${']'.repeat(200)}`;
    expect((await hook(deep, signHook(SECRET, deep))).status).toBe(400);
    const big = JSON.stringify(patient('x'.repeat(5000)));
    expect((await hook(big, signHook(SECRET, big))).status).toBe(413);
    await quiet();
  });
});

describe('catching up with $events', () => {
  let g: Fixture;
  afterAll(() => g?.stop());

  it('a gap is read with the source\'s $events operation when its CapabilityStatement declares it', async () => {
    g = await startFixture({
      sources: {
        ehr: {
          patients: 1,
          idPrefix: 'e',
          capabilities: (statement) => {
            const subscription = statement.rest![0]!.resource!.find((r) => r.type === 'Subscription')!;
            subscription.operation = [{ name: 'events', definition: 'http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-events' }];
            return statement;
          },
        },
      },
      sourceConfig: { ehr: { changes: { mode: 'hook', secretEnv: 'EHR_HOOK_SECRET' } } },
      env: { EHR_HOOK_SECRET: SECRET },
    });
    await g.gateway.app.capture.settled();
    const sub = await subscribeSse(`${g.url}/graphql`, QUERY);
    try {
      await new Promise((r) => setTimeout(r, 150));
      const write = async (family: string) => (await g.direct('ehr', 'Patient', { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(patient(family)) })).body;
      const status = (since: number, numbers: number[], ids: string[]) => ({
        resourceType: 'SubscriptionStatus', status: 'active', type: numbers.length > 0 ? 'event-notification' : 'query-event', eventsSinceSubscriptionStart: String(since),
        notificationEvent: numbers.map((n, i) => ({ eventNumber: String(n), focus: { reference: `Patient/${ids[i]}` } })), subscription: { reference: 'Subscription/s1' }, topic: 'http://example.org/t',
      });
      const one = await write('Ev1');
      const two = await write('Ev2');
      const three = await write('Ev3');
      // The upstream answers $events 2..2 with event 2 (the memory server has no $events: a test fault plays it).
      g.upstreams.ehr!.setFault(({ url }) => url.includes('/$events')
        ? { kind: 'status', status: 200, body: JSON.stringify({ resourceType: 'Bundle', type: 'history', entry: [{ resource: status(3, [2], [two.id]) }, { fullUrl: `Patient/${two.id}`, resource: two, request: { method: 'POST', url: 'Patient' } }] }) }
        : undefined);
      const send = (body: unknown) => fetch(`${g.url}/hooks/ehr`, { method: 'POST', headers: { 'content-type': 'application/fhir+json', ...signHook(SECRET, JSON.stringify(body)) }, body: JSON.stringify(body) });
      expect((await send({ resourceType: 'Bundle', type: 'history', entry: [{ resource: status(1, [1], [one.id]) }, { fullUrl: `Patient/${one.id}`, resource: one, request: { method: 'POST' } }] })).status).toBe(200);
      expect((await send({ resourceType: 'Bundle', type: 'history', entry: [{ resource: status(3, [3], [three.id]) }, { fullUrl: `Patient/${three.id}`, resource: three, request: { method: 'POST' } }] })).status).toBe(200);
      const events = (await sub.waitFor(3)).map((p) => p.data.PatientChanged);
      expect(events.map((e: Change) => [e.action, e.id])).toEqual([['create', one.id], ['create', two.id], ['create', three.id]]);
      const asked = g.upstreams.ehr!.requests.filter((r) => r.url.includes('$events')).map((r) => r.url);
      expect(asked).toEqual(['/Subscription/s1/$events?eventsSinceNumber=2&eventsUntilNumber=2&content=full-resource']);
    } finally {
      sub.close();
    }
  });
});

describe('with SMART on FHIR', () => {
  let g: Fixture;
  let issuer: SmartIssuer;
  afterAll(async () => {
    await g?.stop();
    await issuer?.stop();
  });

  it('/hooks takes no bearer token: the source\'s secret authenticates it; subscribers still need theirs', async () => {
    issuer = await startSmartIssuer(() => `${g.url}/fhir`);
    g = await startFixture({
      sources: { ehr: { patients: 1, idPrefix: 'e' } },
      argv: ['--auth-issuer', issuer.issuer],
      sourceConfig: { ehr: { changes: { mode: 'hook', secret: SECRET } } },
    });
    const sub = await subscribeSse(`${g.url}/graphql`, QUERY, { headers: { authorization: `Bearer ${await issuer.sign({ scope: 'user/Patient.rs' })}` } });
    try {
      await new Promise((r) => setTimeout(r, 150));
      const created = (await g.direct('ehr', 'Patient', { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(patient('Smart')) })).body;
      const send = (headers: Record<string, string>) => fetch(`${g.url}/hooks/ehr`, { method: 'POST', headers: { 'content-type': 'application/fhir+json', ...headers }, body: JSON.stringify(created) });
      const refused = await send({ authorization: `Bearer ${await issuer.sign({ scope: 'system/*.cruds' })}` }); // a token is not the secret
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBeNull();
      expect((await send({ 'x-hook-secret': SECRET })).status).toBe(200);
      const [event] = await sub.waitFor(1);
      expect(event!.data.PatientChanged).toMatchObject({ action: 'create', id: created.id, resource: { name: [{ family: 'Smart' }] } });
    } finally {
      sub.close();
    }
  });
});
