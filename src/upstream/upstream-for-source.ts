import type { SourceConfig } from '../config/config.types.ts';
import { SmartBackendAuth } from './smart-backend-auth.ts';
import { UpstreamClient, type UpstreamLog } from './upstream-client.ts';

/**
 * The upstream client of one configured source: its pool, timeouts, concurrency cap, retries, circuit breaker and
 * authentication (static bearer token as a header; SMART Backend Services as a token provider). Every attempt is
 * logged at debug level (method, path without query, status, time), failed attempts and retries at warn.
 */
export function upstreamForSource(source: SourceConfig, log: UpstreamLog): UpstreamClient {
  const headers: Record<string, string> = { ...source.headers };
  if (source.auth.type === 'bearer') headers['authorization'] = `Bearer ${source.auth.token}`;
  const auth = source.auth.type === 'smart-backend'
    ? new SmartBackendAuth({
      sourceId: source.id,
      baseUrl: source.baseUrl,
      credentials: source.auth,
      timeoutMs: source.timeoutMs,
      connectTimeoutMs: source.connectTimeoutMs,
    })
    : undefined;
  return new UpstreamClient({
    sourceId: source.id,
    baseUrl: source.baseUrl,
    timeoutMs: source.timeoutMs,
    connectTimeoutMs: source.connectTimeoutMs,
    maxConnections: source.maxConnections,
    maxConcurrency: source.maxConcurrency,
    retries: source.retries,
    headers,
    circuitBreaker: source.circuitBreaker,
    log,
    onResponse: (a) => {
      const outcome = a.status === 0 ? `failed (${a.error ?? 'no response'})` : String(a.status);
      const failed = a.status === 0 || a.status === 429 || a.status >= 500;
      const message = `source '${a.sourceId}': ${a.method} ${a.path} ${a.attempt > 1 ? `retry ${a.attempt - 1} ` : ''}-> ${outcome} in ${Math.round(a.ms)} ms`;
      log(failed ? 'warn' : 'debug', message);
    },
    ...(auth ? { auth } : {}),
  });
}
