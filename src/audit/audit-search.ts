/**
 * FHIR search over the stored audit trail (`GET [base]/AuditEvent?...`), with kysely on SQLite and PostgreSQL alike:
 * every value is a bound parameter, never SQL text.
 *
 * Parameters (several comma-separated values in one parameter are OR-ed; a parameter given again is AND-ed):
 * - `patient`: `Patient/{id}`, or a bare `{id}` meaning `Patient/{id}`; matches the event's patient exactly.
 * - `date`: `[prefix]value` on the recorded instant; prefixes eq (default), gt, ge, lt, le; the value a FHIR date or
 *   dateTime (`2026`, `2026-12`, `2026-12-06`, `2026-12-06T10:00`, `...T10:00:00`, `...T10:00:00.123`, with `Z` or
 *   `+hh:mm`; without a zone, UTC). A value stands for the range of its precision (`2026-12-06` is that whole UTC
 *   day): eq = inside the range, ge = at or after its start, gt = after its end, le = before its end, lt = before its
 *   start (FHIR R4 search, with the event's instant as the target). ne, sa, eb and ap are refused.
 * - `agent`: the user's `sub`, the user's `fhirUser` reference, or the application's client id (any of the three).
 * - `subtype`: a token, `code` or `system|code`, matched against the AuditEvent's subtype codings
 *   (audit-event-resource.ts: e.g. `read`, `search-type`, `graphql`, `$graphql`, `http://hl7.org/fhir/restful-interaction|operation`).
 * - `action`: C, R, U, D or E (`http://hl7.org/fhir/audit-event-action|R` too).
 * - `outcome`: 0, 4, 8 or 12 (`http://hl7.org/fhir/audit-event-outcome|8` too).
 * - `_id`: event ids.
 * - `_count`: page size, default 20, at most `maxCount` (a larger value is capped); 0 answers the total only.
 * - `_offset`: events to skip (paging); `_sort`: `-date` (newest first, the default) or `date`; ties by id.
 * - `_total`: `none`, `estimate` or `accurate`. By default the total is given when it is known without counting (the
 *   last page); `accurate` counts; `none` never gives it.
 * - `_format`: accepted (the route checks it is JSON).
 * Anything else (another parameter, a modifier such as `patient:missing`, an empty or malformed value) is
 * BAD_USER_INPUT naming the parameter.
 */
import { type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Db } from '../db/database.ts';
import type { AuditEventRow, Database } from '../db/schema.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { shown } from '../errors/shown.ts';
import { isFhirId } from '../sources/reference.ts';
import { subtypeCodings } from './audit-event-resource.ts';

export const DEFAULT_COUNT = 20;
/** Values in one parameter, repetitions of one parameter, and characters of one value: bounded. */
const MAX_VALUES = 100;
const MAX_REPEATS = 10;
const MAX_VALUE_LENGTH = 1024;
const MAX_OFFSET = 1_000_000_000;

const ACTIONS: ReadonlySet<string> = new Set(['C', 'R', 'U', 'D', 'E']);
const OUTCOMES: ReadonlySet<string> = new Set(['0', '4', '8', '12']);
const ACTION_SYSTEM = 'http://hl7.org/fhir/audit-event-action';
const OUTCOME_SYSTEM = 'http://hl7.org/fhir/audit-event-outcome';
const KNOWN = new Set(['patient', 'date', 'agent', 'subtype', 'action', 'outcome', '_id', '_count', '_offset', '_sort', '_total', '_format']);
const SINGLE = new Set(['_count', '_offset', '_sort', '_total', '_format']);

export interface AuditSearchOptions {
  /** The largest page (`_count` above it is capped). */
  readonly maxCount: number;
}

export interface AuditSearchResult {
  readonly rows: AuditEventRow[];
  /** The number of matches, when it is known (see `_total`). */
  readonly total?: number;
  /** Where the next page starts, when there may be one. */
  readonly next?: { readonly offset: number };
  /** Where the previous page starts, when this one is not the first. */
  readonly previous?: { readonly offset: number };
  /** The page as searched: its size (after the cap), start and order. */
  readonly count: number;
  readonly offset: number;
  readonly sort: 'date' | '-date';
}

type Where = (eb: ExpressionBuilder<Database, 'audit_event'>) => Expression<SqlBool>;

/** Runs the search; BAD_USER_INPUT for a parameter it does not know or a value it cannot read. */
export async function searchAuditEvents(db: Db, params: URLSearchParams, options: AuditSearchOptions): Promise<AuditSearchResult> {
  const query = parseAuditSearch(params, options);
  const where = (eb: ExpressionBuilder<Database, 'audit_event'>) => eb.and(query.filters.map((f) => f(eb)));
  const direction = query.sort === 'date' ? 'asc' : 'desc';
  const rows = query.count === 0 ? [] : await db.kysely.selectFrom('audit_event').selectAll()
    .where(where)
    .orderBy('recorded_ms', direction)
    .orderBy('id', direction)
    .limit(query.count + 1) // one more: is there a next page?
    .offset(query.offset)
    .execute();
  const more = rows.length > query.count;
  if (more) rows.length = query.count;
  let total: number | undefined;
  if (query.total === 'accurate' || (query.total !== 'none' && query.count === 0)) {
    const { n } = await db.kysely.selectFrom('audit_event').select((eb) => eb.fn.countAll().as('n')).where(where).executeTakeFirstOrThrow();
    total = Number(n);
  } else if (query.total !== 'none' && !more && (rows.length > 0 || query.offset === 0)) {
    total = query.offset + rows.length; // the last page: the total is known without counting
  }
  const page = rows.map((row) => ({ ...row, recorded_ms: Number(row.recorded_ms) }));
  return {
    rows: page,
    ...(total !== undefined && { total }),
    ...(more && { next: { offset: query.offset + query.count } }),
    ...(query.offset > 0 && query.count > 0 && { previous: { offset: Math.max(0, query.offset - query.count) } }),
    count: query.count,
    offset: query.offset,
    sort: query.sort,
  };
}

export interface ParsedAuditSearch {
  readonly filters: Where[];
  readonly count: number;
  readonly offset: number;
  readonly sort: 'date' | '-date';
  readonly total: 'none' | 'estimate' | 'accurate' | undefined;
}

/** The parameters, checked and turned into kysely filters. */
export function parseAuditSearch(params: URLSearchParams, options: AuditSearchOptions): ParsedAuditSearch {
  const byName = new Map<string, string[]>();
  for (const [name, value] of params) {
    if (!KNOWN.has(name)) {
      const base = name.split(':')[0]!;
      throw bad(KNOWN.has(base) && base !== name
        ? `The search parameter '${shown(name)}' has a modifier; AuditEvent search takes none`
        : `Unknown AuditEvent search parameter '${shown(name)}'; supported: ${[...KNOWN].join(', ')}`, name);
    }
    const values = byName.get(name) ?? [];
    values.push(value);
    byName.set(name, values);
    if (SINGLE.has(name) && values.length > 1) throw bad(`'${name}' is given more than once`, name);
    if (values.length > MAX_REPEATS) throw bad(`'${name}' is given more than ${MAX_REPEATS} times`, name);
    if (value.length > MAX_VALUE_LENGTH) throw bad(`The value of '${name}' is longer than ${MAX_VALUE_LENGTH} characters`, name);
    if (value === '') throw bad(`'${name}' has an empty value`, name);
  }
  const one = (name: string) => byName.get(name)?.[0];
  const filters: Where[] = [];
  for (const [name, values] of byName) {
    for (const value of values) {
      switch (name) {
        case 'patient':
          filters.push(anyOf('patient', listOf(name, value).map(patientReference)));
          break;
        case 'agent': {
          const agents = listOf(name, value);
          filters.push((eb) => eb.or([eb('agent_sub', 'in', agents), eb('agent_fhir_user', 'in', agents), eb('agent_client_id', 'in', agents)]));
          break;
        }
        case '_id':
          filters.push(anyOf('id', listOf(name, value).map((id) => {
            if (!isFhirId(id)) throw bad(`'${shown(id)}' is not a valid FHIR id (_id)`, name);
            return id;
          })));
          break;
        case 'subtype':
          filters.push(anyOf('subtype', listOf(name, value).flatMap(subtypesMatching)));
          break;
        case 'action':
          filters.push(anyOf('action', listOf(name, value).map((v) => codeOf(name, v, ACTION_SYSTEM, ACTIONS))));
          break;
        case 'outcome':
          filters.push(anyOf('outcome', listOf(name, value).map((v) => codeOf(name, v, OUTCOME_SYSTEM, OUTCOMES))));
          break;
        case 'date': {
          const ranges = listOf(name, value).map(dateFilter);
          filters.push((eb) => eb.or(ranges.map((r) => r(eb))));
          break;
        }
        default:
          break; // the paging parameters, below; _format: checked by the route
      }
    }
  }
  const count = one('_count');
  const offset = one('_offset');
  const sort = one('_sort') ?? '-date';
  if (sort !== 'date' && sort !== '-date') throw bad(`_sort '${shown(sort)}' is not supported; sort by 'date' or '-date' (the default, newest first)`, '_sort');
  const total = one('_total');
  if (total !== undefined && total !== 'none' && total !== 'estimate' && total !== 'accurate') {
    throw bad(`_total '${shown(total)}' is not one of none, estimate, accurate`, '_total');
  }
  const maxCount = Math.max(0, Math.floor(options.maxCount));
  return {
    filters,
    count: Math.min(count === undefined ? DEFAULT_COUNT : integer('_count', count, Number.MAX_SAFE_INTEGER), maxCount),
    offset: offset === undefined ? 0 : integer('_offset', offset, MAX_OFFSET),
    sort,
    total,
  };
}

function bad(message: string, parameter: string): GatewayError {
  return new GatewayError('BAD_USER_INPUT', message, { details: { parameter: shown(parameter) } });
}

function listOf(name: string, value: string): string[] {
  const values = value.split(',');
  if (values.length > MAX_VALUES) throw bad(`'${name}' has more than ${MAX_VALUES} values`, name);
  if (values.some((v) => v === '')) throw bad(`'${name}' has an empty value in its list '${shown(value)}'`, name);
  return values;
}

/** `column in (values)`; an empty list matches nothing (no `in ()`, which is not SQL). */
function anyOf(column: 'patient' | 'id' | 'subtype' | 'action' | 'outcome', values: readonly string[]): Where {
  const distinct = [...new Set(values)];
  return (eb) => (distinct.length === 0 ? eb.or([]) : eb(column, 'in', distinct)); // or() of nothing is 1 = 0
}

function integer(name: string, value: string, max: number): number {
  if (!/^\d{1,16}$/.test(value) || Number(value) > max) throw bad(`'${name}' must be a whole number from 0 to ${max}, not '${shown(value)}'`, name);
  return Number(value);
}

function patientReference(value: string): string {
  const id = value.startsWith('Patient/') ? value.slice('Patient/'.length) : value;
  if (!isFhirId(id)) throw bad(`patient '${shown(value)}' is neither Patient/{id} nor a FHIR id`, 'patient');
  return `Patient/${id}`;
}

/** The stored subtypes whose AuditEvent subtype codings match a token (`code`, `system|code` or `|code`). */
function subtypesMatching(token: string): string[] {
  const bar = token.indexOf('|');
  const system = bar < 0 ? undefined : token.slice(0, bar);
  const code = bar < 0 ? token : token.slice(bar + 1);
  if (code === '') throw bad(`subtype '${shown(token)}' has no code`, 'subtype');
  const candidates = code === 'operation' ? ['operation', '$graphql'] : [code];
  return candidates.filter((stored) => subtypeCodings(stored).some((c) => c.code === code && (system === undefined || c.system === system)));
}

function codeOf(name: string, token: string, system: string, codes: ReadonlySet<string>): string {
  const bar = token.indexOf('|');
  if (bar >= 0 && token.slice(0, bar) !== system) throw bad(`${name} '${shown(token)}': the system of ${name} codes is ${system}`, name);
  const code = bar < 0 ? token : token.slice(bar + 1);
  if (!codes.has(code)) throw bad(`${name} '${shown(code)}' is not one of ${[...codes].join(', ')}`, name);
  return code;
}

const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** One `[prefix]value` of `date` as a filter on recorded_ms. */
function dateFilter(token: string): Where {
  const prefix = /^[a-z]{2}/.test(token) ? token.slice(0, 2) : 'eq';
  const value = /^[a-z]{2}/.test(token) ? token.slice(2) : token;
  if (!['eq', 'gt', 'ge', 'lt', 'le'].includes(prefix)) {
    throw bad(`date prefix '${shown(prefix)}' is not supported; use eq, gt, ge, lt or le`, 'date');
  }
  const { lo, hi } = dateRange(value);
  switch (prefix) {
    case 'gt':
      return (eb) => eb('recorded_ms', '>=', hi);
    case 'ge':
      return (eb) => eb('recorded_ms', '>=', lo);
    case 'lt':
      return (eb) => eb('recorded_ms', '<', lo);
    case 'le':
      return (eb) => eb('recorded_ms', '<', hi);
    default:
      return (eb) => eb.and([eb('recorded_ms', '>=', lo), eb('recorded_ms', '<', hi)]);
  }
}

/**
 * The whole milliseconds [lo, hi) inside the range a date or dateTime stands for at its precision (a value finer
 * than a millisecond still names a range: the milliseconds it contains, possibly none).
 */
export function dateRange(value: string): { lo: number; hi: number } {
  // An unencoded '+' of a zone arrives as a space (form encoding): read it as the '+' it was.
  const m = DATE.exec(value.replace(/ (\d{2}:\d{2})$/, '+$1'));
  const invalid = () => bad(`date '${shown(value)}' is not a FHIR date or dateTime (e.g. 2026-12-06, 2026-12-06T10:00:00Z)`, 'date');
  if (m === null) throw invalid();
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = mo === undefined ? 1 : Number(mo);
  const day = d === undefined ? 1 : Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) throw invalid();
  let offsetMs = 0;
  if (zone !== undefined && zone !== 'Z') {
    const zh = Number(zone.slice(1, 3));
    const zm = Number(zone.slice(4, 6));
    if (zh > 14 || zm > 59) throw invalid();
    offsetMs = (zone[0] === '-' ? -1 : 1) * (zh * 60 + zm) * 60_000;
  }
  const base = utc(year, month, day, hour, minute, second) - offsetMs;
  if (mo === undefined) return { lo: base, hi: utc(year + 1, 1, 1, 0, 0, 0) - offsetMs };
  if (d === undefined) return { lo: base, hi: (month === 12 ? utc(year + 1, 1, 1, 0, 0, 0) : utc(year, month + 1, 1, 0, 0, 0)) - offsetMs };
  if (h === undefined) return { lo: base, hi: base + 86_400_000 };
  if (s === undefined) return { lo: base, hi: base + 60_000 };
  if (frac === undefined) return { lo: base, hi: base + 1000 };
  // n fractional digits: the range [F, F+1) in units of 10^-n s; its whole milliseconds are [ceil(F/10^(n-3)), ceil((F+1)/10^(n-3))).
  const n = frac.length;
  const f = Number(frac);
  if (n <= 3) {
    const unit = 10 ** (3 - n);
    return { lo: base + f * unit, hi: base + (f + 1) * unit };
  }
  const per = 10 ** (n - 3);
  return { lo: base + Math.ceil(f / per), hi: base + Math.ceil((f + 1) / per) };
}

function utc(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const date = new Date(Date.UTC(2000, 0, 1, hour, minute, second));
  date.setUTCFullYear(year, month - 1, day); // Date.UTC maps years 0-99 to 1900-1999
  return date.getTime();
}

function daysIn(year: number, month: number): number {
  const next = month === 12 ? utc(year + 1, 1, 1, 0, 0, 0) : utc(year, month + 1, 1, 0, 0, 0);
  return Math.round((next - utc(year, month, 1, 0, 0, 0)) / 86_400_000);
}
