// Values the fuzz documents are made of: ids of the seeded upstream (20 patients), search strings (ordinary, hostile,
// unicode, escapes, long), FHIRPath expressions from a small grammar, cursors, dates. Nothing here may contain text
// that the response checks take for a leaked stack (file paths, `node_modules`, "at file://...").
import type { Rng } from './prng.ts';

export const PATIENT_COUNT = 20;
const pad = (n: number, w: number) => String(n).padStart(w, '0');
export const PATIENT_IDS: readonly string[] = Array.from({ length: PATIENT_COUNT }, (_, i) => `pat-${pad(i + 1, 4)}`);
/** The patient the suite reads at the end to prove the gateway still works: never the target of a write. */
export const CANARY_PATIENT = 'pat-0001';

const OTHER_IDS = ['obs-0001-01', 'obs-0003-02', 'prac-001', 'prac-004', 'org-001', 'org-002', 'enc-0002-1', 'cond-0005-1', 'medrx-0007-1', 'example'];
const BAD_IDS = ['', 'nope', 'a b/../c', '../../etc/passwd', 'x'.repeat(65), 'pat-0001,pat-0002', '%00', '*', 'Patient/pat-0001', '\u00e9t\u00e9', '1.2.3', '-', '.', 'a'.repeat(64)];

/** An id: mostly one that exists, else another type's, else an invalid one. */
export function fhirId(rng: Rng): string {
  return rng.weighted<() => string>([
    [() => rng.pick(PATIENT_IDS), 6],
    [() => rng.pick(OTHER_IDS), 2],
    [() => rng.pick(BAD_IDS), 2],
    [() => `pat-${pad(rng.int(0, 99_999), 4)}`, 1],
  ])();
}

/** A patient that may be written (updated, deleted): never the canary. */
export function writableId(rng: Rng): string {
  return rng.chance(0.8) ? rng.pick(PATIENT_IDS.slice(1)) : fhirId(rng).replace(CANARY_PATIENT, 'pat-0002');
}

const UNICODE = [
  '\u00e9', '\u00fc', '\u4e2d\u6587', '\ud83d\ude00', '\u202e', '\u200b', '\ufeff', '\u2028', '\u0301', '\uffff', '\ufffd',
  '\u0000', '\u0007', '\u001b', '\ud800', '\udfff', '\udc00\ud800', '\u0130', '\u03a3',
];
const ORDINARY = ['male', 'female', 'Adams', 'Smith', 'John', 'http://loinc.org|8867-4', '8867-4', 'vital-signs', 'final', 'active', 'urn:demo:mrn:main|M000001', 'Patient/pat-0003', 'true', 'false'];
const HOSTILE = [
  '', ' ', ',', '|', '\\', '$', '%', '%25', '%00', '&_count=1', '?x=1', '#', '*', '"', "'", '`', '${x}', '<script>', '../', '//',
  'a,b,c,d,e,f', 'gt', 'ne', 'sa2000', 'lt-1', 'eq', ':missing', 'x'.repeat(70), 'Patient?_id=pat-0001', 'null', 'undefined',
  '\n', '\r\n', '\t', '\\u0000', '{}', '[]', 'NaN', '-0', '1e309',
];

/** A search value or other free string: ordinary, hostile, unicode (lone surrogates and NUL included) or long. */
export function anyString(rng: Rng): string {
  return rng.weighted<() => string>([
    [() => rng.pick(ORDINARY), 5],
    [() => rng.pick(HOSTILE), 4],
    [() => Array.from({ length: rng.int(1, 6) }, () => rng.pick(UNICODE)).join(rng.pick(['', 'a', ' '])), 2],
    [() => rng.pick(['a', 'x,', '\u00e9', '%', '|']).repeat(rng.pick([500, 1025, 2001, 5000, 70_000])), 1],
    [() => dateLike(rng), 2],
  ])();
}

export function dateLike(rng: Rng): string {
  return rng.pick([
    '2000', '2000-01', '2000-01-01', 'gt2000-01-01', 'le2030-12-31T23:59:59Z', 'ge1900', 'eq2020-02-30', 'notadate', '99999-01-01',
    '2000-13-45', 'ap2010', 'sa1999-12-31T24:00:00+14:00', '', '-2000', '2000-01-01T00:00:00.0000000000Z',
  ]);
}

export function sortValue(rng: Rng): string {
  return rng.pick(['family', '-birthdate', 'birthdate,family', '_id', '-_lastUpdated', 'date', '-date', 'nope', '', ',', '--family', 'family,'.repeat(40)]);
}

export function cursorValue(rng: Rng): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64url');
  return rng.pick([
    'not-a-cursor', '', 'x'.repeat(3000), b64('{}'), b64(JSON.stringify({ s: 'demo', l: 'Patient?_count=1' })),
    b64(JSON.stringify({ s: 'demo', l: 'Practitioner?_count=1', sig: 'abc' })), `${b64('{"v":1}')}.${b64('sig')}`, '\u0000', '%%%', b64('\ud800'),
  ]);
}

const FP_PATHS = ['family', 'given', 'use', 'value', 'system', 'code', 'id', 'active', 'gender', 'birthDate', 'name.family', 'telecom.value', 'valueQuantity.value', 'value.value', 'resource.id', 'subject.reference', 'coding.code', 'extension.url', 'nope'];
const FP_LITERALS = ['true', 'false', '1', '0', '-1', '1.5', "'usual'", "'official'", "'male'", "''", '@2000-01-01', '{}', "'\\u00e9'"];
const FP_FUNCS = ['exists()', 'empty()', 'count()', 'first()', 'last()', 'not()', 'distinct()', 'single()', 'hasValue()', 'toString()', 'lower()', 'length()', 'children()', 'descendants()', 'trace(\'t\')', 'ofType(Quantity)', 'ofType(string)', 'nope()'];

/** A FHIRPath expression: mostly well-formed, some broken, rarely an expensive one (limited by the time budget). */
export function fhirpathExpr(rng: Rng, depth = 0): string {
  if (depth === 0 && rng.chance(0.08)) {
    return rng.pick(['(', ')', "'unterminated", 'family..given', '%undefinedVar', 'where(', '1 +', '$this.', 'name.where(use = )', '!', '\u0000', '']);
  }
  if (depth === 0 && rng.chance(0.01)) {
    return rng.pick(["descendants().descendants().count() > 0", "repeat(children()).count() > 1", "name.given.matches('(a+)+$')", "(1 | 2 | 3).aggregate($total + $this, 0) > 1"]);
  }
  const term = (): string => rng.weighted<() => string>([
    [() => rng.pick(FP_PATHS), 4],
    [() => rng.pick(FP_LITERALS), 2],
    [() => `${rng.pick(FP_PATHS)}.${rng.pick(FP_FUNCS)}`, 3],
    [() => rng.pick(['$this', '%resource', '%resource.active', '$index', '%context']), 1],
    [() => (depth < 2 ? `${rng.pick(FP_PATHS)}.where(${fhirpathExpr(rng, depth + 1)})` : 'true'), 1],
    [() => (depth < 2 ? `iif(${fhirpathExpr(rng, depth + 1)}, true, false)` : 'false'), 1],
  ])();
  if (depth >= 2 || rng.chance(0.5)) return term();
  const op = rng.pick(['=', '!=', '>', '<=', 'and', 'or', 'xor', 'implies', '|', '+', '-', '*', 'contains', 'in', '~', 'is', 'as']);
  return `${term()} ${op} ${depth < 2 ? fhirpathExpr(rng, depth + 1) : term()}`;
}

/** A path of the @slice directive: `$index`, an element name, or any FHIRPath. */
export function slicePath(rng: Rng): string {
  return rng.weighted<() => string>([[() => '$index', 3], [() => rng.pick(['use', 'system', 'code', 'family', 'id', 'url', 'mode']), 4], [() => fhirpathExpr(rng), 2]])();
}

/**
 * A GraphQL string literal of `value` (JSON's escapes are GraphQL's). A lone surrogate becomes an escape the lexer
 * refuses, so unless `loneSurrogates` it is replaced by U+FFFD first (variables carry them as they are).
 */
export function gqlString(rng: Rng, raw: string, loneSurrogates = false): string {
  const value = loneSurrogates ? raw : raw.toWellFormed();
  if (rng.chance(0.05) && !value.includes('"""') && !value.includes('\\') && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(value)) return `"""${value}"""`;
  return JSON.stringify(value);
}
