import { historyCursor, type HistoryPage } from '../../fhir/history.ts';
import type { Source } from '../../sources/source-registry.ts';
import { gatewayUrl, requestUrl, rewriteUpstreamUrl, type RestCall } from './rest-call.ts';

interface PassedEntry {
  fullUrl?: unknown;
  response?: { location?: unknown; [key: string]: unknown };
  [key: string]: unknown;
}

/**
 * A Bundle from one source (history, batch/transaction response) made to point at the gateway: `fullUrl`s and
 * `response.location`s under the source's base become gateway URLs, paging links become gateway links that carry
 * the upstream link in a signed `_cursor` (`own` is the request's path relative to the base: the cursor's scope).
 */
export function rewriteBundle(call: RestCall, page: Pick<HistoryPage, 'source' | 'bundle' | 'own' | 'restrictionKey'>): Record<string, unknown> {
  const { source, bundle } = page;
  const out: Record<string, unknown> = { ...bundle };
  if (Array.isArray(bundle['link'])) {
    // the source's Bundle is untrusted JSON: links and entries that are not objects are dropped, never a TypeError
    out['link'] = (bundle['link'] as Array<{ relation?: unknown; url?: unknown } | null>).flatMap((link) => {
      if (typeof link !== 'object' || link === null || typeof link.url !== 'string') return [];
      const relative = relativeTo(source, link.url);
      if (relative === undefined) return [];
      const url = link.relation === 'self' ? requestUrl(call, call.url.search.slice(1)) : requestUrl(call, `_cursor=${historyCursor(call.ctx, page, relative)}`);
      return [{ ...link, url }];
    });
  }
  if (Array.isArray(bundle['entry'])) {
    out['entry'] = (bundle['entry'] as Array<PassedEntry | null>).filter((entry): entry is PassedEntry => typeof entry === 'object' && entry !== null).map((entry) => {
      const next: PassedEntry = { ...entry };
      if (typeof entry.fullUrl === 'string') {
        const url = rewriteUpstreamUrl(call, source, entry.fullUrl);
        if (url !== undefined) next.fullUrl = url;
      } else if (typeof entry.resource === 'object' && entry.resource !== null) {
        // Some servers (Medplum) leave fullUrl out of history entries: the gateway URL of the resource is known.
        const { resourceType, id } = entry.resource as { resourceType?: unknown; id?: unknown };
        if (typeof resourceType === 'string' && typeof id === 'string') next.fullUrl = gatewayUrl(call, source, `${resourceType}/${id}`);
      }
      if (typeof entry.response === 'object' && entry.response !== null && typeof entry.response.location === 'string') {
        const location = rewriteUpstreamUrl(call, source, entry.response.location);
        if (location !== undefined) next.response = { ...entry.response, location };
      }
      return next;
    });
  }
  return out;
}

/** A link of the source relative to its base URL; undefined when it points elsewhere (it is dropped, never passed on). */
function relativeTo(source: Source, url: string): string | undefined {
  if (url.startsWith(source.baseUrl + '/')) return url.slice(source.baseUrl.length + 1);
  if (url.startsWith(source.baseUrl + '?')) return url.slice(source.baseUrl.length);
  if (!/^[a-z][a-z0-9+.-]*:/i.test(url)) return url.replace(/^\//, '');
  return undefined;
}
