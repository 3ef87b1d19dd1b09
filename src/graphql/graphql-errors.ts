import { GraphQLError, type GraphQLErrorExtensions } from 'graphql';
import { GatewayError } from '../errors/gateway-error.ts';
import { outcomeOfError, statusOfError } from '../errors/operation-outcome.ts';

/**
 * THE GraphQL edge of the error model: a GatewayError becomes a GraphQLError with `extensions.code`, the source and
 * upstream status when there are, its details (`limit`, `actual`, `retryAfterMs`, ...), for an error that fails the
 * whole request its HTTP status (field errors never change the status of a GraphQL response) and, as the HL7 FHIR
 * GraphQL page asks, an OperationOutcome in `extensions.resource`. `at` gives the locations and path of the field.
 */
export function toGraphQLError(
  error: GatewayError,
  at?: GraphQLError | { readonly path: readonly (string | number)[] },
  request: 'field' | 'request' = 'field',
): GraphQLError {
  const extensions: GraphQLErrorExtensions = {
    code: error.code,
    ...(error.sourceId !== undefined ? { source: error.sourceId } : {}),
    ...(error.upstreamStatus !== undefined ? { upstreamStatus: error.upstreamStatus } : {}),
    ...error.details,
    ...(request === 'request' ? { http: { status: statusOfError(error), ...(Object.keys(error.headers).length > 0 ? { headers: error.headers } : {}) } } : {}),
    resource: outcomeOfError(error),
  };
  if (at instanceof GraphQLError) {
    return new GraphQLError(error.message, {
      ...(at.nodes ? { nodes: at.nodes } : {}),
      ...(at.source ? { source: at.source } : {}),
      ...(at.positions ? { positions: at.positions } : {}),
      ...(at.path ? { path: at.path } : {}),
      extensions,
    });
  }
  return new GraphQLError(error.message, { ...(at && at.path.length > 0 ? { path: at.path } : {}), extensions });
}

/** The GatewayError a GraphQL error stands for (graphql-js wraps what a resolver throws), if any. */
export function gatewayErrorOf(error: unknown): GatewayError | undefined {
  if (error instanceof GatewayError) return error;
  if (error instanceof GraphQLError && error.originalError instanceof GatewayError) return error.originalError;
  return undefined;
}
