import { UpstreamError, type OperationOutcomeLike, type UpstreamErrorCode } from './upstream-error.ts';

/**
 * THE one place that turns upstream answers and transport failures into `UpstreamError`s.
 *
 * Messages name the source, the method and the path WITHOUT its query string (queries carry identifiers, i.e. health
 * data), plus at most the upstream's own OperationOutcome text, truncated. They never include header values, tokens,
 * resource bodies or raw error messages of the network stack (those carry hosts and ports; the error code is enough).
 */

/** What a failed request was, for messages and logs. `path` must already be stripped of its query. */
export interface RequestContext {
  sourceId: string;
  method: string;
  path: string;
}

export const MAX_DIAGNOSTICS_LENGTH = 300;

/** Error code for an upstream HTTP status ≥ 400. */
export function codeForStatus(status: number): UpstreamErrorCode {
  switch (status) {
    case 404:
    case 410:
      return 'NOT_FOUND';
    case 400:
    case 422:
      return 'UPSTREAM_BAD_REQUEST';
    case 401:
    case 403:
      return 'UPSTREAM_UNAUTHORIZED';
    case 409:
    case 412:
      return 'UPSTREAM_CONFLICT';
    default:
      return 'UPSTREAM_ERROR';
  }
}

/** The error for an upstream that answered with a status ≥ 400 (or an unexpected 1xx/3xx). `bodyText` may be anything. */
export function errorFromStatus(ctx: RequestContext, status: number, bodyText: string): UpstreamError {
  const outcome = asOperationOutcome(tryParseJson(bodyText));
  const text = outcome ? outcomeText(outcome) : undefined;
  const message = `Upstream '${ctx.sourceId}' answered ${status} to ${describe(ctx)}${text ? `: ${text}` : ''}`;
  return new UpstreamError(message, {
    code: status >= 400 ? codeForStatus(status) : 'UPSTREAM_ERROR',
    sourceId: ctx.sourceId,
    upstreamStatus: status,
    ...(outcome ? { outcome } : {}),
  });
}

/** The body is not what we need (invalid JSON, empty, not an object, wrong content type). `reason` must not quote the body. */
export function badResponse(ctx: RequestContext, reason: string, status?: number, cause?: unknown): UpstreamError {
  return new UpstreamError(`Upstream '${ctx.sourceId}' sent an unusable response to ${describe(ctx)}: ${reason}`, {
    code: 'UPSTREAM_BAD_RESPONSE',
    sourceId: ctx.sourceId,
    ...(status !== undefined ? { upstreamStatus: status } : {}),
    cause,
  });
}

/** The request's deadline passed (while queued, connecting, waiting for headers, reading the body or backing off). */
export function timeoutError(ctx: RequestContext, cause?: unknown, detail?: string): UpstreamError {
  return new UpstreamError(`Upstream '${ctx.sourceId}' did not answer ${describe(ctx)} in time${detail ? ` (${detail})` : ''}`, {
    code: 'UPSTREAM_TIMEOUT',
    sourceId: ctx.sourceId,
    cause,
  });
}

/** A URL we refuse to request: an absolute URL outside the source's base URL (e.g. a foreign Bundle `next` link). */
export function foreignUrlError(sourceId: string): UpstreamError {
  return new UpstreamError(`Upstream '${sourceId}': refusing to follow a URL outside the source's base URL`, {
    code: 'UPSTREAM_BAD_RESPONSE',
    sourceId,
  });
}

/**
 * The source's circuit breaker refused the request (nothing was sent): it is open after repeated failures, or
 * half-open with its one probe request in flight.
 */
export function circuitOpenError(sourceId: string, state: 'open' | 'half-open', retryAfterMs: number): UpstreamError {
  const when = state === 'open'
    ? `it is probed again in ${formatDuration(retryAfterMs)}`
    : 'a probe request is checking whether it is back';
  return new UpstreamError(`Source '${sourceId}' is unavailable: its circuit is ${state} after repeated failures; ${when}`, {
    code: 'SOURCE_UNAVAILABLE',
    sourceId,
    retryAfterMs: Math.max(0, Math.ceil(retryAfterMs)),
  });
}

/** '850ms', '12s', '1.5s', '5m'. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`;
  return `${Number((ms / 60_000).toFixed(1))}m`;
}

const timeoutCodes = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const badResponseCodes = new Set([
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_RES_EXCEEDED_MAX_SIZE',
  'UND_ERR_HEADERS_OVERFLOW',
]);
/** Our own mistakes (bad arguments to undici): not the upstream's fault, so they stay plain errors and get masked. */
const programmingErrorCodes = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_INVALID_RETURN_VALUE', 'UND_ERR_NOT_SUPPORTED']);

const phraseByCode: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  UND_ERR_SOCKET: 'socket closed',
  UND_ERR_CLOSED: 'client closed',
  UND_ERR_DESTROYED: 'client destroyed',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  ENETUNREACH: 'network unreachable',
  EHOSTUNREACH: 'host unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connect timeout',
  UND_ERR_HEADERS_TIMEOUT: 'headers timeout',
  UND_ERR_BODY_TIMEOUT: 'body timeout',
  ETIMEDOUT: 'connect timeout',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'body length does not match content-length',
  UND_ERR_RES_EXCEEDED_MAX_SIZE: 'body too large',
  UND_ERR_HEADERS_OVERFLOW: 'headers too large',
};

/** A short, host-free phrase for a network-level error ('connection refused', 'headers timeout', ...). */
export function transportPhrase(err: unknown): string {
  const code = errorCode(err);
  if (code !== undefined && phraseByCode[code] !== undefined) return phraseByCode[code];
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'timed out';
  return 'network error';
}

/**
 * No access token could be obtained for the source (SMART Backend Services). `reason` must not quote the token
 * endpoint's body, the assertion or any token; `oauthError` is the endpoint's OAuth `error` code, if it sent one.
 */
export function authFailedError(
  sourceId: string, reason: string, extra: { oauthError?: string; upstreamStatus?: number; cause?: unknown } = {},
): UpstreamError {
  return new UpstreamError(`Upstream '${sourceId}': no access token: ${reason}`, {
    code: 'UPSTREAM_AUTH_FAILED',
    sourceId,
    ...extra,
  });
}

/**
 * Maps an error thrown by undici (network, timeout, parser) to an UpstreamError, or returns undefined for errors that
 * are our own bugs (invalid arguments), which the caller rethrows unchanged. Aborts are decided by the caller, who
 * knows whether the deadline or the GraphQL request's own signal fired.
 */
export function errorFromTransport(ctx: RequestContext, err: unknown): UpstreamError | undefined {
  if (err instanceof UpstreamError) return err;
  const code = errorCode(err);
  if (code !== undefined && programmingErrorCodes.has(code)) return undefined;
  if (err instanceof TypeError || err instanceof RangeError) return undefined;
  if ((code !== undefined && timeoutCodes.has(code)) || (err instanceof Error && err.name === 'TimeoutError')) {
    return timeoutError(ctx, err, code !== undefined ? phraseByCode[code] : undefined);
  }
  if (code !== undefined && (badResponseCodes.has(code) || code.startsWith('HPE_'))) {
    return badResponse(ctx, phraseByCode[code] ?? 'malformed HTTP response', undefined, err);
  }
  const phrase = (code !== undefined ? phraseByCode[code] : undefined) ?? 'network error';
  return new UpstreamError(`Upstream '${ctx.sourceId}' is unavailable for ${describe(ctx)}: ${phrase}`, {
    code: 'UPSTREAM_UNAVAILABLE',
    sourceId: ctx.sourceId,
    cause: err,
  });
}

/** The upstream's OperationOutcome, if `body` is one. */
export function asOperationOutcome(body: unknown): OperationOutcomeLike | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const candidate = body as { resourceType?: unknown; issue?: unknown };
  if (candidate.resourceType !== 'OperationOutcome' || !Array.isArray(candidate.issue)) return undefined;
  return body as OperationOutcomeLike;
}

/** The first issue's diagnostics (or details.text), whitespace collapsed and truncated; undefined if there is none. */
export function outcomeText(outcome: OperationOutcomeLike): string | undefined {
  for (const issue of outcome.issue) {
    if (typeof issue !== 'object' || issue === null) continue;
    const raw = typeof issue.diagnostics === 'string' && issue.diagnostics.trim() !== ''
      ? issue.diagnostics
      : typeof issue.details?.text === 'string'
        ? issue.details.text
        : undefined;
    if (raw === undefined || raw.trim() === '') continue;
    return truncate(raw.replace(/\s+/g, ' ').trim(), MAX_DIAGNOSTICS_LENGTH);
  }
  return undefined;
}

/** `Patient/1?x=y` → `Patient/1`. */
export function stripQuery(path: string): string {
  const q = path.search(/[?#]/);
  return q < 0 ? path : path.slice(0, q);
}

function describe(ctx: RequestContext): string {
  return `${ctx.method} ${ctx.path === '' ? '/' : ctx.path}`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function tryParseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
