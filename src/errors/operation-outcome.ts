import { issueTypeOf, statusOf } from './error-codes.ts';
import type { GatewayError, OperationOutcomeLike, OutcomeIssue } from './gateway-error.ts';

/**
 * THE place that builds OperationOutcomes: for errors (REST answers, GraphQL `extensions.resource`), for partial
 * failures and notes of a search (REST: an entry with search mode `outcome`). Everything else passes outcomes on.
 */
export function operationOutcome(issues: readonly OutcomeIssue[]): OperationOutcomeLike {
  return { resourceType: 'OperationOutcome', issue: issues };
}

/** One issue for a failure with a stable code (ours, or graphql-js/yoga's for request errors). */
export function issueOf(code: string, diagnostics: string, severity: 'error' | 'warning' | 'information' = 'error'): OutcomeIssue {
  return { severity, code: issueTypeOf(code), diagnostics };
}

/** An error's outcome: the upstream's own OperationOutcome when it sent one (passed on as it is), else ours. */
export function outcomeOfError(error: GatewayError): OperationOutcomeLike {
  return error.upstreamOutcome ?? operationOutcome([issueOf(error.code, error.message)]);
}

/** The HTTP status of an error (error-codes.ts). */
export function statusOfError(error: GatewayError): number {
  return statusOf(error.code, error.statusOverride, error.upstreamStatus);
}
