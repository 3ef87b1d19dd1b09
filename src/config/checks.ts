/**
 * Small value checks shared by the command-line, environment and config-file layers.
 * Each takes the raw value and a `report` callback for the problem (without the "where:" prefix)
 * and returns the checked value, or undefined after reporting. Messages never echo secrets:
 * callers only pass non-secret values here, and string values are quoted and truncated.
 */
import type { LogLevel } from './config.types.ts';
import type { IntRange } from './defaults.ts';
import { LOG_LEVELS } from './defaults.ts';

export type Report = (message: string) => void;

export const SOURCE_ID = /^[a-z][a-z0-9-]{0,31}$/;
export const RESOURCE_TYPE = /^[A-Z][A-Za-z0-9]{0,63}$/;
/** RFC 9110 token. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Header values: visible ASCII / obs-text, spaces and tabs; no CR, LF or NUL. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Headers the HTTP layer owns (connection management, framing, the authority, content negotiation). */
const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'host', 'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade',
  'content-length', 'expect',
]);

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return `a ${typeof value}`;
}

/** A non-secret string value for a message: JSON-quoted, truncated. */
export function quote(value: string, max = 80): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}

/** A JSON value as "got ..." text: numbers, booleans and null in full, strings quoted, the rest by type. */
export function got(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return `got ${String(value)}`;
  if (typeof value === 'string') return `got ${quote(value)}`;
  return `got ${typeName(value)}`;
}

function rangeText(range: IntRange): string {
  return `an integer between ${range.min} and ${range.max}`;
}

/** An integer from JSON. */
export function checkInt(value: unknown, range: IntRange, report: Report): number | undefined {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
    report(`must be ${rangeText(range)} (${got(value)})`);
    return undefined;
  }
  return value;
}

/** An integer from an environment variable or command-line flag (decimal digits only). */
export function parseIntText(text: string, range: IntRange, report: Report): number | undefined {
  const n = /^[0-9]{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < range.min || n > range.max) {
    report(`must be ${rangeText(range)} (got ${quote(text)})`);
    return undefined;
  }
  return n;
}

export function checkBoolean(value: unknown, report: Report): boolean | undefined {
  if (typeof value !== 'boolean') {
    report(`must be true or false (${got(value)})`);
    return undefined;
  }
  return value;
}

/** `caseInsensitive` for environment and command line; the config file must match the schema's enum exactly. */
export function checkLogLevel(value: unknown, report: Report, caseInsensitive = false): LogLevel | undefined {
  const text = typeof value === 'string' && caseInsensitive ? value.toLowerCase() : value;
  const level = LOG_LEVELS.find((l) => l === text);
  if (level === undefined) report(`must be one of ${LOG_LEVELS.join(', ')} (${got(value)})`);
  return level;
}

/** A listen address: a host name or an IP address (IPv6 without brackets). */
export function checkHost(value: unknown, report: Report): string | undefined {
  if (typeof value !== 'string' || value === '') {
    report(`must be a host name or IP address (${got(value)})`);
    return undefined;
  }
  if (value.includes('://') || value.includes('/')) {
    report(`must be a host name or IP address, not a URL (got ${quote(value)})`);
    return undefined;
  }
  if (value.startsWith('[')) {
    report(`must be written without brackets, e.g. ::1 (got ${quote(value)})`);
    return undefined;
  }
  if (!/^[A-Za-z0-9._:%-]{1,253}$/.test(value)) {
    report(`must be a host name or IP address (got ${quote(value)})`);
    return undefined;
  }
  return value;
}

export function checkSourceId(value: unknown, report: Report): string | undefined {
  if (typeof value !== 'string' || !SOURCE_ID.test(value)) {
    report(`must be a slug: a lower-case letter, then up to 31 lower-case letters, digits or '-' (${got(value)})`);
    return undefined;
  }
  return value;
}

/**
 * An absolute http(s) URL without credentials or fragment (and, with `allowQuery` false, without query string).
 * Credentials are never echoed; `credentialsHint` says where they belong instead.
 */
export function checkHttpUrl(value: unknown, report: Report, opts: { allowQuery: boolean; credentialsHint: string }): URL | undefined {
  if (typeof value !== 'string') {
    report(`must be an absolute http(s) URL (${got(value)})`);
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    report(`must be an absolute http(s) URL (got ${quote(value)})`);
    return undefined;
  }
  if (url.username !== '' || url.password !== '') {
    // Never echo the value: it holds credentials.
    report(`must not contain credentials (user:password@)${opts.credentialsHint}`);
    return undefined;
  }
  const shown = quote(value);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    report(`must use http or https (got ${shown})`);
    return undefined;
  }
  if (!opts.allowQuery && (url.search !== '' || value.includes('?'))) {
    report(`must not have a query string (got ${shown})`);
    return undefined;
  }
  if (url.hash !== '' || value.includes('#')) {
    report(`must not have a fragment (got ${shown})`);
    return undefined;
  }
  return url;
}

/**
 * An absolute http(s) URL, normalised to `scheme://host[:port][/path]` without trailing slash.
 * A query, a fragment or credentials are errors (they would be silently lost, or leak in logs).
 */
export function normaliseBaseUrl(
  value: unknown, report: Report, credentialsHint = '; use bearerToken / bearerTokenEnv or headers',
): string | undefined {
  const url = checkHttpUrl(value, report, { allowQuery: false, credentialsHint });
  return url === undefined ? undefined : `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export function checkResourceType(value: unknown, report: Report): string | undefined {
  if (typeof value !== 'string' || !RESOURCE_TYPE.test(value)) {
    report(`must be a FHIR resource type name in PascalCase, e.g. Patient (${got(value)})`);
    return undefined;
  }
  return value;
}

/** `urn:<nid>:<nss>` (RFC 8141: a 2-32 character namespace id, then anything without spaces). */
const URN = /^urn:[A-Za-z0-9][A-Za-z0-9-]{0,30}[A-Za-z0-9]:[^\s]+$/i;

/**
 * An identifier system: an absolute URI, urn: or http(s):, kept exactly as written (FHIR matches systems as exact
 * strings, so 'http://X.org/id' and 'http://x.org/id' are different systems).
 */
export function checkIdentifierSystem(value: unknown, report: Report): string | undefined {
  const hint = 'an absolute URI such as "urn:oid:2.16.840.1.113883.2.4.6.3" or "http://hl7.org/fhir/sid/us-ssn"';
  if (typeof value !== 'string') {
    report(`must be ${hint} (${got(value)})`);
    return undefined;
  }
  if (/^urn:/i.test(value)) {
    if (URN.test(value)) return value;
    report(`must be ${hint}: a urn: needs a namespace and a value, without spaces (got ${quote(value)})`);
    return undefined;
  }
  const url = urlOrUndefined(value);
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || /\s/.test(value) || url.host === '') {
    report(`must be ${hint} (got ${quote(value)})`);
    return undefined;
  }
  return value;
}

/** `on` / `off` (any case) from the command line. */
export function checkOnOff(value: string, report: Report): boolean | undefined {
  const lower = value.toLowerCase();
  if (lower === 'on' || lower === 'off') return lower === 'on';
  report(`must be on or off (got ${quote(value)})`);
  return undefined;
}

/** Returns the lower-cased header name. */
export function checkHeaderName(name: string, report: Report): string | undefined {
  if (!HEADER_NAME.test(name)) {
    report('is not a valid HTTP header name');
    return undefined;
  }
  const lower = name.toLowerCase();
  if (RESERVED_HEADERS.has(lower)) {
    report('is managed by the HTTP client and cannot be configured');
    return undefined;
  }
  return lower;
}

/** Header values may be secrets: the message names the type only, never the value. */
export function checkHeaderValue(value: unknown, report: Report): string | undefined {
  if (typeof value !== 'string') {
    report(`must be a string (got ${typeName(value)})`);
    return undefined;
  }
  if (!HEADER_VALUE.test(value)) {
    report('must not contain control characters such as CR, LF or NUL (value not shown)');
    return undefined;
  }
  return value;
}

/** Bearer tokens are secrets: messages never include the value. */
export function checkToken(value: unknown, report: Report): string | undefined {
  if (typeof value !== 'string') {
    report(`must be a string (got ${typeName(value)})`);
    return undefined;
  }
  if (value === '') {
    report('must not be empty');
    return undefined;
  }
  if (!/^[\x21-\x7e]+$/.test(value)) {
    report('must contain only visible ASCII characters, without spaces (value not shown)');
    return undefined;
  }
  return value;
}

/** The candidate closest to `word` by edit distance, when close enough to be a likely typo. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const allowed = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  return best !== undefined && bestDistance <= allowed ? best : undefined;
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const above = rows[i - 1] ?? [];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((above[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (above[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}

export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const hint = suggest(key, known);
  return hint === undefined ? `unknown key (expected one of: ${known.join(', ')})` : `unknown key (did you mean ${hint}?)`;
}

/** `value` as a URL, or undefined when it is not one. */
export function urlOrUndefined(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}
