import { GatewayError } from '../../errors/gateway-error.ts';
import { operationOutcome } from '../../errors/operation-outcome.ts';
import { parseShaping, shape, type Shaping } from '../../fhir/result-shaping.ts';
import { searchPage, type ConnectionResult } from '../../fhir/search.ts';
import type { FhirResource } from '../../sources/fhir-types.ts';
import { originOf } from '../../sources/resource-origin.ts';
import { gatewayUrl, requestUrl, type RestCall } from './rest-call.ts';
import { searchParamsOf } from './rest-request.ts';
import { bundleResponse } from './rest-response.ts';

/** Result parameters the gateway handles itself; every other parameter goes to the sources as a filter. */
const OWN = new Set(['_count', '_offset', '_cursor', '_summary', '_elements', '_format', '_pretty']);

/**
 * `GET [base]/Type?...` and `POST [base]/Type/_search`: the same search code as `XConnection` (one source paged by its
 * own links, several fanned out and merged with a per-source cursor), answered as a searchset Bundle whose `fullUrl`s
 * and paging links point at the gateway. `_include`/`_revinclude` go to the sources; their results for the page's
 * matches follow the matches. Sources that failed or were skipped are named in an OperationOutcome entry
 * (search mode `outcome`), while the others' matches are returned.
 */
export async function search(call: RestCall, resourceType: string, post: boolean): Promise<Response> {
  const params = await searchParamsOf(call, post);
  const own = new Map<string, string>();
  const filters: Array<readonly [string, string]> = [];
  for (const [name, value] of params) {
    if (!OWN.has(name)) filters.push([name, value]);
    else if (own.has(name)) throw new GatewayError('BAD_USER_INPUT', `${name} may be given once`);
    else own.set(name, value);
  }
  const shaping = parseShaping(own.get('_summary'), own.get('_elements'));
  const count = shaping.kind === 'count' ? 0 : integer(own.get('_count'), '_count');
  const offset = integer(own.get('_offset'), '_offset');
  const page = await searchPage(call.ctx, undefined, resourceType, filters, {
    _count: count ?? null,
    _offset: offset ?? null,
    _cursor: own.get('_cursor') ?? null,
    sourceId: call.sourceId ?? null,
  });

  // Links are GET searches (a POST _search is linked as the equivalent GET).
  const searchUrl = (query: string) => requestUrl(call, query, post ? call.url.pathname.replace(/\/_search$/, '') : undefined);
  const kept = new URLSearchParams(filters.map(([n, v]) => [n, v]));
  for (const name of ['_summary', '_elements'] as const) if (own.has(name)) kept.append(name, own.get(name)!);
  kept.set('_count', String(page.pageSize));
  const link = (cursor: string | undefined) => {
    if (cursor === undefined) return undefined;
    const query = new URLSearchParams(kept);
    query.set('_cursor', cursor);
    return searchUrl(query.toString());
  };
  const links = [
    { relation: 'self', url: searchUrl(new URLSearchParams(params.map(([n, v]) => [n, v])).toString()) },
    ...(['first', 'previous', 'next', 'last'] as const).flatMap((relation) => {
      const url = shaping.kind === 'count' ? undefined : link(page[relation]);
      return url === undefined ? [] : [{ relation, url }];
    }),
  ];
  const bundle: Record<string, unknown> = {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(page.count !== undefined && filters.every(([n, v]) => n !== '_total' || v !== 'none') ? { total: page.count } : {}),
    link: links,
  };
  return bundleResponse(call.fetchAPI, bundle, entries(call, page, shaping));
}

function entries(call: RestCall, page: ConnectionResult, shaping: Shaping): object[] {
  const urlOf = (r: FhirResource) => {
    const sourceId = originOf(r)?.sourceId;
    const source = sourceId === undefined ? undefined : call.ctx.sources.get(sourceId);
    return source && r.id !== undefined ? gatewayUrl(call, source, `${r.resourceType}/${r.id}`) : undefined;
  };
  const out: object[] = [];
  const notes = outcomeOfPage(call);
  if (notes) out.push({ resource: notes, search: { mode: 'outcome' } });
  for (const r of page.resources) {
    out.push({ fullUrl: urlOf(r), resource: shape(r, shaping, call.deps.topLevel), search: { mode: 'match' } });
  }
  for (const r of page.included) out.push({ fullUrl: urlOf(r), resource: r, search: { mode: 'include' } });
  return out;
}

/** Partial failures and warnings of the search as one OperationOutcome (warnings and information, never errors). */
function outcomeOfPage(call: RestCall): object | undefined {
  const issues = [
    ...call.ctx.partialFailures.map(({ error }) => ({
      severity: 'warning',
      code: 'incomplete',
      diagnostics: `${error.message} [${error.code}${error.sourceId !== undefined ? `, source ${error.sourceId}` : ''}]`,
    })),
    ...call.ctx.warnings.map((w) => ({ severity: 'information', code: 'informational', diagnostics: `${w.message} [${w.code}]` })),
  ];
  return issues.length > 0 ? operationOutcome(issues) : undefined;
}

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) throw new GatewayError('BAD_USER_INPUT', `${name} must be a non-negative integer`);
  return Number(value);
}

