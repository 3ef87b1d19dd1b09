import { GatewayError } from '../errors/gateway-error.ts';
import { accessIfGranted, accessTo, checkRevealingFilters, keepVisible, type Restriction } from './restriction.ts';
import type { FhirResource } from '../sources/fhir-types.ts';
import { originOf } from '../sources/resource-origin.ts';
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
  const restriction = await accessTo(ctx, resourceType, 's');
  checkSearchBounds(ctx, filters);
  await checkRevealingFilters(ctx, filters);
  const sort = parseSort(filters.find(([name]) => name === '_sort')?.[1], resourceType, ctx.searchParams);
  checkTokenCodes(ctx, at, resourceType, filters);
  const candidates = searchSourcesFor(ctx, at, resourceType, args.sourceId, filters);
  const count = pageSize(args._count, ctx, at);
  // A restricted viewer's search goes only to the sources that can hold something it may see, narrowed there.
  const sources = restriction.all ? candidates : candidates.filter((s) => restriction.atSource(s.id) !== null);
  if (sources.length === 0) return emptyPage(resourceType, count);
  const narrowed = (sourceId: string) => restriction.atSource(sourceId)?.query ?? [];
  if (sources.length > 1) {
    const merged = await federatedPage(ctx, at, {
      resourceType, filters, sort, sources, count, offset: offsetOf(args._offset), cursor: args._cursor,
      ...(restriction.all ? {} : { narrowed, restrictionKey: restriction.key }),
    });
    const seen = keepVisible(restriction, merged.resources, sourceOf);
    const result = {
      ...merged,
      ...(seen.hidden > 0 || !sources.every((s) => restriction.atSource(s.id)!.exact) ? { count: undefined } : {}),
      resources: seen.kept,
      included: await visibleIncludes(ctx, merged.included),
    };
    ctx.trail.record('R', [...result.resources, ...result.included]);
    return result;
  }
  const source = sources[0]!;
  const own = restriction.atSource(source.id)!;
  const scope = searchScope('page', resourceType, restriction.all ? filters : [...filters, ['\u0000restriction', restriction.key]], source.id);
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
    const query: Array<readonly [string, string]> = [...filters, ...own.query, ['_count', String(count)]];
    if (offset > 0) query.push(['_offset', String(offset)]);
    request = { sourceId: source.id, resourceType, query };
  }
  const page = await ctx.loaders.search.load(request);
  const seen = keepVisible(restriction, page.resources, () => source.id);
  ctx.loaders.prime(source.id, seen.kept);
  const included = await visibleIncludes(ctx, page.included);
  ctx.trail.record('R', [...seen.kept, ...included], source.id);
  const cursorOf = (link: string | undefined) => (link === undefined ? undefined : ctx.cursors.encode(scope, { l: link, n: count }));
  return {
    resourceType,
    count: seen.hidden > 0 || !own.exact ? undefined : page.total,
    offset,
    pageSize: count,
    first: cursorOf(page.links.first),
    previous: cursorOf(page.links.previous),
    next: cursorOf(page.links.next),
    last: cursorOf(page.links.last),
    resources: seen.kept,
    included,
  };
}

function emptyPage(resourceType: string, count: number): ConnectionResult {
  return { resourceType, count: 0, offset: 0, pageSize: count, resources: [], included: [] };
}

const sourceOf = (resource: FhirResource) => originOf(resource)?.sourceId;

/** Paging links must stay searches of the same type (or server-level paging links such as HAPI's `?_getpages=`). */
function isSearchLink(link: string, resourceType: string): boolean {
  return (link.startsWith(resourceType + '?') || link.startsWith(resourceType + '/_search?') || link.startsWith('?')) && !link.includes('..');
}

function offsetInLink(link: string): number | undefined {
  const m = /[?&](?:_offset|_getpagesoffset)=(\d+)/.exec(link);
  return m ? Number(m[1]) : undefined;
}

/**
 * `_include`/`_revinclude` results the viewer may see: of types it may read, and (restricted) each one visible — the
 * page's own matches are checked by the search's restriction.
 */
async function visibleIncludes(ctx: FhirContext, included: readonly FhirResource[]): Promise<readonly FhirResource[]> {
  if (ctx.viewer.kind === 'anonymous' || included.length === 0) return included;
  const byType = new Map<string, Restriction | undefined>();
  for (const r of included) if (!byType.has(r.resourceType)) byType.set(r.resourceType, await accessIfGranted(ctx, r.resourceType, 'r'));
  return included.filter((r) => byType.get(r.resourceType)?.visible(r, sourceOf(r)) ?? false);
}
