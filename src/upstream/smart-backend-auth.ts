import type { KeyObject } from 'node:crypto';
import { Agent, request, type Dispatcher } from 'undici';
import { importPrivateKey, signClientAssertion, type AssertionAlgorithm } from './client-assertion.ts';
import { authFailedError, transportPhrase } from './error-mapping.ts';
import type { UpstreamAuth } from './upstream-client.ts';

/**
 * SMART Backend Services towards one source: access tokens from the OAuth client_credentials grant, the client
 * authenticated by a signed JWT assertion (client-assertion.ts), cached until shortly before they expire. Concurrent
 * callers while a token is being fetched share that one token request. The token endpoint is configured, or read
 * once from `{baseUrl}/.well-known/smart-configuration`.
 *
 * Secrets (the key, assertions, tokens) never appear in errors or logs; errors are UPSTREAM_AUTH_FAILED with the
 * source id and, when the endpoint sent one, its OAuth `error` code.
 */
export interface SmartBackendCredentials {
  /** null: discovered. */
  readonly tokenUrl: string | null;
  readonly clientId: string;
  readonly scope: string;
  readonly algorithm: AssertionAlgorithm;
  /** PEM text or private JWK JSON text. */
  readonly privateKey: string;
  readonly keyId: string | null;
}

export interface SmartBackendAuthOptions {
  sourceId: string;
  /** The source's FHIR base URL (for discovery). */
  baseUrl: string;
  /** The source's `auth` config of type 'smart-backend' fits here as it is. */
  credentials: SmartBackendCredentials;
  /** Deadline of one token or discovery request. */
  timeoutMs: number;
  connectTimeoutMs: number;
  /** Clock (epoch ms) for token expiry and the assertion's iat/exp; defaults to Date.now. */
  now?: () => number;
  /** Injected in tests; otherwise the class owns a small Agent, closed by close(). */
  dispatcher?: Dispatcher;
}

const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** A token is replaced this long before it expires (or 10 % of its lifetime, if that is less). */
export const REFRESH_MARGIN_MS = 30_000;
/** Lifetime assumed when the endpoint omits `expires_in` (the SMART spec recommends 300 s). */
const DEFAULT_EXPIRES_IN_S = 300;
/** RFC 6749 §5.2: error codes are %x20-21 / %x23-5B / %x5D-7E. */
const OAUTH_ERROR = /^[\x20\x21\x23-\x5b\x5d-\x7e]{1,64}$/;
/** RFC 6750 b64token, i.e. what can follow 'Bearer ' in a header. */
const BEARER_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

interface CachedToken {
  /** 'Bearer …' */
  readonly value: string;
  readonly refreshAt: number;
  readonly expiresAt: number;
}

export class SmartBackendAuth implements UpstreamAuth {
  readonly sourceId: string;
  readonly #credentials: SmartBackendCredentials;
  readonly #baseUrl: string;
  readonly #key: KeyObject;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #ownAgent: Agent | undefined;
  readonly #dispatcher: Dispatcher;
  #tokenUrl: string | null;
  #token: CachedToken | undefined;
  #pending: Promise<string> | undefined;

  constructor(options: SmartBackendAuthOptions) {
    this.sourceId = options.sourceId;
    this.#credentials = options.credentials;
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#tokenUrl = options.credentials.tokenUrl;
    this.#key = importPrivateKey(options.credentials.privateKey);
    this.#timeoutMs = options.timeoutMs;
    this.#now = options.now ?? Date.now;
    this.#ownAgent = options.dispatcher
      ? undefined
      : new Agent({
        connections: 2,
        connect: { timeout: options.connectTimeoutMs },
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        maxResponseSize: 1024 * 1024,
      });
    this.#dispatcher = options.dispatcher ?? (this.#ownAgent as Agent);
  }

  /** 'Bearer <access token>': cached, or fetched (one request for all concurrent callers). */
  authorization(signal?: AbortSignal): Promise<string> {
    const cached = this.#token;
    if (cached !== undefined && this.#now() < cached.refreshAt) return Promise.resolve(cached.value);
    if (this.#pending === undefined) {
      const pending = this.#refresh();
      this.#pending = pending;
      const done = (): void => {
        if (this.#pending === pending) this.#pending = undefined;
      };
      pending.then(done, done); // also keeps a rejection nobody waits for any more from being unhandled
    }
    return untilAborted(this.#pending, signal);
  }

  /** The upstream refused `value`: the next authorization() fetches a new token. */
  invalidate(value: string): void {
    if (this.#token?.value === value) this.#token = undefined;
  }

  async close(): Promise<void> {
    await this.#ownAgent?.close();
  }

  /** A new token; when that fails, the old one while it is still valid (it was only due for renewal). */
  async #refresh(): Promise<string> {
    try {
      const token = await this.#fetchToken();
      this.#token = token;
      return token.value;
    } catch (err) {
      const old = this.#token;
      if (old !== undefined && this.#now() < old.expiresAt) return old.value;
      throw err;
    }
  }

  async #fetchToken(): Promise<CachedToken> {
    const tokenUrl = await this.#resolveTokenUrl();
    const { clientId, scope, algorithm, keyId } = this.#credentials;
    let assertion: string;
    try {
      assertion = await signClientAssertion({ key: this.#key, algorithm, clientId, keyId, audience: tokenUrl, now: this.#now() });
    } catch (err) {
      throw authFailedError(this.sourceId, `the client assertion could not be signed with ${algorithm}`, { cause: err });
    }
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      scope,
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: assertion,
    });
    const started = this.#now();
    const { status, json } = await this.#call(tokenUrl, 'POST', form.toString(), 'the token endpoint');
    if (status < 200 || status >= 300) {
      const oauthError = oauthErrorOf(json);
      const what = oauthError === undefined ? `HTTP ${status}` : `HTTP ${status}, ${oauthError}`;
      throw authFailedError(this.sourceId, `the token endpoint refused the request (${what})`, {
        upstreamStatus: status,
        ...(oauthError !== undefined ? { oauthError } : {}),
      });
    }
    const body = isObject(json) ? json : {};
    const accessToken = body.access_token;
    if (typeof accessToken !== 'string' || !BEARER_TOKEN.test(accessToken)) {
      throw authFailedError(this.sourceId, 'the token endpoint answered without a usable access_token', { upstreamStatus: status });
    }
    if (typeof body.token_type !== 'string' || body.token_type.toLowerCase() !== 'bearer') {
      throw authFailedError(this.sourceId, 'the token endpoint answered with a token_type other than Bearer', { upstreamStatus: status });
    }
    const expiresIn = typeof body.expires_in === 'number' && Number.isFinite(body.expires_in) && body.expires_in > 0
      ? body.expires_in
      : DEFAULT_EXPIRES_IN_S;
    const lifetimeMs = expiresIn * 1000;
    const expiresAt = started + lifetimeMs;
    return { value: `Bearer ${accessToken}`, expiresAt, refreshAt: expiresAt - Math.min(REFRESH_MARGIN_MS, lifetimeMs / 10) };
  }

  /** The configured token endpoint, or the one the source's SMART configuration names (read once, then kept). */
  async #resolveTokenUrl(): Promise<string> {
    if (this.#tokenUrl !== null) return this.#tokenUrl;
    const where = '.well-known/smart-configuration';
    const { status, json } = await this.#call(`${this.#baseUrl}/${where}`, 'GET', undefined, where);
    if (status !== 200) throw authFailedError(this.sourceId, `${where} answered HTTP ${status}`, { upstreamStatus: status });
    const endpoint = isObject(json) ? json.token_endpoint : undefined;
    if (typeof endpoint !== 'string' || !isHttpUrl(endpoint)) {
      throw authFailedError(this.sourceId, `${where} names no http(s) token_endpoint`, { upstreamStatus: status });
    }
    this.#tokenUrl = endpoint;
    return endpoint;
  }

  /** One HTTP exchange, body read in full; transport failures become UPSTREAM_AUTH_FAILED (never quoting a body). */
  async #call(url: string, method: 'GET' | 'POST', body: string | undefined, what: string): Promise<{ status: number; json: unknown }> {
    let response: Dispatcher.ResponseData;
    let text: string;
    try {
      response = await request(url, {
        dispatcher: this.#dispatcher,
        method,
        headers: body === undefined
          ? { accept: 'application/json' }
          : { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
        body: body ?? null,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      text = await response.body.text();
    } catch (err) {
      throw authFailedError(this.sourceId, `${what} is unreachable: ${transportPhrase(err)}`, { cause: err });
    }
    return { status: response.statusCode, json: parseJson(text) };
  }
}

/** `promise`, or the signal's reason as soon as it aborts (the shared promise itself goes on for the others). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

function oauthErrorOf(json: unknown): string | undefined {
  const code = isObject(json) ? json.error : undefined;
  return typeof code === 'string' && OAUTH_ERROR.test(code) ? code : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
