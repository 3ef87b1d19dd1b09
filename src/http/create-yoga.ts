import { createYoga, useReadinessCheck, type YogaLogger, type YogaServerInstance } from 'graphql-yoga';
import type { GraphQLSchema } from 'graphql';
import type { Config } from '../config/config.types.ts';
import type { GatewayContext } from '../graphql/context.ts';
import { createLoaders } from '../loaders/create-loaders.ts';
import type { SearchParamIndex } from '../graphql/fhir-model/load-model.ts';
import type { SourceRegistry } from '../sources/source-registry.ts';
import { exampleQuery } from './example-query.ts';
import { useQueryLimits } from './use-query-limits.ts';
import { requestIdOf, useRequestId } from './use-request-id.ts';
import { useFieldErrorStatus } from './use-field-error-status.ts';
import { usePartialErrors } from './use-partial-errors.ts';
import { useWarnings } from './use-warnings.ts';
import { useFhirGraphql } from './use-fhir-graphql.ts';

export interface YogaDeps {
  readonly schema: GraphQLSchema;
  readonly config: Config;
  readonly sources: SourceRegistry;
  readonly searchParams: SearchParamIndex;
  readonly logger: YogaLogger;
  /** True once every source answered its /metadata. */
  readonly isReady: () => boolean;
}

export type GatewayYoga = YogaServerInstance<Record<string, unknown>, GatewayContext>;

/**
 * The one GraphQL pipeline: HTTP (GET and POST /graphql, GraphiQL; the FHIR $graphql endpoints are routed here by
 * fhir-graphql-route.ts), and later WebSocket through getEnveloped.
 * Errors are masked except the expected ones (GraphQLErrors with extensions.code).
 */
export function createGatewayYoga(deps: YogaDeps): GatewayYoga {
  const { config, sources, searchParams } = deps;
  const referencePaths = (resourceType: string, code: string) => searchParams(resourceType, code)?.paths;
  return createYoga<Record<string, unknown>, GatewayContext>({
    schema: deps.schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    logging: deps.logger,
    maskedErrors: true,
    graphiql: config.graphiql ? { title: 'FHIR GraphQL gateway', defaultQuery: exampleQuery } : false,
    context: ({ request }): GatewayContext => {
      const signal = request.signal as AbortSignal | undefined;
      const call = { deadline: Date.now() + config.limits.requestTimeoutMs, ...(signal ? { signal } : {}) };
      return {
        requestId: requestIdOf(request),
        viewer: { kind: 'anonymous' },
        sources,
        limits: config.limits,
        warnings: [],
        partialErrors: [],
        searchParams,
        patientIdentifierSystems: config.identity.patientIdentifierSystems,
        loaders: createLoaders({ sources, call, referencePaths, patientIdentifierSystems: config.identity.patientIdentifierSystems }),
      };
    },
    plugins: [
      useRequestId(),
      useReadinessCheck({
        endpoint: '/ready',
        check: () => deps.isReady(),
      }),
      useQueryLimits(config.limits),
      useWarnings(),
      usePartialErrors(),
      useFieldErrorStatus(),
      useFhirGraphql(),
    ],
  });
}
