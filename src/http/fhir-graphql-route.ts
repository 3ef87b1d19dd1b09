import type { Plugin } from 'graphql-yoga';
import { GatewayError } from '../errors/gateway-error.ts';
import { shown } from '../errors/shown.ts';
import { isFhirId } from '../sources/reference.ts';
import { answering, decodeSegments } from './fhir-rest/rest-route.ts';
import { restFailure } from './fhir-rest/rest-errors.ts';
import type { FetchApi } from './fhir-rest/rest-call.ts';
import type { FocusResource } from './instance-query.ts';
import { pathnameOf, requestIdOf } from './request-meta.ts';

const OPERATION = '$graphql';

export interface FhirGraphqlRouteOptions {
  /** Where the FHIR endpoints live, e.g. `/fhir`. */
  readonly basePath: string;
  readonly isResourceType: (name: string) => boolean;
  readonly isSource: (id: string) => boolean;
  readonly log: (message: string) => void;
}

/** What a `$graphql` request is: system level (no focus) or instance level (the focus resource is the query's root). */
export interface FhirGraphqlTarget {
  readonly focus?: FocusResource;
}

const targets = new WeakMap<Request, FhirGraphqlTarget>();

/** The `$graphql` target of a request the route handed to the GraphQL endpoint; undefined for plain /graphql requests. */
export function fhirGraphqlTargetOf(request: Request): FhirGraphqlTarget | undefined {
  return targets.get(request);
}

/**
 * `[base]/$graphql` (system level) and `[base]/[Type]/[id]/$graphql` (instance level), also
 * `[base]/[sourceId]/[Type]/[id]/$graphql` or `?_source=` to read the resource from one source. Source ids are lower-case
 * slugs and resource types PascalCase, and the two forms differ in their number of segments, so a source id can never
 * be taken for a type.
 *
 * The request is handled by the GraphQL endpoint's own handler (yoga's: request parsing, envelop, every GraphQL
 * plugin, result processing), as it came — method, headers, body, query string — while the other routes' hooks
 * (GraphiQL, REST, unknown paths) never see it and every plugin's `onResponse` does; use-fhir-graphql.ts does the rest
 * (the focus resource; JSON whatever the Accept header). Problems of the URL itself (unknown type or source, invalid id) are answered
 * here with an OperationOutcome, as a FHIR server answers a URL that names nothing.
 */
export function useFhirGraphqlRoute(options: FhirGraphqlRouteOptions): Plugin {
  const base = options.basePath.split('/').filter((s) => s !== '');
  return {
    async onRequest({ request, requestHandler, serverContext, endResponse, fetchAPI }) {
      const pathname = pathnameOf(request.url);
      if (!pathname.endsWith(OPERATION) && !pathname.toLowerCase().endsWith('%24graphql')) return;
      const segments = decodeSegments(pathname);
      if (!segments || segments.at(-1) !== OPERATION || segments.length < base.length + 1) return;
      if (!base.every((s, i) => segments[i] === s)) return;
      let target: FhirGraphqlTarget;
      try {
        target = targetOf(options, segments.slice(base.length, -1), new URL(request.url));
      } catch (error) {
        const id = requestIdOf(request);
        endResponse(restFailure(answering(fetchAPI as unknown as FetchApi, id), error, undefined, id, options.log));
        return;
      }
      targets.set(request, target);
      endResponse(await requestHandler(request, serverContext));
    },
  };
}

function targetOf(options: FhirGraphqlRouteOptions, rest: readonly string[], url: URL): FhirGraphqlTarget {
  if (rest.length === 0) return {};
  if (rest.length !== 2 && rest.length !== 3) {
    throw new GatewayError('NOT_FOUND', `$graphql is defined at ${options.basePath}/$graphql and ${options.basePath}/[Type]/[id]/$graphql only`);
  }
  const [pathSource, resourceType, id] = rest.length === 3 ? rest : [undefined, ...rest];
  if (pathSource !== undefined && !options.isSource(pathSource)) throw new GatewayError('NOT_FOUND', `Unknown source '${shown(pathSource)}'`);
  if (!options.isResourceType(resourceType!)) throw new GatewayError('NOT_FOUND', `'${shown(resourceType!)}' is not a FHIR R4 resource type`);
  if (!isFhirId(id!)) throw new GatewayError('BAD_USER_INPUT', `'${shown(id!)}' is not a valid FHIR id`);
  const querySource = url.searchParams.get('_source');
  if (querySource !== null && !options.isSource(querySource)) throw new GatewayError('BAD_USER_INPUT', `_source: unknown source '${shown(querySource)}'`);
  if (querySource !== null && pathSource !== undefined && querySource !== pathSource) {
    throw new GatewayError('BAD_USER_INPUT', `_source '${shown(querySource)}' contradicts the source '${pathSource}' in the path`);
  }
  const sourceId = pathSource ?? querySource ?? undefined;
  return { focus: { resourceType: resourceType!, id: id!, ...(sourceId ? { sourceId } : {}) } };
}
