import { randomUUID } from 'node:crypto';
import { AccessTrail } from '../fhir/access-trail.ts';
import { ANONYMOUS, type Viewer } from '../fhir/viewer.ts';

/** What the pipeline knows of a request beyond the request itself: its id, and the public URL it was made to. */
interface RequestMeta {
  id?: string;
  /** The gateway's public root URL as the client reached it (no trailing slash), e.g. `https://gw.example.org`. */
  publicRoot?: string;
  /** Who is asking: set by use-auth.ts once the bearer token is validated (anonymous without auth). */
  viewer?: Viewer;
  /** What the request touched (every FhirContext of the request shares it), for use-audit.ts. */
  trail?: AccessTrail;
  /** When the request arrived (performance.now()) and the URL the client asked for. */
  received?: { readonly at: number; readonly url: string };
}

/** Kept on the request itself under a symbol (cheaper than a WeakMap lookup on every hook of every request). */
const META: unique symbol = Symbol('fhir-gateway.request-meta');
type WithMeta = Request & { [META]?: RequestMeta };
const VALID_ID = /^[A-Za-z0-9._-]{1,128}$/;

function metaOf(request: Request): RequestMeta {
  return ((request as WithMeta)[META] ??= {});
}

/** The request id: the caller's `x-request-id` when it is sane, else a new UUID; the same for the request's lifetime. */
export function requestIdOf(request: Request): string {
  const meta = metaOf(request);
  meta.id ??= requestIdFrom(request.headers.get('x-request-id'));
  return meta.id;
}

/** The given `x-request-id` value when it is sane, else a new UUID. */
export function requestIdFrom(given: string | null | undefined): string {
  return typeof given === 'string' && VALID_ID.test(given) ? given : randomUUID();
}

export function setViewer(request: Request, viewer: Viewer): void {
  metaOf(request).viewer = viewer;
}

/** The request's viewer (use-auth.ts), anonymous when none was set. */
export function viewerOf(request: Request): Viewer {
  return metaOf(request).viewer ?? ANONYMOUS;
}

/** The request's access trail: one per request, shared by every FhirContext made for it. */
export function trailOf(request: Request): AccessTrail {
  return (metaOf(request).trail ??= new AccessTrail());
}

/** Notes when and where the request arrived (the first thing the pipeline does with it). */
export function markReceived(request: Request): void {
  metaOf(request).received ??= { at: performance.now(), url: request.url };
}

export function receivedOf(request: Request): { readonly at: number; readonly url: string } | undefined {
  return metaOf(request).received;
}

/**
 * The path of a request URL, without building a URL object (routes are matched on every request).
 */
export function pathnameOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('://') + 3);
  if (start < 0) return '/';
  const end = url.slice(start).search(/[?#]/);
  return end < 0 ? url.slice(start) : url.slice(start, start + end);
}

export function setPublicRoot(request: Request, root: string): void {
  metaOf(request).publicRoot = root;
}

/** The public root set by use-public-root.ts, else the origin of the request's own URL. */
export function publicRootOf(request: Request, url?: URL): string {
  return metaOf(request).publicRoot ?? (url ?? urlOf(request)).origin;
}

/**
 * A request made from another by a plugin (one that wraps the body): it keeps the original's id, arrival and public
 * root, so that logs, headers and links stay those of the request the client made.
 */
export function deriveRequest(original: Request, derived: Request): Request {
  (derived as WithMeta)[META] = { ...metaOf(original), id: requestIdOf(original) };
  return derived;
}

/** The request's URL, parsed: whatwg-node's Request has parsed it already (`parsedUrl`); else parsed here. */
export function urlOf(request: Request): URL {
  return (request as { parsedUrl?: URL }).parsedUrl ?? new URL(request.url);
}
