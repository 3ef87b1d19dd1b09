import type { Plugin } from 'graphql-yoga';

export interface CorsOptions {
  /**
   * Exact origins allowed (`https://app.example.org`); none = no cross-origin access at all; `*` alone = any origin,
   * without credentials (config refuses `*` with credentials). `null` is never allowed.
   */
  readonly origins: readonly string[];
  /** Whether cross-origin requests may carry credentials (cookies, HTTP auth). */
  readonly credentials: boolean;
  /** How long a browser may cache a preflight answer. */
  readonly maxAgeS: number;
}

const METHODS = 'GET, POST, PUT, PATCH, DELETE';
/** Request headers a cross-origin client may send: content negotiation, auth, FHIR conditional headers, request ids. */
const ALLOWED_HEADERS = 'accept, authorization, content-type, if-match, if-modified-since, if-none-exist, if-none-match, prefer, x-request-id';
/** Response headers a cross-origin client may read besides the safelisted ones. */
const EXPOSED_HEADERS = 'content-location, etag, last-modified, location, www-authenticate, x-request-id';

/**
 * CORS for every route alike (GraphQL, `$graphql`, the FHIR REST API): an allow-list of exact origins from config,
 * default none; an origin not on it gets no CORS header at all (and a preflight from it 403), `Origin: null` never
 * passes, credentials only when configured (never with `*`). Replaces yoga's own CORS, which reflects any origin with credentials.
 */
export function useCors(options: CorsOptions): Plugin {
  const exact = new Set(options.origins);
  const any = exact.has('*');
  const allowed = { size: exact.size, has: corsOriginAllowed(options) };
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      if (request.method !== 'OPTIONS' || request.headers.get('access-control-request-method') === null) return;
      const origin = request.headers.get('origin');
      if (origin === null || !allowed.has(origin)) {
        endResponse(new fetchAPI.Response(null, { status: 403, headers: { vary: 'Origin' } }));
        return;
      }
      endResponse(new fetchAPI.Response(null, {
        status: 204,
        headers: {
          'access-control-allow-methods': METHODS,
          'access-control-allow-headers': ALLOWED_HEADERS,
          'access-control-max-age': String(options.maxAgeS),
          'content-length': '0',
        },
      }));
    },
    onResponse({ request, response }) {
      const origin = request.headers.get('origin');
      if (allowed.size === 0) return;
      response.headers.append('vary', 'Origin');
      if (origin === null || !allowed.has(origin)) return;
      response.headers.set('access-control-allow-origin', any ? '*' : origin);
      if (options.credentials && !any) response.headers.set('access-control-allow-credentials', 'true');
      if (request.method !== 'OPTIONS') response.headers.set('access-control-expose-headers', EXPOSED_HEADERS);
    },
  };
}

/**
 * THE allow-list decision: whether a page of `origin` may use the gateway cross-origin (`null` never; `*` any other).
 * HTTP answers CORS with it; the WebSocket upgrade (src/ws), which browsers do not preflight, refuses other origins.
 */
export function corsOriginAllowed(options: Pick<CorsOptions, 'origins'>): (origin: string) => boolean {
  const exact = new Set(options.origins);
  const any = exact.has('*');
  return (origin) => origin !== 'null' && (any || exact.has(origin));
}
