import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/upstream/upstream-error.ts';
import type { UpstreamAttemptInfo } from '../../src/upstream/upstream-client.ts';
import { JSON_HEADERS, outcome, rejection, useMockUpstream } from './helpers.ts';

const mock = useMockUpstream();
const { client, sequence } = mock;

describe('UpstreamClient with MockAgent: retries', () => {
  it('GET failing 503 twice then 200 costs exactly 3 upstream calls', async () => {
    const state = sequence('/fhir/Patient', 'GET', [{ status: 503 }, { status: 503 }, { status: 200, body: { resourceType: 'Bundle' } }]);
    const res = await client({ retries: 2 }).request({ method: 'GET', path: 'Patient?_id=a' });
    expect(res.body).toEqual({ resourceType: 'Bundle' });
    expect(state.calls).toBe(3);
  });

  it('when retries run out, the last real answer (with its OperationOutcome) is mapped', async () => {
    const state = sequence('/fhir/Patient', 'GET', [{ status: 503, body: outcome('maintenance', 'transient') }]);
    const err = (await rejection(client({ retries: 2 }).request({ method: 'GET', path: 'Patient' }))) as UpstreamError;
    expect(state.calls).toBe(3);
    expect(err.code).toBe('UPSTREAM_ERROR');
    expect(err.upstreamStatus).toBe(503);
    expect(err.message).toBe("Upstream 'demo' answered 503 to GET Patient: maintenance");
  });

  it('retries 429 with Retry-After: 0 at once and with Retry-After: 1 after about a second', async () => {
    const zero = sequence('/fhir/A', 'GET', [{ status: 429, headers: { 'retry-after': '0' } }, { status: 200, body: {} }]);
    await client().request({ method: 'GET', path: 'A' });
    expect(zero.calls).toBe(2);

    const one = sequence('/fhir/B', 'GET', [{ status: 429, headers: { 'retry-after': '1' } }, { status: 200, body: {} }]);
    const started = Date.now();
    await client().request({ method: 'GET', path: 'B' });
    expect(one.calls).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('does not wait for a Retry-After that ends past the deadline: answers with the 429 at once', async () => {
    const state = sequence('/fhir/C', 'GET', [{ status: 429, headers: { 'retry-after': '30' } }, { status: 200, body: {} }]);
    const started = Date.now();
    const err = (await rejection(client({ timeoutMs: 2_000 }).request({ method: 'GET', path: 'C' }))) as UpstreamError;
    expect(err.upstreamStatus).toBe(429);
    expect(state.calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'] as const)('never retries %s (503 costs exactly 1 call)', async (method) => {
    const state = sequence('/fhir/Patient', method, [{ status: 503 }, { status: 200, body: {} }]);
    const err = (await rejection(client({ retries: 3 }).request({ method, path: 'Patient', body: '{}' }))) as UpstreamError;
    expect(err.code).toBe('UPSTREAM_ERROR');
    expect(state.calls).toBe(1);
  });

  it('never retries a POST on a network error', async () => {
    const econnreset = Object.assign(new Error('reset'), { code: 'ECONNRESET' });
    mock.pool.intercept({ path: '/fhir/Patient', method: 'POST' }).replyWithError(econnreset).times(2);
    const err = (await rejection(client().request({ method: 'POST', path: 'Patient', body: '{}' }))) as UpstreamError;
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(mock.agent.pendingInterceptors()).toHaveLength(1); // the second reply was never asked for
  });

  it.each([400, 404, 500])('does not retry %i', async (status) => {
    const state = sequence('/fhir/Patient', 'GET', [{ status }, { status: 200, body: {} }]);
    await rejection(client({ retries: 3 }).request({ method: 'GET', path: 'Patient' }));
    expect(state.calls).toBe(1);
  });

  it('retries: 0 means one attempt', async () => {
    const state = sequence('/fhir/Patient', 'GET', [{ status: 503 }, { status: 200, body: {} }]);
    await rejection(client({ retries: 0 }).request({ method: 'GET', path: 'Patient' }));
    expect(state.calls).toBe(1);
  });

  it('reports every attempt to onResponse, without query strings', async () => {
    sequence('/fhir/Patient', 'GET', [{ status: 503 }, { status: 200, body: {} }]);
    const infos: UpstreamAttemptInfo[] = [];
    await client({ onResponse: (info) => infos.push(info) }).request({ method: 'GET', path: 'Patient?identifier=123' });
    expect(infos.map(({ ms: _ms, ...rest }) => rest)).toEqual([
      { sourceId: 'demo', method: 'GET', path: 'Patient', status: 503, attempt: 1 },
      { sourceId: 'demo', method: 'GET', path: 'Patient', status: 200, attempt: 2 },
    ]);
    expect(infos.every((i) => i.ms >= 0)).toBe(true);
  });
});

describe('UpstreamClient with MockAgent: concurrency, deadline, abort', () => {
  it('keeps at most maxConcurrency requests in flight, the rest wait in FIFO order', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const order: string[] = [];
    mock.pool
      .intercept({ path: (p) => p.startsWith('/fhir/Patient/'), method: 'GET' })
      .reply(async (opts) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        order.push(opts.path);
        await new Promise((r) => setTimeout(r, 30));
        inFlight--;
        return { statusCode: 200, data: '{}', responseOptions: { headers: JSON_HEADERS } };
      })
      .persist();
    const c = client({ maxConcurrency: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((i) => c.request({ method: 'GET', path: `Patient/${i}` })));
    expect(maxInFlight).toBe(2);
    expect(order).toEqual(['/fhir/Patient/1', '/fhir/Patient/2', '/fhir/Patient/3', '/fhir/Patient/4', '/fhir/Patient/5']);
  });

  it('a queued request times out at its deadline without ever being sent', async () => {
    let calls = 0;
    mock.pool
      .intercept({ path: '/fhir/Slow', method: 'GET' })
      .reply(async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 300));
        return { statusCode: 200, data: '{}', responseOptions: { headers: JSON_HEADERS } };
      })
      .persist();
    const c = client({ maxConcurrency: 1 });
    const first = c.request({ method: 'GET', path: 'Slow' });
    const queued = rejection(c.request({ method: 'GET', path: 'Slow', deadline: Date.now() + 50 }));
    const err = (await queued) as UpstreamError;
    expect(err.code).toBe('UPSTREAM_TIMEOUT');
    await first;
    expect(calls).toBe(1);
  });

  it('a deadline in the past fails with UPSTREAM_TIMEOUT and sends nothing', async () => {
    const state = sequence('/fhir/Patient/1', 'GET', [{ status: 200, body: {} }]);
    const err = (await rejection(client().request({ method: 'GET', path: 'Patient/1', deadline: Date.now() - 1 }))) as UpstreamError;
    expect(err.code).toBe('UPSTREAM_TIMEOUT');
    expect(state.calls).toBe(0);
  });

  it('an already aborted caller signal rejects with its reason', async () => {
    const controller = new AbortController();
    const reason = new Error('client went away');
    controller.abort(reason);
    const err = await rejection(client().request({ method: 'GET', path: 'Patient/1', signal: controller.signal }));
    expect(err).toBe(reason);
  });

  it('retries while the Retry-After fits before the deadline, then answers with the last real response', async () => {
    const state = sequence('/fhir/Patient', 'GET', [{ status: 503, headers: { 'retry-after': '1' } }]);
    const started = Date.now();
    const err = (await rejection(client().request({ method: 'GET', path: 'Patient', deadline: Date.now() + 1_500 }))) as UpstreamError;
    // Retry-After 1 s fits before the deadline, the second 503 asks for another second that does not: the 503 is answered.
    expect(state.calls).toBe(2);
    expect(err.upstreamStatus).toBe(503);
    expect(Date.now() - started).toBeLessThan(1_450);
  });

  it('a caller abort during the retry backoff ends the request at once', async () => {
    sequence('/fhir/Patient', 'GET', [{ status: 503, headers: { 'retry-after': '3' } }]);
    const controller = new AbortController();
    const started = Date.now();
    const pending = rejection(client().request({ method: 'GET', path: 'Patient', signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);
    const err = await pending;
    expect((err as Error).name).toBe('AbortError');
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
