// Helpers of the hostile-client suite: a logger that keeps what the gateway logs, heap measurement, raw requests.
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { YogaLogger } from 'graphql-yoga';
import { afterAll, beforeAll, expect } from 'vitest';
import { startFixture, type Fixture, type FixtureOptions } from '../helpers/fixture.ts';

export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly text: string;
}

/** A YogaLogger that keeps every line (Errors with their stack, as a console would print them). */
export function capturingLogger(): { logger: YogaLogger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const text = (args: unknown[]) =>
    args.map((a) => (a instanceof Error ? (a.stack ?? String(a)) : typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
  const at = (level: LogLine['level']) => (...args: unknown[]) => void lines.push({ level, text: text(args) });
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

/**
 * A gateway for one describe block (NODE_ENV=production unless `options.env` says otherwise) whose log is captured:
 * started before the block's tests and handed to `use`, stopped after them. Returns the captured lines (emptied by the
 * caller as needed).
 */
export function loggedFixture(use: (fixture: Fixture) => void, options: FixtureOptions = {}): LogLine[] {
  const captured = capturingLogger();
  let fixture: Fixture | undefined;
  beforeAll(async () => {
    fixture = await startFixture({ env: { NODE_ENV: 'production' }, ...options, logger: captured.logger });
    use(fixture);
  });
  afterAll(() => fixture?.stop());
  return captured.lines;
}

/** A V8 stack frame line as Error.stack prints them ("    at fn (file:1:2)"). */
export const STACK_FRAME = /\n\s+at .+[(:]\d+/;

let gcFn: (() => void) | undefined;
/** Full garbage collection (--expose-gc turned on at run time), then the heap in use. */
export function heapAfterGc(): number {
  if (gcFn === undefined) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
  gcFn();
  return process.memoryUsage().heapUsed;
}

export const MB = 1024 * 1024;

/** POST a JSON body (already a string, or a value to stringify). */
export function postJson(f: Fixture, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return f.fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export interface GraphQLBody {
  data?: unknown;
  errors?: Array<{ message: string; extensions?: Record<string, any>; locations?: unknown; path?: unknown }>;
  extensions?: Record<string, unknown>;
}

/** The response body as JSON, with the status. */
export async function jsonOf<T = GraphQLBody>(response: Response | Promise<Response>): Promise<{ status: number; body: T; headers: Headers }> {
  const r = await response;
  const text = await r.text();
  let body: T;
  try {
    body = JSON.parse(text) as T;
  } catch {
    throw new Error(`not JSON (status ${r.status}): ${text.slice(0, 300)}`);
  }
  return { status: r.status, body, headers: r.headers };
}

/** Expects one GraphQL error with this code (and its OperationOutcome issue type, when given) and no data. */
export function expectGraphQLError(body: GraphQLBody, code: string, issue?: string): NonNullable<GraphQLBody['errors']>[number] {
  expect(body.errors?.map((e) => e.extensions?.['code']), JSON.stringify(body).slice(0, 500)).toEqual([code]);
  expect(body.data ?? undefined).toBeUndefined();
  const error = body.errors![0]!;
  expect(error.extensions?.['resource']?.resourceType).toBe('OperationOutcome');
  if (issue !== undefined) expect(error.extensions?.['resource']?.issue?.[0]?.code).toBe(issue);
  expect(JSON.stringify(body)).not.toMatch(/originalError|stack|\bat \S+ \(/);
  return error;
}

export interface OutcomeBody {
  resourceType: string;
  issue: Array<{ severity: string; code: string; diagnostics?: string }>;
}

/** Expects a FHIR OperationOutcome answer with this status whose issues name `code` (our error code in diagnostics). */
export async function expectOutcome(response: Response | Promise<Response>, status: number, code: string, issue?: string): Promise<OutcomeBody> {
  const { status: actual, body, headers } = await jsonOf<OutcomeBody>(response);
  expect(actual, JSON.stringify(body).slice(0, 500)).toBe(status);
  expect(headers.get('content-type')).toMatch(/^application\/fhir\+json/);
  expect(body.resourceType).toBe('OperationOutcome');
  expect(body.issue.some((i) => i.diagnostics?.includes(`[${code}`)), JSON.stringify(body)).toBe(true);
  if (issue !== undefined) expect(body.issue.find((i) => i.diagnostics?.includes(`[${code}`))?.code).toBe(issue);
  return body;
}

/** Nothing reached any upstream since the last resetCalls(). */
export function expectNothingUpstream(f: Fixture): void {
  expect(f.calls().map((c) => `${c.method} ${c.url}`)).toEqual([]);
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request through node:http, for what fetch() will not send (a Host header of our own, raw paths). */
export function rawRequest(
  base: string, options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: options.method ?? 'GET', path: options.path, headers: options.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Bytes written on a raw TCP connection and what came back before the server closed it (or `waitMs` passed). */
export function rawExchange(base: string, chunks: readonly (string | Buffer)[], waitMs: number): Promise<string> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const got: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (c) => got.push(c));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(got).toString('latin1'));
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      if (got.length > 0) resolve(Buffer.concat(got).toString('latin1'));
      else reject(e);
    });
    socket.on('connect', () => {
      for (const c of chunks) socket.write(c);
    });
  });
}

/** Timing of /health while something else runs: milliseconds of each of `n` sequential requests. */
export async function healthLatencies(f: Fixture, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await f.fetch('/health');
    await r.text();
    out.push(performance.now() - t);
  }
  return out;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
