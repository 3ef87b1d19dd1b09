// Clients a test drives the graphql-ws transport with, over real loopback sockets: the graphql-ws library's own client
// (as an application would use it) and a raw `ws` socket that speaks the protocol message by message (for the close
// codes). Every wait is bounded.
import type { FormattedExecutionResult as ExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

type Json = Record<string, any>;

/** `ws://host:port/graphql` for a gateway's `http://host:port`. */
export const wsUrl = (httpUrl: string, path = '/graphql') => `${httpUrl.replace(/^http/, 'ws')}${path}`;

/** Resolves when `check` is true, polling every 10 ms; rejects after `timeoutMs`. */
export async function until(check: () => boolean, timeoutOrWhat: number | string = 5_000, what = 'condition'): Promise<void> {
  const timeoutMs = typeof timeoutOrWhat === 'number' ? timeoutOrWhat : 5_000;
  if (typeof timeoutOrWhat === 'string') what = timeoutOrWhat;
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

/** A graphql-ws client that never retries (a close is the test's to see), and what it saw close it. */
export function gqlClient(httpUrl: string, options: { connectionParams?: Json; headers?: Record<string, string> } = {}): Client & { closes: Closed[] } {
  const closes: Closed[] = [];
  const headers = options.headers;
  class HeaderSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, headers ? { headers } : {});
    }
  }
  const client = createClient({
    url: wsUrl(httpUrl),
    webSocketImpl: headers ? HeaderSocket : WebSocket,
    retryAttempts: 0,
    lazy: true,
    ...(options.connectionParams ? { connectionParams: options.connectionParams } : {}),
    on: { closed: (event) => void closes.push({ code: (event as { code: number }).code, reason: String((event as { reason: unknown }).reason) }) },
  });
  return Object.assign(client, { closes });
}

export interface Watched {
  readonly results: ExecutionResult<Json, Json>[];
  /** When each result arrived (Date.now()). */
  readonly receivedAt: number[];
  /** The error the operation ended with (graphql-ws `error` message or a close), if any. */
  error: unknown;
  completed: boolean;
  /** The first `n` results, waiting up to `timeoutMs`. */
  waitFor(n: number, timeoutMs?: number): Promise<ExecutionResult<Json, Json>[]>;
  /** Resolves once the operation ended (complete, error or close). */
  ended(timeoutMs?: number): Promise<void>;
  stop(): void;
}

/** Subscribes (or runs a query) through the client and collects what comes back. */
export function watch(client: Client, query: string, variables?: Json): Watched {
  const watched: Watched = {
    results: [],
    receivedAt: [],
    error: undefined,
    completed: false,
    async waitFor(n, timeoutMs = 5_000) {
      await until(() => watched.results.length >= n || watched.completed || watched.error !== undefined, timeoutMs, `${n} results`);
      if (watched.results.length < n) throw new Error(`ended after ${watched.results.length} results: ${JSON.stringify(watched.error ?? 'complete')}`);
      return watched.results.slice(0, n);
    },
    async ended(timeoutMs = 5_000) {
      await until(() => watched.completed || watched.error !== undefined, timeoutMs, 'the end of the operation');
    },
    stop: () => undefined,
  };
  watched.stop = client.subscribe<Json, Json>({ query, ...(variables ? { variables } : {}) }, {
    next: (r) => {
      watched.results.push(r);
      watched.receivedAt.push(Date.now());
    },
    error: (e) => void (watched.error = e ?? 'error'),
    complete: () => void (watched.completed = true),
  });
  return watched;
}

/** One query or mutation over the client: its single result. */
export async function runOnce(client: Client, query: string, variables?: Json): Promise<ExecutionResult<Json, Json>> {
  const w = watch(client, query, variables);
  await w.ended();
  if (w.error !== undefined) throw Object.assign(new Error('the operation failed'), { detail: w.error });
  return w.results[0]!;
}

/** A raw protocol socket: what it received, and how it closed. */
export interface RawSocket {
  readonly ws: WebSocket;
  readonly messages: Json[];
  readonly pings: number;
  send(message: Json | string): void;
  /** The next message (after the ones already taken), within `timeoutMs`. */
  next(timeoutMs?: number): Promise<Json>;
  /** How the socket closed, within `timeoutMs`. */
  closed(timeoutMs?: number): Promise<Closed>;
}

/** Opens a raw socket (subprotocol graphql-transport-ws unless told) and waits for it to be open. */
export async function rawSocket(httpUrl: string, options: { protocol?: string | null; headers?: Record<string, string>; path?: string } = {}): Promise<RawSocket> {
  const protocol = options.protocol === undefined ? 'graphql-transport-ws' : options.protocol;
  const ws = new WebSocket(wsUrl(httpUrl, options.path), protocol === null ? [] : [protocol], { headers: options.headers ?? {} });
  const messages: Json[] = [];
  let taken = 0;
  let pings = 0;
  let close: Closed | undefined;
  ws.on('message', (data) => void messages.push(JSON.parse(String(data))));
  ws.on('ping', () => void pings++);
  ws.on('close', (code, reason) => void (close = { code, reason: reason.toString() }));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    messages,
    get pings() {
      return pings;
    },
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    async next(timeoutMs = 5_000) {
      await until(() => messages.length > taken || close !== undefined, timeoutMs, 'a message');
      if (messages.length <= taken) throw new Error(`closed ${JSON.stringify(close)} before a message`);
      return messages[taken++]!;
    },
    async closed(timeoutMs = 5_000) {
      await until(() => close !== undefined, timeoutMs, 'the close');
      return close!;
    },
  };
}

/** The HTTP status an upgrade was refused with (or 101 when it was accepted, the socket then closed). */
export async function upgradeStatus(httpUrl: string, path: string, headers: Record<string, string> = {}): Promise<number> {
  const ws = new WebSocket(wsUrl(httpUrl, path), ['graphql-transport-ws'], { headers });
  return new Promise<number>((resolve) => {
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.once('error', () => resolve(-1));
  });
}
