// `npm start`'s live demo (issue 12 item 8): with no source configured, the demo servers notify the gateway of their
// changes through the real change-capture path (a Subscription the gateway registers on each, /hooks/{id}), and the
// hospital gets a trickle of new vital-sign Observations, so that a subscription shows events without anyone writing.
// `--no-demo-changes` turns both off. The gateway is started as `npm start` starts it (startGateway, port 0), over
// real loopback sockets; every wait is bounded.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { YogaLogger } from 'graphql-yoga';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../src/start-gateway.ts';
import { subscribeSse, type SseSubscription } from '../helpers/sse.ts';
import { gqlClient, watch } from '../ws/ws-helpers.ts';

const INTERVAL_MS = 1000;
const VITAL_SIGNS = `subscription { ObservationChanged(category: "vital-signs") {
  eventNumber action sourceId id
  resource { status code { coding { system code } } subject { reference } effectiveDateTime valueQuantity { value unit } }
} }`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'demo-changes-'));
  writeFileSync(join(dir, 'gateway.json'), JSON.stringify({ demo: { patients: 10, changeIntervalMs: INTERVAL_MS } }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function memoryLogger(): YogaLogger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (...args: unknown[]) => void lines.push(`${level} ${args.map(String).join(' ')}`);
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

const start = (logger: YogaLogger, ...argv: string[]) => startGateway({
  argv: ['--host', '127.0.0.1', '--port', '0', '--database-url', ':memory:', '--config', join(dir, 'gateway.json'), ...argv],
  env: {},
  logger,
});

/** The Subscriptions a demo server holds, read over its own FHIR API. */
async function subscriptionsOn(baseUrl: string): Promise<Array<{ status: string; criteria: string; channel: { endpoint: string; header?: string[] } }>> {
  const bundle = (await (await fetch(`${baseUrl}/Subscription`)).json()) as { entry?: Array<{ resource: any }> };
  return (bundle.entry ?? []).map((e) => e.resource);
}

const secretOf = (header: readonly string[] | undefined) => header?.[0]?.split(':')[1]?.trim() ?? '';

describe('npm start: demo changes on (the default)', () => {
  let gw: RunningGateway;
  let logger: ReturnType<typeof memoryLogger>;
  let sse: SseSubscription | undefined;
  beforeAll(async () => {
    logger = memoryLogger();
    gw = await start(logger);
    await gw.app.whenReady();
    await gw.app.capture.settled(); // the Subscriptions are registered
  }, 60_000);
  afterEach(() => sse?.close());
  afterAll(() => gw?.stop());

  it('registers a Subscription per demo type on each demo server, notifying the gateway\'s own /hooks with a fresh secret', async () => {
    expect(gw.config.sources.map((s) => s.id)).toEqual(['hospital', 'lab']);
    for (const source of gw.config.sources) {
      expect(source.changes).toMatchObject({ mode: 'subscription', payload: 'full-resource', callbackUrl: `${gw.url}/hooks/${source.id}` });
      const held = await subscriptionsOn(source.baseUrl);
      expect(held.map((s) => s.criteria).sort()).toEqual(['Condition', 'Encounter', 'MedicationRequest', 'Observation', 'Patient']);
      for (const s of held) {
        expect(s.status).toBe('active');
        expect(s.channel.endpoint).toBe(`${gw.url}/hooks/${source.id}`);
        expect(secretOf(s.channel.header).length).toBeGreaterThanOrEqual(32);
      }
    }
    const secret = secretOf((await subscriptionsOn(gw.config.sources[0]!.baseUrl))[0]!.channel.header);
    expect(logger.lines.join('\n')).not.toContain(secret);
    expect(logger.lines.filter((l) => l.startsWith('info Demo changes:'))).toEqual([
      expect.stringMatching(/every 1 s .*Turn them off with --no-demo-changes/),
    ]);
  });

  it('delivers the trickle\'s vital signs to an SSE subscription without any client write, in increasing eventNumbers', async () => {
    sse = await subscribeSse(`${gw.url}/graphql`, VITAL_SIGNS);
    expect(sse.status).toBe(200);
    const payloads = await sse.waitFor(3, 15 * INTERVAL_MS);
    expect(payloads.length, JSON.stringify(payloads)).toBeGreaterThanOrEqual(3);
    const events = payloads.slice(0, 3).map((p) => {
      expect(p.errors).toBeUndefined();
      return p.data!.ObservationChanged;
    });
    const numbers = events.map((e: { eventNumber: string }) => BigInt(e.eventNumber));
    expect(numbers[1]! > numbers[0]! && numbers[2]! > numbers[1]!).toBe(true);
    for (const e of events) {
      expect(e).toMatchObject({ action: 'create', sourceId: 'hospital', resource: { status: 'final' } });
      expect(e.resource.code.coding[0].system).toBe('http://loinc.org');
      expect(['8867-4', '9279-1', '8310-5']).toContain(e.resource.code.coding[0].code);
      expect(e.resource.subject.reference).toMatch(/^Patient\/pat-00(0[1-9]|10)$/);
      expect(Math.abs(Date.parse(e.resource.effectiveDateTime) - Date.now())).toBeLessThan(60_000);
      expect(e.resource.valueQuantity.value).toEqual(expect.any(Number));
    }
    expect(new Set(events.map((e: { id: string }) => e.id)).size).toBe(3);
  }, 30_000);

  it('delivers them over graphql-ws too', async () => {
    const client = gqlClient(gw.url);
    try {
      const watched = watch(client, VITAL_SIGNS);
      const results = await watched.waitFor(2, 15 * INTERVAL_MS);
      const [a, b] = results.map((r) => BigInt(r.data!.ObservationChanged.eventNumber));
      expect(b! > a!).toBe(true);
      watched.stop();
    } finally {
      await client.dispose();
    }
  }, 30_000);

  it('delivers a change made directly on a demo server by another client (through the lab\'s Subscription)', async () => {
    sse = await subscribeSse(`${gw.url}/graphql`, 'subscription { PatientChanged { action sourceId id resource { name { family } } } }');
    const lab = gw.config.sources.find((s) => s.id === 'lab')!;
    const res = await fetch(`${lab.baseUrl}/Patient`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'WrittenOnTheLab' }] }),
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const [payload] = await sse.waitFor(1, 10_000);
    expect(payload?.data?.PatientChanged).toEqual({ action: 'create', sourceId: 'lab', id, resource: { name: [{ family: 'WrittenOnTheLab' }] } });
  }, 30_000);
});

describe('npm start -- --no-demo-changes', () => {
  let gw: RunningGateway;
  let logger: ReturnType<typeof memoryLogger>;
  beforeAll(async () => {
    logger = memoryLogger();
    gw = await start(logger, '--no-demo-changes');
    await gw.app.whenReady();
    await gw.app.capture.settled();
  }, 60_000);
  afterAll(() => gw?.stop());

  it('writes no vital signs and registers no Subscription', async () => {
    expect(gw.config.demo).toMatchObject({ changes: false, changeIntervalMs: INTERVAL_MS });
    expect(gw.config.sources.map((s) => s.changes.mode)).toEqual(['none', 'none']);
    const sse = await subscribeSse(`${gw.url}/graphql`, VITAL_SIGNS);
    try {
      expect(sse.status).toBe(200);
      const startedAt = new Date().toISOString();
      await sse.waitFor(1, 3.5 * INTERVAL_MS);
      expect(sse.payloads).toEqual([]);
      const hospital = gw.config.sources.find((s) => s.id === 'hospital')!;
      const recent = (await (await fetch(`${hospital.baseUrl}/Observation?_lastUpdated=ge${startedAt}`)).json()) as { total?: number; entry?: unknown[] };
      expect(recent.entry ?? []).toEqual([]);
      for (const source of gw.config.sources) expect(await subscriptionsOn(source.baseUrl)).toEqual([]);
      expect(logger.lines.some((l) => l.includes('Demo changes:'))).toBe(false);
    } finally {
      sse.close();
    }
  }, 30_000);
});
