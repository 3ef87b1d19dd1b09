import { AuthFailure } from '../auth/auth-failure.ts';
import type { TokenVerifier } from '../auth/token-verifier.ts';
import { ANONYMOUS, type Viewer } from '../fhir/viewer.ts';
import { bearerToken } from '../http/use-auth.ts';

export interface ConnectionAuthOptions {
  /** null: the gateway runs open, every connection is anonymous. */
  readonly verifier: TokenVerifier | null;
  /** The configured audience, else the FHIR base URL the connection reached (as use-auth.ts). */
  readonly audience: string;
}

export type ConnectionAuth =
  | { readonly ok: true; readonly viewer: Viewer }
  | { readonly ok: false; readonly failure: AuthFailure };

/**
 * The Viewer of a graphql-ws connection, decided once at `connection_init`: from the bearer token of the init
 * payload's `authorization` field (`{ "authorization": "Bearer ..." }`, the key in any case), else of the upgrade
 * request's `Authorization` header; validated by the same verifier as every HTTP request.
 */
export async function authenticateConnection(
  initPayload: Readonly<Record<string, unknown>> | undefined,
  upgradeHeader: string | undefined,
  options: ConnectionAuthOptions,
): Promise<ConnectionAuth> {
  if (options.verifier === null) return { ok: true, viewer: ANONYMOUS };
  try {
    const given = authorizationOf(initPayload) ?? upgradeHeader ?? null;
    if (given !== null && typeof given !== 'string') throw new AuthFailure('invalid_token', 'the authorization of connection_init is not a string "Bearer <token>"');
    return { ok: true, viewer: await options.verifier.verify(bearerToken(given), options.audience) };
  } catch (error) {
    if (error instanceof AuthFailure) return { ok: false, failure: error };
    throw error;
  }
}

function authorizationOf(payload: Readonly<Record<string, unknown>> | undefined): unknown {
  if (payload === undefined) return undefined;
  for (const [key, value] of Object.entries(payload)) if (key.toLowerCase() === 'authorization') return value;
  return undefined;
}
