import type { LoaderDeps } from './loader-deps.ts';
import { createResourceLoader, resourceKey, type ResourceLoader } from './resource-loader.ts';
import { createReverseLoader, type ReverseLoader } from './reverse-loader.ts';
import { createSameAsLoader, type SameAsLoader } from './same-as-loader.ts';
import { createSearchLoader, type SearchLoader } from './search-loader.ts';
import type { FhirResource } from '../sources/fhir-types.ts';

export interface Loaders {
  readonly resource: ResourceLoader;
  readonly search: SearchLoader;
  readonly reverse: ReverseLoader;
  readonly sameAs: SameAsLoader;
  /** Remembers resources that arrived through a search, so a later reference to them costs nothing. */
  prime(sourceId: string, resources: readonly FhirResource[]): void;
}

/** A fresh set of loaders for one GraphQL request (never shared between requests). */
export function createLoaders(deps: LoaderDeps): Loaders {
  const resource = createResourceLoader(deps);
  return {
    resource,
    search: createSearchLoader(deps),
    reverse: createReverseLoader(deps),
    sameAs: createSameAsLoader(deps),
    prime(sourceId, resources) {
      for (const r of resources) if (r.id !== undefined) resource.prime(resourceKey(sourceId, r.resourceType, r.id), r);
    },
  };
}

export { resourceKey };
