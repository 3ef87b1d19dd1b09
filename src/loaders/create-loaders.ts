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

/**
 * A fresh set of loaders for one request (never shared between requests). Each is made when first used: a REST read
 * needs none, most queries only some.
 */
export function createLoaders(deps: LoaderDeps): Loaders {
  return new RequestLoaders(deps);
}

class RequestLoaders implements Loaders {
  readonly #deps: LoaderDeps;
  #resource: ResourceLoader | undefined;
  #search: SearchLoader | undefined;
  #reverse: ReverseLoader | undefined;
  #sameAs: SameAsLoader | undefined;

  constructor(deps: LoaderDeps) {
    this.#deps = deps;
  }

  get resource(): ResourceLoader {
    return (this.#resource ??= createResourceLoader(this.#deps));
  }

  get search(): SearchLoader {
    return (this.#search ??= createSearchLoader(this.#deps));
  }

  get reverse(): ReverseLoader {
    return (this.#reverse ??= createReverseLoader(this.#deps));
  }

  get sameAs(): SameAsLoader {
    return (this.#sameAs ??= createSameAsLoader(this.#deps));
  }

  prime(sourceId: string, resources: readonly FhirResource[]): void {
    for (const r of resources) if (r.id !== undefined) this.resource.prime(resourceKey(sourceId, r.resourceType, r.id), r);
  }
}

export { resourceKey };
