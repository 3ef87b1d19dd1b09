// The demo trickle's parts: the Observations it makes, its timer (failures reported once each, never thrown, stopped
// for good), and the in-process request of the memory FHIR server it writes through (the normal request path, so
// Subscriptions notify).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTrickle, trickleObservation } from '../../src/demo/demo-changes.ts';
import { startMemoryFhirServer, type InProcessAnswer, type MemoryFhirServer } from '../../src/demo/memory-fhir-server.ts';
import { until } from '../ws/ws-helpers.ts';

const PATIENTS = ['pat-0001', 'pat-0002', 'pat-0003'];

describe('trickleObservation', () => {
  it('is a final vital-sign Observation with LOINC code, UCUM value in range, of one of the patients, effective now', () => {
    const now = new Date('2026-12-06T10:00:00.000Z');
    const first = trickleObservation(PATIENTS, 0, now, () => 0.5);
    expect(first).toEqual({
      resourceType: 'Observation',
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }], text: 'Heart rate' },
      subject: { reference: 'Patient/pat-0001' },
      effectiveDateTime: '2026-12-06T10:00:00.000Z',
      valueQuantity: { value: 81, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    });
    const next = [1, 2, 3].map((tick) => trickleObservation(PATIENTS, tick, now, () => 0.999));
    expect(next.map((o) => o.code.coding![0]!.code)).toEqual(['9279-1', '8310-5', '8867-4']);
    expect(new Set(next.map((o) => o.subject!.reference))).toEqual(new Set(PATIENTS.map((p) => `Patient/${p}`)));
    expect(next[1]!.valueQuantity).toMatchObject({ unit: 'Cel', value: 38.4 });
  });
});

describe('startTrickle', () => {
  it('writes every interval, reports each failed write once, goes on, and stops for good', async () => {
    const answers: Array<InProcessAnswer | Error> = [
      { status: 201, headers: {}, body: {} },
      { status: 400, headers: {}, body: { resourceType: 'OperationOutcome', issue: [{ details: { text: 'bad' } }] } },
      new Error('boom'),
      { status: 201, headers: {}, body: {} },
    ];
    const calls: Array<{ method: string; path: string; body: unknown }> = [];
    const failures: string[] = [];
    const trickle = startTrickle({
      server: {
        async request(method, path, body) {
          calls.push({ method, path, body });
          const answer = answers.shift() ?? { status: 201, headers: {}, body: {} };
          if (answer instanceof Error) throw answer;
          return answer;
        },
      },
      patientIds: PATIENTS,
      intervalMs: 20,
      onFailure: (message) => failures.push(message),
    });
    await until(() => calls.length >= 4, 5_000, 'four writes');
    await trickle.stop();
    const after = calls.length;
    expect(calls.every((c) => c.method === 'POST' && c.path === 'Observation')).toBe(true);
    expect(failures).toEqual([
      expect.stringMatching(/^demo trickle: writing a new Observation of Patient\/pat-\d{4} to the demo server failed \(HTTP 400: bad\)/),
      expect.stringMatching(/failed \(boom\); trying again in 20 ms$/),
    ]);
    expect(trickle.written).toBe(after - 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(calls.length).toBe(after);
  });
});

describe('MemoryFhirServer.request', () => {
  let server: MemoryFhirServer;
  let hook: Server;
  const received: Array<{ url: string; secret: string | undefined; body: string }> = [];
  beforeAll(async () => {
    server = await startMemoryFhirServer({ data: { patients: 2 } });
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ url: req.url ?? '', secret: req.headers['x-hook-secret'] as string | undefined, body });
        res.end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await server?.close();
    await new Promise((resolve) => hook?.close(resolve));
  });

  it('serves reads and writes in process, unrecorded, and a write notifies the Subscriptions as one over HTTP does', async () => {
    expect(await server.request('GET', 'Patient/pat-0001')).toMatchObject({ status: 200, body: { resourceType: 'Patient', id: 'pat-0001' } });
    expect((await server.request('GET', 'Patient/nope')).status).toBe(404);
    const endpoint = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hooks/demo`;
    const subscription = await server.request('POST', '/Subscription', {
      resourceType: 'Subscription', status: 'requested', reason: 'test', criteria: 'Observation',
      channel: { type: 'rest-hook', endpoint, payload: 'application/fhir+json', header: ['X-Hook-Secret: s3cr3t-s3cr3t-s3cr3t'] },
    });
    expect(subscription.status).toBe(201);
    const created = await server.request('POST', 'Observation', trickleObservation(['pat-0002'], 0, new Date()));
    expect(created).toMatchObject({ status: 201, headers: { location: expect.stringContaining('/Observation/') }, body: { resourceType: 'Observation' } });
    await server.notificationsSent();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ url: '/hooks/demo', secret: 's3cr3t-s3cr3t-s3cr3t' });
    expect(JSON.parse(received[0]!.body)).toMatchObject({ id: (created.body as { id: string }).id, subject: { reference: 'Patient/pat-0002' } });
    expect(server.requests).toEqual([]);
  });
});
