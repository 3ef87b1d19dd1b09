import { createYoga, useReadinessCheck, type YogaLogger, type YogaServerInstance } from 'graphql-yoga';
import type { GraphQLSchema } from 'graphql';
import type { Config } from '../config/config.types.ts';
import type { GatewayContext } from '../graphql/context.ts';
import type { SearchParamIndex } from '../graphql/fhir-model/load-model.ts';
import type { SourceRegistry } from '../sources/source-registry.ts';
import { exampleQuery } from './example-query.ts';
import { createRequestContext } from './request-context.ts';
import { useQueryLimits } from './use-query-limits.ts';
import { requestIdOf, useRequestId } from './use-request-id.ts';
import { useFieldErrorStatus } from './use-field-error-status.ts';
import { usePartialErrors } from './use-partial-errors.ts';
import { useWarnings } from './use-warnings.ts';
import { useFhirGraphql } from './use-fhir-graphql.ts';
import { useFhirDirectives } from './use-fhir-directives.ts';
import { useOperationOutcomes } from './use-operation-outcomes.ts';

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
  const { config } = deps;
  return createYoga<Record<string, unknown>, GatewayContext>({
    schema: deps.schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    logging: deps.logger,
    maskedErrors: true,
    graphiql: config.graphiql ? { title: 'FHIR GraphQL gateway', defaultQuery: exampleQuery } : false,
    context: ({ request }): GatewayContext => createRequestContext(deps, requestIdOf(request), request.signal as AbortSignal | undefined),
    plugins: [
      useRequestId(),
      useReadinessCheck({
        endpoint: '/ready',
        check: () => deps.isReady(),
      }),
      useQueryLimits(config.limits),
      useFhirDirectives(), useOperationOutcomes(), // directives before the plugins that add to results (see its doc)
      useWarnings(),
      usePartialErrors(),
      useFieldErrorStatus(),
      useFhirGraphql(),
    ],
  });
}
