import type { FhirResource } from '../sources/fhir-types.ts';
import { valuesAt } from './element-values.ts';
import type { SearchParamIndex } from './model/load-model.ts';
import type { SearchParamType } from './model/model.types.ts';

/**
 * FHIR search semantics evaluated on one resource, in memory: does `resource` match `name=value` as a FHIR server
 * would answer the search? For what the gateway decides itself about a resource it already holds — SMART v2 granular
 * scopes (`patient/Observation.rs?category=...|laboratory`) and, later, subscription filters.
 *
 * Evaluated: token, reference, string, uri and date parameters whose expression is a plain element path, `_id` and
 * `_lastUpdated`; comma-separated values OR-ed; string `:exact`/`:contains`, token `:not`. Anything else (a modifier
 * or type it cannot evaluate, a chained parameter, an unknown parameter) is `undefined`: callers must treat that as
 * "no match" where access depends on it.
 */
export function matchesSearch(resource: FhirResource, name: string, value: string, params: SearchParamIndex): boolean | undefined {
  const matcher = searchMatcher(resource.resourceType, name, value, params);
  return matcher === undefined ? undefined : matcher(resource);
}

/** A search criterion compiled once (the value parsed, the paths looked up) and applied to many resources. */
export type SearchMatcher = (resource: FhirResource) => boolean;

export function searchMatcher(resourceType: string, name: string, value: string, params: SearchParamIndex): SearchMatcher | undefined {
  const colon = name.indexOf(':');
  const code = colon === -1 ? name : name.slice(0, colon);
  const modifier = colon === -1 ? undefined : name.slice(colon + 1);
  if (code.includes('.')) return undefined; // chained
  const def = BUILT_IN[code] ?? params(resourceType, code);
  if (def?.paths === undefined || def.paths.length === 0) return undefined;
  const paths = def.paths;
  const test = valueTest(def.type, modifier, value);
  if (test === undefined) return undefined;
  if (modifier === 'not') return (r) => !valuesAt(r, paths).some(test);
  return (r) => valuesAt(r, paths).some(test);
}

const BUILT_IN: Readonly<Record<string, { readonly type: SearchParamType; readonly paths: readonly string[] }>> = {
  _id: { type: 'token', paths: ['id'] },
  _lastUpdated: { type: 'date', paths: ['meta.lastUpdated'] },
};

/** One element test for the parameter's type and modifier, the comma-separated values OR-ed. */
function valueTest(type: SearchParamType, modifier: string | undefined, value: string): ((element: unknown) => boolean) | undefined {
  const alternatives = splitValues(value);
  if (alternatives.length === 0) return undefined;
  let tests: Array<(element: unknown) => boolean> | undefined;
  switch (type) {
    case 'token':
      if (modifier !== undefined && modifier !== 'not') return undefined;
      tests = alternatives.map(tokenTest);
      break;
    case 'reference':
      if (modifier !== undefined) return undefined;
      tests = alternatives.map(referenceTest);
      break;
    case 'string':
      if (modifier !== undefined && modifier !== 'exact' && modifier !== 'contains') return undefined;
      tests = alternatives.map((v) => stringTest(v, modifier));
      break;
    case 'uri':
      if (modifier !== undefined) return undefined;
      tests = alternatives.map((v) => (element: unknown) => element === v);
      break;
    case 'date': {
      if (modifier !== undefined) return undefined;
      const parsed = alternatives.map(dateTest);
      if (parsed.some((t) => t === undefined)) return undefined;
      tests = parsed as Array<(element: unknown) => boolean>;
      break;
    }
    default:
      return undefined;
  }
  return tests.length === 1 ? tests[0]! : (element) => tests.some((t) => t(element));
}

/** `a,b\,c` → `['a', 'b,c']` (FHIR escapes `,` `$` `|` `\` with a backslash). */
function splitValues(value: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && i + 1 < value.length) current += value[++i];
    else if (c === ',') {
      out.push(current);
      current = '';
    } else current += c;
  }
  out.push(current);
  return out.filter((v) => v !== '');
}

/**
 * Token: `code`, `system|code`, `|code` (no system), `system|` (any code of the system), matched against Coding,
 * CodeableConcept (any coding), Identifier (system/value), ContactPoint (value), and code/string/boolean/id primitives.
 */
function tokenTest(value: string): (element: unknown) => boolean {
  const bar = value.indexOf('|');
  const system = bar === -1 ? undefined : value.slice(0, bar);
  const code = bar === -1 ? value : value.slice(bar + 1);
  const pair = (s: unknown, c: unknown) =>
    (system === undefined || (system === '' ? s === undefined : s === system)) && (code === '' || c === code);
  const test = (element: unknown): boolean => {
    if (typeof element === 'string') return system === undefined || system === '' ? element === code : false;
    if (typeof element === 'boolean') return system === undefined && String(element) === code;
    if (typeof element !== 'object' || element === null) return false;
    const e = element as Record<string, unknown>;
    if (Array.isArray(e['coding'])) return (e['coding'] as unknown[]).some(test);
    if ('code' in e || 'system' in e && !('value' in e)) return pair(e['system'], e['code']);
    if ('value' in e) return pair(e['system'], e['value']);
    return false;
  };
  return test;
}

/** Reference: `Type/id`, a plain `id` (any type), or an absolute URL, against Reference.reference (versions ignored). */
function referenceTest(value: string): (element: unknown) => boolean {
  const wanted = withoutHistory(value);
  const typed = /^[A-Z][A-Za-z]+\/[^/]+$/.test(wanted);
  return (element) => {
    const reference = (element as { reference?: unknown } | null)?.reference;
    if (typeof reference !== 'string') return false;
    const actual = withoutHistory(reference);
    if (actual === wanted) return true;
    if (wanted.includes('://')) return false;
    return typed ? actual.endsWith('/' + wanted) && actual.includes('://') : actual.endsWith('/' + wanted);
  };
}

function withoutHistory(reference: string): string {
  const i = reference.indexOf('/_history/');
  return i === -1 ? reference : reference.slice(0, i);
}

/** String: starts with the value, ignoring case and accents; `:exact` equal; `:contains` anywhere. */
function stringTest(value: string, modifier: string | undefined): (element: unknown) => boolean {
  const wanted = modifier === 'exact' ? value : fold(value);
  const matches = (s: string) => (modifier === 'exact' ? s === wanted : modifier === 'contains' ? fold(s).includes(wanted) : fold(s).startsWith(wanted));
  const test = (element: unknown): boolean => {
    if (typeof element === 'string') return matches(element);
    if (typeof element !== 'object' || element === null) return false;
    // HumanName, Address and the like: a string parameter on a complex element searches its string parts
    return Object.entries(element as Record<string, unknown>).some(([key, v]) =>
      STRING_PARTS.has(key) && (Array.isArray(v) ? v.some((x) => typeof x === 'string' && matches(x)) : typeof v === 'string' && matches(v)));
  };
  return test;
}

const STRING_PARTS: ReadonlySet<string> = new Set(['text', 'family', 'given', 'prefix', 'suffix', 'line', 'city', 'district', 'state', 'postalCode', 'country', 'value', 'display']);

function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/**
 * Date: `[prefix]value` (eq ne gt lt ge le sa eb ap) at the value's own precision, against date, dateTime, instant
 * and Period elements, each an interval. Undefined when the value is not a FHIR date.
 */
function dateTest(value: string): ((element: unknown) => boolean) | undefined {
  const prefix = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)/.exec(value)?.[1] ?? 'eq';
  const range = intervalOf(value.slice(/^[a-z]{2}/.test(value) ? 2 : 0));
  if (range === undefined) return undefined;
  const [lo, hi] = range;
  const compare = (eLo: number, eHi: number): boolean => {
    switch (prefix) {
      case 'eq': return eLo >= lo && eHi <= hi;
      case 'ne': return !(eLo >= lo && eHi <= hi);
      case 'gt': return eHi > hi;
      case 'lt': return eLo < lo;
      case 'ge': return eHi >= lo;
      case 'le': return eLo <= hi;
      case 'sa': return eLo > hi;
      case 'eb': return eHi < lo;
      default: return eLo <= hi && eHi >= lo; // ap: overlaps
    }
  };
  return (element) => {
    if (typeof element === 'string') {
      const e = intervalOf(element);
      return e !== undefined && compare(e[0], e[1]);
    }
    if (typeof element !== 'object' || element === null) return false;
    const { start, end } = element as { start?: unknown; end?: unknown };
    if (start === undefined && end === undefined) return false;
    const s = typeof start === 'string' ? intervalOf(start)?.[0] : -Infinity;
    const e = typeof end === 'string' ? intervalOf(end)?.[1] : Infinity;
    return s !== undefined && e !== undefined && compare(s, e);
  };
}

/** A FHIR date/dateTime/instant as the interval of milliseconds it covers at its precision (UTC when no zone). */
function intervalOf(text: string): readonly [number, number] | undefined {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const offset = zone === undefined || zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  const at = (yy: number, mm: number, dd: number, hh: number, mn: number, ss: number, ms: number) => Date.UTC(yy, mm, dd, hh, mn, ss, ms) - offset;
  const Y = Number(y);
  if (mo === undefined) return [at(Y, 0, 1, 0, 0, 0, 0), at(Y + 1, 0, 1, 0, 0, 0, 0) - 1];
  const M = Number(mo) - 1;
  if (d === undefined) return [at(Y, M, 1, 0, 0, 0, 0), at(Y, M + 1, 1, 0, 0, 0, 0) - 1];
  const D = Number(d);
  if (h === undefined) return [at(Y, M, D, 0, 0, 0, 0), at(Y, M, D + 1, 0, 0, 0, 0) - 1];
  const H = Number(h);
  const N = Number(mi);
  if (s === undefined) return [at(Y, M, D, H, N, 0, 0), at(Y, M, D, H, N + 1, 0, 0) - 1];
  const S = Number(s);
  const ms = frac === undefined ? 0 : Math.floor(Number(`0${frac}`) * 1000);
  if (frac === undefined) return [at(Y, M, D, H, N, S, 0), at(Y, M, D, H, N, S + 1, 0) - 1];
  return [at(Y, M, D, H, N, S, ms), at(Y, M, D, H, N, S, ms)];
}
