import { notFoundError, userError } from '../../graphql/resolvers/errors.ts';
import { sourcesFor } from '../../graphql/resolvers/pick-source.ts';
import type { FhirResource } from '../../sources/fhir-types.ts';
import type { Source } from '../../sources/source-registry.ts';
import type { UpstreamResponse } from '../../upstream/upstream-client.ts';
import { UpstreamError } from '../../upstream/upstream-error.ts';
import { gatewayUrl, type RestCall } from './rest-call.ts';
import { pagingCursor, rewriteBundle } from './rest-bundle.ts';
import { sendFhir } from './rest-response.ts';

/** The sources a request about one resource type may concern: the one in the path, else every source serving it. */
export function candidateSources(call: RestCall, resourceType: string): Source[] {
  return sourcesFor(call.ctx, resourceType, call.sourceId);
}

export interface Found {
  readonly source: Source;
  readonly response: UpstreamResponse;
}

/**
 * GETs `path` (`Patient/1`, `Patient/1/_history/2`, `Patient/1/_history`) from every candidate source in parallel and
 * returns the one answer: found in one source → that; in several → AMBIGUOUS_ID (409), never a silent pick; in none →
 * 404, or the first source failure when a source could not be asked. With one candidate its answer passes as it is.
 */
export async function findInSources(
  call: RestCall,
  resourceType: string,
  id: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<Found> {
  const sources = candidateSources(call, resourceType);
  const get = (source: Source) => source.client.exchange({ method: 'GET', path, headers }, call.call);
  if (sources.length === 1) return { source: sources[0]!, response: await get(sources[0]!) };
  const settled = await Promise.allSettled(sources.map(get));
  const found: Found[] = [];
  const failed: unknown[] = [];
  let gone = false;
  settled.forEach((r, i) => {
    if (r.status === 'fulfilled') found.push({ source: sources[i]!, response: r.value });
    else if (r.reason instanceof UpstreamError && r.reason.code === 'NOT_FOUND') gone ||= r.reason.upstreamStatus === 410;
    else failed.push(r.reason);
  });
  if (found.length === 1) return found[0]!;
  if (found.length > 1) {
    throw userError(
      'AMBIGUOUS_ID',
      `${resourceType}/${id} exists in ${found.length} sources (${found.map((f) => f.source.id).join(', ')}); ` +
        `address one of them as ${call.base}/{sourceId}/${resourceType}/${id}`,
      'multiple-matches',
      409,
    );
  }
  if (failed.length > 0) throw failed[0];
  throw notFoundError(`${path.split('?')[0]} was not found in any source`, gone ? 410 : 404);
}

/** Validators and dates a read passes on: the upstream's own, else made from meta.versionId / meta.lastUpdated. */
export function resourceHeaders(response: UpstreamResponse, resource: FhirResource | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const etag = header(response, 'etag') ?? (resource?.meta?.versionId ? `W/"${resource.meta.versionId}"` : undefined);
  if (etag) out['etag'] = etag;
  const lastModified = header(response, 'last-modified') ?? httpDate(resource?.meta?.lastUpdated);
  if (lastModified) out['last-modified'] = lastModified;
  return out;
}

export function header(response: UpstreamResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function httpDate(instant: string | undefined): string | undefined {
  if (!instant) return undefined;
  const date = new Date(instant);
  return Number.isNaN(date.getTime()) ? undefined : date.toUTCString();
}

/** Conditional-read headers a client sent, passed on so that the upstream can answer 304. */
function validators(call: RestCall): Record<string, string> {
  const out: Record<string, string> = {};
  const inm = call.req.headers['if-none-match'];
  const ims = call.req.headers['if-modified-since'];
  if (typeof inm === 'string') out['if-none-match'] = inm;
  if (typeof ims === 'string') out['if-modified-since'] = ims;
  return out;
}

/** `GET [base]/Type/id` and `GET [base]/Type/id/_history/vid`. */
export async function readResource(call: RestCall, resourceType: string, id: string, versionId?: string): Promise<void> {
  const path = `${resourceType}/${encodeURIComponent(id)}${versionId === undefined ? '' : `/_history/${encodeURIComponent(versionId)}`}`;
  const { source, response } = await findInSources(call, resourceType, id, path, validators(call));
  const resource = response.body as FhirResource | undefined;
  if (response.status === 304) {
    sendFhir(call.res, 304, undefined, resourceHeaders(response, undefined));
    return;
  }
  if (resource?.resourceType !== resourceType || resource.id !== id) {
    throw new UpstreamError(`Source '${source.id}' answered a read of ${resourceType}/${id} with something else`, {
      code: 'UPSTREAM_BAD_RESPONSE',
      sourceId: source.id,
      upstreamStatus: response.status,
    });
  }
  const headers = resourceHeaders(response, resource);
  const ifNoneMatch = call.req.headers['if-none-match'];
  if (typeof ifNoneMatch === 'string' && headers['etag'] !== undefined && etagListMatches(ifNoneMatch, headers['etag'])) {
    sendFhir(call.res, 304, undefined, headers);
    return;
  }
  if (versionId === undefined && resource.meta?.versionId) {
    headers['content-location'] = gatewayUrl(call, source, `${resourceType}/${id}/_history/${resource.meta.versionId}`);
  }
  sendFhir(call.res, 200, resource, headers);
}

/**
 * `GET [base]/Type/id/_history` (the source that has the resource) and `GET [base]/Type/_history` (one source: the
 * one in the path, or the only one serving the type). The upstream's history Bundle is passed on with its `fullUrl`s
 * and paging links pointing at the gateway; a paging link carries the upstream's own link in `_cursor`.
 */
export async function history(call: RestCall, resourceType: string, id: string | undefined): Promise<void> {
  const cursor = call.url.searchParams.get('_cursor');
  const own = id === undefined ? `${resourceType}/_history` : `${resourceType}/${encodeURIComponent(id)}/_history`;
  let source: Source;
  let response: UpstreamResponse;
  if (cursor !== null) {
    const position = pagingCursor(call, cursor, own);
    source = position.source;
    response = await source.client.exchange({ method: 'GET', path: position.link }, call.call);
  } else {
    const query = call.url.search;
    if (id !== undefined) {
      ({ source, response } = await findInSources(call, resourceType, id, own + query));
    } else {
      const sources = candidateSources(call, resourceType);
      if (sources.length > 1) {
        throw userError(
          'SOURCE_REQUIRED',
          `${sources.length} sources serve ${resourceType} (${sources.map((s) => s.id).join(', ')}); ask one for its history as ${call.base}/{sourceId}/${resourceType}/_history`,
          'not-supported',
        );
      }
      source = sources[0]!;
      response = await source.client.exchange({ method: 'GET', path: own + query }, call.call);
    }
  }
  const bundle = response.body as Record<string, unknown> | undefined;
  if (bundle?.['resourceType'] !== 'Bundle') {
    throw new UpstreamError(`Source '${source.id}' answered a history request without a Bundle`, {
      code: 'UPSTREAM_BAD_RESPONSE',
      sourceId: source.id,
      upstreamStatus: response.status,
    });
  }
  sendFhir(call.res, 200, rewriteBundle(call, source, bundle, own));
}

/** If-None-Match: `*` or any listed (weak-compared) entity tag equal to `etag`. */
function etagListMatches(list: string, etag: string): boolean {
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return list.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}
