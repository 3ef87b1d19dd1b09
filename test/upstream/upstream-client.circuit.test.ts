import { describe, expect, it } from 'vitest';
import type { UpstreamClientOptions } from '../../src/upstream/upstream-client.ts';
import { UpstreamError } from '../../src/upstream/upstream-error.ts';
import { JSON_HEADERS, rejection, useMockUpstream } from './helpers.ts';
import { toGraphQLError } from '../../src/graphql/graphql-errors.ts';

const mock = useMockUpstream();

/** A client with a breaker on a fake clock, collecting its log lines. */
function breakerClient(overrides: Partial<UpstreamClientOptions> = {}) {
  const clock = { now: 5_000_000 };
  const logs: Array<[string, string]> = [];
  const client = mock.client({
    retries: 0,
    circuitBreaker: { failureThreshold: 3, resetTimeoutMs: 30_000 },
    now: () => clock.now,
    log: (level, message) => logs.push([level, message]),
    ...overrides,
  });
  return { client, clock, logs };
}

/** Replies to GET `path` with the statuses in `statuses` in turn (the last repeats); a reply can be held back by `gate`. */
function script(path: string, statuses: number[]) {
  const state = { calls: 0, gate: undefined as Promise<void> | undefined };
  mock.pool
    .intercept({ path: (p) => p.split('?')[0] === path, method: 'GET' })
    .reply(async () => {
      const status = statuses[Math.min(state.calls, statuses.length - 1)]!;
      state.calls++;
      if (state.gate) await state.gate;
      return { statusCode: status, data: JSON.stringify({ resourceType: 'Patient', id: '1' }), responseOptions: { headers: JSON_HEADERS } };
    })
    .persist();
  return state;
}

describe('UpstreamClient circuit breaker', () => {
  it('opens after N failures, then fails fast with SOURCE_UNAVAILABLE without sending anything', async () => {
    const upstream = script('/fhir/Patient/1', [503]);
    const { client, logs } = breakerClient();
    for (let i = 0; i < 3; i++) {
      expect(((await rejection(client.request({ method: 'GET', path: 'Patient/1' }))) as UpstreamError).code).toBe('UPSTREAM_ERROR');
    }
    expect(client.circuitState).toBe('open');
    expect(upstream.calls).toBe(3);
    expect(logs).toEqual([['warn', "source 'demo': circuit opened after 3 consecutive failures; probing again in 30s"]]);

    const err = (await rejection(client.request({ method: 'GET', path: 'Patient/1' }))) as UpstreamError;
    expect(upstream.calls).toBe(3); // nothing sent
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.code).toBe('SOURCE_UNAVAILABLE');
    expect(err.message).toBe("Source 'demo' is unavailable: its circuit is open after repeated failures; it is probed again in 30s");
    expect(toGraphQLError(err, undefined, 'request').extensions).toMatchObject({ code: 'SOURCE_UNAVAILABLE', source: 'demo', http: { status: 503 }, retryAfterMs: 30_000 });
    expect(err.httpStatus).toBe(503);
  });

  it('fails fast before the concurrency queue: a full queue does not delay the refusal', async () => {
    const upstream = script('/fhir/Patient/1', [503]);
    const { client, clock } = breakerClient({ maxConcurrency: 1, circuitBreaker: { failureThreshold: 1, resetTimeoutMs: 1_000 } });
    await rejection(client.request({ method: 'GET', path: 'Patient/1' }));
    clock.now += 1_000;
    let release!: () => void;
    upstream.gate = new Promise((r) => (release = r));
    const probe = client.request({ method: 'GET', path: 'Patient/1' }); // holds the only slot
    const started = Date.now();
    const err = (await rejection(client.request({ method: 'GET', path: 'Patient/1' }))) as UpstreamError;
    expect(err.code).toBe('SOURCE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(50);
    release();
    await rejection(probe);
  });

  it('after the reset timeout, one probe goes out while a concurrent call fails fast; the probe\'s success closes it', async () => {
    const upstream = script('/fhir/Patient/1', [503, 503, 503, 200]);
    const { client, clock, logs } = breakerClient();
    for (let i = 0; i < 3; i++) await rejection(client.request({ method: 'GET', path: 'Patient/1' }));
    clock.now += 29_999;
    expect(((await rejection(client.request({ method: 'GET', path: 'Patient/1' }))) as UpstreamError).code).toBe('SOURCE_UNAVAILABLE');
    clock.now += 1;
    expect(client.circuitState).toBe('half-open');

    let release!: () => void;
    upstream.gate = new Promise((r) => (release = r));
    const probe = client.request({ method: 'GET', path: 'Patient/1' });
    const concurrent = (await rejection(client.request({ method: 'GET', path: 'Patient/1' }))) as UpstreamError;
    expect(concurrent.code).toBe('SOURCE_UNAVAILABLE');
    expect(concurrent.message).toBe("Source 'demo' is unavailable: its circuit is half-open after repeated failures; a probe request is checking whether it is back");
    release();
    expect((await probe).status).toBe(200);
    expect(upstream.calls).toBe(4); // 3 failures + 1 probe; the concurrent call sent nothing
    expect(client.circuitState).toBe('closed');
    expect(logs.map(([, m]) => m)).toEqual([
      "source 'demo': circuit opened after 3 consecutive failures; probing again in 30s",
      "source 'demo': circuit half-open, letting one probe request through",
      "source 'demo': circuit closed, probe succeeded",
    ]);
    upstream.gate = undefined;
    await Promise.all([1, 2, 3].map(() => client.request({ method: 'GET', path: 'Patient/1' })));
    expect(upstream.calls).toBe(7);
  });

  it('a failed probe opens it again for another reset timeout', async () => {
    const upstream = script('/fhir/Patient/1', [502]);
    const { client, clock, logs } = breakerClient({ circuitBreaker: { failureThreshold: 2, resetTimeoutMs: 500 } });
    for (let i = 0; i < 2; i++) await rejection(client.request({ method: 'GET', path: 'Patient/1' }));
    clock.now += 500;
    expect(((await rejection(client.request({ method: 'GET', path: 'Patient/1' }))) as UpstreamError).upstreamStatus).toBe(502);
    expect(client.circuitState).toBe('open');
    expect(logs.at(-1)).toEqual(['warn', "source 'demo': circuit opened again, probe failed; probing again in 500ms"]);
    expect(((await rejection(client.request({ method: 'GET', path: 'Patient/1' }))) as UpstreamError).code).toBe('SOURCE_UNAVAILABLE');
    expect(upstream.calls).toBe(3);
  });

  it('one failure is one logical request: a GET whose retries all fail counts once', async () => {
    const upstream = script('/fhir/Patient/1', [503]);
    const { client } = breakerClient({ retries: 2, circuitBreaker: { failureThreshold: 2, resetTimeoutMs: 1_000 } });
    await rejection(client.request({ method: 'GET', path: 'Patient/1' }));
    expect(upstream.calls).toBe(3);
    expect(client.circuitState).toBe('closed');
    await rejection(client.request({ method: 'GET', path: 'Patient/1' }));
    expect(client.circuitState).toBe('open');
  });

  it('a GET that recovers on retry is a success', async () => {
    const upstream = script('/fhir/Patient/1', [503, 200]);
    const { client } = breakerClient({ retries: 2, circuitBreaker: { failureThreshold: 1, resetTimeoutMs: 1_000 } });
    expect((await client.request({ method: 'GET', path: 'Patient/1' })).status).toBe(200);
    expect(upstream.calls).toBe(2);
    expect(client.circuitState).toBe('closed');
  });

  it('4xx answers (404, 400, 401, 412) say the source is up: they never open the circuit', async () => {
    const upstream = script('/fhir/Patient/1', [404, 400, 401, 412, 404, 400]);
    const { client } = breakerClient({ circuitBreaker: { failureThreshold: 1, resetTimeoutMs: 1_000 } });
    for (let i = 0; i < 6; i++) await rejection(client.request({ method: 'GET', path: 'Patient/1' }));
    expect(upstream.calls).toBe(6);
    expect(client.circuitState).toBe('closed');
  });

  it('4xx in between resets the count of consecutive failures', async () => {
    script('/fhir/Patient/1', [500, 500, 404, 500, 500, 500]);
    const { client } = breakerClient();
    for (let i = 0; i < 5; i++) await rejection(client.request({ method: 'GET', path: 'Patient/1' }));
    expect(client.circuitState).toBe('closed');
    await rejection(client.request({ method: 'GET', path: 'Patient/1' }));
    expect(client.circuitState).toBe('open');
  });

  it('network errors and timeouts are failures', async () => {
    const econnrefused = Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
    mock.pool.intercept({ path: '/fhir/Down', method: 'GET' }).replyWithError(econnrefused).times(2);
    mock.pool.intercept({ path: '/fhir/Slow', method: 'GET' }).reply(200, '{}', { headers: JSON_HEADERS }).delay(300);
    const { client } = breakerClient({ timeoutMs: 50 });
    expect(((await rejection(client.request({ method: 'GET', path: 'Down' }))) as UpstreamError).code).toBe('UPSTREAM_UNAVAILABLE');
    expect(((await rejection(client.request({ method: 'GET', path: 'Down' }))) as UpstreamError).code).toBe('UPSTREAM_UNAVAILABLE');
    expect(client.circuitState).toBe('closed');
    expect(((await rejection(client.request({ method: 'GET', path: 'Slow' }))) as UpstreamError).code).toBe('UPSTREAM_TIMEOUT');
    expect(client.circuitState).toBe('open');
  });

  it('caller aborts and deadlines passed before sending are neutral', async () => {
    const upstream = script('/fhir/Patient/1', [503]); // would open the circuit if either counted as a failure
    const { client } = breakerClient({ circuitBreaker: { failureThreshold: 1, resetTimeoutMs: 1_000 } });
    let release!: () => void;
    upstream.gate = new Promise((r) => (release = r));
    const controller = new AbortController();
    const aborted = rejection(client.request({ method: 'GET', path: 'Patient/1', signal: controller.signal }));
    setTimeout(() => controller.abort(new Error('client went away')), 10);
    setTimeout(release, 30); // MockAgent's reply does not end at the abort; a real socket would
    expect(((await aborted) as Error).message).toBe('client went away');
    expect(((await rejection(client.request({ method: 'GET', path: 'Patient/1', deadline: Date.now() - 1 }))) as UpstreamError).code).toBe('UPSTREAM_TIMEOUT');
    expect(client.circuitState).toBe('closed');
  });

  it('writes count too (a POST answered 503 is a failure, sent exactly once)', async () => {
    let calls = 0;
    mock.pool.intercept({ path: '/fhir/Patient', method: 'POST' }).reply(() => {
      calls++;
      return { statusCode: 503, data: '', responseOptions: { headers: JSON_HEADERS } };
    }).persist();
    const { client } = breakerClient({ retries: 3, circuitBreaker: { failureThreshold: 2, resetTimeoutMs: 1_000 } });
    await rejection(client.request({ method: 'POST', path: 'Patient', body: '{}' }));
    expect(calls).toBe(1);
    await rejection(client.request({ method: 'POST', path: 'Patient', body: '{}' }));
    expect(calls).toBe(2);
    expect(client.circuitState).toBe('open');
    expect(((await rejection(client.request({ method: 'POST', path: 'Patient', body: '{}' }))) as UpstreamError).code).toBe('SOURCE_UNAVAILABLE');
    expect(calls).toBe(2);
  });

  it('no breaker without the option, or with failureThreshold 0', async () => {
    const upstream = script('/fhir/Patient/1', [503]);
    for (const client of [mock.client({ retries: 0 }), mock.client({ retries: 0, circuitBreaker: { failureThreshold: 0, resetTimeoutMs: 1 } })]) {
      for (let i = 0; i < 10; i++) await rejection(client.request({ method: 'GET', path: 'Patient/1' }));
      expect(client.circuitState).toBe('closed');
    }
    expect(upstream.calls).toBe(20);
  });
});
