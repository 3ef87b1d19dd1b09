import { readFileSync } from 'node:fs';
import type { FhirModel, SearchParamDef } from './model.types.ts';

let cached: FhirModel | undefined;

/** The compact R4 model (built by scripts/build-fhir-model.ts), parsed once per process. */
export function loadFhirModel(): FhirModel {
  cached ??= JSON.parse(readFileSync(new URL('./r4-model.json', import.meta.url), 'utf8')) as FhirModel;
  return cached;
}

/** A search parameter of a resource type by its code, or undefined when R4 defines no such parameter for the type. */
export type SearchParamIndex = (resourceType: string, code: string) => SearchParamDef | undefined;

export function searchParamIndex(model: FhirModel): SearchParamIndex {
  const index = new Map<string, SearchParamDef>();
  for (const [type, params] of Object.entries(model.searchParams)) for (const p of params) index.set(type + '.' + p.code, p);
  return (resourceType, code) => index.get(resourceType + '.' + code);
}
