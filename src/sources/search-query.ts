/**
 * Search parameters as ordered name/value pairs (FHIR allows repeats), with a canonical encoding used
 * both on the wire and as a de-duplication key.
 */
export type SearchQuery = ReadonlyArray<readonly [name: string, value: string]>;

/** Like encodeURIComponent, but keeps the characters FHIR search values use readable: , : / | $ */
export function encodeSearchValue(value: string): string {
  return encodeURIComponent(value).replace(/%2C/gi, ',').replace(/%3A/gi, ':').replace(/%2F/gi, '/').replace(/%7C/gi, '|').replace(/%24/g, '$');
}

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
