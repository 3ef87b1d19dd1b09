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
 * that say why.
 */
export function useHealth(options: HealthOptions): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      const path = pathnameOf(request.url);
      const json = (status: number, body: object) =>
        new fetchAPI.Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/health+json' } });
      if (path === '/health') {
        endResponse(json(200, { status: 'pass' }));
      } else if (path === '/ready') {
        endResponse(options.isReady() ? json(200, { status: 'pass' }) : json(503, { status: 'fail', output: options.notReadyReason() }));
      }
    },
  };
}
