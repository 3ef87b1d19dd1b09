// Change capture by polling (`"changes": { "mode": "poll" }`), over real sockets: every intervalMs the gateway searches
// each watched type with _lastUpdated from its watermark; a write made directly on the upstream reaches a gateway
// subscriber, once. The watermark lives in the gateway's database: a gateway restarted on the same SQLite file neither
// misses what changed while it was down nor repeats what it had seen. A failing source is retried with backoff.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type Fixture, type GatewayOptions } from '../helpers/fixture.ts';
import type { GatewayHandle } from '../helpers/gateway.ts';
import { subscribeSse, type SseSubscription } from '../helpers/sse.ts';
import { capturingLogger } from '../hostile/hostile-helpers.ts';

const QUERY = 'subscription($since: String) { PatientChanged(_since: $since) { eventNumber action id resource { name { family } } } }';
type Change = { eventNumber: string; action: string; id: string; resource: { name: Array<{ family: string }> } | null };

const { logger, lines } = capturingLogger();

let dir: string;
let f: Fixture;
let gw: GatewayHandle;
let gatewayOptions: GatewayOptions;
const open: SseSubscription[] = [];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'capture-poll-'));
  gatewayOptions = {
    config: { storage: { url: `sqlite:${join(dir, 'gateway.db')}` }, capabilityRefreshMs: 0 },
    sourceConfig: { hospital: { changes: { mode: 'poll', intervalMs: 150, types: ['Patient', 'Observation'] } } },
    logger,
  };
  f = await startFixture({ sources: { hospital: { patients: 3, idPrefix: 'h' } }, ...gatewayOptions });
  gw = f.gateway;
  await gw.app.capture.settled(); // the baselines are taken: what the upstream holds now is not a change
});
afterAll(async () => {
  for (const s of open) s.close();
  await f?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function subscribe(url: string, since?: string) {
  const s = await subscribeSse(`${url}/graphql`, QUERY, since === undefined ? {} : { variables: { since } });
  open.push(s);
  await new Promise((r) => setTimeout(r, 150));
  return s;
}
const changes = (s: SseSubscription) => s.payloads.map((p) => {
  expect(p.errors).toBeUndefined();
  return p.data.PatientChanged as Change;
});
async function direct(method: string, path: string, body?: unknown) {
  const res = await f.direct('hospital', path, { method, headers: { 'content-type': 'application/fhir+json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  expect(res.status, `${method} ${path}`).toBeLessThan(300);
  return res.body;
}
const patient = (family: string, id?: string) => ({ resourceType: 'Patient', ...(id && { id }), name: [{ family }] });
const summary = (events: Change[]) => events.map((e) => [e.action, e.id, e.resource?.name[0]?.family ?? null]);
/** Several poll intervals. */
const polls = (n = 4) => new Promise((r) => setTimeout(r, n * 150 + 100));

describe('polling', () => {
  it('writes made on the upstream are events, each once; a burst arrives in the order the upstream made it', async () => {
    const s = await subscribe(gw.url);
    const a = await direct('POST', 'Patient', patient('PollA'));
    await s.waitFor(1);
    await direct('PUT', `Patient/${a.id}`, patient('PollA2', a.id));
    await s.waitFor(2);
    const burst = [];
    for (const family of ['Burst1', 'Burst2', 'Burst3']) burst.push(await direct('POST', 'Patient', patient(family)));
    await s.waitFor(5);
    await polls();
    expect(summary(changes(s))).toEqual([
      ['create', a.id, 'PollA'], ['update', a.id, 'PollA2'],
      ...burst.map((b, i) => ['create', b.id, `Burst${i + 1}`]),
    ]); // the upstream's data from before the gateway started are no changes
  });

  it('the watermark survives a restart: what changed while the gateway was down arrives once, nothing is repeated', async () => {
    const first = await subscribe(gw.url);
    const before = await direct('POST', 'Patient', patient('BeforeRestart'));
    const [seen] = await first.waitFor(1);
    const last = (seen!.data.PatientChanged as Change).eventNumber;
    await polls();
    await gw.stop();
    const during = await direct('POST', 'Patient', patient('WhileDown'));
    await direct('PUT', `Patient/${before.id}`, patient('ChangedWhileDown', before.id));
    await new Promise((r) => setTimeout(r, 300)); // the old gateway would have polled by now
    gw = await f.addGateway(gatewayOptions);
    await gw.app.capture.settled();
    const resumed = await subscribe(gw.url, last);
    await resumed.waitFor(2);
    await polls();
    expect(summary(changes(resumed))).toEqual([['create', during.id, 'WhileDown'], ['update', before.id, 'ChangedWhileDown']]);
    const all = await subscribe(gw.url, '0');
    await polls();
    const keys = changes(all).map((e) => `${e.action}|${e.id}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.filter((k) => k.endsWith(before.id))).toEqual([`create|${before.id}`, `update|${before.id}`]);
  });

  it('a failing source is retried with backoff and logged; polling goes on once it answers', async () => {
    const upstream = f.upstreams.hospital!;
    const s = await subscribe(gw.url);
    upstream.setFault(({ url }) => (url.includes('_lastUpdated') || url.includes('_sort') ? { kind: 'status', status: 503 } : undefined));
    try {
      const p = await direct('POST', 'Patient', patient('AfterOutage'));
      await new Promise((r) => setTimeout(r, 1500));
      const failures = lines.filter((l) => l.level === 'warn' && l.text.includes("polling source 'hospital' failed")).map((l) => l.text);
      expect(failures.length).toBeGreaterThanOrEqual(2);
      expect(failures.length).toBeLessThan(8); // backoff: 150, 300, 600 ms ... not every interval
      expect(failures[0]).toMatch(/retrying in \d+\.\d s \(failure 1\)/);
      expect(changes(s)).toEqual([]);
      upstream.setFault(undefined);
      const [event] = await s.waitFor(1, 8000);
      expect(event!.data.PatientChanged).toMatchObject({ action: 'create', id: p.id });
      for (let i = 0; i < 50 && !lines.some((l) => l.text.includes("polling source 'hospital' works again")); i++) await new Promise((r) => setTimeout(r, 20));
      expect(lines.filter((l) => l.text.includes("polling source 'hospital' works again"))).toHaveLength(1);
    } finally {
      upstream.setFault(undefined);
    }
  });
});
