import { GraphQLError, type ExecutionArgs } from 'graphql';
import type { GatewayYoga } from './create-yoga.ts';
import { maskError } from './use-error-masking.ts';
import { jsonDepthError } from './use-json-limits.ts';

type Enveloped = ReturnType<GatewayYoga['getEnveloped']>;

/** What a transport sends for an operation. */
export interface OperationParams {
  readonly query: string;
  readonly variables?: Record<string, unknown> | null | undefined;
  readonly operationName?: string | null | undefined;
  readonly extensions?: Record<string, unknown> | null | undefined;
}

/** An operation ready to execute through the pipeline's envelop, or the errors to answer instead. */
export type EnvelopedOperation =
  | { readonly args: ExecutionArgs; readonly enveloped: Enveloped }
  | { readonly errors: readonly GraphQLError[] };

/**
 * Prepares an operation that arrived by a transport writing its own results (graphql-ws, graphql-sse) exactly as yoga
 * prepares one from /graphql, through the pipeline's envelop (`getEnveloped`, as graphql-yoga integrates graphql-ws):
 * the FhirContext from createRequestContext through yoga's context factory for `request` (its id, viewer, public root
 * and abort signal are the transport's to set); the pipeline's parse (document limits, parse cache, no mutation by
 * GET) and validate (query limits, the introspection switch); the JSON depth limit on variables and extensions. Execute
 * with `enveloped.execute` / `enveloped.subscribe` (the plugins' execution hooks: directives, warnings, partial
 * errors, masking, token expiry). Never throws: a syntax error or a limit is returned as it is, anything else masked.
 */
export async function envelopedOperation(yoga: GatewayYoga, request: Request, params: OperationParams, maxJsonDepth: number): Promise<EnvelopedOperation> {
  const tooDeep = jsonDepthError(params, maxJsonDepth);
  if (tooDeep !== undefined) return { errors: [tooDeep] };
  try {
    const given = { query: params.query, variables: params.variables ?? undefined, operationName: params.operationName ?? undefined, extensions: params.extensions ?? undefined };
    const enveloped = yoga.getEnveloped({ request, params: given });
    const document = enveloped.parse(params.query);
    const errors = enveloped.validate(enveloped.schema, document);
    if (errors.length > 0) return { errors };
    const contextValue = await enveloped.contextFactory();
    return {
      enveloped,
      args: { schema: enveloped.schema, document, contextValue, variableValues: given.variables, operationName: given.operationName },
    };
  } catch (error) {
    const masked = maskError(error);
    return { errors: [masked instanceof GraphQLError ? masked : new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })] };
  }
}

/** Finds the envelop an operation's ExecutionArgs were prepared by, from its context (for execute/subscribe hooks). */
export function envelopeRegistry() {
  const byContext = new WeakMap<object, Enveloped>();
  return {
    remember(operation: { readonly args: ExecutionArgs; readonly enveloped: Enveloped }): ExecutionArgs {
      byContext.set(operation.args.contextValue as object, operation.enveloped);
      return operation.args;
    },
    of(contextValue: unknown): Enveloped {
      const found = byContext.get(contextValue as object);
      if (found === undefined) throw new Error('an operation that was not prepared through the pipeline');
      return found;
    },
  };
}
