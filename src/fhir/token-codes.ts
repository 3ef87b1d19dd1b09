import { shown } from '../errors/shown.ts';
import type { SearchQuery } from '../sources/search-query.ts';
import { warnOnce, type FhirContext, type ResultPath } from './fhir-context.ts';

/** Codes named in a warning at most (`resource-types` has 148). */
const MAX_LISTED = 30;

/**
 * Token values that no resource can have: for a search parameter whose elements are `code`s bound `required` to a value
 * set (Patient.gender to administrative-gender, Observation.status to observation-status, ... — the FHIR model's
 * `valueSet`), a code outside it. FHIR (search.html, "Handling Errors") treats an unknown code as a logical condition,
 * not a syntax error: the server processes the search, which matches nothing, and may add hints and warnings in an
 * OperationOutcome. So the search goes on, and the value gets a CODE_NOT_IN_VALUE_SET warning naming the codes there
 * are (GraphQL `extensions.warnings`; REST: the Bundle's OperationOutcome entry), once per request. The parameter plain
 * and with `:not` is checked (`:text`, `:in`, `:below`, ... take other kinds of value); `system|code` by its code.
 */
export function checkTokenCodes(ctx: FhirContext, at: ResultPath | undefined, resourceType: string, query: SearchQuery): void {
  for (const [name, value] of query) {
    const colon = name.indexOf(':');
    if (colon >= 0 && name.slice(colon + 1) !== 'not') continue;
    const def = ctx.searchParams(resourceType, colon >= 0 ? name.slice(0, colon) : name);
    const allowed = def?.codes;
    if (allowed === undefined) continue;
    for (const code of codesOf(value)) {
      if (allowed.includes(code)) continue;
      const listed = allowed.length > MAX_LISTED ? `${allowed.slice(0, MAX_LISTED).join(', ')}, ... (${allowed.length} codes)` : allowed.join(', ');
      const lower = code.toLowerCase();
      const near = allowed.find((c) => c.toLowerCase() === lower);
      const consequence = near !== undefined
        ? `codes are case-sensitive: did you mean '${near}'?`
        : `no ${resourceType} can have it, so this value matches nothing`;
      warnOnce(
        ctx, at, 'CODE_NOT_IN_VALUE_SET',
        `${resourceType} search parameter '${shown(name)}': '${shown(code)}' is not a code of the required value set ${def!.valueSet} ` +
          `(${listed}); ${consequence}`,
      );
    }
  }
}

/** The codes of a token value: comma-separated alternatives, each `code`, `|code` or `system|code` (`system|` has none). */
function codesOf(value: string): string[] {
  const codes: string[] = [];
  for (const alternative of splitUnescaped(value, ',')) {
    const parts = splitUnescaped(alternative, '|');
    const code = unescape(parts.at(-1)!);
    if (code !== '') codes.push(code);
  }
  return codes;
}

function splitUnescaped(value: string, separator: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '\\') i++;
    else if (value[i] === separator) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts;
}

function unescape(value: string): string {
  return value.replace(/\\([\\,|$])/g, '$1');
}
