import { createHash } from 'node:crypto';
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from '../config/config.types.ts';
import type { TokenViewer } from '../fhir/viewer.ts';
import { AuthFailure } from './auth-failure.ts';
import { introspect } from './introspection.ts';
import type { IssuerMetadataSource } from './issuer-metadata.ts';
import { jwksCache } from './jwks-cache.ts';

/** Signature algorithms accepted: asymmetric only — never `none`, never HS* (a public key is no secret). */
export const TOKEN_ALGORITHMS = Object.freeze(['RS256', 'RS384', 'ES256', 'ES384']);

export interface TokenVerifier {
  /** The bearer's identity, or an AuthFailure. `audience`: the expected `aud` (configured, else the FHIR base URL). */
  verify(token: string, audience: string): Promise<TokenViewer>;
}

export interface TokenVerifierDeps {
  readonly metadata: IssuerMetadataSource;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

const INTROSPECTION_CACHE_MAX = 10_000;
const VERIFIED_CACHE_MAX = 10_000;
const INTROSPECTION_TTL_MAX_MS = 300_000;

/**
 * SMART on FHIR resource-server token validation: JWTs verified against the issuer's JWKS (jwks-cache.ts) with `iss`,
 * `aud`, `exp` (required), `nbf` and the algorithm allow-list, `clockSkewS` of leeway, then remembered until they
 * expire; a token that is not a JWT goes
 * to RFC 7662 introspection when it is configured (an active answer cached for at most the token's remaining life and
 * 5 minutes, keyed by the token's SHA-256, never the token).
 */
export function createTokenVerifier(auth: AuthConfig, deps: TokenVerifierDeps): TokenVerifier {
  const now = deps.now ?? Date.now;
  const jwksUrl = async () => {
    if (auth.jwksUri !== null) return auth.jwksUri;
    const jwks = (await deps.metadata()).jwks_uri;
    if (typeof jwks !== 'string' || !URL.canParse(jwks)) throw new Error(`the issuer's metadata names no jwks_uri`);
    return jwks;
  };
  const keys: JWTVerifyGetKey = jwksCache(jwksUrl, { fetch: deps.fetch, now });
  const introspected = new Map<string, { viewer: TokenViewer; until: number }>();

  // A JWT verified once is not verified again until it expires: its signature and claims cannot change, and the
  // signature check (WebCrypto, on the thread pool) is most of the cost of a request with a token. Keyed by the
  // SHA-256 of the expected audience and the token (never the token itself); bounded; expiry re-checked on every hit.
  const verified = new Map<string, { viewer: TokenViewer; untilMs: number }>();
  const verifyJwt = async (token: string, audience: string): Promise<TokenViewer> => {
    const key = createHash('sha256').update(audience).update('\n').update(token).digest('base64url');
    const hit = verified.get(key);
    if (hit !== undefined) {
      if (now() < hit.untilMs) return hit.viewer;
      verified.delete(key);
      throw new AuthFailure('invalid_token', 'the token has expired (exp)');
    }
    const viewer = await verifyJwtSignature(token, audience);
    if (verified.size >= VERIFIED_CACHE_MAX) verified.delete(verified.keys().next().value!);
    verified.set(key, { viewer, untilMs: (viewer.expiresAt + auth.clockSkewS) * 1000 });
    return viewer;
  };

  const verifyJwtSignature = async (token: string, audience: string): Promise<TokenViewer> => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: auth.issuer,
        audience,
        algorithms: [...TOKEN_ALGORITHMS],
        clockTolerance: auth.clockSkewS,
        requiredClaims: ['exp'],
        currentDate: new Date(now()),
      });
      return viewerOf(payload, auth.issuer);
    } catch (error) {
      if (error instanceof AuthFailure) throw error;
      throw new AuthFailure('invalid_token', describe(error), { cause: error });
    }
  };

  const verifyOpaque = async (token: string, audience: string): Promise<TokenViewer> => {
    if (auth.introspection === null) throw new AuthFailure('invalid_token', 'the bearer token is not a JWT (and no introspection endpoint is configured)');
    const key = createHash('sha256').update(token).digest('base64url');
    const hit = introspected.get(key);
    if (hit !== undefined && hit.until > now()) return hit.viewer;
    introspected.delete(key);
    const claims = await introspect(auth.introspection, token, { fetch: deps.fetch });
    if (claims.iss !== undefined && claims.iss !== auth.issuer) throw new AuthFailure('invalid_token', 'the token was not issued by the configured issuer (iss)');
    const aud = claims.aud;
    if (aud !== undefined && !(Array.isArray(aud) ? aud.includes(audience) : aud === audience)) {
      throw new AuthFailure('invalid_token', 'the token is not meant for this server (aud)');
    }
    const nowS = now() / 1000;
    if (typeof claims.exp !== 'number') throw new AuthFailure('invalid_token', 'the token has no expiry (exp)');
    if (claims.exp + auth.clockSkewS <= nowS) throw new AuthFailure('invalid_token', 'the token has expired (exp)');
    if (typeof claims.nbf === 'number' && claims.nbf - auth.clockSkewS > nowS) throw new AuthFailure('invalid_token', 'the token is not valid yet (nbf)');
    const viewer = viewerOf(claims, auth.issuer);
    if (introspected.size >= INTROSPECTION_CACHE_MAX) introspected.delete(introspected.keys().next().value!);
    introspected.set(key, { viewer, until: Math.min(claims.exp * 1000, now() + INTROSPECTION_TTL_MAX_MS) });
    return viewer;
  };

  return {
    verify: (token, audience) => (isJwtShaped(token) ? verifyJwt(token, audience) : verifyOpaque(token, audience)),
  };
}

const isJwtShaped = (token: string) => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(token);

/** The identity a token's claims give (SMART: `scope`, `patient`, `fhirUser`; OAuth: `client_id`, else `azp`). */
export function viewerOf(claims: JWTPayload, issuer: string): TokenViewer {
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const scope = claims['scope'];
  const scopes = typeof scope === 'string'
    ? scope.split(' ').filter((s) => s !== '')
    : Array.isArray(claims['scp']) ? (claims['scp'] as unknown[]).filter((s): s is string => typeof s === 'string') : [];
  return Object.freeze({
    kind: 'token',
    issuer,
    subject: text(claims.sub),
    clientId: text(claims['client_id']) ?? text(claims['azp']),
    fhirUser: text(claims['fhirUser']),
    scopes: Object.freeze(scopes),
    patient: text(claims['patient']),
    expiresAt: typeof claims.exp === 'number' ? claims.exp : 0,
  });
}

/** What was wrong with a JWT, in words for `error_description` (no claim values, no token). */
function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired (exp)';
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'iss': return 'the token was not issued by the configured issuer (iss)';
      case 'aud': return 'the token is not meant for this server (aud)';
      case 'nbf': return 'the token is not valid yet (nbf)';
      case 'exp': return 'the token has no valid expiry (exp)';
      case 'iat': return 'the token has an invalid issue time (iat)';
      default: return `the token's ${error.claim} claim is not valid`;
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return `the token's signature algorithm is not accepted (only ${TOKEN_ALGORITHMS.join(', ')})`;
  if (error instanceof errors.JWKSNoMatchingKey) return 'the token is signed with a key the issuer does not publish (kid)';
  if (error instanceof errors.JWKSMultipleMatchingKeys) return 'the token names no key id (kid) and the issuer publishes several keys';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is not valid';
  if (error instanceof errors.JOSENotSupported) return 'the token uses an unsupported algorithm or key type';
  return 'the token is malformed';
}
