import type { GraphQLResolveInfo } from 'graphql';
import { recordSliceSource } from '../directives/slice-sources.ts';
import { fhirpathBudgetFor, filterByFhirpath } from '../../fhir/fhirpath/fhirpath.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import type { AnyRef } from './build-fhir-types.ts';
import { filterByChildren } from './list-filters.ts';
import { shared } from './search-args.ts';

/*
 * HL7 FHIR GraphQL "Field Arguments: List Navigation": repeating complex elements take `[field]: value` child filters
 * (list-filters.ts), `fhirpath`, `_offset` and `_count` ("Primitive fields SHALL NOT have any arguments at all"); the
 * offset and count apply to the filtered list. Search results (`XList`, `XConnection`, root and reverse) take
 * `fhirpath` too.
 */
export interface ListArgs {
  readonly fhirpath?: string | null;
  readonly _count?: number | null;
  readonly _offset?: number | null;
  /** Child filters (`use: "official"`), by child element name. */
  readonly [child: string]: unknown;
}

/** `fhirpath` of a search (root or reverse `XList` / `XConnection`). */
export function fhirpathArg(t: AnyRef): Record<string, unknown> {
  return shared(t, 'fhirpath', () => ({ fhirpath: t.arg.string({ description: 'Keep only items for which this FHIRPath is true' }) }));
}

export function sliceList<T>(list: readonly T[] | undefined | null, args: ListArgs): readonly T[] | undefined | null {
  if (!Array.isArray(list)) return list;
  const offset = args._offset ?? 0;
  const count = args._count ?? undefined;
  if (offset < 0 || (count !== undefined && count < 0)) {
    throw new GatewayError('BAD_USER_INPUT', '_count and _offset must not be negative');
  }
  if (offset === 0 && count === undefined) return list;
  return list.slice(offset, count === undefined ? undefined : offset + count);
}

/**
 * A repeating FHIR element: the child filters, then `fhirpath` (both keep the items that pass: an AND, so the order
 * changes only the cost — the cheap in-process comparisons first leave the FHIRPath worker fewer items), then
 * `_offset`/`_count` on what is left, as the HL7 page says ("the offset and count apply to the filtered list"). The
 * result is recorded for `@slice` when the field carries it (directives such as `@first` work on the result, after
 * all of this). Returns a promise only when there is a FHIRPath filter (the engine loads on first use).
 */
export function resolveElementList(
  list: unknown,
  args: ListArgs,
  ctx: object,
  info: GraphQLResolveInfo,
  base: string | undefined,
  root: unknown,
): readonly unknown[] | undefined | null | Promise<readonly unknown[] | undefined | null> {
  const finish = (items: readonly unknown[] | undefined | null) => {
    const page = sliceList(items, args);
    recordSliceSource(ctx, info, page, base, root);
    return page;
  };
  if (!Array.isArray(list)) return finish(list as undefined | null);
  const filtered = filterByChildren(list, args);
  if (typeof args.fhirpath === 'string') {
    return filterByFhirpath(filtered, args.fhirpath, { ...(base !== undefined ? { base } : {}), root, budget: fhirpathBudgetFor(ctx) }).then(finish);
  }
  return finish(filtered);
}
