/**
 * `--demo-auth`: a development authorization server inside the gateway's own process, so that SMART can be tried on
 * a laptop with no outside server. It publishes an OpenID configuration and a JWKS under `/demo-auth` on the
 * gateway's loopback address, and the gateway validates tokens against it like any issuer. Tokens are not issued over
 * HTTP (there is no login here): `npm run token -- --scope "user/*.rs"` signs one with the key this module keeps in
 * `.gateway/demo-auth-key.json` (made on first use, readable by the owner only). Never for production: it refuses
 * any host but loopback (start-gateway.ts).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import type { Plugin } from 'graphql-yoga';
import { pathnameOf } from '../http/request-meta.ts';

export const DEMO_AUTH_PATH = '/demo-auth';
export const DEMO_AUTH_KEY_FILE = '.gateway/demo-auth-key.json';
const ALG = 'ES256';

export interface DemoAuthKey {
  readonly kid: string;
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
}

/** The demo issuer's signing key: read from `file`, or made and written there (mode 0600) when there is none. */
export async function demoAuthKey(file = resolve(DEMO_AUTH_KEY_FILE)): Promise<DemoAuthKey> {
  try {
    const key = JSON.parse(readFileSync(file, 'utf8')) as DemoAuthKey;
    if (typeof key.kid === 'string' && key.privateJwk?.d !== undefined && key.publicJwk?.x !== undefined) return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file} is not a demo-auth key: ${(error as Error).message}`);
  }
  const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
  const kid = `demo-${Date.now().toString(36)}`;
  const key: DemoAuthKey = {
    kid,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: ALG },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' },
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(key, null, 2) + '\n', { mode: 0o600 });
  return key;
}

export interface DemoTokenRequest {
  /** The gateway's root URL, e.g. `http://127.0.0.1:4000`: the issuer is `{root}/demo-auth`, the audience `{root}/fhir`. */
  readonly root: string;
  readonly scope: string;
  readonly patient?: string;
  readonly subject?: string;
  readonly clientId?: string;
  readonly fhirUser?: string;
  readonly ttlS?: number;
}

/** A token of the demo issuer, as an authorization server would issue it after a SMART launch. */
export async function signDemoToken(key: DemoAuthKey, request: DemoTokenRequest): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    scope: request.scope,
    client_id: request.clientId ?? 'demo-app',
    ...(request.patient !== undefined ? { patient: request.patient } : {}),
    ...(request.fhirUser !== undefined ? { fhirUser: request.fhirUser } : {}),
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ALG, kid: key.kid, typ: 'JWT' })
    .setIssuer(`${request.root}${DEMO_AUTH_PATH}`)
    .setAudience(`${request.root}/fhir`)
    .setSubject(request.subject ?? 'demo-user')
    .setIssuedAt(now)
    .setExpirationTime(now + (request.ttlS ?? 3600))
    .sign(await importJWK(key.privateJwk, ALG));
}

/** Serves the demo issuer's OpenID configuration and JWKS (public, before use-auth). */
export function useDemoAuth(key: DemoAuthKey, issuer: string): Plugin {
  const documents = new Map<string, unknown>([
    [`${DEMO_AUTH_PATH}/.well-known/openid-configuration`, {
      issuer,
      jwks_uri: `${issuer}/jwks`,
      scopes_supported: ['openid', 'fhirUser', 'launch/patient', 'patient/*.rs', 'user/*.rs', 'user/*.cruds', 'system/*.rs'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      grant_types_supported: [],
      response_types_supported: [],
      id_token_signing_alg_values_supported: [ALG],
    }],
    [`${DEMO_AUTH_PATH}/jwks`, { keys: [key.publicJwk] }],
  ]);
  return {
    onRequest({ request, fetchAPI, endResponse }) {
      const document = documents.get(pathnameOf(request.url));
      if (document === undefined || request.method !== 'GET') return;
      endResponse(new fetchAPI.Response(JSON.stringify(document), { status: 200, headers: { 'content-type': 'application/json' } }));
    },
  };
}
