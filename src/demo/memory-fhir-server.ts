// A real FHIR R4 server for the demo source, integration tests and benchmarks: Medplum's open-source
// MemoryRepository + FhirRouter (@medplum/fhir-router 5.2.13) behind node:http. The wrapper only adds
// HTTP transport, a CapabilityStatement, paging links, request recording and test hooks (latency, faults).
//
// Observed on @medplum/fhir-router / core 5.2.13 (checked by test/demo/*.test.ts where marked *):
// - `Patient?_id=a,b,c` is a comma OR (*); `Observation?subject=Patient/a,Patient/b` is a comma OR (*);
//   reference values must be typed: `subject=a` matches nothing (200, empty); `subject:Patient=a` also
//   matches nothing; `Observation?patient=a` (single-target param) does match a bare id.
// - `_sort=-date`, `_sort=family`, `_sort=-family` work (*).
// - `_count`/`_offset` are honoured; `total` (matches before paging) is always set; NO `link` is
//   returned, so this wrapper adds self/next/previous (*). Without `_count` every match is returned.
//   `_count=0` gives only `total`; `_count=abc` gives no entries (NaN count). No maximum `_count`.
// - An unknown search parameter (`Patient?foo=bar`) is NOT rejected and NOT ignored: 200 with 0 matches (*).
//   An unknown resource type search (`Foo?x=1`) is 200 with an empty Bundle; `GET Foo/1` is 404.
// - An invalid value (`birthdate=notadate`) is 400 OperationOutcome (code `invalid`) (*).
// - Read of a missing id is 404 OperationOutcome (code `not-found`) (*).
// - No /metadata route: the router would treat it as a search on type "metadata"; we answer it (*).
// - `_include` / `_revinclude` ARE supported on 5.2.13 (unlike 4.5.2); `_elements` / `_summary` are ignored.
// - `readReferences` returns per-reference errors now (4.5.2 failed the whole batch); `readHistory`
//   still reverses its stored array in place. Search deep-clones every match before paging.
// - POST create keeps a client-supplied `id` (a real Medplum server would assign one) and assigns a
//   random versionId/lastUpdated; seeding (`withSeeding`) keeps our ids and meta as given.
// - DELETE answers 200 with an OperationOutcome. Search entries carry no `fullUrl`.
// - POST `Type/_search` reads parameters from the body only (form or JSON); URL query params are ignored.
// - Errors thrown inside handlers become 400 (Medplum's normalizeOperationOutcome); only failures in
//   this wrapper give 500. Code (token) searches are a FHIRPath scan: ~0.4 s at 100 patients.
import { badRequest, getStatus, MEDPLUM_VERSION, normalizeOperationOutcome, notFound } from '@medplum/core';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import type { HttpMethod } from '@medplum/fhir-router';
import type { Bundle, CapabilityStatement, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { buildCapabilityStatement } from './capability-statement.ts';
import { ensureFhirDefinitions } from './fhir-definitions.ts';
import { addPagingLinks } from './search-paging.ts';
import { subscriptionDelivery, type DeliveredNotification } from './subscription-delivery.ts';
import { generateSyntheticResources } from './synthetic-data.ts';

/** `url` is path+query exactly as received (basePath included); `at` is epoch ms (fractional, monotonic source). */
export interface RecordedRequest {
  method: string;
  url: string;
  at: number;
  /** The request's Authorization header, if any (tests check what credentials a source is sent). */
  authorization?: string;
}
export type FaultAction =
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'invalid-json' }
  | { kind: 'empty' };
export type FaultFn = (req: { method: string; url: string; count: number }) => FaultAction | undefined;
export interface MemoryFhirServerOptions {
  host?: string;
  port?: number;
  basePath?: string;
  data?: { patients: number; seed?: number; idPrefix?: string };
  resources?: object[];
  latencyMs?: number;
  /**
   * Access control for tests of upstream auth: called with each request's Authorization header (undefined when
   * absent); false answers 401 with an OperationOutcome (after the body is read, before latency and faults).
   */
  authorize?: (authorizationHeader: string | undefined) => boolean;
  /** Edits the CapabilityStatement served at /metadata (tests of servers that support less than Medplum). */
  capabilities?: CapabilityEdit;
}
export type CapabilityEdit = (statement: CapabilityStatement) => CapabilityStatement;
/** The answer of an in-process request (MemoryFhirServer.request): the body parsed as JSON. */
export interface InProcessAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}
export interface MemoryFhirServer {
  /** e.g. 'http://127.0.0.1:41234' (+ basePath), no trailing slash */
  readonly baseUrl: string;
  /** Every request received (path+query as received, incl. basePath; /metadata included), in order. */
  readonly requests: RecordedRequest[];
  resetRequests(): void;
  setLatency(ms: number): void;
  /**
   * Called for each incoming request (on arrival, before the body is read and before latency) to
   * inject a fault; return undefined to serve normally. `count` is 1-based and counts requests since
   * this function was installed. Latency applies to faults too (except 'hang').
   */
  setFault(fn: FaultFn | undefined): void;
  /** Replaces the CapabilityStatement edit (undefined = Medplum's own); takes effect on the next /metadata. */
  setCapabilities(edit: CapabilityEdit | undefined): void;
  /** R4 rest-hook notifications sent for active Subscriptions (subscription-delivery.ts), in order. */
  readonly notifications: readonly DeliveredNotification[];
  /** Resolves when every notification queued so far was sent (or failed). */
  notificationsSent(): Promise<void>;
  readonly repo: MemoryRepository;
  /**
   * A request made in this process, served by the same path as one received over HTTP: Medplum's router, the
   * CapabilityStatement, paging links, and Subscription notifications of the writes (the demo's trickle writes this
   * way, so its Subscriptions notify as for any client). `path` is relative to the base URL (`Observation`,
   * `Patient/pat-0001`, `Observation?code=...`); a body is sent as FHIR JSON. Not recorded in `requests`, and the
   * HTTP-only test hooks (latency, faults, authorize) do not apply.
   */
  request(method: string, path: string, body?: unknown): Promise<InProcessAnswer>;
  /** Closes the server and destroys every open socket (including hung requests). */
  close(): Promise<void>;
}

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const METHODS = new Set<string>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

interface Answer { status: number; headers: Record<string, string>; body: string }

const answer = (status: number, body: unknown, headers: Record<string, string> = {}): Answer =>
  ({ status, headers: { 'content-type': FHIR_JSON, ...headers }, body: JSON.stringify(body) });
const outcomeAnswer = (outcome: OperationOutcome): Answer => answer(getStatus(outcome), outcome);

const isForm = (headers: IncomingHttpHeaders): boolean => !!headers['content-type']?.includes('application/x-www-form-urlencoded');
/** A JSON `_search` body (Record<string, string | string[]>) as a query string, for paging links. */
function formOf(body: unknown): string {
  const params = new URLSearchParams();
  if (body && typeof body === 'object') {
    for (const [k, v] of Object.entries(body)) for (const item of [v].flat()) params.append(k, String(item));
  }
  return params.toString();
}

function parseBody(raw: Buffer, headers: IncomingHttpHeaders): { body: unknown } | { error: Answer } {
  if (raw.length === 0) return { body: undefined };
  const text = raw.toString('utf8');
  if (isForm(headers)) {
    const form: Record<string, string | string[]> = {};
    for (const [k, v] of new URLSearchParams(text)) {
      const prev = form[k];
      form[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    return { body: form };
  }
  try {
    return { body: JSON.parse(text) };
  } catch (err) {
    return { error: outcomeAnswer(badRequest(`Invalid JSON body: ${(err as Error).message}`)) };
  }
}

export async function startMemoryFhirServer(options: MemoryFhirServerOptions = {}): Promise<MemoryFhirServer> {
  ensureFhirDefinitions();
  const host = options.host ?? '127.0.0.1';
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const repo = new MemoryRepository();
  const router = new FhirRouter();
  const delivery = subscriptionDelivery(repo);
  const seed = [...(options.data ? generateSyntheticResources(options.data) : []), ...((options.resources ?? []) as Resource[])];
  await repo.withSeeding(async () => {
    for (const resource of seed) await repo.createResource(resource);
  });

  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let latencyMs = options.latencyMs ?? 0;
  let faultFn: FaultFn | undefined;
  let faultCount = 0;
  let baseUrl = '';
  let metadataBody: string | undefined;
  let capabilityEdit = options.capabilities;

  const delay = (ms: number): Promise<void> => new Promise((resolve) => {
    const t = setTimeout(() => { timers.delete(t); resolve(); }, ms);
    timers.add(t);
  });

  async function serve(method: string, url: string, raw: Buffer, headers: IncomingHttpHeaders): Promise<Answer> {
    if (!METHODS.has(method)) {
      return answer(405, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-supported', details: { text: `Method ${method} not supported` } }] }, { allow: [...METHODS].join(', ') });
    }
    let rest = url;
    if (basePath) {
      if (!(url === basePath || url.startsWith(basePath + '/') || url.startsWith(basePath + '?'))) {
        return outcomeAnswer(notFound);
      }
      rest = url.slice(basePath.length);
    }
    const path = rest.replace(/^\/+/, '');
    const q = path.indexOf('?');
    const pathname = (q < 0 ? path : path.slice(0, q)).replace(/\/+$/, '');
    if (method === 'GET' && pathname === 'metadata') {
      if (metadataBody === undefined) {
        const statement = buildCapabilityStatement(baseUrl, MEDPLUM_VERSION);
        // The per-type part is shared by every server of the process: an edit works on its own copy.
        metadataBody = JSON.stringify(capabilityEdit ? capabilityEdit(structuredClone(statement)) : statement);
      }
      return { status: 200, headers: { 'content-type': FHIR_JSON }, body: metadataBody };
    }
    const parsed = parseBody(raw, headers);
    if ('error' in parsed) return parsed.error;
    const before = await delivery.before(method, pathname);
    const [outcome, resource] = await router.handleRequest(
      { method: method as HttpMethod, url: path, pathname: '', body: parsed.body, params: {}, query: {}, headers },
      repo,
    );
    const status = getStatus(outcome);
    await delivery.after(method, pathname, status, resource, before);
    if (!resource) return answer(status, outcome);
    const extra: Record<string, string> = {};
    if (resource.resourceType === 'Bundle') {
      const bundle = resource as Bundle;
      if (bundle.type === 'searchset') {
        const isPost = method === 'POST' && pathname.endsWith('/_search');
        const searchPath = isPost ? pathname.slice(0, -'/_search'.length) : pathname;
        const query = !isPost ? (q < 0 ? '' : path.slice(q + 1)) : isForm(headers) ? raw.toString('utf8') : formOf(parsed.body);
        addPagingLinks(bundle, searchPath ? `${baseUrl}/${searchPath}` : baseUrl, query);
      }
    } else if (resource.meta?.versionId) {
      extra['etag'] = `W/"${resource.meta.versionId}"`;
      if (resource.meta.lastUpdated) extra['last-modified'] = new Date(resource.meta.lastUpdated).toUTCString();
      if (status === 201) extra['location'] = `${baseUrl}/${resource.resourceType}/${resource.id}/_history/${resource.meta.versionId}`;
    }
    return answer(status, resource, extra);
  }

  function applyFault(fault: FaultAction, req: IncomingMessage, res: ServerResponse): void {
    switch (fault.kind) {
      case 'status':
        res.writeHead(fault.status, { 'content-type': FHIR_JSON, ...fault.headers });
        res.end(fault.body ?? JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient', details: { text: `Injected fault: status ${fault.status}` } }] }));
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'invalid-json':
        res.writeHead(200, { 'content-type': FHIR_JSON });
        res.end('{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Pat');
        return;
      case 'empty':
        res.writeHead(200, { 'content-type': FHIR_JSON, 'content-length': '0' });
        res.end();
        return;
      case 'hang':
        return;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const recorded: RecordedRequest = { method, url, at: performance.timeOrigin + performance.now() };
    if (req.headers.authorization !== undefined) recorded.authorization = req.headers.authorization;
    requests.push(recorded);
    const fault = faultFn?.({ method, url, count: ++faultCount });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (options.authorize && !options.authorize(req.headers.authorization)) {
      const denied = answer(401, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login', details: { text: 'Authorization required' } }] }, { 'www-authenticate': 'Bearer' });
      res.writeHead(denied.status, denied.headers);
      res.end(denied.body);
      return;
    }
    if (fault?.kind === 'hang') return; // never answered; close() destroys the socket
    if (latencyMs > 0) await delay(latencyMs);
    if (fault) return applyFault(fault, req, res);
    let result: Answer;
    try {
      result = await serve(method, url, Buffer.concat(chunks), req.headers);
    } catch (err) {
      result = answer(500, normalizeOperationOutcome(err));
    }
    res.writeHead(result.status, result.headers);
    res.end(result.body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        const a = answer(500, normalizeOperationOutcome(err));
        res.writeHead(a.status, a.headers);
        res.end(a.body);
      } else {
        res.destroy();
      }
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => { server.off('error', reject); resolve(); });
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}${basePath}`;

  let closing: Promise<void> | undefined;
  return {
    get baseUrl() { return baseUrl; },
    requests,
    resetRequests() { requests.length = 0; },
    setLatency(ms: number) { latencyMs = Math.max(0, ms); },
    setFault(fn) { faultFn = fn; faultCount = 0; },
    setCapabilities(edit) { capabilityEdit = edit; metadataBody = undefined; },
    notifications: delivery.delivered,
    notificationsSent: () => delivery.idle(),
    repo,
    async request(method, path, body) {
      const headers: IncomingHttpHeaders = body === undefined ? {} : { 'content-type': FHIR_JSON };
      const raw = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body), 'utf8');
      let result: Answer;
      try {
        result = await serve(method.toUpperCase(), `${basePath}/${path.replace(/^\/+/, '')}`, raw, headers);
      } catch (err) {
        result = answer(500, normalizeOperationOutcome(err));
      }
      return { status: result.status, headers: result.headers, body: result.body === '' ? undefined : JSON.parse(result.body) as unknown };
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
