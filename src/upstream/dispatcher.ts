import { Agent, interceptors, type Dispatcher } from 'undici';
import { observeAttempts, type OnUpstreamResponse } from './observe-interceptor.ts';
import { createRetryPolicy, type RetryPolicyOptions } from './retry-policy.ts';

/** Only idempotent reads are retried; writes go out exactly once. */
export const RETRY_METHODS: Dispatcher.HttpMethod[] = ['GET', 'HEAD'];
/** Statuses that say "try again": rate limited, bad gateway, unavailable, gateway timeout. Not 500. */
export const RETRY_STATUS_CODES = [429, 502, 503, 504];
/** Connection-level failures where the request most likely never reached the upstream's application. */
export const RETRY_ERROR_CODES = [
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'UND_ERR_SOCKET',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EAI_AGAIN',
];
/** Backoff of the first retry is drawn from [BASE/2, BASE]; it doubles per retry up to MAX. */
export const RETRY_BASE_DELAY_MS = 50;
export const RETRY_MAX_DELAY_MS = 1_000;

export interface AgentOptions {
  connectTimeoutMs: number;
  /** Per attempt: headers timeout and body (inactivity) timeout. */
  timeoutMs: number;
  maxConnections: number;
}

/**
 * The keep-alive Agent of one source. `maxOrigins: 1` makes it refuse any second origin, a second guard (after
 * request-target.ts) against ever sending a source's credentials elsewhere.
 */
export function createAgent(options: AgentOptions): Agent {
  return new Agent({
    maxOrigins: 1,
    connections: options.maxConnections,
    pipelining: 1,
    connect: { timeout: options.connectTimeoutMs },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 60_000,
  });
}

export interface InterceptorOptions {
  sourceId: string;
  /** Max retries of one GET/HEAD. 0 disables retrying. */
  retries: number;
  /** Maps a dispatch path to the log path handed to `onResponse`. */
  logPath: (dispatchPath: string) => string;
  onResponse?: OnUpstreamResponse;
  retryPolicy?: RetryPolicyOptions;
}

/**
 * Composes the upstream interceptors onto `base` (the client's own Agent, or an injected MockAgent in tests).
 * Outermost first:
 *   retry   — undici's `interceptors.retry` for GET/HEAD only, with our deadline-aware, jittered decision function
 *             (retry-policy.ts) and `throwOnError: false`, so that when retries run out the caller gets the upstream's
 *             last real answer (e.g. a 503 with its OperationOutcome) instead of a bodiless RequestRetryError.
 *             Bodies of failed attempts are drained and discarded by the retry handler before it re-dispatches.
 *   observe — per-attempt metrics hook (only when `onResponse` is given), inside retry so it sees every attempt.
 * undici's `interceptors.dump` is deliberately NOT composed: it swallows the body of every response passing through
 * it, and this client needs every body (data, or the OperationOutcome of an error); the client itself consumes or
 * `dump()`s each body instead.
 */
export function composeUpstream(base: Dispatcher, options: InterceptorOptions): Dispatcher {
  const inner: Dispatcher.DispatcherComposeInterceptor[] = [];
  if (options.onResponse) inner.push(observeAttempts(options.sourceId, options.logPath, options.onResponse));
  return base.compose(
    ...inner,
    interceptors.retry({
      methods: RETRY_METHODS,
      statusCodes: RETRY_STATUS_CODES,
      errorCodes: RETRY_ERROR_CODES,
      maxRetries: options.retries,
      minTimeout: RETRY_BASE_DELAY_MS,
      maxTimeout: RETRY_MAX_DELAY_MS,
      retryAfter: true,
      throwOnError: false,
      retry: createRetryPolicy(options.retryPolicy),
    }),
  );
}
