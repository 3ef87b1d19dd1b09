/**
 * Search parameters as ordered name/value pairs (FHIR allows repeats), with a canonical encoding used
 * both on the wire and as a de-duplication key.
 */
export type SearchQuery = ReadonlyArray<readonly [name: string, value: string]>;

/** Like encodeURIComponent, but keeps the characters FHIR search values use readable: , : / | $ */
export function encodeSearchValue(value: string): string {
  const encoded = encodeURIComponent(value);
  // Most values (ids, references, dates) have no escapes at all: one scan instead of a regex pass per character.
  return encoded.includes('%') ? encoded.replace(KEPT_ESCAPES, (escape) => KEPT[escape.toUpperCase()] ?? escape) : encoded;
}

const KEPT_ESCAPES = /%(?:2C|3A|2F|7C|24)/gi;
const KEPT: Readonly<Record<string, string>> = { '%2C': ',', '%3A': ':', '%2F': '/', '%7C': '|', '%24': '$' };

export function encodeQuery(query: SearchQuery): string {
  return query.map(([name, value]) => `${encodeURIComponent(name)}=${encodeSearchValue(value)}`).join('&');
}

/** A stable key: same parameters in any order give the same key (values keep their order per name). */
export function queryKey(query: SearchQuery): string {
  return encodeQuery([...query].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

export function searchPath(resourceType: string, query: SearchQuery): string {
  const qs = encodeQuery(query);
  return qs ? `${resourceType}?${qs}` : resourceType;
}
