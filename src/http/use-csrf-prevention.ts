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
    onRequestParse({ request }) {
      if (request.method !== 'POST') return;
      const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (GRAPHQL_BODY_TYPES.has(type)) return;
      // No body at all carries no operation (yoga answers it 400): nothing to forge.
      if (type === '' && (request.body === null || request.headers.get('content-length') === '0')) return;
      throw unsupported(type);
    },
  };
}

function unsupported(type: string): GraphQLError {
  const error = new GatewayError(
    'UNSUPPORTED_MEDIA_TYPE',
    `GraphQL requests are POSTed as application/json (or sent with GET); ${type === '' ? 'a body without Content-Type' : `Content-Type '${type.slice(0, 64)}'`} is refused`,
  );
  return toGraphQLError(error, undefined, 'request');
}
