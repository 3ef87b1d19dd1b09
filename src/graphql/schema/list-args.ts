import { userError } from '../resolvers/errors.ts';

/** `_count` / `_offset` on repeating elements (HL7 FHIR GraphQL "list arguments"). */
export interface ListArgs {
  readonly _count?: number | null;
  readonly _offset?: number | null;
}

export function sliceList<T>(list: readonly T[] | undefined | null, args: ListArgs): readonly T[] | undefined | null {
  if (!Array.isArray(list)) return list;
  const offset = args._offset ?? 0;
  const count = args._count ?? undefined;
  if (offset < 0 || (count !== undefined && count < 0)) {
    throw userError('BAD_USER_INPUT', '_count and _offset must not be negative');
  }
  if (offset === 0 && count === undefined) return list;
  return list.slice(offset, count === undefined ? undefined : offset + count);
}
