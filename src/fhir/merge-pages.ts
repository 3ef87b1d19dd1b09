/**
 * k-way merge of per-source result lists that each source already sorted. Only list heads (forward) or tails
 * (backward) are ever compared, so each source contributes one contiguous run to a merged page: whatever a
 * source's own collation, paging by per-source positions never skips or repeats a resource.
 */
export interface Candidate<T> {
  readonly item: T;
  /** Index of the source in the merge (the tie-breaker after the sort key). */
  readonly source: number;
  /** Absolute position of the item in its source's result set. */
  readonly position: number;
}

export type CandidateOrder<T> = (a: Candidate<T>, b: Candidate<T>) => number;

export interface Merged<T> {
  /** The merged items, in ascending order. */
  readonly items: Candidate<T>[];
  /** How many items each list contributed. */
  readonly taken: number[];
}

/** The first `n` items of the merge of `lists` (each ascending). */
export function mergeHeads<T>(lists: readonly (readonly Candidate<T>[])[], n: number, order: CandidateOrder<T>): Merged<T> {
  const next = lists.map(() => 0);
  const items: Candidate<T>[] = [];
  while (items.length < n) {
    let best = -1;
    for (let i = 0; i < lists.length; i++) {
      const c = lists[i]![next[i]!];
      if (c !== undefined && (best < 0 || order(c, lists[best]![next[best]!]!) < 0)) best = i;
    }
    if (best < 0) break;
    items.push(lists[best]![next[best]!]!);
    next[best]!++;
  }
  return { items, taken: next };
}

/** The last `n` items of the merge of `lists` (each ascending), returned in ascending order. */
export function mergeTails<T>(lists: readonly (readonly Candidate<T>[])[], n: number, order: CandidateOrder<T>): Merged<T> {
  const end = lists.map((l) => l.length);
  const items: Candidate<T>[] = [];
  while (items.length < n) {
    let best = -1;
    for (let i = 0; i < lists.length; i++) {
      const c = lists[i]![end[i]! - 1];
      if (c !== undefined && (best < 0 || order(c, lists[best]![end[best]! - 1]!) > 0)) best = i;
    }
    if (best < 0) break;
    end[best]!--;
    items.push(lists[best]![end[best]!]!);
  }
  return { items: items.reverse(), taken: lists.map((l, i) => l.length - end[i]!) };
}
