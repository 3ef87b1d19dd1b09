import type { GraphQLResolveInfo } from 'graphql';
import { recordSliceSource } from '../directives/slice-sources.ts';
import { fhirpathBudgetFor, filterByFhirpath } from '../../fhir/fhirpath/fhirpath.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import type { AnyRef } from './build-fhir-types.ts';

/*
 * HL7 FHIR GraphQL "Field Arguments: List Navigation": repeating complex elements take `fhirpath`, `_offset` and
 * `_count` ("Primitive fields SHALL NOT have any arguments at all"); the offset and count apply to the filtered list.
 * Search results (`XList`, `XConnection`, root and reverse) take `fhirpath` too.
 */
export interface ListArgs {
  readonly fhirpath?: string | null;
  readonly _count?: number | null;
  readonly _offset?: number | null;
}

/** `fhirpath` of a repeating element or a search (root or reverse `XList` / `XConnection`); short: it is on ~4,500 fields. */
export function fhirpathArg(t: AnyRef): Record<string, unknown> {
  return { fhirpath: t.arg.string({ description: 'Keep only items for which this FHIRPath is true' }) };
}

export function elementListArgs(t: AnyRef): Record<string, unknown> {
  return {
    ...fhirpathArg(t),
    _count: t.arg.int({ description: 'Return at most this many items' }),
    _offset: t.arg.int({ description: 'Skip this many items first' }),
  };
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
 * A repeating FHIR element: `fhirpath`, then `_offset`/`_count`; the result is recorded for `@slice` when the field
 * carries it. Returns a promise only when there is a FHIRPath filter (the engine loads on first use).
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
  if (typeof args.fhirpath === 'string' && Array.isArray(list)) {
    return filterByFhirpath(list, args.fhirpath, { ...(base !== undefined ? { base } : {}), root, budget: fhirpathBudgetFor(ctx) }).then(finish);
  }
  return finish(list as readonly unknown[] | undefined | null);
}
