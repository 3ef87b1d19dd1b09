import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CIRCUIT_BREAKER } from '../../src/config/defaults.ts';
import { load, problemsOf } from './helpers.ts';

/** Key fixtures, generated once per run (nothing secret is committed). */
const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed25519 = generateKeyPairSync('ed25519');

const pem = (pair: { privateKey: { export(o: object): string | Buffer } }): string =>
  pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const RSA_PEM = pem(rsa2048);
const EC_PEM = pem(p384);
const RSA_JWK = JSON.stringify(rsa2048.privateKey.export({ format: 'jwk' }));
const EC_JWK = JSON.stringify(p384.privateKey.export({ format: 'jwk' }));
const RSA_PKCS1 = rsa2048.privateKey.export({ format: 'pem', type: 'pkcs1' }).toString();

const SMART = { tokenUrl: 'https://auth.example/token', clientId: 'gateway' };

function file(smartBackend: unknown, extra: object = {}): Record<string, unknown> {
  return { '/work/gw.json': { sources: [{ id: 'ehr', baseUrl: 'https://ehr.example/fhir', smartBackend, ...extra }] } };
}

describe('smartBackend', () => {
  it('reads the key from privateKeyEnv; scope and algorithm have defaults; kid is optional', () => {
    const config = load(['-c', 'gw.json'], { EHR_KEY: RSA_PEM }, file({ ...SMART, privateKeyEnv: 'EHR_KEY' }));
    expect(config.sources[0]?.auth).toEqual({
      type: 'smart-backend', tokenUrl: 'https://auth.example/token', clientId: 'gateway', scope: 'system/*.read',
      algorithm: 'RS384', privateKey: RSA_PEM, keyId: null,
    });
    expect(config.sources[0]?.circuitBreaker).toEqual(DEFAULT_CIRCUIT_BREAKER);
  });

  it('reads the key from privateKeyFile, relative to the config file\'s directory', () => {
    const files = {
      '/work/conf/gw.json': { sources: [{ id: 'ehr', baseUrl: 'https://ehr.example', smartBackend: {
        ...SMART, algorithm: 'ES384', privateKeyFile: 'keys/ehr.pem', keyId: 'k1', scope: 'system/Patient.rs system/Observation.rs',
      } }] },
      '/work/conf/keys/ehr.pem': EC_PEM,
    };
    expect(load(['-c', 'conf/gw.json'], {}, files).sources[0]?.auth).toEqual({
      type: 'smart-backend', tokenUrl: 'https://auth.example/token', clientId: 'gateway',
      scope: 'system/Patient.rs system/Observation.rs', algorithm: 'ES384', privateKey: EC_PEM, keyId: 'k1',
    });
    const absolute = { '/work/gw.json': { sources: [{ id: 'a', baseUrl: 'https://a.example', smartBackend: { ...SMART, privateKeyFile: '/etc/k.pem' } }] }, '/etc/k.pem': RSA_PEM };
    expect(load(['-c', 'gw.json'], {}, absolute).sources[0]?.auth).toMatchObject({ privateKey: RSA_PEM });
  });

  it('accepts private JWKs and PKCS#1 PEM; no tokenUrl means discovery (null)', () => {
    const env = { RSA_JWK, EC_JWK, RSA_PKCS1 };
    expect(load(['-c', 'gw.json'], env, file({ clientId: 'c', privateKeyEnv: 'RSA_JWK' })).sources[0]?.auth)
      .toMatchObject({ tokenUrl: null, algorithm: 'RS384', privateKey: RSA_JWK });
    expect(load(['-c', 'gw.json'], env, file({ clientId: 'c', algorithm: 'ES384', privateKeyEnv: 'EC_JWK' })).sources[0]?.auth)
      .toMatchObject({ algorithm: 'ES384', privateKey: EC_JWK });
    expect(load(['-c', 'gw.json'], env, file({ clientId: 'c', privateKeyEnv: 'RSA_PKCS1' })).sources[0]?.auth)
      .toMatchObject({ privateKey: RSA_PKCS1 });
  });

  it('reports every invalid field with its path', () => {
    const bad = file({ tokenUrl: 'ftp://auth.example', scope: 'bad "scope"', algorithm: 'RS256', keyId: '', unknown: 1, privateKeyEnv: 'K' });
    expect(problemsOf(() => load(['-c', 'gw.json'], { K: RSA_PEM }, bad))).toEqual([
      'config file gw.json: sources[0].smartBackend.unknown: unknown key (expected one of: tokenUrl, clientId, scope, algorithm, privateKeyFile, privateKeyEnv, keyId)',
      'config file gw.json: sources[0].smartBackend.tokenUrl: must use http or https (got "ftp://auth.example")',
      'config file gw.json: sources[0].smartBackend.clientId: is required: the client id registered with the authorization server',
      'config file gw.json: sources[0].smartBackend.scope: must be space-separated OAuth scopes, e.g. "system/*.read" or "system/Patient.rs system/Observation.rs" (got "bad \\"scope\\"")',
      'config file gw.json: sources[0].smartBackend.algorithm: must be one of RS384, ES384 (got "RS256")',
      'config file gw.json: sources[0].smartBackend.keyId: must be a non-empty string (got an empty string)',
    ]);
    expect(problemsOf(() => load(['-c', 'gw.json'], {}, file('yes')))).toEqual([
      'config file gw.json: sources[0].smartBackend: must be an object (got a string)',
    ]);
    expect(problemsOf(() => load(['-c', 'gw.json'], {}, file({ ...SMART, tokenUrl: 'not a url', clientId: 7, privateKeyEnv: 'K' }, {})))).toEqual([
      'config file gw.json: sources[0].smartBackend.tokenUrl: must be an absolute http(s) URL (got "not a url")',
      'config file gw.json: sources[0].smartBackend.clientId: must be a non-empty string (got a number)',
      'config file gw.json: sources[0].smartBackend.privateKeyEnv: environment variable K is not set (or is empty)',
    ]);
  });

  it('needs exactly one of privateKeyFile and privateKeyEnv', () => {
    expect(problemsOf(() => load(['-c', 'gw.json'], {}, file(SMART)))).toEqual([
      'config file gw.json: sources[0].smartBackend: needs the private key: give privateKeyFile (a PEM or JWK file) or privateKeyEnv (an environment variable holding it)',
    ]);
    expect(problemsOf(() => load(['-c', 'gw.json'], { K: RSA_PEM }, file({ ...SMART, privateKeyEnv: 'K', privateKeyFile: 'k.pem' })))).toEqual([
      'config file gw.json: sources[0].smartBackend.privateKeyFile: give either privateKeyFile or privateKeyEnv, not both',
    ]);
    expect(problemsOf(() => load(['-c', 'gw.json'], {}, file({ ...SMART, privateKeyFile: 'missing.pem' })))).toEqual([
      'config file gw.json: sources[0].smartBackend.privateKeyFile: key file "missing.pem" cannot be read: ENOENT: no such file or directory, open \'/work/missing.pem\'',
    ]);
    expect(problemsOf(() => load(['-c', 'gw.json'], {}, file({ ...SMART, privateKeyEnv: 'not-a-name' })))).toEqual([
      'config file gw.json: sources[0].smartBackend.privateKeyEnv: must be the name of an environment variable, e.g. "EHR_PRIVATE_KEY" (got "not-a-name")',
    ]);
  });

  it('checks that the key is a private key fitting the algorithm', () => {
    const env = {
      RSA_PEM, EC_PEM, SMALL: pem(rsa1024), P256: pem(p256), ED: pem(ed25519),
      PUBLIC: rsa2048.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
      PUBLIC_JWK: JSON.stringify(p384.publicKey.export({ format: 'jwk' })),
      ENCRYPTED: rsa2048.privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'pw' }).toString(),
      GARBAGE: 'not a key at all', BROKEN_PEM: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', BROKEN_JWK: '{"kty":',
      BAD_JWK: '{"kty":"RSA","d":"x"}',
    };
    const cases: Array<[string, 'RS384' | 'ES384', string]> = [
      ['EC_PEM', 'RS384', 'is an EC key on curve secp384r1, but algorithm RS384 needs an RSA key'],
      ['RSA_PEM', 'ES384', 'is an RSA key, but algorithm ES384 needs an EC key on curve P-384'],
      ['SMALL', 'RS384', 'is an RSA key of 1024 bits; RS384 needs at least 2048'],
      ['P256', 'ES384', 'is an EC key on curve prime256v1, but algorithm ES384 needs an EC key on curve P-384'],
      ['ED', 'ES384', 'is a key of type ed25519, but algorithm ES384 needs an EC key on curve P-384'],
      ['PUBLIC', 'RS384', 'is a public key or certificate; the private key is needed'],
      ['PUBLIC_JWK', 'ES384', 'is a public JWK; the private key (with "d") is needed'],
      ['ENCRYPTED', 'RS384', 'is encrypted with a passphrase; give an unencrypted PKCS#8 key'],
      ['GARBAGE', 'RS384', 'must be a PEM private key (-----BEGIN PRIVATE KEY-----) or a private JWK as JSON (content not shown)'],
      ['BROKEN_PEM', 'RS384', 'is not a valid PEM private key (content not shown)'],
      ['BROKEN_JWK', 'RS384', 'looks like a JWK but is not valid JSON (content not shown)'],
      ['BAD_JWK', 'RS384', 'is not a valid private JWK (content not shown)'],
    ];
    for (const [name, algorithm, message] of cases) {
      expect(problemsOf(() => load(['-c', 'gw.json'], env, file({ ...SMART, algorithm, privateKeyEnv: name }))), name).toEqual([
        `config file gw.json: sources[0].smartBackend.privateKeyEnv: environment variable ${name} ${message}`,
      ]);
    }
    const keyFile = { ...file({ ...SMART, privateKeyFile: 'k.pem' }), '/work/k.pem': pem(rsa1024) };
    expect(problemsOf(() => load(['-c', 'gw.json'], {}, keyFile))).toEqual([
      'config file gw.json: sources[0].smartBackend.privateKeyFile: key file "k.pem" is an RSA key of 1024 bits; RS384 needs at least 2048',
    ]);
  });

  it('is exclusive with bearerToken, bearerTokenEnv and an authorization header', () => {
    const smart = { ...SMART, privateKeyEnv: 'K' };
    const env = { K: RSA_PEM, T: 'tok' };
    expect(problemsOf(() => load(['-c', 'gw.json'], env, file(smart, { bearerToken: 'tok' })))).toEqual([
      'config file gw.json: sources[0].smartBackend: give either smartBackend or bearerToken / bearerTokenEnv, not both',
    ]);
    expect(problemsOf(() => load(['-c', 'gw.json'], env, file(smart, { bearerTokenEnv: 'T' })))).toEqual([
      'config file gw.json: sources[0].smartBackend: give either smartBackend or bearerToken / bearerTokenEnv, not both',
    ]);
    expect(problemsOf(() => load(['-c', 'gw.json'], env, file(smart, { headers: { Authorization: 'Basic abc' } })))).toEqual([
      'config file gw.json: sources[0].headers: must not set authorization together with smartBackend',
    ]);
  });

  it('never puts the key into a message', () => {
    const secretPem = pem(rsa1024); // too small: rejected, with the whole PEM as the would-be secret
    const secretJwk = JSON.stringify(p256.privateKey.export({ format: 'jwk' }));
    const d = (p256.privateKey.export({ format: 'jwk' }) as { d: string }).d;
    const env = { PEM: secretPem, JWK: secretJwk, BROKEN: `{"kty":"EC","d":"${d}",` };
    const runs = [
      file({ ...SMART, privateKeyEnv: 'PEM' }),
      file({ ...SMART, algorithm: 'ES384', privateKeyEnv: 'JWK' }),
      file({ ...SMART, privateKeyEnv: 'BROKEN' }),
      { ...file({ ...SMART, privateKeyFile: 'k.pem' }), '/work/k.pem': secretPem.replace('PRIVATE KEY-----', 'PRIVATE KEY-----\nxx') },
      file({ ...SMART, privateKeyEnv: 'JWK', bearerToken: 'x' }, { headers: { authorization: 'y' } }),
    ];
    const body = secretPem.split('\n')[1] ?? '';
    for (const files of runs) {
      const text = problemsOf(() => load(['-c', 'gw.json'], env, files)).join('\n');
      expect(text).not.toContain(body);
      expect(text).not.toContain(d);
    }
  });
});
