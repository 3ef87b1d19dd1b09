/**
 * The conditional headers of FHIR writes, from what a client may reasonably hand the gateway.
 * Both return undefined for a value that cannot be sent (the caller reports it as bad input).
 */
import { isFhirId } from './reference.ts';

/**
 * `If-Match` for a version-aware update or delete. FHIR versions are weak ETags (`W/"3"`); clients hold either the
 * ETag the server sent (`W/"3"`, or `"3"` when a proxy stripped the weakness) or just `meta.versionId` (`3`). Every
 * form becomes `W/"3"` — a bare `3` would not be understood (Medplum, for one, ignores an If-Match without quotes).
 */
export function ifMatchHeader(value: string): string | undefined {
  const m = /^(?:W\/)?"([^"]*)"$/.exec(value.trim());
  const version = m ? m[1]! : value.trim();
  return isFhirId(version) ? `W/"${version}"` : undefined;
}

/**
 * `If-None-Exist` for a conditional create: the query part of a search (`identifier=http://sys|123`), without the
 * type; a leading `?` is dropped. Every parameter must have a name and `=`. Characters outside printable ASCII
 * are percent-encoded (as they would be in a URL), so no value can break the header.
 */
export function ifNoneExistHeader(value: string, maxLength: number): string | undefined {
  const query = value.trim().replace(/^\?/, '');
  if (query === '' || query.length > maxLength) return undefined;
  if (!query.split('&').every((part) => /^[^=&\s]+=/.test(part))) return undefined;
  try {
    return query.replace(/[^\x20-\x7e]/gu, (ch) => encodeURIComponent(ch));
  } catch {
    return undefined; // a lone surrogate cannot be encoded
  }
}
