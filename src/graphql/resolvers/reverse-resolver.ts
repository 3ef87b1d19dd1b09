import type { GraphQLResolveInfo } from 'graphql';
import { unsupportedParams } from '../../sources/capabilities.ts';
import type { FhirResource } from '../../sources/fhir-types.ts';
import type { SearchQuery } from '../../sources/search-query.ts';
import { originOf } from '../../sources/resource-origin.ts';
import type { GatewayContext } from '../context.ts';
import { filterByFhirpath } from '../fhirpath/fhirpath-engine.ts';
import { userError } from './errors.ts';
import { decodeCursor, encodeCursor, offsetOf, pageSize } from './paging.ts';
import type { ConnectionResult } from './root-resolvers.ts';

export interface ReverseArgs {
  readonly _count?: number | null;
  readonly _offset?: number | null;
  readonly _cursor?: string | null;
  /** HL7 `fhirpath`: applied to all of the parent's matches, before `_offset`/`_count`/`_cursor` page them. */
  readonly fhirpath?: string | null;
}

/**
 * `ObservationList(_reference: subject)` inside a Patient: the parent's reverse references, loaded in one
 * batched search for all sibling parents, then paged per parent with `_offset`/`_count`.
 */
export async function reversePage(
  parent: FhirResource,
  ctx: GatewayContext,
  info: GraphQLResolveInfo,
  resourceType: string,
  param: string,
  filters: SearchQuery,
  args: ReverseArgs,
): Promise<ConnectionResult> {
  const origin = originOf(parent);
  if (!origin || parent.id === undefined) {
    throw userError('UNRESOLVABLE_REFERENCE', `Reverse references need a stored ${parent.resourceType} with an id`, 'not-found');
  }
  const source = ctx.sources.get(origin.sourceId);
  if (source?.resourceTypes && !source.resourceTypes.has(resourceType)) {
    throw userError('UNSUPPORTED_RESOURCE_TYPE', `Source '${origin.sourceId}' does not serve ${resourceType}`, 'not-supported');
  }
  const missing = unsupportedParams(source?.capabilities ?? null, resourceType, [param, ...filters.map(([name]) => name)]);
  if (missing.length > 0) {
    throw userError(
      'UNSUPPORTED_SEARCH_PARAMETER',
      `Source '${origin.sourceId}' does not declare the ${resourceType} search parameter(s) ${missing.join(', ')} in its CapabilityStatement`,
      'not-supported',
    );
  }
  const count = pageSize(args._count, ctx, info);
  let offset = offsetOf(args._offset);
  if (args._cursor) {
    const o = decodeCursor(args._cursor)['o'];
    if (typeof o !== 'number' || !Number.isInteger(o) || o < 0) throw userError('BAD_USER_INPUT', '_cursor is not a cursor of this list');
    offset = o;
  }
  const loaded = await ctx.loaders.reverse.load({
    sourceId: origin.sourceId,
    resourceType,
    param,
    target: `${parent.resourceType}/${parent.id}`,
    query: filters,
  });
  const all = typeof args.fhirpath === 'string' ? await filterByFhirpath(loaded, args.fhirpath) : loaded;
  const page = all.slice(offset, offset + count);
  const at = (o: number) => encodeCursor({ o });
  const lastOffset = all.length === 0 ? 0 : Math.floor((all.length - 1) / Math.max(count, 1)) * count;
  return {
    resourceType,
    count: all.length,
    offset,
    pageSize: count,
    first: at(0),
    previous: offset > 0 ? at(Math.max(0, offset - count)) : undefined,
    next: offset + count < all.length ? at(offset + count) : undefined,
    last: at(lastOffset),
    resources: page,
    included: [],
  };
}
