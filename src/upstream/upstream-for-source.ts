import type { SourceConfig } from '../config/config.types.ts';
import { SmartBackendAuth } from './smart-backend-auth.ts';
import { UpstreamClient, type UpstreamLog } from './upstream-client.ts';

/**
 * The upstream client of one configured source: its pool, timeouts, concurrency cap, retries, circuit breaker and
 * authentication (static bearer token as a header; SMART Backend Services as a token provider).
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
    ...(auth ? { auth } : {}),
  });
}
