/**
 * THE table of error codes: for each, the HTTP status a REST answer (or a failed GraphQL request) gets and the
 * OperationOutcome issue type (http://hl7.org/fhir/R4/valueset-issue-type.html). Every room uses these codes; the two
 * edges (GraphQL, FHIR REST) map them with this table only, so the same failure has the same status everywhere.
 */
const TABLE = {
  // --- the client's request ------------------------------------------------------------------------
  BAD_USER_INPUT: { status: 400, issue: 'invalid' },
  BAD_REQUEST: { status: 400, issue: 'invalid' },
  /** The same logical id in several sources: never a silent pick. 409, as the REST API has answered it from the start. */
  AMBIGUOUS_ID: { status: 409, issue: 'multiple-matches' },
  SOURCE_REQUIRED: { status: 400, issue: 'not-supported' },
  UNKNOWN_SOURCE: { status: 400, issue: 'not-found' },
  UNSUPPORTED_RESOURCE_TYPE: { status: 400, issue: 'not-supported' },
  UNSUPPORTED_SEARCH_PARAMETER: { status: 400, issue: 'not-supported' },
  UNRESOLVABLE_REFERENCE: { status: 404, issue: 'not-found' },
  NOT_SINGLETON: { status: 400, issue: 'multiple-matches' },
  SEARCH_TOO_LONG: { status: 400, issue: 'too-costly' },
  QUERY_TOO_DEEP: { status: 400, issue: 'too-costly' },
  TOO_MANY_ALIASES: { status: 400, issue: 'too-costly' },
  QUERY_TOO_COSTLY: { status: 400, issue: 'too-costly' },
  INTROSPECTION_DISABLED: { status: 400, issue: 'forbidden' },
  DOCUMENT_TOO_LARGE: { status: 413, issue: 'too-costly' },
  TOO_MANY_TOKENS: { status: 400, issue: 'too-costly' },
  DOCUMENT_TOO_DEEP: { status: 400, issue: 'too-costly' },
  JSON_TOO_DEEP: { status: 400, issue: 'structure' },
  INVALID_JSON: { status: 400, issue: 'structure' },
  NOT_A_RESOURCE: { status: 400, issue: 'structure' },
  BODY_TOO_LARGE: { status: 413, issue: 'too-costly' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, issue: 'not-supported' },
  NOT_ACCEPTABLE: { status: 406, issue: 'not-supported' },
  METHOD_NOT_ALLOWED: { status: 405, issue: 'not-supported' },
  NOT_IMPLEMENTED: { status: 501, issue: 'not-supported' },
  FHIRPATH_TIMEOUT: { status: 422, issue: 'too-costly' },
  GRAPHQL_PARSE_FAILED: { status: 400, issue: 'invalid' },
  GRAPHQL_VALIDATION_FAILED: { status: 400, issue: 'invalid' },
  // --- who is asking (SMART on FHIR) --------------------------------------------------------------------
  UNAUTHENTICATED: { status: 401, issue: 'login' },
  /** The access token's scopes do not grant this interaction on this resource type. */
  FORBIDDEN: { status: 403, issue: 'forbidden' },
  // --- resources ---------------------------------------------------------------------------------------
  NOT_FOUND: { status: 404, issue: 'not-found' },
  // --- upstream sources (src/upstream/error-mapping.ts decides which) -----------------------------------
  UPSTREAM_BAD_REQUEST: { status: 400, issue: 'invalid' },
  UPSTREAM_UNAUTHORIZED: { status: 502, issue: 'security' },
  UPSTREAM_CONFLICT: { status: 409, issue: 'conflict' },
  UPSTREAM_ERROR: { status: 502, issue: 'exception' },
  UPSTREAM_BAD_RESPONSE: { status: 502, issue: 'structure' },
  UPSTREAM_TIMEOUT: { status: 504, issue: 'timeout' },
  UPSTREAM_UNAVAILABLE: { status: 503, issue: 'transient' },
  SOURCE_UNAVAILABLE: { status: 503, issue: 'transient' },
  UPSTREAM_AUTH_FAILED: { status: 502, issue: 'security' },
  /** The gateway cannot check bearer tokens (the issuer's keys or introspection endpoint unreachable). */
  AUTH_UNAVAILABLE: { status: 503, issue: 'transient' },
  /** Strict audit durability: the request's audit events could not be committed, so the answer is withheld. */
  AUDIT_UNAVAILABLE: { status: 503, issue: 'transient' },
  // --- live updates (subscriptions) ------------------------------------------------------------------------
  /** `_since` names an event older than the event log keeps (its retention window): resuming would skip events. */
  EVENTS_EXPIRED: { status: 410, issue: 'not-found' },
  /** A subscriber fell too far behind the live events and was dropped; it resumes with `_since`. */
  EVENTS_OVERFLOW: { status: 503, issue: 'throttled' },
  /** The event log cannot be read or written (the database is down). */
  EVENTS_UNAVAILABLE: { status: 503, issue: 'transient' },
  // --- the gateway itself --------------------------------------------------------------------------------
  INTERNAL_SERVER_ERROR: { status: 500, issue: 'exception' },
} as const satisfies Record<string, { status: number; issue: string }>;

export type ErrorCode = keyof typeof TABLE;

/** Every code of the table. */
export const ERROR_CODES: readonly ErrorCode[] = Object.freeze(Object.keys(TABLE) as ErrorCode[]);

/**
 * Statuses of an upstream's answer that are about the client's own request (a missing or deleted resource, a stale
 * version, an invalid body, a method the server does not allow, an unavailable server): a REST answer keeps them.
 * Failures of the upstream itself (other 5xx, timeouts, refused credentials) get the code's own status (502/503/504),
 * because the client cannot fix them.
 */
const PASSED_UPSTREAM_STATUSES: ReadonlySet<number> = new Set([400, 404, 405, 409, 410, 412, 422, 503]);

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(TABLE, code);
}

/** The HTTP status of a code, or of a failure with this code, an explicit status, and the upstream's status. */
export function statusOf(code: ErrorCode, explicit?: number, upstreamStatus?: number): number {
  if (explicit !== undefined) return explicit;
  if (upstreamStatus !== undefined && code.startsWith('UPSTREAM_') && PASSED_UPSTREAM_STATUSES.has(upstreamStatus)) return upstreamStatus;
  if (code === 'NOT_FOUND' && upstreamStatus === 410) return 410;
  return TABLE[code].status;
}

/** The OperationOutcome issue type of a code (`exception` for a code this table does not know). */
export function issueTypeOf(code: string): string {
  return isErrorCode(code) ? TABLE[code].issue : 'exception';
}
