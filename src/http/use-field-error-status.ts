import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { statusOf } from '../errors/error-codes.ts';
import { withExtensions } from './with-extensions.ts';

/**
 * Codes that fail the whole request even when raised by one field: the client asked for more work than its budget
 * (a FHIRPath expression past its time budget). The response drops `data` and takes the code's 4xx status, as a
 * query over the cost limit is refused before execution.
 */
const REQUEST_FATAL: ReadonlySet<string> = new Set(['FHIRPATH_TIMEOUT']);

/**
 * Field errors never change the HTTP status: GraphQL over HTTP wants a 2xx whenever execution produced `data` — a
 * partial result is a success with errors, not a 502 — so their `extensions.http` is dropped. Request errors (syntax,
 * validation, query limits) happen before execution and keep their 400; so do the request-fatal codes above.
 */
export function useFieldErrorStatus(): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          if (!('data' in result || 'errors' in result)) return;
          const errors = (result as { errors?: readonly GraphQLError[] }).errors;
          const fatal = errors?.find((e) => REQUEST_FATAL.has(String(e.extensions?.['code'])));
          if (fatal) {
            const code = String(fatal.extensions['code']) as Parameters<typeof statusOf>[0];
            setResult({ errors: [withExtensions(fatal, { ...fatal.extensions, http: { status: statusOf(code) } })] } as never);
            return;
          }
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
