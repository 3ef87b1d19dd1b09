import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayContext } from '../../graphql/context.ts';
import type { TopLevelElements } from '../../graphql/fhir-model/load-model.ts';
import type { CallOptions } from '../../sources/fhir-client.ts';
import type { Source } from '../../sources/source-registry.ts';
import type { RequestContextDeps } from '../request-context.ts';

/** What the REST shim is built from (app.ts wires it). */
export interface FhirRestDeps {
  /** Where the FHIR endpoints live, e.g. `/fhir`. */
  readonly basePath: string;
  readonly context: RequestContextDeps;
  readonly isResourceType: (name: string) => boolean;
  /** Summary and mandatory top-level elements of a resource type (for `_summary` and `_elements`). */
  readonly topLevel: (resourceType: string) => TopLevelElements | undefined;
  readonly log: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}

/** One REST request being answered. */
export interface RestCall {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly ctx: GatewayContext;
  readonly deps: FhirRestDeps;
  /** The gateway's FHIR base as the client reached it, e.g. `http://127.0.0.1:4000/fhir`. */
  readonly base: string;
  /** The source named in the path (`/fhir/{sourceId}/...`), if any. */
  readonly sourceId: string | undefined;
  /** Deadline and abort signal (the client going away) for upstream calls made outside the loaders. */
  readonly call: CallOptions;
}

/**
 * The gateway URL of a path of a source (`Patient/1`, `Patient/1/_history/2`): under `/fhir/{sourceId}` when the
 * request named the source or several sources are configured (so that the URL reaches exactly that resource again),
 * else under `/fhir`.
 */
export function gatewayUrl(call: RestCall, source: Source, path: string): string {
  const scoped = call.sourceId !== undefined || call.ctx.sources.size > 1;
  return `${call.base}${scoped ? `/${source.id}` : ''}/${path}`;
}

/** The gateway URL for an upstream URL of `source` (absolute under its base, or relative); undefined for others. */
export function rewriteUpstreamUrl(call: RestCall, source: Source, url: string): string | undefined {
  if (url.startsWith(source.baseUrl + '/')) return gatewayUrl(call, source, url.slice(source.baseUrl.length + 1));
  if (/^[A-Z][A-Za-z]+\//.test(url)) return gatewayUrl(call, source, url);
  return undefined;
}
