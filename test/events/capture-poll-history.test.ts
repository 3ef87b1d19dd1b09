// Polling sees deletes: where a source has a type-level history, a poll reads `Type/_history?_since=<watermark>`
// (every version, and deletes: entries without a resource whose request.method is DELETE) instead of a `_lastUpdated`
// search, which never returns a deleted resource. Each change is one event — the gateway's own delete and the
// history's entry of it too — a genuine delete after a re-create is not swallowed, and the watermark in the database
// makes a restart neither miss nor repeat. A source without type history falls back to searches, saying so once.
//
// The upstream is the real one of the other capture tests (Medplum's in-memory server). It has no type-level history
// (`GET Patient/_history` is 404, and a delete leaves no trace in it), so for the history cases the test declares
// `history-type` in its CapabilityStatement and plays `Patient/_history` from what the upstream itself answered to the
// test's writes — the versions as it returned them, and a DELETE entry (with a version and `response.lastModified`, as
// HAPI writes one) for each delete it confirmed — newest first, filtered by `_since`, as a server would.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapabilityStatement } from '@medplum/fhirtypes';
import type { MemoryFhirServer } from '../../src/demo/memory-fhir-server.ts';
import { historyItems, historyTypesOf } from '../../src/events/type-history.ts';
import { startFixture, type Fixture, type GatewayOptions } from '../helpers/fixture.ts';
import type { GatewayHandle } from '../helpers/gateway.ts';
import { subscribeSse, type SseSubscription } from '../helpers/sse.ts';
import { capturingLogger } from '../hostile/hostile-helpers.ts';

const QUERY = 'subscription($since: String) { PatientChanged(_since: $since) { eventNumber action id resource { name { family } } } }';
type Change = { eventNumber: string; action: string; id: string; resource: { name: Array<{ family: string }> } | null };
const INTERVAL = 150;
const polls = (n = 4) => new Promise((r) => setTimeout(r, n * INTERVAL + 100));

/** Declares history-type for Patient, as a server with type history does. */
const withTypeHistory = (statement: CapabilityStatement) => {
  const patient = statement.rest![0]!.resource!.find((r) => r.type === 'Patient')!;
  patient.interaction = [...(patient.interaction ?? []), { code: 'history-type' }];
  return statement;
};

interface Played {
  readonly at: string;
  readonly entry: Record<string, unknown>;
}

/** `Patient/_history` played from the upstream's own answers to the test's writes (see the header). */
function playHistory(upstream: MemoryFhirServer, ledger: Played[]): void {
  upstream.setFault(({ method, url }) => {
    const [path, query = ''] = url.split('?');
    if (method !== 'GET' || path !== '/Patient/_history') return undefined;
    const since = new URLSearchParams(query).get('_since');
    const from = since === null ? -Infinity : Date.parse(since);
    const entries = ledger.filter((p) => Date.parse(p.at) >= from).map((p) => p.entry).reverse(); // newest first
    return { kind: 'status', status: 200, body: JSON.stringify({ resourceType: 'Bundle', type: 'history', total: entries.length, entry: entries }) };
  });
}

describe('polling with the type history', () => {
  const { logger, lines } = capturingLogger();
  let dir: string;
  let f: Fixture;
  let gw: GatewayHandle;
  let options: GatewayOptions;
  const ledger: Played[] = [];
  const open: SseSubscription[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'capture-poll-history-'));
    options = {
      config: { storage: { url: `sqlite:${join(dir, 'gateway.db')}` }, capabilityRefreshMs: 0 },
      sourceConfig: { hospital: { changes: { mode: 'poll', intervalMs: INTERVAL, types: ['Patient'] } } },
      logger,
    };
    f = await startFixture({ sources: { hospital: { patients: 2, idPrefix: 'h', capabilities: withTypeHistory } }, ...options });
    playHistory(f.upstreams.hospital!, ledger);
    gw = f.gateway;
    await gw.app.capture.settled();
  });
  afterAll(async () => {
    for (const s of open) s.close();
    await f?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function subscribe(since?: string) {
    const s = await subscribeSse(`${gw.url}/graphql`, QUERY, since === undefined ? {} : { variables: { since } });
    open.push(s);
    await new Promise((r) => setTimeout(r, 150));
    return s;
  }
  const summary = (s: SseSubscription) => s.payloads.map((p) => {
    expect(p.errors).toBeUndefined();
    const e = p.data.PatientChanged as Change;
    return [e.action, e.id, e.resource?.name[0]?.family ?? null];
  });
  /** A write straight to the upstream; its answer goes to the played history. */
  async function write(method: 'POST' | 'PUT', family: string, id?: string) {
    const res = await f.direct('hospital', id === undefined ? 'Patient' : `Patient/${id}`, {
      method, headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Patient', ...(id && { id }), name: [{ family }] }),
    });
    expect(res.status).toBeLessThan(300);
    const resource = res.body;
    ledger.push({ at: resource.meta.lastUpdated, entry: { fullUrl: `${f.upstreams.hospital!.baseUrl}/Patient/${resource.id}`, resource, request: { method, url: method === 'POST' ? 'Patient' : `Patient/${resource.id}` }, response: { status: String(res.status) } } });
    return resource as { id: string };
  }
  /** The upstream's own delete (or one made through the gateway), as its history would list it. */
  async function remove(id: string, through: 'upstream' | 'gateway' = 'upstream') {
    const res = through === 'upstream' ? await f.direct('hospital', `Patient/${id}`, { method: 'DELETE' }) : await f.fetch(`/fhir/hospital/Patient/${id}`, { method: 'DELETE' });
    expect(res.status).toBeLessThan(300);
    const at = new Date().toISOString();
    const version = randomUUID();
    ledger.push({ at, entry: { fullUrl: `${f.upstreams.hospital!.baseUrl}/Patient/${id}`, request: { method: 'DELETE', url: `Patient/${id}/_history/${version}` }, response: { status: '204', etag: `W/"${version}"`, lastModified: at } } });
  }

  it('creates, every update and deletes made on the upstream are events, once each, in order', async () => {
    const s = await subscribe();
    const a = await write('POST', 'HistA');
    await write('PUT', 'HistA2', a.id);
    await write('PUT', 'HistA3', a.id); // two updates between polls: both are in the history
    await remove(a.id);
    await s.waitFor(4);
    await polls();
    expect(summary(s)).toEqual([['create', a.id, 'HistA'], ['update', a.id, 'HistA2'], ['update', a.id, 'HistA3'], ['delete', a.id, null]]);
    const asked = f.upstreams.hospital!.requests.filter((r) => r.url.startsWith('/Patient/_history')).map((r) => r.url);
    expect(asked.every((u) => /^\/Patient\/_history\?_since=[^&]+&_count=100$/.test(u))).toBe(true);
    expect(f.upstreams.hospital!.requests.some((r) => r.url.includes('_lastUpdated=ge') || r.url.includes('_lastUpdated=gt'))).toBe(false);
    expect(lines.filter((l) => l.text.includes('do not see deletes'))).toEqual([]);
  });

  it("the gateway's own delete and the history's entry of it are one event; a delete after a re-create is another", async () => {
    const s = await subscribe();
    const b = await write('POST', 'HistB');
    await s.waitFor(1);
    await remove(b.id, 'gateway');
    await s.waitFor(2);
    await polls(); // the history's DELETE entry is read, and is the same delete
    await write('PUT', 'HistB-again', b.id); // the same id made again on the upstream, then deleted there
    await remove(b.id);
    await s.waitFor(4);
    await polls();
    expect(summary(s).map(([action, id]) => [action, id])).toEqual([['create', b.id], ['delete', b.id], [expect.stringMatching(/^(create|update)$/), b.id], ['delete', b.id]]);
  });

  it('the watermark survives a restart: deletes made while the gateway was down arrive once; nothing is repeated', async () => {
    const first = await subscribe();
    const c = await write('POST', 'BeforeRestart');
    const [seen] = await first.waitFor(1);
    const last = (seen!.data.PatientChanged as Change).eventNumber;
    await polls();
    await gw.stop();
    await remove(c.id);
    const d = await write('POST', 'WhileDown');
    await new Promise((r) => setTimeout(r, 300));
    gw = await f.addGateway(options);
    await gw.app.capture.settled();
    const resumed = await subscribe(last);
    await resumed.waitFor(2);
    await polls();
    expect(summary(resumed)).toEqual([['delete', c.id, null], ['create', d.id, 'WhileDown']]);
    const all = await subscribe('0');
    await polls();
    const keys = all.payloads.map((p) => `${p.data.PatientChanged.action}|${p.data.PatientChanged.id}|${p.data.PatientChanged.eventNumber}`);
    const perChange = all.payloads.map((p) => `${p.data.PatientChanged.action}|${p.data.PatientChanged.id}`);
    expect(perChange.filter((k) => k === `delete|${c.id}`)).toHaveLength(1);
    expect(perChange.filter((k) => k === `create|${c.id}`)).toHaveLength(1);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('a source without type history', () => {
  const { logger, lines } = capturingLogger();
  let f: Fixture;
  afterAll(() => f?.stop());

  it('falls back to _lastUpdated searches, saying once per type why, whether it does not declare history-type or answers 404', async () => {
    f = await startFixture({
      sources: { plain: { patients: 1, idPrefix: 'p' }, claims: { patients: 1, idPrefix: 'c', capabilities: withTypeHistory } },
      config: { capabilityRefreshMs: 200 }, // refreshes that find the same capabilities do not repeat the warning
      sourceConfig: {
        plain: { changes: { mode: 'poll', intervalMs: INTERVAL, types: ['Patient'] } },
        claims: { changes: { mode: 'poll', intervalMs: INTERVAL, types: ['Patient'] } },
      },
      logger,
    });
    await f.gateway.app.capture.settled();
    const s = await subscribeSse(`${f.url}/graphql`, 'subscription { PatientChanged { action sourceId id } }');
    try {
      await new Promise((r) => setTimeout(r, 150));
      const made = [];
      for (const source of ['plain', 'claims']) {
        made.push((await f.direct(source, 'Patient', { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Patient', name: [{ family: source }] }) })).body);
      }
      await s.waitFor(2);
      await polls(6);
      expect(s.payloads.map((p) => p.data.PatientChanged).sort((x: any, y: any) => x.sourceId.localeCompare(y.sourceId))).toEqual([
        { action: 'create', sourceId: 'claims', id: made[1].id }, { action: 'create', sourceId: 'plain', id: made[0].id },
      ]);
      const fallbacks = lines.filter((l) => l.level === 'warn' && l.text.includes('do not see deletes')).map((l) => l.text);
      expect(fallbacks).toHaveLength(2);
      expect(fallbacks).toEqual(expect.arrayContaining([
        expect.stringContaining("source 'plain' does not declare the history-type interaction for Patient in its CapabilityStatement: changes of Patient are read with _lastUpdated searches"),
        expect.stringContaining("source 'claims' answered 404 to Patient/_history: changes of Patient are read with _lastUpdated searches"),
      ]));
      // once: it tried the history of claims one time, not at every poll nor after every capability refresh
      expect(f.upstreams.claims!.requests.filter((r) => r.url.startsWith('/Patient/_history'))).toHaveLength(1);
      expect(f.upstreams.plain!.requests.filter((r) => r.url.startsWith('/Patient/_history'))).toEqual([]);
    } finally {
      s.close();
    }
  });
});

describe('reading a history Bundle', () => {
  it('versions with their actions, deletes with their own version and instant, other types and unnamed entries left out', () => {
    const p = (id: string, v: string) => ({ resourceType: 'Patient', id, meta: { versionId: v, lastUpdated: `2026-12-06T10:00:0${v}Z` } });
    const items = historyItems({
      resourceType: 'Bundle', type: 'history', entry: [
        { fullUrl: 'http://h/Patient/a', request: { method: 'DELETE', url: 'Patient/a/_history/4' }, response: { status: '204', lastModified: '2026-12-06T10:00:04Z' } },
        { fullUrl: 'http://h/Patient/b', request: { method: 'DELETE', url: 'Patient/b' }, response: { status: '200', etag: 'W/"7"' } },
        { resource: p('a', '3'), request: { method: 'PATCH', url: 'Patient/a' } },
        { resource: p('a', '2'), request: { method: 'PUT', url: 'Patient/a' }, response: { status: '200 OK' } },
        { resource: p('c', '1'), request: { method: 'PUT', url: 'Patient/c' }, response: { status: '201 Created' } },
        { resource: p('a', '1'), request: { method: 'POST', url: 'Patient' } },
        { resource: p('d', '5') },
        { resource: { resourceType: 'Observation', id: 'o', meta: { versionId: '1' } }, request: { method: 'POST' } },
        { request: { method: 'DELETE', url: 'Observation/o' } },
        { request: { method: 'DELETE' } },
        'not an entry',
      ],
    }, 'Patient');
    expect(items.map((i) => [i.action ?? null, i.id, i.versionId, i.lastUpdated ?? null, i.resource === null])).toEqual([
      ['delete', 'a', '4', '2026-12-06T10:00:04Z', true],
      ['delete', 'b', '7', null, true],
      ['update', 'a', '3', '2026-12-06T10:00:03Z', false],
      ['update', 'a', '2', '2026-12-06T10:00:02Z', false],
      ['create', 'c', '1', '2026-12-06T10:00:01Z', false],
      ['create', 'a', '1', '2026-12-06T10:00:01Z', false],
      [null, 'd', '5', '2026-12-06T10:00:05Z', false],
    ]);
    expect(historyItems({ resourceType: 'OperationOutcome' }, 'Patient')).toEqual([]);
  });

  it('history-type is read per type from the CapabilityStatement', () => {
    const statement = { resourceType: 'CapabilityStatement', rest: [{ mode: 'server', resource: [
      { type: 'Patient', interaction: [{ code: 'read' }, { code: 'history-type' }] },
      { type: 'Observation', interaction: [{ code: 'history-instance' }] },
      { type: 'Encounter' },
    ] }] };
    expect([...historyTypesOf(statement)]).toEqual(['Patient']);
    expect([...historyTypesOf({ resourceType: 'CapabilityStatement' })]).toEqual([]);
  });
});
