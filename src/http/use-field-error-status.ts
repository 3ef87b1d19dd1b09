import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { statusOf } from '../errors/error-codes.ts';
import { gatewayErrorOf, toGraphQLError } from '../graphql/graphql-errors.ts';
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
 * validation, query limits) happen before execution and keep their 400; so do the request-fatal codes above, and
 * variables that do not coerce get theirs (asRequestError).
 */
export function useFieldErrorStatus(): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          if (!('data' in result || 'errors' in result)) return;
          const errors = (result as { errors?: readonly GraphQLError[] }).errors;
          // A resolver's GatewayError is still wrapped here (yoga's masking gives it its code later): read it from the original.
          const fatal = errors?.find((e) => REQUEST_FATAL.has(String(codeOf(e))));
          if (fatal) {
            const gateway = gatewayErrorOf(fatal);
            const code = String(codeOf(fatal)) as Parameters<typeof statusOf>[0];
            const error = gateway ? toGraphQLError(gateway, fatal, 'request') : withExtensions(fatal, { ...fatal.extensions, http: { status: statusOf(code) } });
            setResult({ errors: [error] } as never);
            return;
          }
          if (!('data' in result) && errors?.some(lacksCode)) {
            setResult({ ...result, errors: errors.map(asRequestError) } as never);
            return;
          }
          if (!errors?.some((e) => e.extensions?.['http'] !== undefined)) return;
          setResult({ ...result, errors: errors.map(withoutHttp) } as never);
        },
      };
    },
  };
}

const lacksCode = (error: GraphQLError): boolean => codeOf(error) === undefined;

/**
 * An error of an execution that never started (no `data`): variables that do not coerce to their types (graphql's
 * getVariableValues). graphql-js gives them no code and yoga answered them 200 even to application/graphql-response+json;
 * they are request errors: BAD_USER_INPUT, 400 (a `spec` status, so 200 under legacy application/json like syntax and
 * validation errors), as graphql-tools' executor does for subscriptions.
 */
function asRequestError(error: GraphQLError): GraphQLError {
  if (!lacksCode(error)) return error;
  return withExtensions(error, { ...error.extensions, code: 'BAD_USER_INPUT', http: { status: 400, spec: true } });
}

function codeOf(error: GraphQLError): unknown {
  return gatewayErrorOf(error)?.code ?? error.extensions?.['code'];
}

function withoutHttp(error: GraphQLError): GraphQLError {
  if (error.extensions?.['http'] === undefined) return error;
  const { http: _http, ...extensions } = error.extensions;
  return withExtensions(error, extensions);
}
