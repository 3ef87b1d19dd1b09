import { GraphQLError, type ExecutionResult, type FormattedExecutionResult, type GraphQLFormattedError } from 'graphql';
import type { YogaLogger } from 'graphql-yoga';
import { cleanErrors } from './use-error-masking.ts';
import { withOutcomes } from './use-operation-outcomes.ts';

/**
 * A result as the GraphQL HTTP route writes it, for the transports that write results themselves (graphql-ws in
 * src/ws, graphql-sse): the same last steps — masked errors logged with the request id and cleaned
 * (use-error-masking.ts), an OperationOutcome in every error (use-operation-outcomes.ts) — and then, as yoga does when
 * it serialises, the internal extensions (`http`, `unexpected`) left out.
 */
export function formatResult(result: ExecutionResult | FormattedExecutionResult, request: Request, logger: YogaLogger): FormattedExecutionResult {
  const errors = result.errors === undefined ? undefined : withOutcomes({ errors: cleanErrors(result.errors, request, logger) }).errors;
  const { http: _http, ...extensions } = result.extensions ?? {};
  return {
    ...('data' in result ? { data: result.data } : {}),
    ...(errors !== undefined ? { errors: errors.map(formatError) } : {}),
    ...(Object.keys(extensions).length > 0 ? { extensions } : {}),
  };
}

/** One error as JSON (GraphQLError.toJSON), without the internal extensions. */
export function formatError(error: unknown): GraphQLFormattedError {
  const json = (error instanceof GraphQLError ? error.toJSON() : error) as GraphQLFormattedError;
  if (json.extensions === undefined) return json;
  const { http: _http, unexpected: _unexpected, ...extensions } = json.extensions;
  const { extensions: _all, ...rest } = json;
  return Object.keys(extensions).length > 0 ? { ...rest, extensions } : rest;
}
