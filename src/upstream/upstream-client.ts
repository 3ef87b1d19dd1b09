import type { Agent, Dispatcher } from 'undici';
import { CircuitBreaker, outcomeOf, type CircuitState, type CircuitTransition } from './circuit-breaker.ts';
import { Semaphore } from './concurrency.ts';
import { RequestDeadline } from './deadline.ts';
import { composeUpstream, createAgent } from './dispatcher.ts';
import {
  badResponse, circuitOpenError, errorFromStatus, errorFromTransport, foreignUrlError, formatDuration, timeoutError,
  type RequestContext,
} from './error-mapping.ts';
import type { OnUpstreamResponse } from './observe-interceptor.ts';
import { logPathOf, parseBaseUrl, resolveTarget, type BaseUrl } from './request-target.ts';
import type { DeadlineDispatchOptions } from './retry-policy.ts';
import { UpstreamError } from './upstream-error.ts';

export type { UpstreamAttemptInfo, OnUpstreamResponse } from './observe-interceptor.ts';
export type { CircuitState } from './circuit-breaker.ts';

export type UpstreamLogLevel = 'debug' | 'info' | 'warn' | 'error';
export type UpstreamLog = (level: UpstreamLogLevel, message: string) => void;

/**
 * Where a source's Authorization header comes from when it changes over time (SMART Backend Services:
 * smart-backend-auth.ts). The value is a secret: never logged, never put into messages.
 */
export interface UpstreamAuth {
  /** The whole header value ('Bearer …'), cached or freshly obtained. Rejects with an UpstreamError, or with the signal's reason. */
  authorization(signal?: AbortSignal): Promise<string>;
  /** The upstream refused `value` (401): forget it, so that the next authorization() obtains a new one. */
  invalidate(value: string): void;
  /** Called by UpstreamClient.close(). */
  close?(): Promise<void>;
}

export interface UpstreamClientOptions {
  sourceId: string;
  /** Absolute http(s) URL, may have a path ('http://h:1/fhir'); a trailing slash is ignored. */
  baseUrl: string;
  /** Per attempt headers and body (inactivity) timeout, and the longest a whole request (queue + retries) may take. */
  timeoutMs: number;
  connectTimeoutMs: number;
  /** Pool connections for the origin. */
  maxConnections: number;
  /** Max in-flight requests from the gateway to this source (retries included); excess waits FIFO. */
  maxConcurrency: number;
  /** Max retries for GET (idempotent reads) only. */
  retries: number;
  /** Added to every request (auth: 'authorization: Bearer x' comes in here too). Never logged or put into messages. */
  headers: Readonly<Record<string, string>>;
  /** Injected in tests (MockAgent); otherwise the client builds and owns its own Agent. */
  dispatcher?: Dispatcher;
  /** Called once per attempt (retries included), for metrics/audit. No bodies, headers or query strings. */
  onResponse?: OnUpstreamResponse;
  /**
   * Fail fast after `failureThreshold` consecutive failures, probe again after `resetTimeoutMs` (circuit-breaker.ts).
   * Absent, or failureThreshold 0: no breaker.
   */
  circuitBreaker?: { failureThreshold: number; resetTimeoutMs: number };
  /**
   * Authorization per request (its header wins over `headers` and the request's own). A 401 invalidates the value
   * sent; a GET answered 401 is then sent once more with a fresh value, other methods never are.
   */
  auth?: UpstreamAuth;
  /** Log lines (circuit state changes). Messages name the source, never headers, tokens or bodies. */
  log?: UpstreamLog;
  /** Clock of the circuit breaker, for tests. Defaults to Date.now. */
  now?: () => number;
}

export interface UpstreamRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /**
   * Relative to baseUrl ('Patient?_id=a,b', 'Patient/1', 'metadata') OR an absolute URL that starts with baseUrl
   * (a Bundle 'next' link). Any other absolute URL is rejected (UPSTREAM_BAD_RESPONSE), never followed.
   */
  path: string;
  /** Override the defaults (accept, content-type) and the client's headers, e.g. 'if-match', 'prefer'. */
  headers?: Readonly<Record<string, string>>;
  /** Already-serialised JSON. */
  body?: string;
  /** The GraphQL request's abort signal. Aborting rejects with the signal's reason; nothing is retried. */
  signal?: AbortSignal;
  /** Epoch ms; the request (queueing and retries included) fails with UPSTREAM_TIMEOUT when passed. */
  deadline?: number;
}

export interface UpstreamResponse {
  status: number;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Parsed JSON, or undefined for an empty body (204, 304, ...). */
  body: unknown;
}

const FHIR_JSON = 'application/fhir+json';

/**
 * The HTTP client of one upstream FHIR source. Retries, per-attempt timeouts and metrics are undici interceptors
 * (dispatcher.ts); this class adds the overall deadline, the per-source concurrency cap, JSON handling and the
 * mapping of every failure to an UpstreamError (error-mapping.ts).
 */
export class UpstreamClient {
  readonly sourceId: string;
  readonly baseUrl: string;
  readonly #base: BaseUrl;
  readonly #timeoutMs: number;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #ownAgent: Agent | undefined;
  readonly #dispatcher: Dispatcher;
  readonly #limit: Semaphore;
  readonly #breaker: CircuitBreaker | undefined;
  readonly #auth: UpstreamAuth | undefined;

  constructor(options: UpstreamClientOptions) {
    for (const key of ['timeoutMs', 'connectTimeoutMs', 'maxConnections', 'maxConcurrency'] as const) {
      if (!Number.isFinite(options[key]) || options[key] <= 0) throw new RangeError(`UpstreamClient ${key} must be > 0`);
    }
    if (!Number.isInteger(options.retries) || options.retries < 0) throw new RangeError('UpstreamClient retries must be an integer >= 0');
    const breaker = options.circuitBreaker;
    if (breaker && (!Number.isInteger(breaker.failureThreshold) || breaker.failureThreshold < 0)) {
      throw new RangeError('UpstreamClient circuitBreaker.failureThreshold must be an integer >= 0');
    }
    this.sourceId = options.sourceId;
    this.#auth = options.auth;
    this.#breaker = breaker && breaker.failureThreshold > 0
      ? new CircuitBreaker({
        failureThreshold: breaker.failureThreshold,
        resetTimeoutMs: breaker.resetTimeoutMs,
        ...(options.now ? { now: options.now } : {}),
        ...(options.log ? { onTransition: logTransition(options.sourceId, options.log) } : {}),
      })
      : undefined;
    this.#base = parseBaseUrl(options.baseUrl);
    this.baseUrl = this.#base.href;
    this.#timeoutMs = options.timeoutMs;
    this.#headers = { accept: FHIR_JSON, ...lowerCaseKeys(options.headers) };
    this.#limit = new Semaphore(options.maxConcurrency);
    this.#ownAgent = options.dispatcher
      ? undefined
      : createAgent({ connectTimeoutMs: options.connectTimeoutMs, timeoutMs: options.timeoutMs, maxConnections: options.maxConnections });
    const base = this.#base;
    this.#dispatcher = composeUpstream(options.dispatcher ?? (this.#ownAgent as Agent), {
      sourceId: options.sourceId,
      retries: options.retries,
      logPath: (dispatchPath) => logPathOf(base, dispatchPath),
      ...(options.onResponse ? { onResponse: options.onResponse } : {}),
    });
  }

  /** 'closed' when there is no breaker; 'half-open' once an open circuit's reset timeout has passed. */
  get circuitState(): CircuitState {
    return this.#breaker?.state ?? 'closed';
  }

  /**
   * Sends the request; resolves for 2xx (and 304), otherwise throws an UpstreamError (or the caller's abort reason).
   * With the circuit open it throws SOURCE_UNAVAILABLE at once, before queueing, and sends nothing.
   */
  async request(req: UpstreamRequest): Promise<UpstreamResponse> {
    const target = resolveTarget(this.#base, req.path);
    if (!target) throw foreignUrlError(this.sourceId);
    const admission = this.#breaker?.admit();
    if (admission && !admission.admitted) throw circuitOpenError(this.sourceId, admission.state, admission.retryAfterMs);
    const permit = admission?.permit;
    const ctx: RequestContext = { sourceId: this.sourceId, method: req.method, path: target.logPath };
    const at = Math.min(Date.now() + this.#timeoutMs, req.deadline ?? Number.POSITIVE_INFINITY);
    const deadline = new RequestDeadline(at, req.signal);
    const progress = { sent: false };
    try {
      const authorization = this.#auth ? await this.#auth.authorization(deadline.signal) : undefined;
      const release = await this.#limit.acquire(deadline.signal);
      try {
        const response = await this.#send(req, target.dispatchPath, ctx, deadline, authorization, progress);
        permit?.settle('success');
        return response;
      } finally {
        release();
      }
    } catch (err) {
      const error = this.#failure(err, ctx, deadline);
      permit?.settle(deadline.firedBy === 'caller' ? 'neutral' : outcomeOf(error, progress.sent));
      throw error;
    } finally {
      deadline.dispose();
    }
  }

  /** GET returning the body as a JSON object; UPSTREAM_BAD_RESPONSE if it is empty or not a JSON object. */
  async getJson(path: string, opts: { signal?: AbortSignal; deadline?: number } = {}): Promise<Record<string, unknown>> {
    const response = await this.request({ method: 'GET', path, ...opts });
    const body = response.body;
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
    const target = resolveTarget(this.#base, path);
    const ctx: RequestContext = { sourceId: this.sourceId, method: 'GET', path: target?.logPath ?? '' };
    throw badResponse(ctx, body === undefined ? 'empty body where JSON was expected' : 'body is not a JSON object', response.status);
  }

  /**
   * Closes the client's own Agent (waiting for in-flight requests) and the auth provider's resources. An injected
   * dispatcher belongs to its owner.
   */
  async close(): Promise<void> {
    await Promise.all([this.#ownAgent?.close(), this.#auth?.close?.()]);
  }

  /** Dispatches (and, for a GET refused with 401 under `auth`, once more with a fresh authorization). */
  async #send(
    req: UpstreamRequest, dispatchPath: string, ctx: RequestContext, deadline: RequestDeadline,
    authorization: string | undefined, progress: { sent: boolean },
  ): Promise<UpstreamResponse> {
    for (let attempt = 1; ; attempt++) {
      const options: Dispatcher.RequestOptions & DeadlineDispatchOptions = {
        origin: this.#base.origin,
        path: dispatchPath,
        method: req.method,
        headers: this.#headersFor(req, authorization),
        body: req.body ?? null,
        signal: deadline.signal,
        deadline: deadline.at,
      };
      progress.sent = true;
      const response = await this.#dispatcher.request(options);
      if (response.statusCode === 401 && this.#auth && authorization !== undefined) {
        this.#auth.invalidate(authorization); // whatever the method: the next request gets a fresh token
        if (req.method === 'GET' && attempt === 1) {
          await response.body.dump();
          authorization = await this.#auth.authorization(deadline.signal);
          continue;
        }
      }
      return await readResponse(ctx, response);
    }
  }

  /** What a failed request rejects with. */
  #failure(err: unknown, ctx: RequestContext, deadline: RequestDeadline): unknown {
    if (err instanceof UpstreamError) return err;
    if (deadline.firedBy === 'caller') return deadline.callerReason;
    if (deadline.firedBy === 'deadline') return timeoutError(ctx, err);
    return errorFromTransport(ctx, err) ?? err;
  }

  #headersFor(req: UpstreamRequest, authorization: string | undefined): Record<string, string> {
    const headers: Record<string, string> = req.body !== undefined ? { 'content-type': FHIR_JSON, ...this.#headers } : { ...this.#headers };
    if (req.headers) Object.assign(headers, lowerCaseKeys(req.headers));
    if (authorization !== undefined) headers.authorization = authorization;
    return headers;
  }
}

function logTransition(sourceId: string, log: UpstreamLog): (t: CircuitTransition) => void {
  return (t) => {
    const source = `source '${sourceId}'`;
    if (t.to === 'open' && t.from === 'closed') {
      log('warn', `${source}: circuit opened after ${t.failures} consecutive failures; probing again in ${formatDuration(t.retryAfterMs)}`);
    } else if (t.to === 'open') {
      log('warn', `${source}: circuit opened again, probe failed; probing again in ${formatDuration(t.retryAfterMs)}`);
    } else if (t.to === 'half-open') {
      log('info', `${source}: circuit half-open, letting one probe request through`);
    } else {
      log('info', `${source}: circuit closed, probe succeeded`);
    }
  };
}

/** Consumes the body in every case; maps non-2xx/304 answers and unusable bodies to UpstreamErrors. */
async function readResponse(ctx: RequestContext, response: Dispatcher.ResponseData): Promise<UpstreamResponse> {
  const { statusCode: status, headers, body } = response;
  if (status === 204 || status === 304 || ctx.method === 'HEAD') {
    await body.dump();
    return { status, headers, body: undefined };
  }
  const text = await body.text();
  if (status < 200 || status >= 300) throw errorFromStatus(ctx, status, text);
  if (text.trim() === '') return { status, headers, body: undefined };
  const contentType = headers['content-type'];
  const mediaType = (Array.isArray(contentType) ? contentType[0] : contentType)?.split(';')[0]?.trim().toLowerCase();
  if (mediaType && !mediaType.endsWith('/json') && !mediaType.endsWith('+json')) {
    throw badResponse(ctx, `content type '${mediaType.replace(/[^\w.+/-]/g, '').slice(0, 60)}' is not JSON`, status);
  }
  try {
    return { status, headers, body: JSON.parse(text) };
  } catch {
    // The SyntaxError is not kept as cause: its message quotes the body.
    throw badResponse(ctx, 'body is not valid JSON', status);
  }
}

function lowerCaseKeys(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}
