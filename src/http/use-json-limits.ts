import type { Plugin } from 'graphql-yoga';
import { GatewayError } from '../errors/gateway-error.ts';
import { toGraphQLError } from '../graphql/graphql-errors.ts';
import { valueDepthExceeds } from './json-depth.ts';

/**
 * GraphQL variables and extensions nested at most `maxJsonDepth` levels: graphql-js coerces input values recursively,
 * and FHIR input types are recursive (Extension.extension...), so a 100,000-level variable would overflow the stack.
 * Refused with JSON_TOO_DEEP (400) before anything is parsed or executed. (The FHIR REST API checks its bodies the
 * same way before it forwards them, see fhir-rest/rest-request.ts.)
 */
export function useJsonLimits(maxJsonDepth: number): Plugin {
  return {
    onParams({ params, setResult }) {
      if (!valueDepthExceeds(params.variables, maxJsonDepth - 1) && !valueDepthExceeds(params.extensions, maxJsonDepth - 1)) return;
      const error = new GatewayError('JSON_TOO_DEEP', `GraphQL variables or extensions are nested deeper than ${maxJsonDepth} levels (limits.maxJsonDepth)`, {
        details: { limit: maxJsonDepth },
      });
      setResult({ errors: [toGraphQLError(error, undefined, 'request')] });
    },
  };
}
