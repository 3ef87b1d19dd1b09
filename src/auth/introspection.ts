import type { JWTPayload } from 'jose';
import type { IntrospectionConfig } from '../config/config.types.ts';
import { AuthFailure } from './auth-failure.ts';

/**
 * RFC 7662 token introspection: POST the token to the authorization server, authenticated as the gateway's client
 * (HTTP Basic). An inactive token is invalid; an endpoint that cannot be reached or answers garbage makes the gateway
 * unable to check tokens (`unavailable`), which is not the client's fault.
 */
export async function introspect(config: IntrospectionConfig, token: string, options: { fetch?: typeof fetch; timeoutMs?: number } = {}): Promise<JWTPayload & { active: true }> {
  const doFetch = options.fetch ?? fetch;
  const basic = Buffer.from(`${encodeURIComponent(config.clientId)}:${encodeURIComponent(config.clientSecret)}`).toString('base64');
  let response: Response;
  try {
    response = await doFetch(config.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: `Basic ${basic}` },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
    });
  } catch (error) {
    throw new AuthFailure('unavailable', `the token introspection endpoint could not be reached: ${(error as Error).message}`, { cause: error });
  }
  const body = (await response.json().catch(() => undefined)) as { active?: unknown } | undefined;
  if (response.status !== 200 || body === undefined || body === null || typeof body !== 'object') {
    throw new AuthFailure('unavailable', `the token introspection endpoint answered ${response.status} without an introspection result`);
  }
  if (body.active !== true) throw new AuthFailure('invalid_token', 'the token is not active (introspection)');
  return body as JWTPayload & { active: true };
}
