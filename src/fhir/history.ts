import { GatewayError } from '../errors/gateway-error.ts';
import type { FhirResource } from '../sources/fhir-types.ts';
import { accessTo, hiddenNotFound, type Restriction } from './restriction.ts';
import type { Source } from '../sources/source-registry.ts';
import { UpstreamError } from '../upstream/upstream-error.ts';
import type { FhirContext } from './fhir-context.ts';
import { checkId, findOne } from './read.ts';
import { checkSearchBounds } from './search-bounds.ts';
import { soleSource, sourcesFor } from './source-choice.ts';

export interface HistoryRequest {
  readonly resourceType: string;
  /** Instance history; absent for type history. */
  readonly id?: string;
  readonly sourceId?: string;
  /** The client's own history parameters (`_count`, `_since`, ...), as a query string without `?`. */
  readonly query: string;
  /** A `_cursor` from an earlier page (historyCursor). */
  readonly cursor?: string;
}

export interface HistoryPage {
  readonly source: Source;
  /** The request's path relative to the base (`Patient/1/_history`): the scope of its paging cursors. */
  readonly own: string;
  readonly bundle: Record<string, unknown>;
  /** A restricted viewer's restriction (restriction.ts), bound into the page's cursors. */
  readonly restrictionKey?: string;
}

/**
 * `[base]/Type/id/_history` (from the source that has the resource) and `[base]/Type/_history` (one source: the one
 * named, or the only one serving the type). Paging follows the source's own links, carried in signed cursors.
 */
export async function history(ctx: FhirContext, request: HistoryRequest): Promise<HistoryPage> {
  const { resourceType, id } = request;
  if (id !== undefined) checkId(id);
  const restriction = await accessTo(ctx, resourceType, id === undefined ? 's' : 'r');
  const params = [...new URLSearchParams(request.query)].filter(([name]) => name !== '_cursor');
  checkSearchBounds(ctx, params);
  const query = historyQuery(ctx, params);
  const own = id === undefined ? `${resourceType}/_history` : `${resourceType}/${encodeURIComponent(id)}/_history`;
  let source: Source;
  let path: string;
  if (request.cursor !== undefined) {
    const value = ctx.cursors.decode(historyScope(own, restriction.key), request.cursor, `does not belong to ${own}`);
    const named = typeof value['s'] === 'string' ? ctx.sources.get(value['s']) : undefined;
    const link = value['l'];
    const sameRequest = typeof link === 'string' && !link.includes('..') && (link.startsWith(own + '?') || link === own || link.startsWith('?'));
    if (named === undefined || !sameRequest || (request.sourceId !== undefined && request.sourceId !== named.id)) {
      throw new GatewayError('BAD_USER_INPUT', `_cursor does not belong to ${own}`);
    }
    source = named;
    path = link as string;
  } else if (id !== undefined) {
    const sources = sourcesFor(ctx, resourceType, request.sourceId);
    const found = await findOne(ctx, undefined, resourceType, id, sources, async (s) => {
      try {
        return await s.client.exchange({ method: 'GET', path: own + query }, ctx.call);
      } catch (error) {
        if (!restriction.all && error instanceof GatewayError && error.code === 'NOT_FOUND') throw hiddenNotFound(s.id, resourceType, id);
        throw error;
      }
    });
    return recorded(ctx, visibleHistory(ctx, restriction, bundleOf(found.source, own, found.value.body, found.value.status), id));
  } else {
    source = soleSource(ctx, resourceType, request.sourceId, 'ask one for its history', `${resourceType}/_history`);
    path = own + query;
  }
  const response = await source.client.exchange({ method: 'GET', path }, ctx.call);
  return recorded(ctx, visibleHistory(ctx, restriction, bundleOf(source, own, response.body, response.status), id));
}

/**
 * A restricted viewer's history page: only the versions it may see (a version entry without its resource — a delete —
 * tells nothing it may see), no total; an instance history with no visible version is a resource that does not exist.
 */
function visibleHistory(ctx: FhirContext, restriction: Restriction, page: HistoryPage, id: string | undefined): HistoryPage {
  if (restriction.all) return page;
  const entries = Array.isArray(page.bundle['entry']) ? (page.bundle['entry'] as Array<{ resource?: FhirResource } | null>) : [];
  const kept = entries.filter((e) => e !== null && typeof e === 'object' && e.resource !== undefined && restriction.visible(e.resource, page.source.id));
  if (id !== undefined && kept.length === 0) {
    ctx.trail.deny(page.own.split('/')[0]!, 'read');
    throw hiddenNotFound(page.source.id, page.own.split('/')[0]!, id);
  }
  const { total: _total, entry: _entry, ...rest } = page.bundle;
  return { ...page, restrictionKey: restriction.key, bundle: { ...rest, ...(kept.length > 0 ? { entry: kept } : {}) } };
}

/** The versions a history page shows are read accesses of the audit trail. */
function recorded(ctx: FhirContext, page: HistoryPage): HistoryPage {
  const entries = Array.isArray(page.bundle['entry']) ? (page.bundle['entry'] as Array<{ resource?: FhirResource }>) : [];
  ctx.trail.record('R', entries.map((e) => (e !== null && typeof e === 'object' ? e.resource : undefined)), page.source.id);
  return page;
}

/**
 * The client's history parameters as sent upstream, `_count` capped at limits.maxCount like a search's (a history
 * page is as heavy as a search page) and checked to be a count.
 */
function historyQuery(ctx: FhirContext, params: ReadonlyArray<[string, string]>): string {
  const out = params.map(([name, value]): [string, string] => {
    if (name !== '_count') return [name, value];
    if (!/^\d{1,9}$/.test(value)) throw new GatewayError('BAD_USER_INPUT', '_count must be a non-negative integer');
    return [name, String(Math.min(Number(value), ctx.limits.maxCount))];
  });
  return out.length === 0 ? '' : `?${new URLSearchParams(out).toString()}`;
}

/** A paging cursor for a history page: the source and its own link, signed for this history (`own`). */
export function historyCursor(ctx: FhirContext, page: Pick<HistoryPage, 'own' | 'source' | 'restrictionKey'>, link: string): string {
  return ctx.cursors.encode(historyScope(page.own, page.restrictionKey ?? ''), { s: page.source.id, l: link });
}

/** What a history cursor is good for: this history, seen through this restriction ('' for all). */
function historyScope(own: string, restrictionKey: string): string {
  return restrictionKey === '' ? `history|${own}` : `history|${own}|${restrictionKey}`;
}

function bundleOf(source: Source, own: string, body: unknown, status: number): HistoryPage {
  const bundle = body as Record<string, unknown> | undefined;
  if (bundle?.['resourceType'] !== 'Bundle') {
    throw new UpstreamError(`Source '${source.id}' answered a history request without a Bundle`, {
      code: 'UPSTREAM_BAD_RESPONSE',
      sourceId: source.id,
      upstreamStatus: status,
    });
  }
  return { source, own, bundle };
}
