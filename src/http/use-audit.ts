import type { Plugin } from 'graphql-yoga';
import type { IncomingMessage } from 'node:http';
import { auditEventsOf } from '../audit/audit-events.ts';
import type { AuditWriter } from '../audit/audit-writer.ts';
import type { CompartmentPaths } from '../fhir/compartment.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import type { FetchApi } from './fhir-rest/rest-call.ts';
import { restFailure } from './fhir-rest/rest-errors.ts';
import { answering } from './fhir-rest/rest-route.ts';
import { pathnameOf, receivedOf, requestIdOf, trailOf, viewerOf } from './request-meta.ts';

export interface AuditOptions {
  readonly writer: AuditWriter;
  readonly paths: CompartmentPaths;
  readonly graphqlEndpoint: string;
  readonly fhirBasePath: string;
  readonly durability: 'batched' | 'strict';
  readonly log: (message: string) => void;
}

/**
 * Every answered request to patient data — GraphQL, `$graphql`, the FHIR REST API — becomes its audit events
 * (src/audit/audit-events.ts: one per patient, one per denial) once it is answered, from what the FHIR core recorded
 * on the request's access trail. `strict` durability holds the answer until the events are committed (a failure to
 * commit is then a 503: nothing is answered that was not audited); `batched` writes them in the background.
 * Health, readiness, discovery, metadata and GraphiQL are not patient data and are not audited.
 */
export function useAudit(options: AuditOptions): Plugin<Record<string, unknown>, { req?: IncomingMessage }> {
  const { graphqlEndpoint: graphql, fhirBasePath: fhir } = options;
  return {
    async onResponse({ request, response, serverContext, setResponse, fetchAPI }) {
      const path = pathnameOf(receivedOf(request)?.url ?? request.url);
      const subtype = subtypeOf(request.method, path, graphql, fhir);
      if (subtype === undefined || request.method === 'OPTIONS') return;
      const trail = trailOf(request);
      const query = subtype === 'graphql' || subtype === '$graphql' ? undefined : new URL(request.url).search.slice(1) || undefined;
      const id = requestIdOf(request);
      const eventsOf = (recorded: typeof trail) => {
        try {
          return auditEventsOf(recorded, {
            requestId: id,
            viewer: viewerOf(request),
            networkAddress: serverContext?.req?.socket?.remoteAddress,
            subtype,
            query,
            status: response.status,
            at: new Date(),
          }, options.paths);
        } catch (error) {
          options.log(`audit trail: the events of request ${id} could not be made (${(error as Error).message})`);
          return undefined;
        }
      };
      const events = eventsOf(trail);
      if ((response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
        // A subscription's stream: what it delivers from now on is audited as it is delivered (batched writes).
        trail.follow((delta) => {
          const more = eventsOf(delta);
          if (more !== undefined) void options.writer.write(more).catch(() => undefined);
        });
      }
      if (options.durability === 'batched') {
        if (events !== undefined) void options.writer.write(events).catch(() => undefined); // refused only after close
        return;
      }
      try {
        if (events === undefined) throw new Error('no events could be made');
        await options.writer.write(events);
      } catch (error) {
        options.log(`audit trail: the events of request ${id} could not be committed (${(error as Error).message}); answered 503`);
        const refusal = new GatewayError('AUDIT_UNAVAILABLE', `The access could not be recorded in the audit trail, so it is not answered (request ${id}); try again`, {
          headers: { 'retry-after': '5' },
        });
        setResponse(restFailure(answering(fetchAPI as unknown as FetchApi, id), refusal, undefined, id, options.log));
      }
    },
  };
}

/** The FHIR interaction (or operation) a request is, for AuditEvent.subtype; undefined for what is not patient data. */
export function subtypeOf(method: string, path: string, graphql: string, fhir: string): string | undefined {
  if (path === graphql || path.startsWith(`${graphql}/`)) return 'graphql'; // `${graphql}/stream` too (graphql-sse)
  if (path.endsWith('/$graphql') || path.toLowerCase().endsWith('/%24graphql')) return '$graphql';
  if (path !== fhir && !path.startsWith(`${fhir}/`)) return undefined;
  const segments = path.slice(fhir.length).split('/').filter((s) => s !== '');
  if (segments[0] !== undefined && /^[a-z][a-z0-9-]*$/.test(segments[0])) segments.shift(); // [base]/{sourceId}/...
  const [type, id, op, version] = segments;
  if (type === undefined) return method === 'POST' ? 'batch' : undefined;
  if (type === 'metadata' || type.startsWith('.well-known')) return undefined;
  if (type === '_history' || id === '_history') return 'history-type';
  if (op === '_history') return version === undefined ? 'history-instance' : 'vread';
  if (id === '_search' || (id === undefined && (method === 'GET' || method === 'HEAD'))) return 'search-type';
  if (id === undefined) return method === 'POST' ? 'create' : method === 'PUT' ? 'update' : method === 'PATCH' ? 'patch' : method === 'DELETE' ? 'delete' : 'operation';
  if (method === 'GET' || method === 'HEAD') return 'read';
  return method === 'PUT' ? 'update' : method === 'PATCH' ? 'patch' : method === 'DELETE' ? 'delete' : 'operation';
}
