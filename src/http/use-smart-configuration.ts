import type { Plugin } from 'graphql-yoga';
import type { AuthConfig } from '../config/config.types.ts';
import type { IssuerMetadataSource } from '../auth/issuer-metadata.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import type { FetchApi } from './fhir-rest/rest-call.ts';
import { restFailure, type RestErrorLog } from './fhir-rest/rest-errors.ts';
import { answering } from './fhir-rest/rest-route.ts';
import { pathnameOf, requestIdOf } from './request-meta.ts';

export interface SmartConfigurationOptions {
  /** null: the gateway runs without SMART authorization (the document is then 404). */
  readonly auth: AuthConfig | null;
  readonly metadata: IssuerMetadataSource | null;
  readonly fhirBasePath: string;
  readonly log: RestErrorLog;
}

/** SMART v1 and v2 scopes the gateway understands, for `scopes_supported` (the authorization server may grant more). */
export const SCOPES_SUPPORTED = Object.freeze([
  'openid', 'fhirUser', 'launch', 'launch/patient', 'offline_access', 'online_access',
  'patient/*.rs', 'patient/*.cruds', 'user/*.rs', 'user/*.cruds', 'system/*.rs', 'system/*.cruds',
  'patient/*.read', 'patient/*.write', 'patient/*.*', 'user/*.read', 'user/*.write', 'user/*.*', 'system/*.read', 'system/*.write', 'system/*.*',
]);

/**
 * SMART App Launch 2.2 discovery: `GET /.well-known/smart-configuration` and `[fhir]/.well-known/smart-configuration`
 * (the FHIR base URL is what apps are given), readable from any origin. The authorization server's endpoints come
 * from its own metadata (issuer-metadata.ts); the gateway adds what it enforces (`permission-v1`/`-v2`, patient and
 * user contexts) and the scopes it understands. PKCE: S256 only, as SMART 2.2 requires.
 *
 * The CapabilityStatement (`[fhir]/metadata`, also per source) is discovery too once SMART is on: its `rest.security`
 * names the SMART service and the authorization server's endpoints (oauth-uris, where SMART v1 clients look). Like the
 * SMART configuration it is public (use-auth.ts) and readable from any origin; an origin on the CORS allow-list keeps
 * the answer use-cors.ts gives it.
 */
export function useSmartConfiguration(options: SmartConfigurationOptions): Plugin {
  const paths = new Set(['/.well-known/smart-configuration', `${options.fhirBasePath}/.well-known/smart-configuration`]);
  const capabilityStatement = new RegExp(`^${options.fhirBasePath}(/[a-z][a-z0-9-]*)?/metadata$`); // the gateway's, or one source's
  return {
    onResponse({ request, response }) {
      if (options.auth === null || (request.method !== 'GET' && request.method !== 'HEAD')) return;
      if (!capabilityStatement.test(pathnameOf(request.url)) || response.headers.has('access-control-allow-origin')) return;
      response.headers.set('access-control-allow-origin', '*');
    },
    async onRequest({ request, fetchAPI, endResponse }) {
      if (!paths.has(pathnameOf(request.url))) return;
      const id = requestIdOf(request);
      const fail = (error: GatewayError) => {
        const response = restFailure(answering(fetchAPI as unknown as FetchApi, id), error, undefined, id, options.log);
        response.headers.set('access-control-allow-origin', '*');
        endResponse(response);
      };
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        fail(new GatewayError('METHOD_NOT_ALLOWED', 'The SMART configuration answers GET and HEAD only', { headers: { allow: 'GET, HEAD' } }));
        return;
      }
      if (options.auth === null || options.metadata === null) {
        fail(new GatewayError('NOT_FOUND', 'This gateway runs without SMART on FHIR authorization (no auth configured), so it has no SMART configuration'));
        return;
      }
      let issuer;
      try {
        issuer = await options.metadata();
      } catch (error) {
        fail(new GatewayError('AUTH_UNAVAILABLE', `The authorization server's metadata could not be read: ${(error as Error).message}`, { headers: { 'retry-after': '10' } }));
        return;
      }
      endResponse(new fetchAPI.Response(JSON.stringify(smartConfiguration(options.auth, issuer)), {
        status: 200,
        headers: { 'content-type': 'application/json; charset=utf-8', 'access-control-allow-origin': '*', 'cache-control': 'public, max-age=300' },
      }));
    },
  };
}

const CLIENT_CAPABILITIES: Readonly<Record<string, string>> = {
  none: 'client-public',
  client_secret_basic: 'client-confidential-symmetric',
  client_secret_post: 'client-confidential-symmetric',
  private_key_jwt: 'client-confidential-asymmetric',
};

function smartConfiguration(auth: AuthConfig, issuer: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const list = (key: string) => (Array.isArray(issuer[key]) ? (issuer[key] as unknown[]).filter((v): v is string => typeof v === 'string') : undefined);
  const text = (key: string) => (typeof issuer[key] === 'string' ? (issuer[key] as string) : undefined);
  const authMethods = list('token_endpoint_auth_methods_supported') ?? ['client_secret_basic'];
  const clientCapabilities = [...new Set(authMethods.flatMap((m) => (CLIENT_CAPABILITIES[m] ? [CLIENT_CAPABILITIES[m]!] : [])))];
  const capabilities = [
    'launch-standalone', 'context-standalone-patient', ...clientCapabilities,
    ...(list('scopes_supported')?.includes('openid') ? ['sso-openid-connect'] : []),
    'permission-patient', 'permission-user', 'permission-offline', 'permission-v1', 'permission-v2',
  ];
  const document: Record<string, unknown> = {
    issuer: auth.issuer,
    jwks_uri: auth.jwksUri ?? text('jwks_uri'),
    authorization_endpoint: text('authorization_endpoint'),
    token_endpoint: text('token_endpoint'),
    token_endpoint_auth_methods_supported: authMethods,
    grant_types_supported: list('grant_types_supported') ?? ['authorization_code', 'client_credentials'],
    registration_endpoint: text('registration_endpoint'),
    introspection_endpoint: auth.introspection?.endpoint ?? text('introspection_endpoint'),
    revocation_endpoint: text('revocation_endpoint'),
    management_endpoint: text('management_endpoint'),
    scopes_supported: SCOPES_SUPPORTED,
    response_types_supported: ['code'],
    capabilities,
    code_challenge_methods_supported: ['S256'],
  };
  return Object.fromEntries(Object.entries(document).filter(([, v]) => v !== undefined));
}
