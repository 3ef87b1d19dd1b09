import type { Plugin } from 'graphql-yoga';
import { pathnameOf } from './request-meta.ts';

export interface HealthOptions {
  /** Whether every source was asked for its CapabilityStatement and at least one answered. */
  readonly isReady: () => boolean;
  /** Why it is not ready, for the answer's body. */
  readonly notReadyReason: () => string;
}

/**
 * `/health` (liveness: the process answers) and `/ready` (readiness: sources known), matched on the exact path — yoga's
 * own checks answer any URL that ends with their path, `/fhir/Observation/health` included — with small JSON bodies
 * that say why. Another method than GET or HEAD is 405 with `Allow`, and a body that says so.
 */
export function useHealth(options: HealthOptions): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      const path = pathnameOf(request.url);
      if (path !== '/health' && path !== '/ready') return;
      const json = (status: number, body: object, headers: Record<string, string> = {}) =>
        new fetchAPI.Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/health+json', ...headers } });
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(json(405, { status: 'fail', output: `${path} answers GET and HEAD only` }, { allow: 'GET, HEAD' }));
      } else if (path === '/health') {
        endResponse(json(200, { status: 'pass' }));
      } else {
        endResponse(options.isReady() ? json(200, { status: 'pass' }) : json(503, { status: 'fail', output: options.notReadyReason() }));
      }
    },
  };
}
