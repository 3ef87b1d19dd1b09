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

/** One String argument per search parameter ('-' written '_'), as the HL7 FHIR GraphQL page specifies. */
export function searchParamArgs(t: AnyRef, params: readonly SearchParamDef[]): Record<string, unknown> {
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
  return {
    _count: t.arg.int({ description: 'Page size (capped at the configured maximum; a cap is reported in extensions.warnings)' }),
    _offset: t.arg.int({ description: 'Index of the first result' }),
    _sort: t.arg.string({ description: "FHIR _sort, e.g. '-date' or 'family,given'" }),
  };
}

/** GraphQL arguments back to FHIR search parameters (name/value pairs), control arguments left out. */
export function toSearchQuery(args: Record<string, unknown>, params: readonly SearchParamDef[]): [string, string][] {
  const query: [string, string][] = [];
  for (const p of params) {
    const value = args[argNameOf(p)];
    if (value !== undefined && value !== null) query.push([p.code, String(value)]);
  }
  if (typeof args['_sort'] === 'string' && args['_sort'] !== '') query.push(['_sort', args['_sort']]);
  return query;
}

