import type { Config } from '../config/config.types.ts';
import type { GatewayContext } from '../graphql/context.ts';
import type { SearchParamIndex } from '../graphql/fhir-model/load-model.ts';
import { createLoaders } from '../loaders/create-loaders.ts';
import type { SourceRegistry } from '../sources/source-registry.ts';

export interface RequestContextDeps {
  readonly config: Config;
  readonly sources: SourceRegistry;
  readonly searchParams: SearchParamIndex;
}

/**
 * The per-request context every entry point builds the same way (the GraphQL pipeline and the REST shim): fresh
 * loaders bound to the request's deadline and abort signal, empty warning and partial-error lists.
 */
export function createRequestContext(deps: RequestContextDeps, requestId: string, signal: AbortSignal | undefined): GatewayContext {
  const { config, sources, searchParams } = deps;
  const call = { deadline: Date.now() + config.limits.requestTimeoutMs, ...(signal ? { signal } : {}) };
  const referencePaths = (resourceType: string, code: string) => searchParams(resourceType, code)?.paths;
  return {
    requestId,
    viewer: { kind: 'anonymous' },
    sources,
    limits: config.limits,
    warnings: [],
    partialErrors: [],
    searchParams,
    patientIdentifierSystems: config.identity.patientIdentifierSystems,
    defaultWriteSource: config.defaultWriteSource,
    loaders: createLoaders({ sources, call, referencePaths, patientIdentifierSystems: config.identity.patientIdentifierSystems }),
  };
}
