import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamClient, type UpstreamAttemptInfo } from '../../src/upstream/upstream-client.ts';
import { UpstreamError } from '../../src/upstream/upstream-error.ts';
import { clientOptions, rejection } from './helpers.ts';

/** Real sockets on 127.0.0.1: timeouts, resets, refused connections, aborts, keep-alive. */

const servers: Server[] = [];
const clients: UpstreamClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

interface Upstream {
  baseUrl: string;
  requests: number;
  connections: number;
}

async function startUpstream(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<Upstream> {
  const upstream: Upstream = { baseUrl: '', requests: 0, connections: 0 };
  const server = createServer((req, res) => handler(req, res, ++upstream.requests));
  server.on('connection', () => upstream.connections++);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  upstream.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
  return upstream;
}

function client(baseUrl: string, overrides: Parameters<typeof clientOptions>[0] = {}): UpstreamClient {
  const c = new UpstreamClient(clientOptions({ baseUrl, ...overrides }));
  clients.push(c);
  return c;
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/fhir+json' });
  res.end(JSON.stringify(body));
}

describe('UpstreamClient over real sockets', () => {
  it('reads JSON and keeps the connection alive between requests', async () => {
    const upstream = await startUpstream((req, res) => answer(res, 200, { resourceType: 'Patient', id: '1', path: req.url }));
    // One pool connection: the second request must reuse the first socket (with more connections undici may open a
    // second socket when the next request is dispatched in the same tick the first body ends).
    const c = client(upstream.baseUrl, { maxConnections: 1 });
    expect(await c.getJson('Patient/1')).toEqual({ resourceType: 'Patient', id: '1', path: '/fhir/Patient/1' });
    expect(await c.getJson('Patient/1')).toMatchObject({ id: '1' });
    expect(upstream.requests).toBe(2);
    expect(upstream.connections).toBe(1);
  });

  it('a server that never answers gives UPSTREAM_TIMEOUT after about timeoutMs', async () => {
    const upstream = await startUpstream(() => {});
    const timeoutMs = 300;
    const started = Date.now();
    const err = (await rejection(client(upstream.baseUrl, { timeoutMs }).request({ method: 'GET', path: 'Patient/1' }))) as UpstreamError;
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.code).toBe('UPSTREAM_TIMEOUT');
    expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 20);
    expect(elapsed).toBeLessThan(timeoutMs + 1_000);
    expect(upstream.requests).toBe(1); // a timeout is not retried
  });

  it('a body that stalls after the headers gives UPSTREAM_TIMEOUT', async () => {
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/fhir+json' });
      res.write('{"resourceType":');
    });
    const err = (await rejection(client(upstream.baseUrl, { timeoutMs: 300 }).getJson('Patient/1'))) as UpstreamError;
    expect(err.code).toBe('UPSTREAM_TIMEOUT');
  });

  it('a server that destroys the socket gives UPSTREAM_UNAVAILABLE, after retrying the GET', async () => {
    const upstream = await startUpstream((req) => req.socket.destroy());
    const attempts: UpstreamAttemptInfo[] = [];
    const c = client(upstream.baseUrl, { retries: 2, onResponse: (info) => attempts.push(info) });
    const err = (await rejection(c.request({ method: 'GET', path: 'Patient/1' }))) as UpstreamError;
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(upstream.requests).toBe(3);
    expect(attempts.map((a) => [a.attempt, a.status, a.error])).toEqual([
      [1, 0, 'UND_ERR_SOCKET'],
      [2, 0, 'UND_ERR_SOCKET'],
      [3, 0, 'UND_ERR_SOCKET'],
    ]);
  });

  it('a GET whose first two attempts hit a destroyed socket succeeds on the third', async () => {
    const upstream = await startUpstream((req, res, n) => (n <= 2 ? req.socket.destroy() : answer(res, 200, { ok: true })));
    expect(await client(upstream.baseUrl, { retries: 2 }).getJson('Patient/1')).toEqual({ ok: true });
    expect(upstream.requests).toBe(3);
  });

  it('a socket destroyed in the middle of the body gives UPSTREAM_UNAVAILABLE, not a hang or a crash', async () => {
    const upstream = await startUpstream((req, res) => {
      res.writeHead(200, { 'content-type': 'application/fhir+json', 'content-length': '100' });
      res.write('{"resourceType":"Bundle",');
      setTimeout(() => req.socket.destroy(), 10);
    });
    const err = (await rejection(client(upstream.baseUrl, { retries: 2 }).getJson('Patient'))) as UpstreamError;
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(upstream.requests).toBeLessThanOrEqual(3);
  });

  it('a POST that hits a destroyed socket is not retried', async () => {
    const upstream = await startUpstream((req) => req.socket.destroy());
    const err = (await rejection(
      client(upstream.baseUrl, { retries: 2 }).request({ method: 'POST', path: 'Patient', body: '{"resourceType":"Patient"}' }),
    )) as UpstreamError;
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(upstream.requests).toBe(1);
  });

  it('a refused connection gives UPSTREAM_UNAVAILABLE', async () => {
    const probe = await startUpstream(() => {});
    const server = servers.pop()!;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const err = (await rejection(client(probe.baseUrl, { retries: 1 }).request({ method: 'GET', path: 'metadata' }))) as UpstreamError;
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(err.message).toBe("Upstream 'demo' is unavailable for GET metadata: connection refused");
  });

  it('a near deadline gives UPSTREAM_TIMEOUT before timeoutMs', async () => {
    const upstream = await startUpstream((_req, res) => setTimeout(() => answer(res, 200, {}), 2_000));
    const started = Date.now();
    const err = (await rejection(
      client(upstream.baseUrl, { timeoutMs: 5_000 }).request({ method: 'GET', path: 'Patient', deadline: Date.now() + 150 }),
    )) as UpstreamError;
    expect(err.code).toBe('UPSTREAM_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('a deadline in the past gives UPSTREAM_TIMEOUT without connecting', async () => {
    const upstream = await startUpstream((_req, res) => answer(res, 200, {}));
    const err = (await rejection(client(upstream.baseUrl).request({ method: 'GET', path: 'Patient', deadline: Date.now() - 10 }))) as UpstreamError;
    expect(err.code).toBe('UPSTREAM_TIMEOUT');
    expect(upstream.connections).toBe(0);
  });

  it("a caller abort rejects with the caller's reason, not retried, and frees the slot", async () => {
    const upstream = await startUpstream((req, res) => {
      if (req.url === '/fhir/hang') return;
      answer(res, 200, { ok: true });
    });
    const c = client(upstream.baseUrl, { maxConcurrency: 1 });
    const controller = new AbortController();
    const pending = rejection(c.request({ method: 'GET', path: 'hang', signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);
    const err = await pending;
    expect((err as Error).name).toBe('AbortError');
    expect(upstream.requests).toBe(1);
    expect(await c.getJson('ok')).toEqual({ ok: true });
  });
});
