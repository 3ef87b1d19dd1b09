import type { FhirContext } from '../../fhir/fhir-context.ts';
import type { TopLevelElements } from '../../fhir/model/load-model.ts';
import type { Source } from '../../sources/source-registry.ts';

/** The Fetch API classes of the pipeline (yoga's): handlers build their Responses with them. */
export interface FetchApi {
  readonly Response: typeof Response;
  readonly ReadableStream: typeof ReadableStream;
}

/** What every answer of a REST request is built with: the classes, and the headers every answer carries. */
export interface Answering extends FetchApi {
  /** The security headers and the request id (the pipeline's plugins then find them and change nothing). */
  readonly headers: Readonly<Record<string, string>>;
}

/** What the REST API is built from (app.ts wires it). */
export interface FhirRestDeps {
  /** Where the FHIR endpoints live, e.g. `/fhir`. */
  readonly basePath: string;
  readonly isResourceType: (name: string) => boolean;
  readonly isSource: (id: string) => boolean;
  /** Summary and mandatory top-level elements of a resource type (for `_summary` and `_elements`). */
  readonly topLevel: (resourceType: string) => TopLevelElements | undefined;
  /** The deepest JSON accepted in a request body. */
  readonly maxJsonDepth: number;
  /** The gateway's public root URL as the client reached it (use-public-root.ts). */
  readonly publicRoot: (request: Request, url?: URL) => string;
  /** The request's FhirContext, built as for every route (request-context.ts). */
  readonly context: (request: Request) => FhirContext;
  /**
   * With SMART authorization configured: the authorization server's metadata, for the CapabilityStatement's
   * `rest.security` (the SMART service and its oauth-uris); null without auth.
   */
  readonly smart: (() => Promise<Readonly<Record<string, unknown>>>) | null;
}

/** One REST request being answered. */
export interface RestCall {
  readonly request: Request;
  readonly url: URL;
  readonly ctx: FhirContext;
  readonly deps: FhirRestDeps;
  readonly fetchAPI: Answering;
  /** The gateway's FHIR base as the client reached it, e.g. `http://127.0.0.1:4000/fhir`. */
  readonly base: string;
  /** The source named in the path (`/fhir/{sourceId}/...`), if any. */
  readonly sourceId: string | undefined;
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

/** The public URL of the current request's path (or `pathname`) with `query` (a URLSearchParams string) as its query. */
export function requestUrl(call: RestCall, query: string, pathname = call.url.pathname): string {
  const origin = call.base.slice(0, call.base.length - call.deps.basePath.length);
  return `${origin}${pathname}${query ? `?${query}` : ''}`;
}
