import type { Dispatcher } from 'undici';

/** One upstream attempt, reported after its response ended or failed. No bodies, headers or query strings. */
export interface UpstreamAttemptInfo {
  sourceId: string;
  method: string;
  /** Path relative to the source's base URL, without query ('Patient', 'Patient/1', 'metadata'). */
  path: string;
  /** HTTP status, or 0 when no response arrived (network error, timeout, abort). */
  status: number;
  /** Milliseconds from dispatch to the end of the response body (or the failure). */
  ms: number;
  /** 1 for the first try, 2 for the first retry, ... */
  attempt: number;
  /** Error code (e.g. 'ECONNREFUSED', 'UND_ERR_HEADERS_TIMEOUT') or name when the attempt failed without a response. */
  error?: string;
}

export type OnUpstreamResponse = (info: UpstreamAttemptInfo) => void;

/**
 * Interceptor reporting every attempt to `onResponse`. Compose it *inside* the retry interceptor so that it sees each
 * retry as its own attempt (the retry handler re-dispatches itself, which is how attempts are counted).
 * A throwing hook is ignored: metrics must never break a request.
 */
export function observeAttempts(
  sourceId: string,
  logPath: (dispatchPath: string) => string,
  onResponse: OnUpstreamResponse,
): Dispatcher.DispatcherComposeInterceptor {
  const attempts = new WeakMap<object, number>();
  return (dispatch) =>
    function observe(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
      const attempt = (attempts.get(handler) ?? 0) + 1;
      attempts.set(handler, attempt);
      const started = performance.now();
      let status = 0;
      let reported = false;
      const report = (error?: unknown): void => {
        if (reported) return;
        reported = true;
        const info: UpstreamAttemptInfo = {
          sourceId,
          method: opts.method,
          path: logPath(opts.path),
          status,
          ms: performance.now() - started,
          attempt,
        };
        if (error !== undefined && status === 0) info.error = errorName(error);
        try {
          onResponse(info);
        } catch {
          // ignored on purpose
        }
      };
      return dispatch(opts, {
        onRequestStart: (controller, context) => handler.onRequestStart?.(controller, context),
        onRequestUpgrade: (controller, statusCode, headers, socket) =>
          handler.onRequestUpgrade?.(controller, statusCode, headers, socket),
        onResponseStart: (controller, statusCode, headers, statusMessage) => {
          if (statusCode >= 200) status = statusCode;
          return handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
        },
        onResponseData: (controller, chunk) => handler.onResponseData?.(controller, chunk),
        onResponseEnd: (controller, trailers) => {
          report();
          return handler.onResponseEnd?.(controller, trailers);
        },
        onResponseError: (controller, error) => {
          report(error);
          return handler.onResponseError?.(controller, error);
        },
        onBodySent: (chunk) => handler.onBodySent?.(chunk),
        onRequestSent: () => handler.onRequestSent?.(),
      });
    };
}

function errorName(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { code, name } = error as { code?: unknown; name?: unknown };
    if (typeof code === 'string') return code;
    if (typeof name === 'string') return name;
  }
  return 'Error';
}
