import { GraphQLError } from 'graphql';

/**
 * Stable error codes for everything that can go wrong talking to an upstream FHIR server.
 * They appear as `extensions.code` in GraphQL errors and select the HTTP status of REST answers.
 */
export type UpstreamErrorCode =
  | 'NOT_FOUND' // upstream 404/410, or a searched id that is absent
  | 'UPSTREAM_BAD_REQUEST' // upstream 400/422: it rejected what we sent (bad search value, invalid resource)
  | 'UPSTREAM_UNAUTHORIZED' // upstream 401/403
  | 'UPSTREAM_CONFLICT' // upstream 409/412 (version conflict)
  | 'UPSTREAM_ERROR' // upstream 5xx or any other unexpected status
  | 'UPSTREAM_BAD_RESPONSE' // body is not the JSON we need (invalid JSON, not a Bundle, empty)
  | 'UPSTREAM_TIMEOUT' // connect/headers/body timeout or the request deadline passed
  | 'UPSTREAM_UNAVAILABLE' // connection refused/reset, DNS, socket closed
  | 'SOURCE_UNAVAILABLE' // the source's circuit breaker is open: failed fast, nothing was sent
  | 'UPSTREAM_AUTH_FAILED'; // no access token for the source (token endpoint refused, unreachable or answered nonsense)

export interface UpstreamErrorInit {
  code: UpstreamErrorCode;
  sourceId: string;
  /** HTTP status the upstream answered with, when it answered. */
  upstreamStatus?: number;
  /** OperationOutcome from the upstream, or one we built to describe the failure. */
  outcome?: OperationOutcomeLike;
  /** OAuth `error` code of a token endpoint's refusal (UPSTREAM_AUTH_FAILED), e.g. 'invalid_client'. */
  oauthError?: string;
  /** When a request to the source is tried again (SOURCE_UNAVAILABLE): ms from now. */
  retryAfterMs?: number;
  cause?: unknown;
}

export interface OperationOutcomeLike {
  resourceType: 'OperationOutcome';
  issue: Array<{ severity: string; code: string; diagnostics?: string; details?: { text?: string } }>;
}

const httpStatusByCode: Record<UpstreamErrorCode, number> = {
  NOT_FOUND: 404,
  UPSTREAM_BAD_REQUEST: 400,
  UPSTREAM_UNAUTHORIZED: 502,
  UPSTREAM_CONFLICT: 409,
  UPSTREAM_ERROR: 502,
  UPSTREAM_BAD_RESPONSE: 502,
  UPSTREAM_TIMEOUT: 504,
  UPSTREAM_UNAVAILABLE: 503,
  SOURCE_UNAVAILABLE: 503,
  UPSTREAM_AUTH_FAILED: 502,
};

/**
 * An expected failure of an upstream call. It is a GraphQLError so that yoga's masking lets it through
 * with its extensions (code, source, upstream status, OperationOutcome); everything else stays masked.
 * Messages never contain resource bodies, tokens or query variables.
 */
export class UpstreamError extends GraphQLError {
  readonly code: UpstreamErrorCode;
  readonly sourceId: string;
  readonly upstreamStatus: number | undefined;
  readonly outcome: OperationOutcomeLike;

  constructor(message: string, init: UpstreamErrorInit) {
    const outcome = init.outcome ?? outcomeOf(init.code, message);
    // The cause is kept for server logs only; as GraphQL originalError it would make yoga mask this
    // expected error as an unexpected one.
    super(message, {
      extensions: {
        code: init.code,
        source: init.sourceId,
        ...(init.upstreamStatus !== undefined ? { upstreamStatus: init.upstreamStatus } : {}),
        ...(init.oauthError !== undefined ? { oauthError: init.oauthError } : {}),
        ...(init.retryAfterMs !== undefined ? { retryAfterMs: init.retryAfterMs } : {}),
        http: { status: httpStatusByCode[init.code] },
        resource: outcome,
      },
    });
    this.name = 'UpstreamError';
    this.code = init.code;
    this.sourceId = init.sourceId;
    this.upstreamStatus = init.upstreamStatus;
    this.outcome = outcome;
    if (init.cause !== undefined) Object.defineProperty(this, 'cause', { value: init.cause, enumerable: false });
  }

  /** HTTP status a REST client should see for this failure. */
  get httpStatus(): number {
    return httpStatusByCode[this.code];
  }
}

const issueCodeByCode: Record<UpstreamErrorCode, string> = {
  NOT_FOUND: 'not-found',
  UPSTREAM_BAD_REQUEST: 'invalid',
  UPSTREAM_UNAUTHORIZED: 'security',
  UPSTREAM_CONFLICT: 'conflict',
  UPSTREAM_ERROR: 'exception',
  UPSTREAM_BAD_RESPONSE: 'structure',
  UPSTREAM_TIMEOUT: 'timeout',
  UPSTREAM_UNAVAILABLE: 'transient',
  SOURCE_UNAVAILABLE: 'transient',
  UPSTREAM_AUTH_FAILED: 'security',
};

export function outcomeOf(code: UpstreamErrorCode, diagnostics: string): OperationOutcomeLike {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: issueCodeByCode[code], diagnostics }] };
}
