/**
 * The authorization server's published metadata (OpenID Connect discovery, else SMART's
 * `.well-known/smart-configuration`): where its keys are (`jwks_uri`) and, for the gateway's own SMART discovery
 * document, its authorization and token endpoints. Read once; a failed read is tried again on the next need, at most
 * once per `retryMs`.
 */
export interface IssuerMetadata {
  readonly jwks_uri?: string;
  readonly authorization_endpoint?: string;
  readonly token_endpoint?: string;
  readonly introspection_endpoint?: string;
  readonly revocation_endpoint?: string;
  readonly registration_endpoint?: string;
  readonly management_endpoint?: string;
  readonly [key: string]: unknown;
}

export interface IssuerMetadataSource {
  (): Promise<IssuerMetadata>;
}

const DOCUMENTS = ['/.well-known/openid-configuration', '/.well-known/smart-configuration'];

export function issuerMetadata(issuer: string, options: { fetch?: typeof fetch; timeoutMs?: number; retryMs?: number; now?: () => number } = {}): IssuerMetadataSource {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const retryMs = options.retryMs ?? 10_000;
  const now = options.now ?? Date.now;
  const base = issuer.replace(/\/+$/, '');
  let cached: Promise<IssuerMetadata> | undefined;
  let failedAt = -Infinity;
  let lastError: Error | undefined;

  const read = async (): Promise<IssuerMetadata> => {
    const problems: string[] = [];
    for (const path of DOCUMENTS) {
      try {
        const response = await doFetch(base + path, { headers: { accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
        if (response.status !== 200) {
          problems.push(`${path} answered ${response.status}`);
          continue;
        }
        const body = (await response.json().catch(() => undefined)) as unknown;
        if (body === null || typeof body !== 'object' || Array.isArray(body)) {
          problems.push(`${path} is not a JSON object`);
          continue;
        }
        return body as IssuerMetadata;
      } catch (error) {
        problems.push(`${path}: ${(error as Error).message}`);
      }
    }
    throw new Error(`no metadata at ${base} (${problems.join('; ')})`);
  };

  return () => {
    if (cached === undefined) {
      if (now() - failedAt < retryMs) return Promise.reject(lastError!);
      cached = read();
      cached.catch((error: Error) => {
        cached = undefined;
        failedAt = now();
        lastError = error;
      });
    }
    return cached;
  };
}
