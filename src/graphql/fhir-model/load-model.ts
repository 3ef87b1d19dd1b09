import { readFileSync } from 'node:fs';
import type { FhirModel, SearchParamDef } from './model.types.ts';

let cached: FhirModel | undefined;

/** The compact R4 model (built by scripts/build-fhir-model.ts), parsed once per process. */
export function loadFhirModel(): FhirModel {
  cached ??= JSON.parse(readFileSync(new URL('./r4-model.json', import.meta.url), 'utf8')) as FhirModel;
  return cached;
}

/** Element paths of a reference search parameter (see SearchParamDef.paths), looked up through an index. */
export function referencePathIndex(model: FhirModel): (resourceType: string, code: string) => readonly string[] | undefined {
  const index = new Map<string, SearchParamDef>();
  for (const [type, params] of Object.entries(model.searchParams)) for (const p of params) index.set(type + '.' + p.code, p);
  return (resourceType, code) => index.get(resourceType + '.' + code)?.paths;
}
