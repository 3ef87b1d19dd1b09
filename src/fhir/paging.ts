import { GatewayError } from '../errors/gateway-error.ts';
import { warn, type FhirContext, type ResultPath } from './fhir-context.ts';

/** The page size for a search: `_count` or the default, capped at limits.maxCount with a warning. */
export function pageSize(requested: number | null | undefined, ctx: FhirContext, at: ResultPath | undefined): number {
  if (requested === undefined || requested === null) return ctx.limits.defaultCount;
  if (!Number.isInteger(requested) || requested < 0) throw new GatewayError('BAD_USER_INPUT', '_count must be a non-negative integer');
  if (requested > ctx.limits.maxCount) {
    warn(ctx, at, 'COUNT_CAPPED', `_count ${requested} was capped to the maximum page size ${ctx.limits.maxCount}; page on for more`);
    return ctx.limits.maxCount;
  }
  return requested;
}

export function offsetOf(requested: number | null | undefined): number {
  if (requested === undefined || requested === null) return 0;
  if (!Number.isInteger(requested) || requested < 0) throw new GatewayError('BAD_USER_INPUT', '_offset must be a non-negative integer');
  return requested;
}
