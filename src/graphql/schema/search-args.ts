import type { SearchParamDef } from '../../fhir/model/model.types.ts';
import type { AnyRef } from './build-fhir-types.ts';
import { argName } from './naming.ts';

const descriptions = new WeakMap<SearchParamDef, string>();
const argNames = new WeakMap<SearchParamDef, string>();

/** The argument name of a search parameter, computed once per parameter (resolvers ask on every call). */
function argNameOf(p: SearchParamDef): string {
  let name = argNames.get(p);
  if (name === undefined) argNames.set(p, (name = argName(p.code)));
  return name;
}

/**
 * Argument objects made once per schema builder and shared by every field that takes them: the search arguments of a
 * type are the same on its root `XList`/`XConnection` and on every reverse `XList`/`XConnection` pointing at any type
 * (~1,900 fields in all). Pothos makes each field's argument config from the shared object; graphql-js keeps its own
 * per field.
 */
const sharedArgs = new WeakMap<object, Map<unknown, Record<string, unknown>>>();
export function shared(t: AnyRef, key: unknown, make: () => Record<string, unknown>): Record<string, unknown> {
  let byKey = sharedArgs.get(t.builder);
  if (byKey === undefined) sharedArgs.set(t.builder, (byKey = new Map()));
  let args = byKey.get(key);
  if (args === undefined) byKey.set(key, (args = make()));
  return args;
}

/** One String argument per search parameter ('-' written '_'), as the HL7 FHIR GraphQL page specifies. */
export function searchParamArgs(t: AnyRef, params: readonly SearchParamDef[]): Record<string, unknown> {
  return shared(t, params, () => makeSearchParamArgs(t, params));
}

function makeSearchParamArgs(t: AnyRef, params: readonly SearchParamDef[]): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const p of params) {
    let description = descriptions.get(p);
    if (description === undefined) {
      description = `${p.type} search parameter '${p.code}'${p.description ? `: ${p.description}` : ''}`;
      descriptions.set(p, description);
    }
    args[argNameOf(p)] = t.arg.string({ description });
  }
  return args;
}

export function pagingArgs(t: AnyRef): Record<string, unknown> {
  return shared(t, 'paging', () => ({
    _count: t.arg.int({ description: 'Page size (capped at the configured maximum; a cap is reported in extensions.warnings)' }),
    _offset: t.arg.int({ description: 'Index of the first result' }),
    _sort: t.arg.string({ description: "FHIR _sort, e.g. '-date' or 'family,given'" }),
  }));
}

/** `_cursor` of an `XConnection` (root and reverse). */
export function cursorArg(t: AnyRef): Record<string, unknown> {
  return shared(t, 'cursor', () => ({ _cursor: t.arg.string({ description: 'A first/previous/next/last value of an earlier page' }) }));
}

/**
 * FHIR `_filter` (hl7.org/fhir/search_filter.html), as the HL7 page's schema has it on every `XList`/`XConnection`
 * (and on reverse references, which take the search arguments). Sent as it is to the sources whose CapabilityStatement
 * declares `_filter` for the type; never assumed (source-choice.ts).
 */
export function filterParamArg(t: AnyRef): Record<string, unknown> {
  return shared(t, 'filter', () => ({ _filter: t.arg.string({ description: 'FHIR _filter; only sources declaring it are searched' }) }));
}

/** GraphQL arguments back to FHIR search parameters (name/value pairs), control arguments left out. */
export function toSearchQuery(args: Record<string, unknown>, params: readonly SearchParamDef[]): [string, string][] {
  const query: [string, string][] = [];
  for (const p of params) {
    const value = args[argNameOf(p)];
    if (value !== undefined && value !== null) query.push([p.code, String(value)]);
  }
  if (typeof args['_filter'] === 'string' && args['_filter'] !== '') query.push(['_filter', args['_filter']]);
  if (typeof args['_sort'] === 'string' && args['_sort'] !== '') query.push(['_sort', args['_sort']]);
  return query;
}
