import type { CallOptions } from '../sources/fhir-client.ts';
import type { SourceRegistry } from '../sources/source-registry.ts';

/** What every per-request loader needs: the sources, and the request's deadline/abort signal. */
export interface LoaderDeps {
  readonly sources: SourceRegistry;
  readonly call: CallOptions;
  /**
   * Element paths (relative to the resource, e.g. 'subject', 'participant.individual') where a reference
   * search parameter looks, or undefined when its expression is not a plain path.
   */
  readonly referencePaths: (resourceType: string, code: string) => readonly string[] | undefined;
  /** Identifier systems that identify one person across sources (Patient.sameAs). */
  readonly patientIdentifierSystems: readonly string[];
}

export const SEP = '\u0000';

export function sourceOrThrow(deps: LoaderDeps, sourceId: string) {
  const source = deps.sources.get(sourceId);
  if (!source) throw new Error(`Unknown source '${sourceId}'`);
  return source;
}
