import { afterEach, beforeEach } from 'vitest';
import { MockAgent } from 'undici';
import type { Interceptable } from 'undici';
import { UpstreamClient, type UpstreamClientOptions } from '../../src/upstream/upstream-client.ts';

export const ORIGIN = 'http://fhir.test';
export const BASE = `${ORIGIN}/fhir`;
export const JSON_HEADERS = { 'content-type': 'application/fhir+json; charset=utf-8' };

export function mockUpstream(): { agent: MockAgent; pool: Interceptable } {
  const agent = new MockAgent();
  agent.disableNetConnect();
  return { agent, pool: agent.get(ORIGIN) };
}

export function clientOptions(overrides: Partial<UpstreamClientOptions> = {}): UpstreamClientOptions {
  return {
    sourceId: 'demo',
    baseUrl: BASE,
    timeoutMs: 5_000,
    connectTimeoutMs: 1_000,
    maxConnections: 4,
    maxConcurrency: 8,
    retries: 2,
    headers: { authorization: 'Bearer s3cret-token' },
    ...overrides,
  };
}

export function newClient(overrides: Partial<UpstreamClientOptions> = {}): UpstreamClient {
  return new UpstreamClient(clientOptions(overrides));
}

export function outcome(diagnostics: string, code = 'invalid'): object {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] };
}

/** Resolves with the rejection of `promise` (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject');
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Makes `pool` answer `method path` (any query) with `replies` in order (the last one repeats), counting calls. */
export function sequence(pool: Interceptable, path: string, method: string, replies: Reply[]) {
  const state = { calls: 0, seen: [] as Array<{ path: string; headers: Record<string, string> }> };
  pool
    .intercept({ path: (p) => p.split('?')[0] === path, method })
    .reply((opts) => {
      const reply = replies[Math.min(state.calls, replies.length - 1)]!;
      state.calls++;
      state.seen.push({ path: opts.path, headers: { ...(opts.headers as Record<string, string>) } });
      const data = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      return { statusCode: reply.status, data, responseOptions: { headers: { ...JSON_HEADERS, ...reply.headers } } };
    })
    .persist();
  return state;
}

/**
 * A fresh MockAgent (network disabled) per test, closed after it, with a client bound to it and a reply
 * sequence helper on its pool. Call once at the top of a test file.
 */
export function useMockUpstream() {
  let current: { agent: MockAgent; pool: Interceptable } | undefined;
  beforeEach(() => {
    current = mockUpstream();
  });
  afterEach(async () => {
    await current?.agent.close();
  });
  const mock = {
    get agent(): MockAgent {
      return current!.agent;
    },
    get pool(): Interceptable {
      return current!.pool;
    },
    client: (overrides: Partial<UpstreamClientOptions> = {}) => newClient({ dispatcher: current!.agent, ...overrides }),
    sequence: (path: string, method: string, replies: Reply[]) => sequence(current!.pool, path, method, replies),
  };
  return mock;
}
