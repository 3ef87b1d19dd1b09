import type { Plugin } from 'graphql-yoga';
import type { AuthConfig } from '../config/config.types.ts';
import { AuthFailure } from '../auth/auth-failure.ts';
import type { TokenVerifier } from '../auth/token-verifier.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { toGraphQLError } from '../graphql/graphql-errors.ts';
import type { FetchApi } from './fhir-rest/rest-call.ts';
import { restFailure, type RestErrorLog } from './fhir-rest/rest-errors.ts';
import { answering } from './fhir-rest/rest-route.ts';
import { pathnameOf, publicRootOf, requestIdOf, setViewer } from './request-meta.ts';

export interface AuthOptions {
  readonly auth: AuthConfig;
  readonly verifier: TokenVerifier;
  readonly graphqlEndpoint: string;
  readonly fhirBasePath: string;
  readonly log: RestErrorLog;
}

/**
 * SMART on FHIR: with `auth` configured, every request but the public ones carries a bearer token that
 * src/auth validates; the bearer's identity becomes the request's Viewer (request-meta.ts), from which the FHIR core
 * decides everything else. Public: `/health`, `/ready`, `/.well-known/*` and `[fhir]/.well-known/*`, the
 * CapabilityStatement (`[fhir]/metadata`, also per source), the GraphiQL page and its assets (they hold no data; the
 * queries GraphiQL sends carry the token the user gives it), and `/hooks/*`, where upstream sources notify changes,
 * authenticated by each source's channel secret or HMAC instead (use-hooks.ts). CORS preflights are answered before this plugin.
 *
 * A request without a token is 401 with `WWW-Authenticate: Bearer realm=...` (RFC 6750 §3.1: no error code); a bad
 * token 401 with `error="invalid_token"` and a description; a gateway that cannot check tokens (the issuer's keys
 * unreachable and none held) 503. GraphQL routes answer a GraphQL error with `extensions.code` UNAUTHENTICATED, the
 * REST API an OperationOutcome. Tokens are never logged and never forwarded upstream (sources have their own
 * credentials).
 */
export function useAuth(options: AuthOptions): Plugin {
  const { graphqlEndpoint: graphql, fhirBasePath: fhir } = options;
  const metadata = new RegExp(`^${fhir}(/[a-z][a-z0-9-]*)?/metadata$`); // the gateway's, or one source's
  const isPublic = (request: Request, path: string) => {
    if (path === '/health' || path === '/ready' || path.startsWith('/.well-known/') || path.startsWith(`${fhir}/.well-known/`)) return true;
    if (path.startsWith('/graphiql/')) return true; // GraphiQL's own assets
    if (path === '/hooks' || path.startsWith('/hooks/')) return true; // upstream notifications: the source's secret authenticates them (use-hooks.ts)
    if (request.method !== 'GET') return false;
    if (metadata.test(path)) return true;
    return (path === graphql || path === `${graphql}/`) && (request.headers.get('accept') ?? '').includes('text/html'); // the page
  };
  const isGraphql = (path: string) => path === graphql || path.startsWith(`${graphql}/`) || path.endsWith('/$graphql') || path.toLowerCase().endsWith('/%24graphql');

  return {
    async onRequest({ request, fetchAPI, endResponse }) {
      const path = pathnameOf(request.url);
      if (request.method === 'OPTIONS' || isPublic(request, path)) return;
      const realm = `${publicRootOf(request)}${fhir}`;
      try {
        const token = bearerToken(request.headers.get('authorization'));
        setViewer(request, await options.verifier.verify(token, options.auth.audience ?? realm));
      } catch (error) {
        if (!(error instanceof AuthFailure)) throw error;
        if (error.kind === 'unavailable') options.log(`token validation unavailable (request ${requestIdOf(request)}): ${error.message}`);
        endResponse(refusal(error, realm, isGraphql(path), request, fetchAPI as unknown as FetchApi, options.log));
      }
    },
  };
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), or an AuthFailure. */
export function bearerToken(header: string | null): string {
  if (header === null || header.trim() === '') throw new AuthFailure('missing', 'this request needs a SMART on FHIR bearer token (Authorization: Bearer <token>)');
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (match === null) throw new AuthFailure('invalid_token', 'the Authorization header is not "Bearer <token>"');
  return match[1]!;
}

function refusal(failure: AuthFailure, realm: string, graphql: boolean, request: Request, fetchAPI: FetchApi, log: RestErrorLog): Response {
  const quoted = (s: string) => s.replace(/["\\]/g, '');
  const challenge = failure.kind === 'missing'
    ? `Bearer realm="${quoted(realm)}"`
    : `Bearer realm="${quoted(realm)}", error="invalid_token", error_description="${quoted(failure.message)}"`;
  const error = failure.kind === 'unavailable'
    ? new GatewayError('AUTH_UNAVAILABLE', `Bearer tokens cannot be checked right now: ${failure.message}`, { headers: { 'retry-after': '10' } })
    : new GatewayError('UNAUTHENTICATED', failure.message, { headers: { 'www-authenticate': challenge } });
  const id = requestIdOf(request);
  if (!graphql) return restFailure(answering(fetchAPI, id), error, undefined, id, log);
  const graphqlError = toGraphQLError(error, undefined, 'request');
  const accept = request.headers.get('accept') ?? '';
  return new fetchAPI.Response(JSON.stringify({ errors: [graphqlError.toJSON()] }), {
    status: graphqlError.extensions['http'] ? (graphqlError.extensions['http'] as { status: number }).status : 401,
    headers: {
      'content-type': accept.includes('application/graphql-response+json') ? 'application/graphql-response+json; charset=utf-8' : 'application/json; charset=utf-8',
      ...error.headers,
    },
  });
}
