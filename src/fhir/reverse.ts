import { GatewayError } from '../errors/gateway-error.ts';
import { accessTo, checkRevealingFilters } from './restriction.ts';
import { unsupportedParams } from '../sources/capabilities.ts';
import { requireFilterSupport } from './source-choice.ts';
import type { FhirResource } from '../sources/fhir-types.ts';
import { originOf } from '../sources/resource-origin.ts';
import type { SearchQuery } from '../sources/search-query.ts';
import { searchScope } from './cursors.ts';
import { fhirpathBudgetFor, filterByFhirpath } from './fhirpath/fhirpath.ts';
import type { FhirContext, ResultPath } from './fhir-context.ts';
import { offsetOf, pageSize } from './paging.ts';
import type { ConnectionResult } from './search.ts';
import { checkSearchBounds } from './search-bounds.ts';
import { parseSort } from './sort-order.ts';
import { checkTokenCodes } from './token-codes.ts';

export interface ReverseArgs {
  readonly _count?: number | null;
  readonly _offset?: number | null;
  readonly _cursor?: string | null;
  /** HL7 `fhirpath`: applied to all of the parent's matches, before `_offset`/`_count`/`_cursor` page them. */
  readonly fhirpath?: string | null;
}

/** What points at a parent: `Observation?subject=Patient/1` is type Observation, param subject. */
export interface ReverseSearch {
  readonly resourceType: string;
  readonly param: string;
  /** Further search parameters (code, date, _sort...). */
  readonly filters: SearchQuery;
}

/**
 * `ObservationList(_reference: subject)` inside a Patient: the parent's reverse references, loaded in one
 * batched search for all sibling parents, then paged per parent with `_offset`/`_count` (or a signed `_cursor`).
 */
export async function reversePage(
  ctx: FhirContext,
  at: ResultPath | undefined,
  parent: FhirResource,
  search: ReverseSearch,
  args: ReverseArgs,
): Promise<ConnectionResult> {
  const { resourceType, param, filters } = search;
  const origin = originOf(parent);
  if (!origin || parent.id === undefined) {
    throw new GatewayError('UNRESOLVABLE_REFERENCE', `Reverse references need a stored ${parent.resourceType} with an id`);
  }
  const restriction = await accessTo(ctx, resourceType, 's');
  checkSearchBounds(ctx, filters);
  await checkRevealingFilters(ctx, filters);
  // Validated as at the root (a source may ignore what it does not know): a `_sort` field that is no search parameter
  // of the type is an error, a code that no resource can have a warning.
  parseSort(filters.find(([name]) => name === '_sort')?.[1], resourceType, ctx.searchParams);
  checkTokenCodes(ctx, at, resourceType, filters);
  const source = ctx.sources.get(origin.sourceId);
  requireFilterSupport(ctx, origin.sourceId, resourceType, filters);
  if (source?.resourceTypes && !source.resourceTypes.has(resourceType)) {
    throw new GatewayError('UNSUPPORTED_RESOURCE_TYPE', `Source '${origin.sourceId}' does not serve ${resourceType}`);
  }
  const missing = unsupportedParams(source?.capabilities ?? null, resourceType, [param, ...filters.map(([name]) => name)]);
  if (missing.length > 0) {
    throw new GatewayError(
      'UNSUPPORTED_SEARCH_PARAMETER',
      `Source '${origin.sourceId}' does not declare the ${resourceType} search parameter(s) ${missing.join(', ')} in its CapabilityStatement`,
    );
  }
  const count = pageSize(args._count, ctx, at);
  const target = `${parent.resourceType}/${parent.id}`;
  // The scope hash and the HMACs cost ~150 µs per list, and an XList never reads them: made when a cursor is asked for.
  let scope: string | undefined;
  const scopeOf = () => (scope ??= searchScope('list', resourceType, filters, param, args.fhirpath ?? '', restriction.key));
  let offset = offsetOf(args._offset);
  if (args._cursor) {
    const o = ctx.cursors.decode(scopeOf(), args._cursor, 'is not a cursor of this list')['o'];
    if (typeof o !== 'number' || !Number.isSafeInteger(o) || o < 0) throw new GatewayError('BAD_USER_INPUT', '_cursor is not a cursor of this list');
    offset = o;
  }
  // A restricted viewer's list is narrowed at the source (every sibling parent the same way, so they still batch),
  // then checked resource by resource; a source that holds nothing it may see is not asked.
  const narrowed = restriction.atSource(origin.sourceId);
  const fetched = narrowed === null ? [] : await ctx.loaders.reverse.load({ sourceId: origin.sourceId, resourceType, param, target, query: [...filters, ...narrowed.query] });
  const loaded = restriction.all ? fetched : fetched.filter((r) => restriction.visible(r, origin.sourceId));
  const all = typeof args.fhirpath === 'string' ? await filterByFhirpath(loaded, args.fhirpath, { budget: fhirpathBudgetFor(ctx) }) : loaded;
  const page = all.slice(offset, offset + count);
  ctx.trail.record('R', page, origin.sourceId);
  const cursorAt = (o: number) => ctx.cursors.encode(scopeOf(), { o });
  const lastOffset = all.length === 0 ? 0 : Math.floor((all.length - 1) / Math.max(count, 1)) * count;
  return {
    resourceType,
    count: all.length,
    offset,
    pageSize: count,
    get first() {
      return cursorAt(0);
    },
    get previous() {
      return offset > 0 ? cursorAt(Math.max(0, offset - count)) : undefined;
    },
    get next() {
      return offset + count < all.length ? cursorAt(offset + count) : undefined;
    },
    get last() {
      return cursorAt(lastOffset);
    },
    resources: page,
    included: [],
  };
}
