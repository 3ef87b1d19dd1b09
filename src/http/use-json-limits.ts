import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { GatewayError } from '../errors/gateway-error.ts';
import { toGraphQLError } from '../graphql/graphql-errors.ts';
import { valueDepthExceeds } from './json-depth.ts';

/**
 * GraphQL variables and extensions nested at most `maxJsonDepth` levels: graphql-js coerces input values recursively,
 * and FHIR input types are recursive (Extension.extension...), so a 100,000-level variable would overflow the stack.
 * Refused with JSON_TOO_DEEP (400) before anything is parsed or executed. (The FHIR REST API checks its bodies the
 * same way before it forwards them, see fhir-rest/rest-request.ts.)
 *
 * The `variables` and `extensions` parameters of a GET must be JSON at all: yoga's GET parser calls JSON.parse on them
 * unguarded, and its SyntaxError was masked as INTERNAL_SERVER_ERROR (HTTP 200). It is INVALID_JSON (400), as a POST
 * body that is not JSON is a 400.
 */
export function useJsonLimits(maxJsonDepth: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      if (request.method !== 'GET' || !requestParser) return;
      setRequestParser(async (req) => {
        try {
          return await requestParser(req);
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
          throw toGraphQLError(invalidJsonParameter(req.url), undefined, 'request');
        }
      });
    },
    onParams({ params, setResult }) {
      const error = jsonDepthError(params, maxJsonDepth);
      if (error !== undefined) setResult({ errors: [error] });
    },
  };
}

/** JSON_TOO_DEEP when the variables or extensions of an operation nest deeper than `maxJsonDepth` (every transport). */
export function jsonDepthError(params: { readonly variables?: unknown; readonly extensions?: unknown }, maxJsonDepth: number): GraphQLError | undefined {
  if (!valueDepthExceeds(params.variables, maxJsonDepth - 1) && !valueDepthExceeds(params.extensions, maxJsonDepth - 1)) return undefined;
  const error = new GatewayError('JSON_TOO_DEEP', `GraphQL variables or extensions are nested deeper than ${maxJsonDepth} levels (limits.maxJsonDepth)`, {
    details: { limit: maxJsonDepth },
  });
  return toGraphQLError(error, undefined, 'request');
}

/** INVALID_JSON naming the GET parameter (`variables` or `extensions`) that is not JSON. */
function invalidJsonParameter(url: string): GatewayError {
  const params = new URL(url).searchParams;
  const names = ['variables', 'extensions'].filter((name) => {
    const value = params.get(name);
    if (!value) return false;
    try {
      JSON.parse(value);
      return false;
    } catch {
      return true;
    }
  });
  const which = names.length > 0 ? names.map((n) => `'${n}'`).join(' and ') : "'variables' or 'extensions'";
  return new GatewayError('INVALID_JSON', `The ${which} parameter of a GraphQL GET request is not valid JSON`);
}
