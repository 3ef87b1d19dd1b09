import { createPrivateKey, randomUUID, type JsonWebKey, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';

/**
 * The `private_key_jwt` client assertion of SMART Backend Services (RFC 7523; SMART App Launch "Backend Services"):
 * a JWT signed with the client's private key, header `alg` RS384 or ES384, `typ` JWT and optional `kid`; claims
 * iss = sub = client id, aud = the token endpoint URL, a fresh `jti`, `iat` now and `exp` at most 5 minutes ahead.
 */
export type AssertionAlgorithm = 'RS384' | 'ES384';

/** Lifetime of an assertion; the spec allows at most 300 s. */
export const ASSERTION_LIFETIME_S = 240;

/** PEM text, or a private JWK as JSON text (as config validated it) -> a private KeyObject. */
export function importPrivateKey(text: string): KeyObject {
  const trimmed = text.trim();
  const key = trimmed.startsWith('{')
    ? createPrivateKey({ key: JSON.parse(trimmed) as JsonWebKey, format: 'jwk' })
    : createPrivateKey(trimmed);
  if (key.type !== 'private') throw new TypeError('not a private key');
  return key;
}

export interface AssertionInput {
  key: KeyObject;
  algorithm: AssertionAlgorithm;
  clientId: string;
  keyId: string | null;
  /** The token endpoint URL. */
  audience: string;
  /** Epoch ms. */
  now: number;
}

export function signClientAssertion(input: AssertionInput): Promise<string> {
  const iat = Math.floor(input.now / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: input.algorithm, typ: 'JWT', ...(input.keyId !== null ? { kid: input.keyId } : {}) })
    .setIssuer(input.clientId)
    .setSubject(input.clientId)
    .setAudience(input.audience)
    .setJti(randomUUID())
    .setIssuedAt(iat)
    .setExpirationTime(iat + ASSERTION_LIFETIME_S)
    .sign(input.key);
}
