import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { withExtensions } from './with-extensions.ts';

/**
 * Field errors never change the HTTP status. Upstream and resolver errors carry `extensions.http.status` (the
 * REST shim answers with it), which yoga would otherwise raise the response status to; GraphQL over HTTP wants a
 * 2xx whenever execution produced `data` — a partial result is a success with errors, not a 502. Request errors
 * (syntax, validation, query limits) happen before execution and keep their 400.
 */
export function useFieldErrorStatus(): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          if (!('data' in result || 'errors' in result)) return;
          const errors = (result as { errors?: readonly GraphQLError[] }).errors;
          if (!errors?.some((e) => e.extensions?.['http'] !== undefined)) return;
          setResult({ ...result, errors: errors.map(withoutHttp) } as never);
        },
      };
    },
  };
}

function withoutHttp(error: GraphQLError): GraphQLError {
  if (error.extensions?.['http'] === undefined) return error;
  const { http: _http, ...extensions } = error.extensions;
  return withExtensions(error, extensions);
}
