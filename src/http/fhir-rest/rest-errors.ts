import { GraphQLError } from 'graphql';
import { UpstreamError } from '../../upstream/upstream-error.ts';

export interface RestFailure {
  readonly status: number;
  readonly outcome: object;
  /** True for an unexpected error: logged with the request id, answered with a generic message. */
  readonly unexpected: boolean;
}

/**
 * Upstream answers that are about the client's own request keep their status (a missing resource, a stale version, an
 * invalid body); failures of the upstream itself (5xx, timeouts, refused credentials) keep the gateway's mapping
 * (502/503/504), because the client cannot fix them.
 */
const CLIENT_STATUSES = new Set([400, 404, 405, 409, 410, 412, 422, 503]);

/**
 * The one mapping of errors to REST answers: the same errors the GraphQL pipeline shows (UpstreamError, userError),
 * each with its OperationOutcome; anything else is masked as a 500.
 */
export function restFailure(error: unknown, requestId: string): RestFailure {
  if (error instanceof UpstreamError) {
    const upstream = error.upstreamStatus;
    const status = upstream !== undefined && CLIENT_STATUSES.has(upstream) ? upstream : error.httpStatus;
    const named = { severity: 'error', code: 'exception', diagnostics: `${error.message} [${error.code}, source ${error.sourceId}]` };
    return { status, outcome: { ...error.outcome, issue: [...error.outcome.issue, named] }, unexpected: false };
  }
  if (error instanceof GraphQLError && typeof error.extensions['code'] === 'string' && error.extensions['resource']) {
    const http = error.extensions['http'] as { status?: number } | undefined;
    return { status: http?.status ?? 400, outcome: error.extensions['resource'] as object, unexpected: false };
  }
  return {
    status: 500,
    outcome: outcome('exception', `Unexpected error; the gateway's log has the details under request id ${requestId}`),
    unexpected: true,
  };
}

export function outcome(code: string, diagnostics: string, severity: 'error' | 'warning' | 'information' = 'error'): object {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics }] };
}

/** An error of the REST request itself (bad URL, bad parameter, bad body), answered with `status`. */
export class RestError extends Error {
  readonly status: number;
  readonly issueCode: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, issueCode: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'RestError';
    this.status = status;
    this.issueCode = issueCode;
    this.headers = headers;
  }
}
