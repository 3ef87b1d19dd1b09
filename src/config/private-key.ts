/**
 * Startup check of a SMART Backend Services private key: it must parse (PEM, or a JWK as JSON text), be a private
 * key, and fit the signing algorithm. The key is a secret: no message here quotes it, nor node's own error messages
 * (which are about the key's content), only what kind of key it is.
 */
import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { SmartBackendAuthConfig } from './config.types.ts';
import type { Report } from './checks.ts';

type Algorithm = SmartBackendAuthConfig['algorithm'];

export const MIN_RSA_BITS = 2048;

/** Parses the key text the way the upstream layer will (node:crypto createPrivateKey); undefined after reporting. */
function parseKey(text: string, report: Report): KeyObject | undefined {
  const trimmed = text.trim();
  if (trimmed === '') {
    report('is empty');
    return undefined;
  }
  if (trimmed.startsWith('{')) {
    let jwk: unknown;
    try {
      jwk = JSON.parse(trimmed);
    } catch {
      report('looks like a JWK but is not valid JSON (content not shown)');
      return undefined;
    }
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
      report('must be a JWK object (content not shown)');
      return undefined;
    }
    if (!('d' in jwk)) {
      report('is a public JWK; the private key (with "d") is needed');
      return undefined;
    }
    try {
      return createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
    } catch {
      report('is not a valid private JWK (content not shown)');
      return undefined;
    }
  }
  if (!trimmed.startsWith('-----BEGIN ')) {
    report('must be a PEM private key (-----BEGIN PRIVATE KEY-----) or a private JWK as JSON (content not shown)');
    return undefined;
  }
  if (/^-----BEGIN (?:RSA |EC )?PUBLIC KEY-----/.test(trimmed) || trimmed.startsWith('-----BEGIN CERTIFICATE-----')) {
    report('is a public key or certificate; the private key is needed');
    return undefined;
  }
  try {
    return createPrivateKey(trimmed);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MISSING_PASSPHRASE' || trimmed.includes('ENCRYPTED')) {
      report('is encrypted with a passphrase; give an unencrypted PKCS#8 key');
    } else {
      report('is not a valid PEM private key (content not shown)');
    }
    return undefined;
  }
}

/** Checks that `text` is a private key usable for `algorithm` (RS384: RSA ≥ 2048 bits; ES384: EC on P-384). */
export function checkPrivateKey(text: string, algorithm: Algorithm, report: Report): string | undefined {
  const key = parseKey(text, report);
  if (key === undefined) return undefined;
  if (key.type !== 'private') {
    report('is not a private key');
    return undefined;
  }
  const kind = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (algorithm === 'RS384') {
    if (kind !== 'rsa') {
      report(`is ${describeKind(kind, details.namedCurve)}, but algorithm RS384 needs an RSA key`);
      return undefined;
    }
    const bits = details.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) {
      report(`is an RSA key of ${bits} bits; RS384 needs at least ${MIN_RSA_BITS}`);
      return undefined;
    }
    return text;
  }
  if (kind !== 'ec' || details.namedCurve !== 'secp384r1') {
    report(`is ${describeKind(kind, details.namedCurve)}, but algorithm ES384 needs an EC key on curve P-384`);
    return undefined;
  }
  return text;
}

function describeKind(kind: string | undefined, curve: string | undefined): string {
  if (kind === 'ec') return `an EC key on curve ${curve ?? 'unknown'}`;
  if (kind === 'rsa') return 'an RSA key';
  return `a key of type ${kind ?? 'unknown'}`;
}
