// Medplum's rest-hook signature (`"changes": { "mode": "hook", "signature": "medplum" }`), over real sockets in front
// of the real upstream: Medplum sends `X-Signature: <hex HMAC-SHA256 of the raw body>` keyed by the Subscription's
// subscription-secret extension (its subscription worker, buildRestHookHeaders), and for a delete the body `{}` with
// `X-Medplum-Deleted-Resource: Type/id`. Checked in constant time; a bad one is 401. It has no timestamp, so a replay
// is told apart by the change log instead: a resource version already logged is not logged again, and a signed delete
// (whose signature covers only `{}`) is recorded only when the source confirms the resource is gone.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { medplumSignature } from '../../src/events/hook-auth.ts';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { subscribeSse, type SseSubscription } from '../helpers/sse.ts';
import { capturingLogger } from '../hostile/hostile-helpers.ts';

const SECRET = 'medplum-subscription-secret-0123';
const { logger, lines } = capturingLogger();

let f: Fixture;
let s: SseSubscription;
beforeAll(async () => {
  f = await startFixture({
    sources: { hospital: { patients: 1, idPrefix: 'h' }, lab: { patients: 1, idPrefix: 'l' } },
    sourceConfig: {
      hospital: { changes: { mode: 'hook', secret: SECRET, signature: 'medplum', types: ['Patient'] } },
      lab: { changes: { mode: 'hook', secret: SECRET, types: ['Patient'] } },
    },
    logger,
  });
  await f.gateway.app.capture.settled();
  s = await subscribeSse(`${f.url}/graphql`, 'subscription { PatientChanged { action sourceId id resource { name { family } } } }');
  await new Promise((r) => setTimeout(r, 150));
});
afterAll(async () => {
  s?.close();
  await f?.stop();
});

async function direct(method: string, path: string, body?: unknown) {
  const res = await f.direct('hospital', path, { method, headers: { 'content-type': 'application/fhir+json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  expect(res.status, `${method} ${path}`).toBeLessThan(300);
  return res.body;
}
/** What Medplum's subscription worker sends: the body as it serialised it, signed as it is. */
const medplum = (body: string, headers: Record<string, string> = {}, source = 'hospital', secret = SECRET) =>
  f.fetch(`/hooks/${source}`, { method: 'POST', headers: { 'content-type': 'application/fhir+json', 'x-medplum-subscription': 'sub-1', 'x-signature': medplumSignature(secret, body), ...headers }, body });
const events = () => s.payloads.map((p) => {
  const e = p.data.PatientChanged;
  return [e.action, e.sourceId, e.id, e.resource?.name[0]?.family ?? null];
});
const quiet = () => new Promise((r) => setTimeout(r, 400));

describe("Medplum's X-Signature", () => {
  it('is the hex HMAC-SHA256 of the raw body, as Medplum computes it', () => {
    expect(medplumSignature(SECRET, '{"resourceType":"Patient"}')).toBe(createHmac('sha256', SECRET).update('{"resourceType":"Patient"}').digest('hex'));
  });

  it('a signed create and update are recorded; a replay of either (no timestamp) is one event, by version', async () => {
    const p = await direct('POST', 'Patient', { resourceType: 'Patient', name: [{ family: 'Signed' }] });
    const created = JSON.stringify(p);
    expect((await medplum(created, { 'x-medplum-interaction': 'create' })).status).toBe(200);
    const updated = JSON.stringify(await direct('PUT', `Patient/${p.id}`, { resourceType: 'Patient', id: p.id, name: [{ family: 'Signed2' }] }));
    expect((await medplum(updated, { 'x-medplum-interaction': 'update' })).status).toBe(200);
    await s.waitFor(2);
    expect((await medplum(created)).status).toBe(200); // replays: authentic, and already logged
    expect((await medplum(updated)).status).toBe(200);
    await quiet();
    expect(events()).toEqual([['create', 'hospital', p.id, 'Signed'], ['update', 'hospital', p.id, 'Signed2']]);
  });

  it('a signed delete ({} and X-Medplum-Deleted-Resource) is recorded once the source no longer has it; a replay naming a live resource is not', async () => {
    const before = s.payloads.length;
    const gone = await direct('POST', 'Patient', { resourceType: 'Patient', name: [{ family: 'Gone' }] });
    const live = await direct('POST', 'Patient', { resourceType: 'Patient', name: [{ family: 'Live' }] });
    await direct('DELETE', `Patient/${gone.id}`);
    expect((await medplum('{}', { 'x-medplum-interaction': 'delete', 'x-medplum-deleted-resource': `Patient/${gone.id}` })).status).toBe(200);
    // the same signed '{}' with the header changed: a forged delete of a resource the source still has
    expect((await medplum('{}', { 'x-medplum-interaction': 'delete', 'x-medplum-deleted-resource': `Patient/${live.id}` })).status).toBe(200);
    expect((await medplum('{}', { 'x-medplum-interaction': 'delete', 'x-medplum-deleted-resource': `Patient/${gone.id}` })).status).toBe(200); // replayed
    await s.waitFor(before + 1);
    await quiet();
    expect(events().slice(before)).toEqual([['delete', 'hospital', gone.id, null]]);
    expect(lines.some((l) => l.level === 'warn' && l.text.includes(`still has Patient/${live.id}`))).toBe(true);
    expect((await medplum('{}', { 'x-medplum-deleted-resource': 'not a reference' })).status).toBe(400);
  });

  it('a bad, malformed or wrongly keyed signature is 401, and so is X-Signature on a source that did not opt in', async () => {
    const before = s.payloads.length;
    const p = await direct('POST', 'Patient', { resourceType: 'Patient', name: [{ family: 'Refused' }] });
    const body = JSON.stringify(p);
    const good = medplumSignature(SECRET, body);
    const answers = [
      await medplum(body, {}, 'hospital', 'another-secret-0123456789abcdef'),
      await medplum(body, { 'x-signature': good.replace(/.$/, (c) => (c === '0' ? '1' : '0')) }),
      await medplum(body, { 'x-signature': `sha256=${good}` }),
      await medplum(body, { 'x-signature': good.slice(2) }),
      await medplum(`${body} `, { 'x-signature': good }), // the body changed after signing
      await medplum(body, {}, 'lab'),
    ];
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401, 401, 401]);
    const outcome = await answers[0]!.text();
    expect(outcome).not.toContain(SECRET);
    expect(outcome).toContain('X-Signature'.toLowerCase());
    expect((await medplum(body, { 'x-signature': good.toUpperCase() })).status).toBe(200); // hex in either case
    await s.waitFor(before + 1);
    await quiet();
    expect(events().slice(before)).toEqual([['create', 'hospital', p.id, 'Refused']]);
    expect(JSON.stringify(lines)).not.toContain(SECRET);
  });
});
