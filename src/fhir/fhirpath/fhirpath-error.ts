import { GatewayError } from '../../errors/gateway-error.ts';

export type FhirpathErrorCode = 'BAD_USER_INPUT' | 'FHIRPATH_TIMEOUT';

/**
 * An expected failure of a FHIRPath job, with a message a client may read (no stack, no data):
 * - BAD_USER_INPUT: the expression does not parse, is too long, or failed on the data;
 * - FHIRPATH_TIMEOUT: the job ran longer than its time budget (the worker was stopped), waited too long for a worker,
 *   found its request's FHIRPath budget used up, or ran out of the worker's memory.
 */
export class FhirpathError extends GatewayError {
  declare readonly code: FhirpathErrorCode;

  constructor(code: FhirpathErrorCode, message: string, details?: Readonly<Record<string, string | number | boolean>>) {
    super(code, message, details ? { details } : {});
    this.name = 'FhirpathError';
  }
}

export function isFhirpathError(value: unknown): value is FhirpathError {
  return value instanceof FhirpathError;
}
