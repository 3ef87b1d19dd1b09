import type { Plugin } from 'graphql-yoga';
import { GatewayError } from '../errors/gateway-error.ts';
import { shown } from '../errors/shown.ts';
import type { FetchApi } from './fhir-rest/rest-call.ts';
import { restFailure, type RestErrorLog } from './fhir-rest/rest-errors.ts';
import { answering } from './fhir-rest/rest-route.ts';
import { pathnameOf, requestIdOf } from './request-meta.ts';

export interface UnknownPathsOptions {
  /** The GraphQL endpoint (`/graphql`): the one path left to yoga. */
  readonly graphqlEndpoint: string;
  /** Where the FHIR endpoints live (`/fhir`), for the message. */
  readonly fhirBasePath: string;
  readonly log: RestErrorLog;
}

/**
 * The last route: a request that no route took, to a path other than the GraphQL endpoint, is 404 with an
 * OperationOutcome (as every REST error) that names the endpoints there are — instead of yoga's empty 404 (which
 * also took any path that merely ends with `/graphql` for the endpoint). Register it after every route.
 */
export function useUnknownPaths(options: UnknownPathsOptions): Plugin {
  const { graphqlEndpoint: graphql, fhirBasePath: fhir } = options;
  const endpoints = `${graphql} (GraphQL; GraphiQL in a browser), ${fhir} (the FHIR REST API), ${fhir}/$graphql, /health and /ready`;
  return {
    onRequest({ request, fetchAPI, endResponse }) {
      const path = pathnameOf(request.url);
      if (path === graphql || path === `${graphql}/`) return;
      const id = requestIdOf(request);
      const error = new GatewayError('NOT_FOUND', `Nothing is served at ${shown(path)}; the gateway's endpoints are ${endpoints}`);
      endResponse(restFailure(answering(fetchAPI as unknown as FetchApi, id), error, undefined, id, options.log));
    },
  };
}
