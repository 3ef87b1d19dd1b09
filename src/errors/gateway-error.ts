import type { ErrorCode } from './error-codes.ts';

/** An issue of an OperationOutcome (http://hl7.org/fhir/R4/operationoutcome.html), as far as the gateway reads or writes it. */
export interface OutcomeIssue {
  readonly severity: string;
  readonly code: string;
  readonly diagnostics?: string;
  readonly details?: { readonly text?: string };
}

export interface OperationOutcomeLike {
  readonly resourceType: 'OperationOutcome';
  readonly issue: readonly OutcomeIssue[];
}

/** A fact of an error for clients: a value, or a list of names (e.g. the `sources` that failed alike). */
export type ErrorDetail = string | number | boolean | readonly string[];

export interface GatewayErrorInit {
  /** The source the failure is about, when it is about one. */
  readonly sourceId?: string;
  /** HTTP status an upstream answered with, when it answered. */
  readonly upstreamStatus?: number;
  /** The upstream's own OperationOutcome, passed on (its issues come first in every outcome of this error). */
  readonly outcome?: OperationOutcomeLike;
  /** Further facts for clients, shown as GraphQL `extensions` (e.g. `limit`, `actual`, `retryAfterMs`, `sources`). */
  readonly details?: Readonly<Record<string, ErrorDetail>>;
  /** HTTP status instead of the code's own (e.g. 410 for a NOT_FOUND that a source said was deleted). */
  readonly status?: number;
  /** HTTP headers a REST answer carries (e.g. `allow` with a 405). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The underlying error, for the server log only: never shown to clients. */
  readonly cause?: unknown;
}

/**
 * THE error type of every expected failure, in every room: a stable `code` (src/errors/error-codes.ts decides its HTTP
 * status and OperationOutcome issue code) and a message a client may read. Messages never contain resource bodies,
 * tokens, query variables or search values at length. Each edge has one mapper: GraphQL (src/graphql/graphql-errors.ts)
 * and the FHIR REST API (src/http/fhir-rest/rest-errors.ts). Anything that is not a GatewayError is unexpected: logged
 * with the request id and masked.
 */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly sourceId: string | undefined;
  readonly upstreamStatus: number | undefined;
  readonly upstreamOutcome: OperationOutcomeLike | undefined;
  readonly details: Readonly<Record<string, ErrorDetail>>;
  readonly statusOverride: number | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, message: string, init: GatewayErrorInit = {}) {
    super(message);
    this.name = 'GatewayError';
    this.code = code;
    this.sourceId = init.sourceId;
    this.upstreamStatus = init.upstreamStatus;
    this.upstreamOutcome = init.outcome;
    this.details = init.details ?? {};
    this.statusOverride = init.status;
    this.headers = init.headers ?? {};
    // Kept for the server log only; not enumerable, so it never reaches a serialised answer.
    if (init.cause !== undefined) Object.defineProperty(this, 'cause', { value: init.cause, enumerable: false });
  }
}

export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError;
}
