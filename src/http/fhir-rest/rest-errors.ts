import { GatewayError } from '../../errors/gateway-error.ts';
import { issueOf, operationOutcome, statusOfError } from '../../errors/operation-outcome.ts';
import type { FhirContext } from '../../fhir/fhir-context.ts';
import { fhirResponse } from './rest-response.ts';
import type { Answering } from './rest-call.ts';

export interface RestErrorLog {
  (message: string): void;
}

/**
 * THE REST edge of the error model: a GatewayError answers with its status (error-codes.ts), its headers (`allow`) and
 * an OperationOutcome: the upstream's own issues (when it sent an OperationOutcome), then ours naming the code and
 * source so that a FHIR client without GraphQL extensions sees them, then the sources that failed besides. Anything else is unexpected: logged once with the request id, answered 500
 * with the request id only (no exception text, no stack).
 */
export function restFailure(
  fetchAPI: Answering, error: unknown, ctx: FhirContext | undefined, requestId: string, log: RestErrorLog, base?: string,
): Response {
  if (!(error instanceof GatewayError)) {
    log(`unexpected error (request ${requestId}): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    const outcome = operationOutcome([issueOf('INTERNAL_SERVER_ERROR', `Unexpected error; the gateway's log has the details under request id ${requestId}`)]);
    return fhirResponse(fetchAPI, 500, outcome);
  }
  // Messages name REST URLs as `[base]/...` (the core knows no base): here the client's own base is known.
  const message = base === undefined ? error.message : error.message.replaceAll('[base]', base);
  const named = issueOf(error.code, `${message} [${error.code}${error.sourceId !== undefined ? `, source ${error.sourceId}` : ''}]`);
  const others = (ctx?.partialFailures ?? []).map((f) => issueOf(f.error.code, `${f.error.message} [${f.error.code}, source ${String(f.error.sourceId)}]`));
  const upstream = error.upstreamOutcome?.issue ?? [];
  return fhirResponse(fetchAPI, statusOfError(error), operationOutcome([...upstream, named, ...others]), { ...error.headers });
}
