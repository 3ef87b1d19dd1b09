import type { RetryHandler } from 'undici';

/**
 * The `retry` decision function plugged into undici's retry interceptor (see dispatcher.ts).
 *
 * undici's default decision has no jitter and does not know our per-request deadline: it caps `Retry-After` at
 * `maxTimeout` (i.e. retries earlier than the upstream asked) and would sleep through a deadline. This one:
 * - applies the interceptor's own `methods`, `statusCodes`, `errorCodes` and `maxRetries` exactly as undici does;
 * - backs off exponentially from `minTimeout`, capped at `maxTimeout`, with "equal jitter" (half fixed, half random);
 * - honours `Retry-After` (seconds or HTTP date) as asked, `Retry-After: 0` meaning at once;
 * - gives up at once (so the caller gets the upstream's real answer, not a timeout) when the wait would end past the
 *   request's deadline, which it reads from the dispatch option `deadline` (epoch ms) set by the client;
 * - returns its timer, so that undici cancels the wait when the request is aborted during backoff.
 */

/** Dispatch options as the client sends them: undici's, plus the request's deadline for the retry decision. */
export interface DeadlineDispatchOptions {
  /** Epoch ms after which no retry is started. */
  deadline?: number;
}

export interface RetryPolicyOptions {
  /** Source of randomness in [0, 1), for tests. Defaults to Math.random. */
  random?: () => number;
  /** Clock, for tests. Defaults to Date.now. */
  now?: () => number;
}

interface RetryableError {
  statusCode?: number;
  code?: string;
  headers?: Record<string, string | string[] | undefined>;
}

export function createRetryPolicy(options: RetryPolicyOptions = {}): RetryHandler.RetryCallback {
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;

  return (err, { state, opts }, cb) => {
    const { statusCode, code, headers } = err as Error & RetryableError;
    const retryOptions = opts.retryOptions ?? {};
    const deadline = (opts as DeadlineDispatchOptions).deadline;

    // Same eligibility rules as undici's default policy.
    if (code && code !== 'UND_ERR_REQ_RETRY' && !(retryOptions.errorCodes ?? []).includes(code)) return cb(err);
    if (!(retryOptions.methods ?? []).includes(opts.method)) return cb(err);
    if (statusCode != null && !(retryOptions.statusCodes ?? []).includes(statusCode)) return cb(err);
    if (state.counter > (retryOptions.maxRetries ?? 0)) return cb(err);

    const asked = retryOptions.retryAfter === false ? undefined : retryAfterMs(headers?.['retry-after'], now());
    const delay = asked ?? backoffMs(state.counter, retryOptions.minTimeout ?? 50, retryOptions.maxTimeout ?? 1000, random);
    if (deadline !== undefined && now() + delay >= deadline) return cb(err);
    return setTimeout(() => cb(null), Math.max(0, delay));
  };
}

/** Exponential backoff with equal jitter: attempt n waits between b/2 and b, b = min(max, min * 2^(n-1)). */
export function backoffMs(counter: number, min: number, max: number, random: () => number): number {
  const ceiling = Math.min(max, min * 2 ** Math.max(0, counter - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** `Retry-After` in ms from now: delta-seconds or an HTTP date; undefined when absent or unparsable. */
export function retryAfterMs(value: string | string[] | undefined, nowMs: number): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(raw)) return Number(raw) * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
