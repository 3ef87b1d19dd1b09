/**
 * Why a bearer token was not accepted, in words safe to send back (RFC 6750 `error_description`) and to log: never
 * the token or its claims' values. `missing`: no token at all (RFC 6750 §3.1: then no `error` attribute);
 * `invalid_token`: a token that is malformed, not signed by the issuer's keys, expired, or for someone else;
 * `unavailable`: the gateway cannot check tokens right now (the issuer's keys or introspection endpoint unreachable).
 */
export class AuthFailure extends Error {
  readonly kind: 'missing' | 'invalid_token' | 'unavailable';

  constructor(kind: AuthFailure['kind'], description: string, options?: { cause?: unknown }) {
    super(description, options);
    this.name = 'AuthFailure';
    this.kind = kind;
  }
}
