// Paging links for searchset Bundles. Medplum's MemoryRepository honours `_count` / `_offset` and
// always sets `total` (number of matches, before paging), but returns no `link` at all; this adds
// `self`, and `next` / `previous` when there are more results, as absolute URLs on the server's base.
import type { Bundle, BundleLink } from '@medplum/fhirtypes';

/** The last value of a parameter in a raw query string, decoded. */
function lastParam(query: string, name: string): string | undefined {
  let value: string | undefined;
  for (const [k, v] of new URLSearchParams(query)) if (k === name) value = v;
  return value;
}

/** The raw query with every `_offset` removed and `_offset=offset` appended; other parts keep their encoding. */
function withOffset(query: string, offset: number): string {
  const parts = query.split('&').filter((p) => p !== '' && new URLSearchParams(p).keys().next().value !== '_offset');
  parts.push(`_offset=${offset}`);
  return parts.join('&');
}

/**
 * Adds paging links to a searchset Bundle unless it already has some.
 * @param searchUrl - absolute URL of the search without query, e.g. `http://127.0.0.1:1234/fhir/Patient`
 * @param query - the raw query string (GET) or form body (POST _search), without '?'
 */
export function addPagingLinks(bundle: Bundle, searchUrl: string, query: string): void {
  if (bundle.link?.length) return;
  const url = (q: string): string => (q ? `${searchUrl}?${q}` : searchUrl);
  const links: BundleLink[] = [{ relation: 'self', url: url(query) }];
  const count = Number.parseInt(lastParam(query, '_count') ?? '', 10);
  const offsetRaw = Number.parseInt(lastParam(query, '_offset') ?? '', 10);
  const offset = Number.isFinite(offsetRaw) && offsetRaw > 0 ? offsetRaw : 0;
  if (Number.isFinite(count) && count > 0) {
    if (typeof bundle.total === 'number' && offset + count < bundle.total) {
      links.push({ relation: 'next', url: url(withOffset(query, offset + count)) });
    }
    if (offset > 0) {
      links.push({ relation: 'previous', url: url(withOffset(query, Math.max(0, offset - count))) });
    }
  }
  bundle.link = links;
}
