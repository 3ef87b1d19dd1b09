import { GatewayError } from '../errors/gateway-error.ts';
import { accessTo, hiddenNotFound, visibleOrNotFound } from './restriction.ts';
import { resourceKey } from '../loaders/create-loaders.ts';
import type { FhirResource } from '../sources/fhir-types.ts';
import { isFhirId } from '../sources/reference.ts';
import type { Source } from '../sources/source-registry.ts';
import type { UpstreamResponse } from '../upstream/upstream-client.ts';
import { UpstreamError } from '../upstream/upstream-error.ts';
import { reportPartialFailure, type FhirContext, type ResultPath } from './fhir-context.ts';
import { shown } from '../errors/shown.ts';
import { sourcesFor } from './source-choice.ts';

/**
 * THE rule for finding one resource by its logical id across sources, for every transport: each candidate source is
 * asked in parallel; found in one → that one (sources that failed meanwhile are partial failures: the answer could not
 * be checked for ambiguity there); found in several → AMBIGUOUS_ID, never a silent pick; found in none → NOT_FOUND (410
 * when a source said it was deleted), or the first failure when a source could not be asked. With one candidate, its
 * answer passes as it is.
 */
export async function findOne<T>(
  ctx: FhirContext,
  at: ResultPath | undefined,
  resourceType: string,
  id: string,
  sources: readonly Source[],
  fetch: (source: Source) => Promise<T>,
): Promise<{ readonly source: Source; readonly value: T }> {
  if (sources.length === 1) return { source: sources[0]!, value: await fetch(sources[0]!) };
  const settled = await Promise.allSettled(sources.map(fetch));
  const found: Array<{ source: Source; value: T }> = [];
  const failed: Array<{ source: Source; error: unknown }> = [];
  let gone = false;
  settled.forEach((r, i) => {
    if (r.status === 'fulfilled') found.push({ source: sources[i]!, value: r.value });
    else if (r.reason instanceof GatewayError && r.reason.code === 'NOT_FOUND') gone ||= r.reason.upstreamStatus === 410;
    else failed.push({ source: sources[i]!, error: r.reason });
  });
  if (found.length === 1) {
    for (const f of failed) reportPartialFailure(ctx, at, f.error, f.source.id);
    return found[0]!;
  }
  if (found.length > 1) {
    throw new GatewayError(
      'AMBIGUOUS_ID',
      `${resourceType}/${id} exists in ${found.length} sources (${found.map((f) => f.source.id).join(', ')}); ` +
        `name the source: sourceId (GraphQL) or [base]/{sourceId}/${resourceType}/${id} (REST)`,
    );
  }
  if (failed.length > 0) {
    for (const f of failed.slice(1)) reportPartialFailure(ctx, at, f.error, f.source.id);
    throw failed[0]!.error;
  }
  throw new GatewayError('NOT_FOUND', `${resourceType}/${id} was not found in any source`, gone ? { status: 410 } : {});
}

export function checkId(id: string, what = 'FHIR id'): void {
  if (!isFhirId(id)) throw new GatewayError('BAD_USER_INPUT', `'${shown(id)}' is not a valid ${what}`);
}

/** `Patient(id:)`: through the batched resource loader, so sibling reads cost one `_id` search per source and type. */
export async function readById(
  ctx: FhirContext, at: ResultPath | undefined, resourceType: string, id: string, sourceId?: string | null,
): Promise<FhirResource> {
  checkId(id);
  const restriction = await accessTo(ctx, resourceType, 'r');
  const sources = sourcesFor(ctx, resourceType, sourceId);
  const found = await findOne(ctx, at, resourceType, id, sources, async (s) =>
    visibleOrNotFound(ctx, restriction, await ctx.loaders.resource.load(resourceKey(s.id, resourceType, id)), s.id),
  );
  ctx.trail.record('R', [found.value], found.source.id);
  return found.value;
}

/** What a read of one resource (or version) answered, with the validators a FHIR server sends. */
export interface InstanceRead {
  readonly source: Source;
  /** 304: the client's If-None-Match / If-Modified-Since matched, nothing else is sent. */
  readonly status: 200 | 304;
  readonly resource: FhirResource | undefined;
  readonly etag: string | undefined;
  readonly lastModified: string | undefined;
}

export interface InstanceReadRequest {
  readonly resourceType: string;
  readonly id: string;
  readonly versionId?: string;
  readonly sourceId?: string;
  /** The client's conditional-read headers, passed to the source (and checked here too: some sources ignore them). */
  readonly ifNoneMatch?: string;
  readonly ifModifiedSince?: string;
}

/** A read or vread as a FHIR REST server answers it: the resource with its ETag and Last-Modified, or a 304. */
export async function readInstance(ctx: FhirContext, request: InstanceReadRequest): Promise<InstanceRead> {
  const { resourceType, id, versionId } = request;
  checkId(id);
  if (versionId !== undefined) checkId(versionId, 'FHIR version id');
  const restriction = await accessTo(ctx, resourceType, 'r');
  const path = `${resourceType}/${encodeURIComponent(id)}${versionId === undefined ? '' : `/_history/${encodeURIComponent(versionId)}`}`;
  // A restricted viewer's conditional read is decided here, after the visibility check: an upstream 304 (or 410)
  // would tell whether a resource it may not see exists.
  const headers: Record<string, string> = {};
  if (restriction.all && request.ifNoneMatch !== undefined) headers['if-none-match'] = request.ifNoneMatch;
  if (restriction.all && request.ifModifiedSince !== undefined) headers['if-modified-since'] = request.ifModifiedSince;
  const sources = sourcesFor(ctx, resourceType, request.sourceId);
  const { source, value: response } = await findOne(ctx, undefined, resourceType, id, sources, async (s) => {
    try {
      const answer = await s.client.exchange({ method: 'GET', path, headers }, ctx.call);
      const body = answer.body as FhirResource | undefined;
      if (!restriction.all && answer.status !== 304 && body?.resourceType === resourceType) visibleOrNotFound(ctx, restriction, body, s.id);
      return answer;
    } catch (error) {
      if (!restriction.all && error instanceof GatewayError && error.code === 'NOT_FOUND') throw hiddenNotFound(s.id, resourceType, id);
      throw error;
    }
  });
  if (response.status === 304) return { source, status: 304, resource: undefined, ...validatorsOf(response, undefined) };
  const resource = response.body as FhirResource | undefined;
  if (resource?.resourceType !== resourceType || resource.id !== id) {
    throw new UpstreamError(`Source '${source.id}' answered a read of ${resourceType}/${id} with something else`, {
      code: 'UPSTREAM_BAD_RESPONSE',
      sourceId: source.id,
      upstreamStatus: response.status,
    });
  }
  const validators = validatorsOf(response, resource);
  if (request.ifNoneMatch !== undefined && validators.etag !== undefined && etagListMatches(request.ifNoneMatch, validators.etag)) {
    return { source, status: 304, resource: undefined, ...validators };
  }
  if (request.ifNoneMatch === undefined && request.ifModifiedSince !== undefined && notModifiedSince(request.ifModifiedSince, validators.lastModified)) {
    return { source, status: 304, resource: undefined, ...validators };
  }
  ctx.trail.record('R', [resource], source.id);
  return { source, status: 200, resource, ...validators };
}

/** Validators a read passes on: the upstream's own, else made from meta.versionId / meta.lastUpdated. */
export function validatorsOf(response: UpstreamResponse, resource: FhirResource | undefined): { etag: string | undefined; lastModified: string | undefined } {
  return {
    etag: headerOf(response, 'etag') ?? (resource?.meta?.versionId ? `W/"${resource.meta.versionId}"` : undefined),
    lastModified: headerOf(response, 'last-modified') ?? httpDate(resource?.meta?.lastUpdated),
  };
}

export function headerOf(response: UpstreamResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function httpDate(instant: string | undefined): string | undefined {
  if (!instant) return undefined;
  const date = new Date(instant);
  return Number.isNaN(date.getTime()) ? undefined : date.toUTCString();
}

/** If-Modified-Since (ignored when If-None-Match is sent, RFC 9110): not modified when Last-Modified is not later. */
function notModifiedSince(since: string, lastModified: string | undefined): boolean {
  const a = Date.parse(since);
  const b = lastModified === undefined ? NaN : Date.parse(lastModified);
  return !Number.isNaN(a) && !Number.isNaN(b) && b <= a;
}

/** If-None-Match: `*` or any listed (weak-compared) entity tag equal to `etag`. */
function etagListMatches(list: string, etag: string): boolean {
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return list.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}
