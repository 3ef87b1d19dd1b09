import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/** What a route sees of a request: its method, its URL and the URL's path split into decoded segments. */
export interface RouteRequest {
  readonly method: string;
  readonly url: URL;
  /** `/fhir/Patient/p1/%24graphql` -> `['fhir', 'Patient', 'p1', '$graphql']`; null when a segment is not valid percent-encoding. */
  readonly segments: readonly string[] | null;
}

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Claims a request by returning its handler, or passes (undefined) to the next route. */
export type Route = (request: RouteRequest) => NodeHandler | undefined;

/**
 * The one place that decides which handler answers a request: the routes in order (the FHIR `$graphql` endpoints,
 * later the REST shim under `/fhir`), then the fallback (yoga: `/graphql`, `/health`, `/ready`, 404 for the rest).
 * Routes decide on the method and the path only; they never read the body.
 */
export function createRouter(routes: readonly Route[], fallback: NodeHandler): RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    const request: RouteRequest = { method: req.method ?? 'GET', url, segments: decodeSegments(url.pathname) };
    for (const route of routes) {
      const handler = route(request);
      if (handler) return handler(req, res);
    }
    return fallback(req, res);
  };
}

function decodeSegments(pathname: string): string[] | null {
  try {
    return pathname.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return null;
  }
}

/** Writes a small JSON response (for answers given by a route itself, before any GraphQL happens). */
export function sendJson(res: ServerResponse, status: number, contentType: string, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': `${contentType}; charset=utf-8`, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
