import { readFileSync } from 'node:fs';
import type { FhirModel, SearchParamDef } from './model.types.ts';

let cached: FhirModel | undefined;

/** The compact R4 model (built by scripts/build-fhir-model.ts), parsed once per process. */
export function loadFhirModel(): FhirModel {
  cached ??= JSON.parse(readFileSync(new URL('./r4-model.json', import.meta.url), 'utf8')) as FhirModel;
  return cached;
}

/** A search parameter of the index: with the codes of the value set it is bound to, when it is (`valueSet`). */
export interface IndexedSearchParam extends SearchParamDef {
  readonly codes?: readonly string[];
}

/** A search parameter of a resource type by its code, or undefined when R4 defines no such parameter for the type. */
export type SearchParamIndex = (resourceType: string, code: string) => IndexedSearchParam | undefined;

export function searchParamIndex(model: FhirModel): SearchParamIndex {
  const index = new Map<string, IndexedSearchParam>();
  for (const [type, params] of Object.entries(model.searchParams)) {
    for (const p of params) {
      const codes = p.valueSet === undefined ? undefined : model.valueSets[p.valueSet];
      index.set(type + '.' + p.code, codes === undefined ? p : { ...p, codes });
    }
  }
  return (resourceType, code) => index.get(resourceType + '.' + code);
}

export interface TopLevelElements {
  /** R4 isSummary elements (what `_summary=true` keeps). */
  readonly summary: ReadonlySet<string>;
  /** Elements with min ≥ 1 (kept by `_summary=text` and `_elements`). */
  readonly required: ReadonlySet<string>;
}

/**
 * The top-level JSON property names of a resource type's summary and mandatory elements, choice elements expanded to
 * every typed name (`deceasedBoolean`, `deceasedDateTime`); undefined for a type the model does not know.
 */
export function topLevelIndex(model: FhirModel): (resourceType: string) => TopLevelElements | undefined {
  const cache = new Map<string, TopLevelElements>();
  return (resourceType) => {
    let found = cache.get(resourceType);
    if (found) return found;
    const def = model.types[resourceType];
    if (def?.kind !== 'resource') return undefined;
    const summary = new Set<string>();
    const required = new Set<string>();
    for (const field of def.fields) {
      const names = field.choice ? field.types.map((t) => field.name + t[0]!.toUpperCase() + t.slice(1)) : [field.name];
      for (const name of names) {
        if (field.summary) summary.add(name);
        if (field.required) required.add(name);
      }
    }
    found = { summary, required };
    cache.set(resourceType, found);
    return found;
  };
}
