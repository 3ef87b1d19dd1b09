// Resource-server token validation (src/auth) against a loopback authorization server whose keys are real (jose):
// every way a token can be wrong, key rotation, a JWKS endpoint that goes down, and introspection of opaque tokens.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthFailure } from '../../src/auth/auth-failure.ts';
import { issuerMetadata } from '../../src/auth/issuer-metadata.ts';
import { createTokenVerifier, type TokenVerifier } from '../../src/auth/token-verifier.ts';
import type { AuthConfig } from '../../src/config/config.types.ts';
import { startSmartIssuer, type SmartIssuer } from '../helpers/smart-issuer.ts';

const AUD = 'http://127.0.0.1:4000/fhir';
let issuer: SmartIssuer;
beforeAll(async () => {
  issuer = await startSmartIssuer(() => AUD);
});
afterAll(async () => issuer.stop());

const config = (over: Partial<AuthConfig> = {}): AuthConfig => ({
  issuer: issuer.issuer, audience: null, jwksUri: null, clockSkewS: 60, introspection: null, ...over,
});
const verifierFor = (auth: AuthConfig, now?: () => number): TokenVerifier =>
  createTokenVerifier(auth, { metadata: issuerMetadata(auth.issuer, { now }), now });

async function failure(verifier: TokenVerifier, token: string, audience = AUD, name = ''): Promise<AuthFailure> {
  const outcome = await verifier.verify(token, audience).then(() => undefined, (e: unknown) => e);
  expect(outcome, name).toBeInstanceOf(AuthFailure);
  return outcome as AuthFailure;
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('JWT validation', () => {
  it('accepts a good RS256 and ES256 token and reads the SMART claims (jwks_uri found through the issuer metadata)', async () => {
    const verifier = verifierFor(config());
    const rs = await issuer.sign({ scope: 'launch/patient patient/*.rs openid', patient: 'pat-0001', client_id: 'app-1', fhirUser: 'Practitioner/p1' });
    expect(await verifier.verify(rs, AUD)).toMatchObject({
      kind: 'token', issuer: issuer.issuer, subject: 'user-1', clientId: 'app-1', fhirUser: 'Practitioner/p1',
      scopes: ['launch/patient', 'patient/*.rs', 'openid'], patient: 'pat-0001',
    });
    const es = await issuer.sign({ scp: ['user/*.rs'], azp: 'app-2' }, { key: issuer.keys[1] });
    expect(await verifier.verify(es, AUD)).toMatchObject({ scopes: ['user/*.rs'], clientId: 'app-2', patient: undefined });
  });

  it('refuses each kind of bad token with invalid_token and a description that names the problem', async () => {
    const verifier = verifierFor(config());
    const now = Math.floor(Date.now() / 1000);
    const stranger = await issuer.newKey('RS256', issuer.keys[0]!.kid); // same kid, a key the issuer never published
    const publicPem = JSON.stringify(issuer.keys[0]!.publicJwk);
    const hs256 = (() => {
      const head = b64({ alg: 'HS256', typ: 'JWT', kid: issuer.keys[0]!.kid });
      const body = b64({ iss: issuer.issuer, aud: AUD, exp: now + 600, sub: 'x' });
      return `${head}.${body}.${createHmac('sha256', publicPem).update(`${head}.${body}`).digest('base64url')}`;
    })();
    const cases: Array<[string, string, RegExp]> = [
      ['malformed', 'not-a-jwt.at-all.x', /malformed/],
      ['garbage segments', 'eyJhbGciOi.eyJzdWIi.c2ln', /malformed/],
      ['bad signature', await issuer.sign({}, { key: stranger }), /signature is not valid/],
      ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: issuer.issuer, aud: AUD, exp: now + 600 })}.`, /algorithm is not accepted|unsupported algorithm/],
      ['HS256 signed with the public key', hs256, /algorithm is not accepted/],
      ['unknown kid', await issuer.sign({}, { kid: 'no-such-kid' }), /key the issuer does not publish/],
      ['wrong iss', await issuer.sign({ iss: 'http://127.0.0.1:9/other' }), /not issued by the configured issuer/],
      ['foreign aud', await issuer.sign({ aud: 'https://other.example.org/fhir' }), /not meant for this server/],
      ['expired beyond the clock skew', await issuer.sign({ exp: now - 120, iat: now - 3600 }), /expired/],
      ['nbf in the future beyond the skew', await issuer.sign({ nbf: now + 300 }), /not valid yet/],
      ['missing exp', await issuer.sign({ exp: null }), /expiry/],
    ];
    for (const [name, token, message] of cases) {
      const f = await failure(verifier, token, AUD, name);
      expect({ name, kind: f.kind }).toEqual({ name, kind: 'invalid_token' });
      expect(f.message, name).toMatch(message);
      expect(f.message, name).not.toContain(token);
    }
  });

  it('allows clockSkewS of leeway on exp and nbf, and no more', async () => {
    const verifier = verifierFor(config({ clockSkewS: 60 }));
    const now = Math.floor(Date.now() / 1000);
    await expect(verifier.verify(await issuer.sign({ exp: now - 30 }), AUD)).resolves.toMatchObject({ kind: 'token' });
    await expect(verifier.verify(await issuer.sign({ nbf: now + 30 }), AUD)).resolves.toMatchObject({ kind: 'token' });
    const strict = verifierFor(config({ clockSkewS: 0 }));
    expect((await failure(strict, await issuer.sign({ exp: now - 30 }))).message).toMatch(/expired/);
  });

  it('remembers a verified token until it expires (the same identity, no second signature check), and no longer', async () => {
    let clock = Date.now();
    const verifier = verifierFor(config({ clockSkewS: 0 }), () => clock);
    const exp = Math.floor(clock / 1000) + 120;
    const token = await issuer.sign({ exp, scope: 'user/*.rs' });
    const first = await verifier.verify(token, AUD);
    expect(await verifier.verify(token, AUD)).toBe(first);
    expect((await failure(verifier, token, 'https://other.example.org/fhir')).message).toMatch(/not meant for this server/); // another audience is another check
    clock = (exp + 1) * 1000;
    expect((await failure(verifier, token)).message).toMatch(/expired/);
  });

  it('checks the configured audience instead of the FHIR base URL when one is set', async () => {
    const verifier = verifierFor(config({ audience: 'https://gw.example.org/fhir' }));
    const token = await issuer.sign({ aud: 'https://gw.example.org/fhir' });
    await expect(verifier.verify(token, 'https://gw.example.org/fhir')).resolves.toMatchObject({ kind: 'token' });
    expect((await failure(verifier, await issuer.sign(), 'https://gw.example.org/fhir')).message).toMatch(/not meant for this server/);
  });
});

describe('the issuer keys', () => {
  it('a rotated key is fetched once on its unknown kid; a flood of forged kids costs no more fetches within the cooldown', async () => {
    let clock = Date.now();
    const verifier = verifierFor(config({ jwksUri: issuer.jwksUri }), () => clock);
    await verifier.verify(await issuer.sign(), AUD);
    const before = issuer.jwksFetches;
    const rotated = await issuer.newKey('ES384');
    issuer.keys.unshift(rotated);
    try {
      clock += 60_000; // the issuer rotates a minute after the gateway read its keys
      await expect(verifier.verify(await issuer.sign({}, { key: rotated }), AUD)).resolves.toMatchObject({ kind: 'token' });
      expect(issuer.jwksFetches).toBe(before + 1);
      for (let i = 0; i < 20; i++) await failure(verifier, await issuer.sign({}, { kid: `forged-${i}` }));
      expect(issuer.jwksFetches).toBe(before + 1);
    } finally {
      issuer.keys.shift();
    }
  });

  it('keys held keep verifying while the JWKS endpoint is down, also once they are stale', async () => {
    let clock = Date.now();
    const verifier = verifierFor(config({ jwksUri: issuer.jwksUri }), () => clock);
    const token = await issuer.sign();
    await verifier.verify(token, AUD);
    issuer.down = true;
    try {
      clock += 3_600_000; // an hour later: the set is stale, its refresh fails in the background
      const fresh = await issuer.sign({ iat: Math.floor(clock / 1000), exp: Math.floor(clock / 1000) + 600 });
      await expect(verifier.verify(fresh, AUD)).resolves.toMatchObject({ kind: 'token' });
      await expect(verifier.verify(fresh, AUD)).resolves.toMatchObject({ kind: 'token' });
    } finally {
      issuer.down = false;
    }
  });

  it('a gateway that never got the keys cannot check tokens: unavailable, not invalid', async () => {
    issuer.down = true;
    try {
      const f = await failure(verifierFor(config()), await issuer.sign());
      expect(f.kind).toBe('unavailable');
      expect(f.message).toMatch(/keys \(JWKS\) could not be read/);
    } finally {
      issuer.down = false;
    }
  });
});

describe('introspection (RFC 7662) of opaque tokens', () => {
  const introspection = () => ({ endpoint: `${issuer.issuer}/introspect`, clientId: 'gateway', clientSecret: 's3cret-s3cret' });

  it('an active token becomes a viewer; inactive, expired or foreign ones are refused; without introspection an opaque token is invalid', async () => {
    const verifier = verifierFor(config({ introspection: introspection() }));
    const exp = Math.floor(Date.now() / 1000) + 600;
    issuer.introspection.set('opaque-good', { active: true, iss: issuer.issuer, aud: AUD, exp, sub: 'u9', scope: 'user/*.rs', client_id: 'c9' });
    issuer.introspection.set('opaque-expired', { active: true, exp: exp - 7200 });
    issuer.introspection.set('opaque-foreign', { active: true, exp, aud: 'https://other.example.org/fhir' });
    await expect(verifier.verify('opaque-good', AUD)).resolves.toMatchObject({ subject: 'u9', scopes: ['user/*.rs'], clientId: 'c9' });
    expect((await failure(verifier, 'opaque-unknown')).message).toMatch(/not active/);
    expect((await failure(verifier, 'opaque-expired')).message).toMatch(/expired/);
    expect((await failure(verifier, 'opaque-foreign')).message).toMatch(/not meant for this server/);
    expect((await failure(verifierFor(config()), 'opaque-good')).message).toMatch(/not a JWT/);
  });

  it('caches an active answer (the endpoint is not asked again) but never beyond the token\'s exp', async () => {
    let clock = Date.now();
    const verifier = verifierFor(config({ introspection: introspection() }), () => clock);
    const exp = Math.floor(clock / 1000) + 120;
    issuer.introspection.set('opaque-cached', { active: true, exp });
    await verifier.verify('opaque-cached', AUD);
    issuer.introspection.set('opaque-cached', { active: false }); // revoked upstream
    await expect(verifier.verify('opaque-cached', AUD)).resolves.toMatchObject({ kind: 'token' }); // still cached
    clock += 121_000;
    expect((await failure(verifier, 'opaque-cached')).message).toMatch(/not active/);
  });
});
