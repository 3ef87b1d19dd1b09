import { GatewayError } from '../errors/gateway-error.ts';
import { mayRead, requireAccess } from './access.ts';
import type { FhirResource } from '../sources/fhir-types.ts';
import type { SearchQuery } from '../sources/search-query.ts';
import { searchScope } from './cursors.ts';
import { federatedPage } from './federated-search.ts';
import type { FhirContext, ResultPath } from './fhir-context.ts';
import { offsetOf, pageSize } from './paging.ts';
import { checkSearchBounds } from './search-bounds.ts';
import { parseSort } from './sort-order.ts';
import { searchSourcesFor } from './source-choice.ts';
import { checkTokenCodes } from './token-codes.ts';

export interface SearchArgs {
  readonly _count?: number | null;
  readonly _offset?: number | null;
  readonly _cursor?: string | null;
  readonly sourceId?: string | null;
}

/** One page of a search: what a GraphQL Connection and a REST searchset Bundle are made of. */
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
  /** `_include`/`_revinclude` results that belong to this page (the REST API returns them; GraphQL has fields for that). */
  readonly included: readonly FhirResource[];
}

/**
 * A search of one type (`PatientList` / `PatientConnection`, `GET [base]/Patient?...`): one source's page, paged with
 * the upstream's own links, or — when several sources serve the search — one page merged from all of them
 * (federated-search.ts). Cursors are signed and bound to the search (type, filters, sources) and, for one source, to
 * the page size: the upstream link inside cannot be changed by a client.
 */
export async function searchPage(
  ctx: FhirContext,
  at: ResultPath | undefined,
  resourceType: string,
  filters: SearchQuery,
  args: SearchArgs,
): Promise<ConnectionResult> {
  requireAccess(ctx, resourceType, 's');
  checkSearchBounds(ctx, filters);
  const sort = parseSort(filters.find(([name]) => name === '_sort')?.[1], resourceType, ctx.searchParams);
  checkTokenCodes(ctx, at, resourceType, filters);
  const sources = searchSourcesFor(ctx, at, resourceType, args.sourceId, filters);
  const count = pageSize(args._count, ctx, at);
  if (sources.length > 1) {
    const merged = await federatedPage(ctx, at, { resourceType, filters, sort, sources, count, offset: offsetOf(args._offset), cursor: args._cursor });
    const result = { ...merged, included: visibleIncludes(ctx, merged.included) };
    ctx.trail.record('R', [...result.resources, ...result.included]);
    return result;
  }
  const source = sources[0]!;
  const scope = searchScope('page', resourceType, filters, source.id);
  let request;
  let offset = offsetOf(args._offset);
  if (args._cursor) {
    const cursor = ctx.cursors.decode(scope, args._cursor, `does not belong to this ${resourceType} search of source '${source.id}' (same parameters)`);
    const link = cursor['l'];
    if (typeof link !== 'string' || !isSearchLink(link, resourceType)) {
      throw new GatewayError('BAD_USER_INPUT', `_cursor does not belong to a ${resourceType} search of source '${source.id}'`);
    }
    if (cursor['n'] !== count) {
      throw new GatewayError('BAD_USER_INPUT', `_cursor pages by ${String(cursor['n'])} results; pass _count: ${String(cursor['n'])} with it`);
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
  ctx.trail.record('R', [...page.resources, ...visibleIncludes(ctx, page.included)], source.id);
  const cursorOf = (link: string | undefined) => (link === undefined ? undefined : ctx.cursors.encode(scope, { l: link, n: count }));
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
    included: visibleIncludes(ctx, page.included),
  };
}

/** Paging links must stay searches of the same type (or server-level paging links such as HAPI's `?_getpages=`). */
function isSearchLink(link: string, resourceType: string): boolean {
  return (link.startsWith(resourceType + '?') || link.startsWith(resourceType + '/_search?') || link.startsWith('?')) && !link.includes('..');
}

function offsetInLink(link: string): number | undefined {
  const m = /[?&](?:_offset|_getpagesoffset)=(\d+)/.exec(link);
  return m ? Number(m[1]) : undefined;
}

/** `_include`/`_revinclude` results of types the viewer may not read are left out (the page's own matches are not). */
function visibleIncludes(ctx: FhirContext, included: readonly FhirResource[]): readonly FhirResource[] {
  return ctx.viewer.kind === 'anonymous' ? included : included.filter((r) => mayRead(ctx, r.resourceType));
}
