import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { AuthFailure } from './auth-failure.ts';

export interface JwksCacheOptions {
  /** After this long the keys are refreshed in the background; the ones held keep verifying meanwhile (default 10 min). */
  readonly maxAgeMs?: number;
  /** An unknown `kid` fetches the set again at most this often (default 30 s): a flood of forged kids costs one fetch. */
  readonly cooldownMs?: number;
  /** Deadline of one fetch of the set (default 5 s). */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  /** Clock (ms), for tests. */
  readonly now?: () => number;
}

/**
 * The authorization server's signing keys (JWKS), as jose's key resolver. jose's own remote set refetches in the
 * request path once its cache is stale and fails the token when that fetch fails; a resource server must not: here
 * the keys held keep verifying while the JWKS endpoint is down (a stale set is refreshed in the background), a token
 * with a `kid` the set lacks (the issuer rotated its keys) fetches the set again — at most once per cooldown, and
 * concurrent requests share one fetch — and only a gateway that never got the keys answers "unavailable".
 */
export function jwksCache(url: () => Promise<string>, options: JwksCacheOptions = {}): JWTVerifyGetKey {
  const maxAgeMs = options.maxAgeMs ?? 600_000;
  const cooldownMs = options.cooldownMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  let keys: ReturnType<typeof createLocalJWKSet> | undefined;
  let fetchedAt = -Infinity;
  let attemptedAt = -Infinity;
  let pending: Promise<void> | undefined;

  const load = (): Promise<void> => {
    pending ??= (async () => {
      attemptedAt = now();
      try {
        const set = await fetchKeySet(await url(), doFetch, timeoutMs);
        keys = createLocalJWKSet(set);
        fetchedAt = now();
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };

  return async (header, token) => {
    if (keys === undefined) {
      try {
        await load();
      } catch (error) {
        throw new AuthFailure('unavailable', `the authorization server's keys (JWKS) could not be read: ${(error as Error).message}`, { cause: error });
      }
    } else if (now() - fetchedAt > maxAgeMs && pending === undefined) {
      load().catch(() => undefined); // keep the keys held; the next stale check tries again
    }
    try {
      return await keys!(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || now() - attemptedAt < cooldownMs) throw error;
      await load().catch(() => undefined); // unreachable: the set held stands, and the kid stays unknown
      return keys!(header, token);
    }
  };
}

async function fetchKeySet(url: string, doFetch: typeof fetch, timeoutMs: number): Promise<JSONWebKeySet> {
  const response = await doFetch(url, { headers: { accept: 'application/jwk-set+json, application/json' }, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  const body = (await response.json().catch(() => undefined)) as { keys?: unknown } | undefined;
  if (body === undefined || typeof body !== 'object' || !Array.isArray(body.keys)) throw new Error(`${url} did not answer a JSON Web Key Set`);
  return body as JSONWebKeySet;
}
