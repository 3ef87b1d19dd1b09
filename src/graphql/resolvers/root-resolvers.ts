import { resourceKey } from '../../loaders/create-loaders.ts';
import type { FhirResource } from '../../sources/fhir-types.ts';
import { isFhirId } from '../../sources/reference.ts';
import type { SearchQuery } from '../../sources/search-query.ts';
import { UpstreamError } from '../../upstream/upstream-error.ts';
import type { GatewayContext } from '../context.ts';
import { notFoundError, userError } from './errors.ts';
import { decodeCursor, encodeCursor, offsetOf, pageSize } from './paging.ts';
import { federatedPage } from './federated-search.ts';
import { pathOf, reportPartialFailure, type ResultSite } from './partial-errors.ts';
import { searchSourcesFor, sourcesFor } from './pick-source.ts';
import { parseSort } from './sort-order.ts';


/**
 * `Patient(id:)`: one source, or every source serving the type in parallel; two matches are an error, never a pick.
 * A match while another source failed is returned, with that source's failure as a partial error (the answer could
 * not be checked for ambiguity there).
 */
export async function readById(
  ctx: GatewayContext,
  site: ResultSite,
  resourceType: string,
  id: string,
  sourceId?: string | null,
): Promise<FhirResource> {
  if (!isFhirId(id)) throw userError('BAD_USER_INPUT', `'${id}' is not a valid FHIR id`);
  const sources = sourcesFor(ctx, resourceType, sourceId);
  if (sources.length === 1) return ctx.loaders.resource.load(resourceKey(sources[0]!.id, resourceType, id));
  const settled = await Promise.allSettled(sources.map((s) => ctx.loaders.resource.load(resourceKey(s.id, resourceType, id))));
  const found = settled.flatMap((r, i) => (r.status === 'fulfilled' ? [{ source: sources[i]!, resource: r.value }] : []));
  const failed = settled.flatMap((r, i) =>
    r.status === 'rejected' && !(r.reason instanceof UpstreamError && r.reason.code === 'NOT_FOUND') ? [{ source: sources[i]!, error: r.reason as unknown }] : [],
  );
  if (found.length === 1) {
    for (const f of failed) reportPartialFailure(ctx, site, f.error, f.source.id);
    return found[0]!.resource;
  }
  if (found.length > 1) {
    throw userError(
      'AMBIGUOUS_ID',
      `${resourceType}/${id} exists in ${found.length} sources (${found.map((f) => f.source.id).join(', ')}); pass sourceId to choose one`,
      'multiple-matches',
    );
  }
  if (failed.length > 0) {
    for (const f of failed.slice(1)) reportPartialFailure(ctx, site, f.error, f.source.id);
    throw failed[0]!.error;
  }
  throw notFoundError(`${resourceType}/${id} was not found in any source`);
}

export interface SearchArgs {
  readonly _count?: number | null;
  readonly _offset?: number | null;
  readonly _cursor?: string | null;
  readonly sourceId?: string | null;
}

export interface ConnectionResult {
  readonly resourceType: string;
  readonly count: number | undefined;
  readonly offset: number;
  readonly pageSize: number;
  readonly first?: string;
  readonly previous?: string;
  readonly next?: string;
  readonly last?: string;
  readonly resources: readonly FhirResource[];
  /** `_include`/`_revinclude` results that belong to this page (the REST shim returns them; GraphQL has fields for that). */
  readonly included: readonly FhirResource[];
}

/**
 * `PatientList` / `PatientConnection`: one source's search page (paged with the upstream's own links), or, when
 * several sources serve the search, one page merged from all of them (federated-search.ts).
 */
export async function searchPage(
  ctx: GatewayContext,
  site: ResultSite,
  resourceType: string,
  filters: SearchQuery,
  args: SearchArgs,
): Promise<ConnectionResult> {
  const sort = parseSort(filters.find(([name]) => name === '_sort')?.[1], resourceType, ctx.searchParams);
  const sources = searchSourcesFor(ctx, pathOf(site), resourceType, args.sourceId, filters);
  const count = pageSize(args._count, ctx, site);
  if (sources.length > 1) {
    return federatedPage(ctx, site, { resourceType, filters, sort, sources, count, offset: offsetOf(args._offset), cursor: args._cursor });
  }
  const source = sources[0]!;
  let request;
  let offset = offsetOf(args._offset);
  if (args._cursor) {
    const cursor = decodeCursor(args._cursor);
    const link = cursor['l'];
    if (cursor['s'] !== source.id || typeof link !== 'string' || !isSearchLink(link, resourceType)) {
      throw userError('BAD_USER_INPUT', `_cursor does not belong to a ${resourceType} search of source '${source.id}'`);
    }
    request = { sourceId: source.id, resourceType, link };
    offset = offsetInLink(link) ?? 0;
  } else {
    const query: Array<readonly [string, string]> = [...filters, ['_count', String(count)]];
    if (offset > 0) query.push(['_offset', String(offset)]);
    request = { sourceId: source.id, resourceType, query };
  }
  const page = await ctx.loaders.search.load(request);
  ctx.loaders.prime(source.id, page.resources);
  const cursorOf = (link: string | undefined) => (link === undefined ? undefined : encodeCursor({ s: source.id, l: link }));
  return {
    resourceType,
    count: page.total,
    offset,
    pageSize: count,
    first: cursorOf(page.links.first),
    previous: cursorOf(page.links.previous),
    next: cursorOf(page.links.next),
    last: cursorOf(page.links.last),
    resources: page.resources,
    included: page.included,
  };
}

/** Cursor links must stay searches of the same type (or server-level paging links such as HAPI's `?_getpages=`). */
function isSearchLink(link: string, resourceType: string): boolean {
  return (link.startsWith(resourceType + '?') || link.startsWith(resourceType + '/_search?') || link.startsWith('?')) && !link.includes('..');
}

function offsetInLink(link: string): number | undefined {
  const m = /[?&](?:_offset|_getpagesoffset)=(\d+)/.exec(link);
  return m ? Number(m[1]) : undefined;
}
