import { GatewayError, type OperationOutcomeLike } from '../errors/gateway-error.ts';
import { issueOf, operationOutcome, statusOfError } from '../errors/operation-outcome.ts';

export type { OperationOutcomeLike } from '../errors/gateway-error.ts';

/**
 * Stable error codes for everything that can go wrong talking to an upstream FHIR server.
 * A subset of the gateway's codes (src/errors/error-codes.ts).
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
  /** The upstream's own OperationOutcome, when it sent one. */
  outcome?: OperationOutcomeLike;
  /** OAuth `error` code of a token endpoint's refusal (UPSTREAM_AUTH_FAILED), e.g. 'invalid_client'. */
  oauthError?: string;
  /** When a request to the source is tried again (SOURCE_UNAVAILABLE): ms from now. */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * An expected failure of an upstream call: a GatewayError (its code decides the HTTP status and issue type, see
 * src/errors/error-codes.ts) that always names its source. Messages never contain resource bodies, tokens or query
 * variables (error-mapping.ts builds them).
 */
export class UpstreamError extends GatewayError {
  declare readonly code: UpstreamErrorCode;
  declare readonly sourceId: string;

  constructor(message: string, init: UpstreamErrorInit) {
    const details: Record<string, string | number> = {};
    if (init.oauthError !== undefined) details['oauthError'] = init.oauthError;
    if (init.retryAfterMs !== undefined) details['retryAfterMs'] = init.retryAfterMs;
    super(init.code, message, {
      sourceId: init.sourceId,
      ...(init.upstreamStatus !== undefined ? { upstreamStatus: init.upstreamStatus } : {}),
      ...(init.outcome !== undefined ? { outcome: init.outcome } : {}),
      details,
      cause: init.cause,
    });
    this.name = 'UpstreamError';
  }

  /** The upstream's OperationOutcome, or one describing the failure. */
  get outcome(): OperationOutcomeLike {
    return this.upstreamOutcome ?? operationOutcome([issueOf(this.code, this.message)]);
  }

  /** HTTP status a REST client sees for this failure. */
  get httpStatus(): number {
    return statusOfError(this);
  }
}
