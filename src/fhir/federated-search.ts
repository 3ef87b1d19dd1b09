import { GatewayError } from '../errors/gateway-error.ts';
import type { SearchPage } from '../sources/fhir-client.ts';
import type { FhirResource } from '../sources/fhir-types.ts';
import { linkedIncludes } from '../sources/linked-resources.ts';
import type { SearchQuery } from '../sources/search-query.ts';
import type { Source } from '../sources/source-registry.ts';
import { searchScope } from './cursors.ts';
import { reportPartialFailure, warn, type FhirContext, type ResultPath } from './fhir-context.ts';
import { mergeHeads, mergeTails, type Candidate, type CandidateOrder } from './merge-pages.ts';
import type { ConnectionResult } from './search.ts';
import { compareSortKeys, sortKeyOf, type SortField, type SortKey } from './sort-order.ts';

/**
 * A search over several sources, merged into one page. Each source is asked, in parallel, for a page of the
 * merged page's size from its own position; the pages are k-way merged by `_sort` (or interleaved by position
 * without one) and the cursor records every source's position, so paging forward and back never skips or
 * repeats a resource. A failing source leaves its position unchanged and is reported as a partial error.
 */
export interface FederatedSearch {
  readonly resourceType: string;
  /** Search parameters, `_sort` included; without `_count`/`_offset`. */
  readonly filters: SearchQuery;
  /** `_sort` of the filters, parsed (parseSort). */
  readonly sort: readonly SortField[];
  readonly sources: readonly Source[];
  readonly count: number;
  readonly offset: number;
  readonly cursor: string | null | undefined;
  /** A restricted viewer's narrowing of each source's search (restriction.ts atSource), and its identity for cursors. */
  readonly narrowed?: (sourceId: string) => SearchQuery;
  readonly restrictionKey?: string;
}

/** A cursor position: each source's offset; `back` = the page ends there (previous/last) instead of starting. */
interface Position {
  readonly offsets: Readonly<Record<string, number>>;
  readonly back: boolean;
  /** Sources known to have nothing at or after their offset (forward paging skips them). */
  readonly exhausted: readonly string[];
}

/** A resource with its sort key, computed once. */
interface Ranked {
  readonly resource: FhirResource;
  readonly key: SortKey;
}

interface Fetched {
  readonly source: Source;
  /** Undefined when the source failed. */
  readonly page: SearchPage | undefined;
  readonly error?: unknown;
  /** Offset the page starts at. */
  readonly offset: number;
}

export async function federatedPage(ctx: FhirContext, at: ResultPath | undefined, search: FederatedSearch): Promise<ConnectionResult> {
  const { resourceType, sources, count } = search;
  const unmerged = search.sort.filter((f) => f.paths === undefined);
  if (unmerged.length > 0) {
    warn(
      ctx, at, 'SORT_NOT_MERGED',
      `Each source sorts by ${unmerged.map((f) => `'${f.code}'`).join(', ')}, but the gateway cannot evaluate it to merge sources; ` +
        'the merged page orders by the other sort fields, then interleaves',
    );
  }
  const fields = search.sort.filter((f) => f.paths !== undefined);
  const order = candidateOrder(fields);
  const scoped = search.restrictionKey === undefined ? search.filters : [...search.filters, ['\u0000restriction', search.restrictionKey] as const];
  const scope = searchScope('merge', resourceType, scoped, ...sources.map((s) => s.id));
  const position = search.cursor ? decodePosition(ctx, search.cursor, scope, sources) : undefined;
  if (position?.back) return backward(ctx, at, search, position, fields, order, scope);

  if (position === undefined && search.offset + count > ctx.limits.maxCount && search.offset > 0) {
    throw new GatewayError(
      'BAD_USER_INPUT',
      `_offset + _count over several sources may not exceed ${ctx.limits.maxCount}; page on with the Connection cursor instead`,
    );
  }
  const start = position?.offsets ?? Object.fromEntries(sources.map((s) => [s.id, 0]));
  const skip = position === undefined ? search.offset : 0;
  const exhausted = new Set(position?.exhausted ?? []);
  const fetched = await Promise.all(
    sources.map((s) =>
      exhausted.has(s.id) ? ended(s, start[s.id]!) : fetchRun(ctx, search, s, start[s.id]!, skip + count),
    ),
  );
  settleFailures(ctx, at, fetched);
  const lists = candidates(fetched, fields);
  const merged = mergeHeads(lists, skip + count, order);
  const before = mergeHeads(lists, skip, order).taken;
  const pageStart: Record<string, number> = {};
  const pageEnd: Record<string, number> = {};
  const nowExhausted: string[] = [];
  fetched.forEach((f, i) => {
    pageStart[f.source.id] = f.offset + before[i]!;
    pageEnd[f.source.id] = f.offset + merged.taken[i]!;
    const page = f.page;
    const drained = page !== undefined && merged.taken[i] === page.resources.length;
    if (drained && (exhausted.has(f.source.id) || (page.links.next === undefined && page.resources.length < skip + count))) {
      nowExhausted.push(f.source.id);
    }
  });
  return result(ctx, search, fetched, merged.items.slice(skip), pageStart, pageEnd, nowExhausted, scope);
}

async function backward(
  ctx: FhirContext,
  at: ResultPath | undefined,
  search: FederatedSearch,
  position: Position,
  fields: readonly SortField[],
  order: CandidateOrder<Ranked>,
  scope: string,
): Promise<ConnectionResult> {
  const { sources, count } = search;
  const end = position.offsets;
  const fetched = await Promise.all(
    sources.map((s) => {
      const e = end[s.id]!;
      const from = Math.max(0, e - count);
      // A source at its start has nothing before the position, but its total still counts: `_count=0` asks only that.
      return fetchRun(ctx, search, s, from, e - from);
    }),
  );
  settleFailures(ctx, at, fetched);
  const lists = candidates(fetched, fields).map((list, i) => list.slice(0, Math.max(0, end[fetched[i]!.source.id]! - fetched[i]!.offset)));
  const merged = mergeTails(lists, count, order);
  const pageStart: Record<string, number> = {};
  const pageEnd: Record<string, number> = {};
  fetched.forEach((f, i) => {
    // A failed source contributes nothing: its part of the page is empty at its end position.
    pageEnd[f.source.id] = f.page ? f.offset + lists[i]!.length : end[f.source.id]!;
    pageStart[f.source.id] = pageEnd[f.source.id]! - merged.taken[i]!;
  });
  return result(ctx, search, fetched, merged.items, pageStart, pageEnd, [], scope);
}

function result(
  ctx: FhirContext,
  search: FederatedSearch,
  fetched: readonly Fetched[],
  items: readonly Candidate<Ranked>[],
  pageStart: Record<string, number>,
  pageEnd: Record<string, number>,
  exhausted: readonly string[],
  scope: string,
): ConnectionResult {
  for (const f of fetched) if (f.page) ctx.loaders.prime(f.source.id, f.page.resources);
  const totals = fetched.map((f) => f.page?.total);
  const total = totals.every((t): t is number => typeof t === 'number') ? totals.reduce((a, b) => a + b, 0) : undefined;
  const sum = (offsets: Record<string, number>) => Object.values(offsets).reduce((a, b) => a + b, 0);
  const cursor = (offsets: Record<string, number>, back: boolean, done: readonly string[] = []) =>
    ctx.cursors.encode(scope, { p: offsets, ...(back ? { b: 1 } : {}), ...(done.length > 0 ? { x: done } : {}) });
  const more = search.count > 0 && exhausted.length < search.sources.length && (total === undefined || sum(pageEnd) < total);
  return {
    resourceType: search.resourceType,
    count: total,
    offset: sum(pageStart),
    pageSize: search.count,
    first: cursor(Object.fromEntries(search.sources.map((s) => [s.id, 0])), false),
    previous: sum(pageStart) > 0 ? cursor(pageStart, true) : undefined,
    next: more ? cursor(pageEnd, false, exhausted) : undefined,
    last: total === undefined ? undefined : cursor(Object.fromEntries(fetched.map((f) => [f.source.id, f.page!.total!])), true),
    resources: items.map((c) => c.item.resource),
    included: fetched.flatMap((f, i) => {
      if (!f.page || f.page.included.length === 0) return [];
      const mine = items.filter((c) => c.source === i).map((c) => c.item.resource);
      return mine.length === 0 ? [] : linkedIncludes(mine, f.page.included);
    }),
  };
}

async function fetchRun(ctx: FhirContext, search: FederatedSearch, source: Source, offset: number, count: number): Promise<Fetched> {
  const query: Array<readonly [string, string]> = [...search.filters, ...(search.narrowed?.(source.id) ?? []), ['_count', String(count)]];
  if (offset > 0) query.push(['_offset', String(offset)]);
  try {
    return { source, offset, page: await ctx.loaders.search.load({ sourceId: source.id, resourceType: search.resourceType, query }) };
  } catch (error) {
    return { source, offset, page: undefined, error };
  }
}

/** A source known to have nothing from `offset` on: nothing is asked, and its total is that offset. */
function ended(source: Source, offset: number): Fetched {
  return { source, offset, page: { resources: [], included: [], total: offset, links: {} } };
}

/**
 * Failed sources become partial errors at the field's path; when every source that was asked failed, the field
 * fails: with one error naming them all when they failed alike (the same bad value rejected by each, say), else with
 * the first error while the others stay partial errors — so each source is named once, and each failure said once.
 */
function settleFailures(ctx: FhirContext, at: ResultPath | undefined, fetched: readonly Fetched[]): void {
  const failed = fetched.filter((f) => f.page === undefined);
  if (failed.length === 0) return;
  if (failed.length === fetched.length) {
    const alike = failedAlike(failed);
    if (alike !== undefined) throw alike;
    for (const f of failed.slice(1)) reportPartialFailure(ctx, at, f.error, f.source.id);
    throw failed[0]!.error;
  }
  for (const f of failed) reportPartialFailure(ctx, at, f.error, f.source.id);
}

/**
 * One error for several sources that failed alike — the same code, upstream status and OperationOutcome, and the same
 * message but for the source's name — naming them all (`extensions.sources` in GraphQL); undefined otherwise.
 */
function failedAlike(failed: readonly Fetched[]): GatewayError | undefined {
  if (failed.length < 2 || !failed.every((f) => f.error instanceof GatewayError)) return undefined;
  const errors = failed.map((f) => f.error as GatewayError);
  const ids = failed.map((f, i) => errors[i]!.sourceId ?? f.source.id);
  const shapeOf = (e: GatewayError, i: number) =>
    JSON.stringify([e.code, e.upstreamStatus, e.statusOverride, e.upstreamOutcome, e.message.replaceAll(`'${ids[i]}'`, '\u0000')]);
  const shape = shapeOf(errors[0]!, 0);
  if (!errors.every((e, i) => shapeOf(e, i) === shape)) return undefined;
  const first = errors[0]!;
  const names = ids.map((id) => `'${id}'`);
  const list = `${names.slice(0, -1).join(', ')} and ${names.at(-1)!}`;
  const message = first.message.replaceAll(`'${ids[0]}'`, list).replace(/^(Upstream|Source) /, '$1s ');
  return new GatewayError(first.code, message, {
    ...(first.upstreamStatus !== undefined ? { upstreamStatus: first.upstreamStatus } : {}),
    ...(first.upstreamOutcome !== undefined ? { outcome: first.upstreamOutcome } : {}),
    ...(first.statusOverride !== undefined ? { status: first.statusOverride } : {}),
    details: { ...first.details, sources: ids },
  });
}

function candidates(fetched: readonly Fetched[], fields: readonly SortField[]): Candidate<Ranked>[][] {
  return fetched.map((f, source) =>
    (f.page?.resources ?? []).map((resource, i) => ({
      item: { resource, key: fields.length > 0 ? sortKeyOf(resource, fields) : [] },
      source,
      position: f.offset + i,
    })),
  );
}

/** Sort key, then source order, then position; without sort fields: interleaved by position, then source order. */
function candidateOrder(fields: readonly SortField[]): CandidateOrder<Ranked> {
  if (fields.length === 0) return (a, b) => a.position - b.position || a.source - b.source;
  return (a, b) => compareSortKeys(a.item.key, b.item.key, fields) || a.source - b.source || a.position - b.position;
}

function decodePosition(ctx: FhirContext, cursor: string, scope: string, sources: readonly Source[]): Position {
  const value = ctx.cursors.decode(scope, cursor, 'does not belong to this search (same type, parameters and sources)');
  const offsets = value['p'];
  const ids = sources.map((s) => s.id);
  const p = (typeof offsets === 'object' && offsets !== null ? offsets : {}) as Record<string, unknown>;
  if (Object.keys(p).length !== ids.length || !ids.every((id) => Number.isSafeInteger(p[id]) && (p[id] as number) >= 0)) {
    throw new GatewayError('BAD_USER_INPUT', `_cursor was issued for other sources than the ones now serving this search (${ids.join(', ')})`);
  }
  const x = Array.isArray(value['x']) ? (value['x'] as unknown[]).filter((id): id is string => typeof id === 'string') : [];
  return { offsets: p as Record<string, number>, back: value['b'] === 1, exhausted: x };
}
