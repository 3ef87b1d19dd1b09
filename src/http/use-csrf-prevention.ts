import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { toGraphQLError } from '../graphql/graphql-errors.ts';
import { GatewayError } from '../errors/gateway-error.ts';

/** Bodies a GraphQL operation may come in: none of them can be sent cross-site without a CORS preflight. */
const GRAPHQL_BODY_TYPES: ReadonlySet<string> = new Set(['application/json', 'application/graphql+json', 'application/graphql']);

/**
 * CSRF: a form on any web site can POST `application/x-www-form-urlencoded`, `multipart/form-data` or `text/plain` to
 * the gateway without a preflight, and the browser would send the user's credentials; so GraphQL operations
 * (/graphql and the `$graphql` endpoints, which share this route) come only as POSTs of a JSON or GraphQL media type —
 * which a page of another origin can only send after a CORS preflight that use-cors.ts refuses unless allowed — or as
 * GETs, which yoga never lets mutate. Anything else is 415 before the body is read.
 */
export function useCsrfPrevention(): Plugin {
  return {
    onRequestParse({ request, requestParser }) {
      if (request.method !== 'POST') return;
      const given = (request.headers.get('content-type') ?? '').split(';')[0]!.trim();
      const type = given.toLowerCase();
      // yoga matches media types case-sensitively and answers a POST none of its parsers takes (`APPLICATION/JSON`, no
      // Content-Type and no body) with an empty 415: the same refusal, with its error, as for any other type.
      if (requestParser === undefined) throw unsupported(given, GRAPHQL_BODY_TYPES.has(type) ? ` (send it as '${type}')` : '');
      if (GRAPHQL_BODY_TYPES.has(type)) return;
      throw unsupported(type);
    },
  };
}

function unsupported(type: string, hint = ''): GraphQLError {
  const error = new GatewayError(
    'UNSUPPORTED_MEDIA_TYPE',
    `GraphQL requests are POSTed as application/json (or sent with GET); ${type === '' ? 'a body without Content-Type' : `Content-Type '${type.slice(0, 64)}'`} is refused${hint}`,
  );
  return toGraphQLError(error, undefined, 'request');
}
