// A loopback SMART authorization server for tests: real keys made with jose, its OpenID metadata and JWKS over
// node:http on 127.0.0.1, and signing of any token a test needs (good, expired, foreign, forged...). Keys can be
// rotated and the JWKS endpoint taken down; every JWKS fetch is counted.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export interface IssuerKey {
  readonly kid: string;
  readonly alg: 'RS256' | 'ES256' | 'RS384' | 'ES384';
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export interface SmartIssuer {
  /** The issuer URL (`iss`), e.g. `http://127.0.0.1:41234/oauth`. */
  readonly issuer: string;
  readonly jwksUri: string;
  /** The keys published now (the first one signs by default). */
  keys: IssuerKey[];
  /** JWKS answers so far. */
  jwksFetches: number;
  /** When true the JWKS and metadata endpoints answer 503. */
  down: boolean;
  /** Introspection answers by token (RFC 7662 bodies); absent = `{ active: false }`. */
  readonly introspection: Map<string, Record<string, unknown>>;
  /** Makes a new key (not published until pushed into `keys`). */
  newKey(alg?: IssuerKey['alg'], kid?: string): Promise<IssuerKey>;
  /** A signed JWT: `iss`, `aud`, `iat`, `exp` (+1 h) and `sub` filled in unless given (null removes one). */
  sign(claims?: Record<string, unknown>, options?: { key?: IssuerKey; kid?: string | null; alg?: string }): Promise<string>;
  stop(): Promise<void>;
}

export async function startSmartIssuer(audience: () => string): Promise<SmartIssuer> {
  let base = '';
  const state = {
    keys: [] as IssuerKey[],
    jwksFetches: 0,
    down: false,
    introspection: new Map<string, Record<string, unknown>>(),
  };
  const server: Server = createServer((req, res) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (state.down && req.url !== '/oauth/introspect') return json(503, { error: 'down' });
    if (req.url === '/oauth/.well-known/openid-configuration') {
      return json(200, {
        issuer: `${base}/oauth`,
        jwks_uri: `${base}/oauth/jwks`,
        authorization_endpoint: `${base}/oauth/authorize`,
        token_endpoint: `${base}/oauth/token`,
        introspection_endpoint: `${base}/oauth/introspect`,
        token_endpoint_auth_methods_supported: ['none', 'private_key_jwt'],
        grant_types_supported: ['authorization_code', 'client_credentials'],
        scopes_supported: ['openid', 'fhirUser', 'launch/patient', 'patient/*.rs'],
      });
    }
    if (req.url === '/oauth/jwks') {
      state.jwksFetches++;
      return json(200, { keys: state.keys.map((k) => k.publicJwk) });
    }
    if (req.url === '/oauth/introspect' && req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const token = new URLSearchParams(body).get('token') ?? '';
        json(200, state.introspection.get(token) ?? { active: false });
      });
      return;
    }
    json(404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const newKey = async (alg: IssuerKey['alg'] = 'RS256', kid = `${alg.toLowerCase()}-${Math.random().toString(36).slice(2, 8)}`): Promise<IssuerKey> => {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
  };
  state.keys.push(await newKey('RS256'), await newKey('ES256'));

  const issuer: SmartIssuer = Object.assign(state, {
    issuer: `${base}/oauth`,
    jwksUri: `${base}/oauth/jwks`,
    newKey,
    async sign(claims: Record<string, unknown> = {}, options: { key?: IssuerKey; kid?: string | null; alg?: string } = {}) {
      const key = options.key ?? state.keys[0]!;
      const now = Math.floor(Date.now() / 1000);
      const payload: Record<string, unknown> = { iss: `${base}/oauth`, aud: audience(), iat: now, exp: now + 3600, sub: 'user-1', ...claims };
      for (const [k, v] of Object.entries(payload)) if (v === null) delete payload[k];
      const kid = options.kid === undefined ? key.kid : options.kid;
      return new SignJWT(payload as JWTPayload)
        .setProtectedHeader({ alg: options.alg ?? key.alg, typ: 'JWT', ...(kid === null ? {} : { kid }) })
        .sign(key.privateKey);
    },
    stop: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  });
  return issuer;
}
