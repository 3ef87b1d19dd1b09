import type { SourceCapabilities } from './capabilities.ts';
import type { FhirClient } from './fhir-client.ts';

export interface Source {
  readonly id: string;
  readonly baseUrl: string;
  readonly client: FhirClient;
  /** Resource types this source serves: from config, else from its CapabilityStatement; null until known. */
  resourceTypes: ReadonlySet<string> | null;
  /** From the source's last CapabilityStatement; null until it has answered /metadata. */
  capabilities: SourceCapabilities | null;
}

/** The configured upstream sources, looked up by id, by resource type, and by absolute URL. */
export class SourceRegistry {
  readonly #byId: ReadonlyMap<string, Source>;
  /** Longest base URL first, so that nested bases match the most specific source. */
  readonly #byBaseLength: readonly Source[];

  constructor(sources: readonly Source[]) {
    this.#byId = new Map(sources.map((s) => [s.id, s]));
    this.#byBaseLength = [...sources].sort((a, b) => b.baseUrl.length - a.baseUrl.length);
  }

  get size(): number {
    return this.#byId.size;
  }

  all(): readonly Source[] {
    return [...this.#byId.values()];
  }

  get(id: string): Source | undefined {
    return this.#byId.get(id);
  }

  /** Sources that serve a resource type (all sources whose types are not known yet count). */
  forType(resourceType: string): Source[] {
    return this.all().filter((s) => s.resourceTypes === null || s.resourceTypes.has(resourceType));
  }

  /** The source whose base URL an absolute URL starts with, and the rest of the URL relative to it. */
  matchUrl(url: string): { source: Source; relative: string } | undefined {
    for (const source of this.#byBaseLength) {
      if (url.startsWith(source.baseUrl + '/')) return { source, relative: url.slice(source.baseUrl.length + 1) };
    }
    return undefined;
  }
}
