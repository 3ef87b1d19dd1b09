import type { Config } from '../config/config.types.ts';
import type { ChangeFeed } from '../fhir/change-event.ts';
import type { CompartmentModel } from '../fhir/compartment.ts';
import type { CursorCodec } from '../fhir/cursors.ts';
import type { FhirContext } from '../fhir/fhir-context.ts';
import type { SearchParamIndex } from '../fhir/model/load-model.ts';
import { createLoaders, type Loaders } from '../loaders/create-loaders.ts';
import type { SourceRegistry } from '../sources/source-registry.ts';
import { requestIdOf, trailOf, viewerOf } from './request-meta.ts';

export interface RequestContextDeps {
  readonly config: Config;
  readonly sources: SourceRegistry;
  readonly searchParams: SearchParamIndex;
  readonly cursors: CursorCodec;
  readonly compartment: CompartmentModel;
  readonly changes?: ChangeFeed;
}

/**
 * The FhirContext of a request, built the same way for every route (GraphQL, `$graphql`, REST; later each WebSocket
 * operation): its id, its viewer, fresh loaders bound to the request's deadline and abort signal
 * (the client going away), empty warning and partial-failure lists.
 */
export function createRequestContext(deps: RequestContextDeps, request: Request): FhirContext {
  const { config, sources, searchParams } = deps;
  const referencePaths = (resourceType: string, code: string) => searchParams(resourceType, code)?.paths;
  const callNow = () => ({ deadline: Date.now() + config.limits.requestTimeoutMs, signal: request.signal });
  const loadersFor = (call: FhirContext['call']) => createLoaders({ sources, call, referencePaths, patientIdentifierSystems: config.identity.patientIdentifierSystems });
  const call = callNow();
  const ctx: Mutable<FhirContext> = {
    requestId: requestIdOf(request),
    viewer: viewerOf(request),
    sources,
    limits: config.limits,
    searchParams,
    patientIdentifierSystems: config.identity.patientIdentifierSystems,
    defaultWriteSource: config.defaultWriteSource,
    cursors: deps.cursors,
    compartment: deps.compartment,
    call,
    warnings: [],
    partialFailures: [],
    trail: trailOf(request),
    loaders: loadersFor(call),
    changes: deps.changes,
    // `this`, not the object built here: yoga hands resolvers a copy of the context it was given.
    renew(this: Mutable<FhirContext>, unit?: object, authorization?: string) {
      this.warnings.length = 0;
      this.partialFailures.length = 0;
      this.call = callNow();
      if (unit === undefined || authorization === undefined) {
        this.loaders = loadersFor(this.call);
        return;
      }
      // Shared by the subscribers of one event: no one subscriber's abort signal may cancel the others' reads.
      let byAuthorization = sharedLoaders.get(unit);
      if (byAuthorization === undefined) sharedLoaders.set(unit, (byAuthorization = new Map()));
      let loaders = byAuthorization.get(authorization);
      if (loaders === undefined) byAuthorization.set(authorization, (loaders = loadersFor({ deadline: this.call.deadline! })));
      this.loaders = loaders;
    },
  };
  return ctx;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Loaders shared per unit of work (an event object) and authorization key; gone with the event. */
const sharedLoaders = new WeakMap<object, Map<string, Loaders>>();
