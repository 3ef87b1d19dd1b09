/** A FHIR literal reference taken apart: 'Patient/1', 'Patient/1/_history/2', an absolute URL, or '#contained'. */
export type ParsedReference =
  | { readonly kind: 'relative'; readonly resourceType: string; readonly id: string; readonly versionId?: string }
  | { readonly kind: 'absolute'; readonly url: string }
  | { readonly kind: 'contained'; readonly id: string }
  | { readonly kind: 'invalid'; readonly reason: string };

/** A FHIR logical id (R4 `id` datatype): 1-64 of A-Z a-z 0-9 - . */
const ID = '[A-Za-z0-9\\-.]{1,64}';
const FHIR_ID = new RegExp(`^${ID}$`);
const RELATIVE = new RegExp(`^([A-Z][A-Za-z]+)/(${ID})(?:/_history/(${ID}))?$`);

/**
 * True for a valid FHIR logical id (also the rule for version ids) that a URL can name. `.` and `..` match the R4
 * pattern but are dot-segments, which URL resolution removes: `DELETE [base]/Patient/.` went out as `DELETE
 * [base]/Patient/` (a conditional delete without criteria) and `Patient/..` as the base URL itself.
 */
export function isFhirId(value: string): boolean {
  return FHIR_ID.test(value) && value !== '.' && value !== '..';
}

export function parseReference(reference: string): ParsedReference {
  if (reference.startsWith('#')) {
    return reference.length > 1 ? { kind: 'contained', id: reference.slice(1) } : { kind: 'invalid', reason: 'empty contained reference' };
  }
  const m = RELATIVE.exec(reference);
  if (m && (!isFhirId(m[2]!) || (m[3] !== undefined && !isFhirId(m[3])))) return { kind: 'invalid', reason: "'.' and '..' are not ids a URL can name" };
  if (m) return m[3] !== undefined ? { kind: 'relative', resourceType: m[1]!, id: m[2]!, versionId: m[3] } : { kind: 'relative', resourceType: m[1]!, id: m[2]! };
  if (/^https?:\/\//.test(reference)) return { kind: 'absolute', url: reference };
  if (reference.startsWith('urn:')) return { kind: 'invalid', reason: 'urn references cannot be resolved outside a Bundle' };
  return { kind: 'invalid', reason: 'not a FHIR literal reference' };
}

/** 'Patient/1/_history/2' -> 'Patient/1'; other strings unchanged. */
export function withoutVersion(reference: string): string {
  const i = reference.indexOf('/_history/');
  return i === -1 ? reference : reference.slice(0, i);
}

/**
 * The literal references (`Reference.reference`) a resource holds at these element paths (`subject`,
 * `participant.individual`), arrays followed at every step: where a search parameter of type reference looks.
 */
export function referencesAt(resource: unknown, paths: readonly string[], out: Set<string> = new Set()): Set<string> {
  for (const path of paths) collectAtPath(resource, path.split('.'), 0, out);
  return out;
}

function collectAtPath(value: unknown, steps: readonly string[], i: number, out: Set<string>): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) collectAtPath(item, steps, i, out);
    return;
  }
  if (i === steps.length) {
    const reference = (value as { reference?: unknown }).reference;
    if (typeof reference === 'string') out.add(reference);
    return;
  }
  collectAtPath((value as Record<string, unknown>)[steps[i]!], steps, i + 1, out);
}
