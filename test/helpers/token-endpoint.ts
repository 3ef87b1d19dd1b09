// A SMART Backend Services token endpoint for tests, over node:http on 127.0.0.1 (ephemeral port). It checks what a
// real authorization server checks, so that tests prove the gateway's assertions are right: form fields exact, the
// client assertion verified with jose against the client's public key (alg as registered, iss = sub = client id,
// aud = this endpoint's URL, exp in the future and at most 300 s ahead, a jti never seen before). It issues distinct
// opaque tokens and remembers them, so that a FHIR server in the test can accept exactly those.
// It also serves a SMART configuration (`token_endpoint`) under `discoveryBaseUrl` for discovery tests.
import { randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { decodeProtectedHeader, jwtVerify, type JWTPayload, type ProtectedHeaderParameters } from 'jose';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface TokenEndpointOptions {
  clientId: string;
  /** The public key registered for the client. */
  publicKey: KeyObject;
  algorithm: 'RS384' | 'ES384';
  /** When set, the assertion's kid must equal it. */
  keyId?: string;
  /** Lifetime of issued tokens in seconds (default 300); can be changed later through `expiresIn`. */
  expiresIn?: number;
}

export interface AcceptedAssertion {
  header: ProtectedHeaderParameters;
  payload: JWTPayload;
}

export interface TokenEndpoint {
  /** The token endpoint: `http://127.0.0.1:<port>/oauth/token` (also the `aud` it demands). */
  readonly url: string;
  /** A FHIR-base-like URL whose `.well-known/smart-configuration` names `url` as token_endpoint. */
  readonly discoveryBaseUrl: string;
  /** POSTs received at `url`, accepted or not. */
  readonly tokenRequests: number;
  /** GETs of the SMART configuration. */
  readonly discoveryRequests: number;
  /** Every token issued, in order. */
  readonly issued: readonly string[];
  /** Verified assertions, in order. */
  readonly accepted: readonly AcceptedAssertion[];
  /** Why requests were refused, in order (the OAuth error and a reason for the test's eyes). */
  readonly rejected: ReadonlyArray<{ error: string; reason: string }>;
  /** Lifetime of the next tokens, seconds. */
  expiresIn: number;
  /** Delay before answering a token request, ms. */
  latencyMs: number;
  /** When set, every token request is refused with this answer (after the usual checks pass or fail). */
  failWith: { status: number; error: string; description?: string } | undefined;
  /** Whether `token` was issued here, is not revoked and has not expired (real time). */
  isValid(token: string | undefined): boolean;
  revoke(token: string): void;
  close(): Promise<void>;
}

export async function startTokenEndpoint(options: TokenEndpointOptions): Promise<TokenEndpoint> {
  const seenJti = new Set<string>();
  const valid = new Map<string, number>(); // token -> expiry (epoch ms)
  const issued: string[] = [];
  const accepted: AcceptedAssertion[] = [];
  const rejected: Array<{ error: string; reason: string }> = [];
  const sockets = new Set<Socket>();
  let url = '';
  let discoveryBaseUrl = '';
  let tokenRequests = 0;
  let discoveryRequests = 0;

  const state = {
    expiresIn: options.expiresIn ?? 300,
    latencyMs: 0,
    failWith: undefined as TokenEndpoint['failWith'],
  };

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const refuse = (res: ServerResponse, status: number, error: string, reason: string): void => {
    rejected.push({ error, reason });
    send(res, status, { error, error_description: reason });
  };

  async function token(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
    tokenRequests++;
    if (state.latencyMs > 0) await new Promise((r) => setTimeout(r, state.latencyMs));
    if (!req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
      return refuse(res, 400, 'invalid_request', 'content type must be application/x-www-form-urlencoded');
    }
    const form = new URLSearchParams(raw);
    if (form.get('grant_type') !== 'client_credentials') return refuse(res, 400, 'unsupported_grant_type', 'grant_type must be client_credentials');
    if (form.get('client_assertion_type') !== CLIENT_ASSERTION_TYPE) return refuse(res, 400, 'invalid_request', 'wrong client_assertion_type');
    const scope = form.get('scope');
    if (!scope) return refuse(res, 400, 'invalid_scope', 'scope is required');
    const assertion = form.get('client_assertion');
    if (!assertion) return refuse(res, 400, 'invalid_request', 'client_assertion is required');
    let verified: AcceptedAssertion;
    try {
      const { payload } = await jwtVerify(assertion, options.publicKey, {
        algorithms: [options.algorithm],
        issuer: options.clientId,
        subject: options.clientId,
        audience: url,
        typ: 'JWT',
        requiredClaims: ['jti', 'exp'],
      });
      verified = { header: decodeProtectedHeader(assertion), payload };
    } catch (err) {
      return refuse(res, 401, 'invalid_client', `assertion rejected: ${(err as Error).message}`);
    }
    const now = Math.floor(Date.now() / 1000);
    const { exp, jti } = verified.payload as { exp: number; jti: string };
    if (exp - now > 300) return refuse(res, 401, 'invalid_client', 'exp is more than 5 minutes ahead');
    if (options.keyId !== undefined && verified.header.kid !== options.keyId) return refuse(res, 401, 'invalid_client', 'unknown kid');
    if (seenJti.has(jti)) return refuse(res, 401, 'invalid_client', 'jti replayed');
    seenJti.add(jti);
    if (state.failWith) return refuse(res, state.failWith.status, state.failWith.error, state.failWith.description ?? 'refused by test');
    accepted.push(verified);
    const accessToken = `tok-${issued.length + 1}-${randomBytes(12).toString('hex')}`;
    issued.push(accessToken);
    valid.set(accessToken, Date.now() + state.expiresIn * 1000);
    send(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: state.expiresIn, scope });
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method === 'POST' && path === '/oauth/token') {
        token(req, res, Buffer.concat(chunks).toString('utf8')).catch(() => res.destroy());
      } else if (req.method === 'GET' && path === '/fhir/.well-known/smart-configuration') {
        discoveryRequests++;
        send(res, 200, {
          token_endpoint: url,
          token_endpoint_auth_methods_supported: ['private_key_jwt'],
          token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
          grant_types_supported: ['client_credentials'],
          scopes_supported: ['system/*.read', 'system/*.rs'],
          capabilities: ['client-confidential-asymmetric'],
        });
      } else {
        send(res, 404, { error: 'not_found' });
      }
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  url = `${origin}/oauth/token`;
  discoveryBaseUrl = `${origin}/fhir`;

  let closing: Promise<void> | undefined;
  return {
    url,
    discoveryBaseUrl,
    get tokenRequests() { return tokenRequests; },
    get discoveryRequests() { return discoveryRequests; },
    issued,
    accepted,
    rejected,
    get expiresIn() { return state.expiresIn; },
    set expiresIn(s: number) { state.expiresIn = s; },
    get latencyMs() { return state.latencyMs; },
    set latencyMs(ms: number) { state.latencyMs = ms; },
    get failWith() { return state.failWith; },
    set failWith(f) { state.failWith = f; },
    isValid(token) {
      const expiry = token === undefined ? undefined : valid.get(token);
      return expiry !== undefined && Date.now() < expiry;
    },
    revoke(token) {
      valid.delete(token);
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
