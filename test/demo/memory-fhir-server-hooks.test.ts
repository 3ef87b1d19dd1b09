import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemoryFhirServer } from '../../src/demo/memory-fhir-server.ts';
import { startUpstream } from '../helpers/upstream.ts';

let server: MemoryFhirServer;

beforeAll(async () => {
  server = await startUpstream({ patients: 3 });
});
afterAll(() => server.close());

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const result = await fn();
  return [result, performance.now() - t0];
}

const waitFor = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
};

describe('memory FHIR server test hooks', () => {
  it('latency delays every answer, /metadata included', async () => {
    server.setLatency(150);
    try {
      const [res, ms] = await timed(() => fetch(`${server.baseUrl}/metadata`));
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      expect(ms).toBeGreaterThanOrEqual(140);
      const [, readMs] = await timed(() => fetch(`${server.baseUrl}/Patient/pat-0001`).then((r) => r.json()));
      expect(readMs).toBeGreaterThanOrEqual(140);
    } finally {
      server.setLatency(0);
    }
    const [, fast] = await timed(() => fetch(`${server.baseUrl}/Patient/pat-0001`).then((r) => r.json()));
    expect(fast).toBeLessThan(140);
  });

  it('latencyMs option applies from the start', async () => {
    const slow = await startUpstream({ patients: 1, latencyMs: 100 });
    try {
      const [, ms] = await timed(() => fetch(`${slow.baseUrl}/Patient/pat-0001`).then((r) => r.json()));
      expect(ms).toBeGreaterThanOrEqual(90);
    } finally {
      await slow.close();
    }
  });

  it('status fault answers with the given status; count is per installed hook', async () => {
    const seen: { method: string; url: string; count: number }[] = [];
    server.setFault((req) => {
      seen.push(req);
      return req.count === 1 ? { kind: 'status', status: 503, headers: { 'retry-after': '1' } } : undefined;
    });
    try {
      const first = await fetch(`${server.baseUrl}/Patient/pat-0001`);
      expect(first.status).toBe(503);
      expect(first.headers.get('retry-after')).toBe('1');
      expect(((await first.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
      const second = await fetch(`${server.baseUrl}/Patient/pat-0001`);
      expect(second.status).toBe(200);
      await second.json();
      expect(seen).toEqual([
        { method: 'GET', url: '/Patient/pat-0001', count: 1 },
        { method: 'GET', url: '/Patient/pat-0001', count: 2 },
      ]);
      server.setFault(() => ({ kind: 'status', status: 500, body: 'boom' }));
      const custom = await fetch(`${server.baseUrl}/Patient/pat-0001`);
      expect([custom.status, await custom.text()]).toEqual([500, 'boom']);
    } finally {
      server.setFault(undefined);
    }
  });

  it('invalid-json and empty faults answer 200 with unusable bodies', async () => {
    server.setFault(() => ({ kind: 'invalid-json' }));
    const invalid = await fetch(`${server.baseUrl}/Patient`);
    expect(invalid.status).toBe(200);
    expect(invalid.headers.get('content-type')).toContain('application/fhir+json');
    await expect(invalid.json()).rejects.toThrow();
    server.setFault(() => ({ kind: 'empty' }));
    const empty = await fetch(`${server.baseUrl}/Patient`);
    expect(empty.status).toBe(200);
    expect(await empty.text()).toBe('');
    server.setFault(undefined);
  });

  it('reset destroys the connection without an answer', async () => {
    server.setFault(() => ({ kind: 'reset' }));
    await expect(fetch(`${server.baseUrl}/Patient/pat-0001`)).rejects.toThrow();
    server.setFault(undefined);
    expect((await fetch(`${server.baseUrl}/Patient/pat-0001`)).status).toBe(200);
  });

  it('hang never answers', async () => {
    server.setFault((req) => (req.url.includes('hang-me') ? { kind: 'hang' } : undefined));
    try {
      await expect(fetch(`${server.baseUrl}/Patient/hang-me`, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
      const other = await fetch(`${server.baseUrl}/Patient/pat-0002`); // other requests still served
      expect(other.status).toBe(200);
      await other.arrayBuffer();
    } finally {
      server.setFault(undefined);
    }
  });

  it('close() returns promptly while a request hangs, and the client sees the connection end', async () => {
    const s = await startUpstream({ patients: 1, latencyMs: 5_000 });
    s.setFault((req) => (req.url.includes('hang') ? { kind: 'hang' } : undefined));
    const hung = fetch(`${s.baseUrl}/Patient/hang`).then(() => 'answered', () => 'failed');
    const delayed = fetch(`${s.baseUrl}/Patient/pat-0001`).then(() => 'answered', () => 'failed'); // waiting on latency
    await waitFor(() => s.requests.length === 2);
    const [, ms] = await timed(() => s.close());
    expect(ms).toBeLessThan(500);
    expect(await hung).toBe('failed');
    expect(await delayed).toBe('failed');
  });
});
