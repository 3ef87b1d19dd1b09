import { GatewayError } from '../errors/gateway-error.ts';
import { shown } from '../errors/shown.ts';
import type { SearchQuery } from '../sources/search-query.ts';
import type { FhirContext } from './fhir-context.ts';

/** Parameters of one search (a REST query may repeat a name: `date=ge2020&date=lt2021`). */
export const MAX_SEARCH_PARAMETERS = 64;

/**
 * Bounds a search before anything goes upstream, whatever the transport: every value at most
 * limits.maxSearchValueLength characters, at most limits.maxSearchValues comma-separated values per parameter (an
 * `_id` list included), at most MAX_SEARCH_PARAMETERS parameters. A search past a bound is SEARCH_TOO_LONG (400)
 * naming the bound, so that an upstream never sees a multi-megabyte URL (and a client knows what to change). A value
 * that is not well-formed Unicode is BAD_USER_INPUT (400): encoding it for the URL would throw.
 */
export function checkSearchBounds(ctx: FhirContext, query: SearchQuery): void {
  const { maxSearchValueLength, maxSearchValues } = ctx.limits;
  if (query.length > MAX_SEARCH_PARAMETERS) {
    throw new GatewayError('SEARCH_TOO_LONG', `A search may have at most ${MAX_SEARCH_PARAMETERS} parameters (got ${query.length})`, {
      details: { limit: MAX_SEARCH_PARAMETERS, actual: query.length },
    });
  }
  for (const [name, value] of query) {
    // A lone UTF-16 surrogate (possible in a GraphQL variable's JSON string) has no UTF-8 form: it cannot be put in a URL.
    if (!value.isWellFormed()) {
      throw new GatewayError('BAD_USER_INPUT', `The value of search parameter '${shown(name)}' is not well-formed Unicode (it holds a lone surrogate)`);
    }
    if (value.length > maxSearchValueLength) {
      throw new GatewayError(
        'SEARCH_TOO_LONG',
        `The value of search parameter '${shown(name)}' is ${value.length} characters long; the limit is ${maxSearchValueLength} (limits.maxSearchValueLength)`,
        { details: { limit: maxSearchValueLength, actual: value.length } },
      );
    }
    const values = countValues(value);
    if (values > maxSearchValues) {
      throw new GatewayError(
        'SEARCH_TOO_LONG',
        `Search parameter '${shown(name)}' has ${values} comma-separated values; the limit is ${maxSearchValues} (limits.maxSearchValues)`,
        { details: { limit: maxSearchValues, actual: values } },
      );
    }
  }
}

/** Comma-separated values of a search value; `\,` is an escaped comma inside a value. */
function countValues(value: string): number {
  let n = 1;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 92 /* \ */) i++;
    else if (c === 44 /* , */) n++;
  }
  return n;
}
