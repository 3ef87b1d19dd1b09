import type { GatewayContext } from '../context.ts';
import { userError } from './errors.ts';
import { pathOf, type ResultSite } from './partial-errors.ts';

/** The page size for a search: `_count` or the default, capped at limits.maxCount with a warning. */
export function pageSize(requested: number | null | undefined, ctx: GatewayContext, site: ResultSite): number {
  if (requested === undefined || requested === null) return ctx.limits.defaultCount;
  if (!Number.isInteger(requested) || requested < 0) throw userError('BAD_USER_INPUT', '_count must be a non-negative integer');
  if (requested > ctx.limits.maxCount) {
    ctx.warnings.push({
      code: 'COUNT_CAPPED',
      message: `_count ${requested} was capped to the maximum page size ${ctx.limits.maxCount}; page on for more`,
      path: pathOf(site),
    });
    return ctx.limits.maxCount;
  }
  return requested;
}

export function offsetOf(requested: number | null | undefined): number {
  if (requested === undefined || requested === null) return 0;
  if (!Number.isInteger(requested) || requested < 0) throw userError('BAD_USER_INPUT', '_offset must be a non-negative integer');
  return requested;
}

/** Opaque Connection cursors: base64url JSON. */
export function encodeCursor(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor(cursor: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw userError('BAD_USER_INPUT', '_cursor is not a cursor this gateway issued');
}
