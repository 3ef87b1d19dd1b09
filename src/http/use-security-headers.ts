import type { Plugin } from 'graphql-yoga';

/** For everything that is not a page: nothing may be loaded, run or framed from it. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * The headers of every answer that is not a page. A route that builds its answers itself (the REST API) may start
 * from them, so that this plugin finds them there and leaves the answer's headers untouched (untouched headers go out
 * in one writeHead).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'content-security-policy': API_CSP,
});

/**
 * Security headers on every answer of every route: `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`,
 * `Cache-Control: no-store` (patient data must not sit in shared or browser caches; a route that serves static assets
 * sets its own Cache-Control first), and a Content-Security-Policy that allows nothing unless the route set its own
 * (the GraphiQL page does).
 */
export function useSecurityHeaders(): Plugin {
  return {
    onResponse({ response }) {
      const headers = response.headers;
      if (headers.get('x-content-type-options') !== 'nosniff') headers.set('x-content-type-options', 'nosniff');
      if (headers.get('referrer-policy') !== 'no-referrer') headers.set('referrer-policy', 'no-referrer');
      if (!headers.has('cache-control')) headers.set('cache-control', 'no-store');
      if (!headers.has('content-security-policy')) headers.set('content-security-policy', API_CSP);
    },
  };
}
