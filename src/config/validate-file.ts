/**
 * The config file's JSON -> a checked partial layer (sources complete, with defaults).
 * Format: schema/gateway-config.schema.json. Every problem is reported with its JSON path.
 */
import type { AuditConfig, EventsConfig, CircuitBreakerConfig, DemoConfig, LimitsConfig, LogLevel, SourceAuth, SourceConfig, StorageConfig } from './config.types.ts';
import type { IntRange } from './defaults.ts';
import type { Report } from './checks.ts';
import type { FileContext, PathReport } from './json-path.ts';
import { BOUNDS, DEFAULT_CIRCUIT_BREAKER, DEFAULT_SOURCE } from './defaults.ts';
import {
  checkBoolean, checkHeaderName, checkHeaderValue, checkHost, checkIdentifierSystem, checkInt, checkLogLevel,
  checkSourceId, checkToken, isRecord, normaliseBaseUrl, typeName,
} from './checks.ts';
import { checkCursorSecret } from './access-checks.ts';
import type { FileCors } from './validate-access.ts';
import { CORS_KEYS, readCors, readEnvSecret, readTrustedProxies } from './validate-access.ts';
import { at, checkKeys, checkObject, counting, ENV_NAME, joinPath, readTypeNames } from './json-path.ts';
import { readSmartBackend, SMART_BACKEND_KEYS } from './validate-smart-backend.ts';
import type { FileAuth } from './validate-auth.ts';
import { AUTH_KEYS, INTROSPECTION_KEYS, readFileAuth } from './validate-auth.ts';
import { AUDIT_KEYS, readFileAudit, readFileStorage, STORAGE_KEYS } from './validate-storage.ts';
import { EVENTS_KEYS, readFileEvents } from './validate-events.ts';
import { CHANGES_KEYS, readChanges } from './validate-changes.ts';

export { joinPath } from './json-path.ts';
export type { FileCors, FileOrigin } from './validate-access.ts';
export type { FileContext, PathReport } from './json-path.ts';

export interface FileLayer {
  host?: string;
  port?: number;
  logLevel?: LogLevel;
  graphiql?: boolean;
  capabilityRefreshMs?: number;
  /** Syntax only: whether it names a configured source is checked by loadConfig. */
  defaultWriteSource?: string;
  /** The file's identity.patientIdentifierSystems (checked, unique); [] when absent. */
  patientIdentifierSystems: string[];
  demo: Partial<DemoConfig>;
  limits: Partial<LimitsConfig>;
  introspection?: boolean;
  cors: FileCors;
  publicBaseUrl?: string;
  /** Checked, unique; [] when absent. */
  trustedProxies: string[];
  /** The secret read from the environment variable the file names in cursorSecretEnv (checked). */
  cursorSecret?: { value: string; env: string };
  /** The file's `auth` section, when it has one (issuer and audience are overridden by loadConfig's other layers). */
  auth?: FileAuth;
  /** The file's storage.url, when valid (overridden by DATABASE_URL and --database-url). */
  storage: Partial<StorageConfig>;
  audit: Partial<AuditConfig>;
  /** The file's `events` keys that are valid (its redisUrl is overridden by REDIS_URL and --redis-url). */
  events: Partial<EventsConfig>;
  /** One entry per element of the file's `sources` array, in order, valid or not. */
  sources: FileSource[];
}

export interface FileSource {
  /** JSON path of the element, e.g. `sources[1]`. */
  readonly path: string;
  /** The checked id and base URL, when these are valid (for the uniqueness checks). */
  readonly id: string | undefined;
  readonly baseUrl: string | undefined;
  /** The complete source, when the element has no problem at all. */
  readonly config: SourceConfig | undefined;
}

const TOP_KEYS = [
  '$schema', 'host', 'port', 'logLevel', 'graphiql', 'introspection', 'capabilityRefreshMs', 'defaultWriteSource',
  'publicBaseUrl', 'trustedProxies', 'cors', 'cursorSecretEnv', 'auth', 'storage', 'audit', 'events', 'demo', 'limits', 'identity',
  'sources',
] as const;
const DEMO_KEYS = [...Object.keys(BOUNDS.demo), 'changes'] as (keyof DemoConfig)[];
const LIMIT_KEYS = Object.keys(BOUNDS.limits) as (keyof LimitsConfig)[];
const IDENTITY_KEYS = ['patientIdentifierSystems'] as const;
const SOURCE_INT_KEYS = Object.keys(BOUNDS.source) as (keyof typeof BOUNDS.source)[];
const CIRCUIT_BREAKER_KEYS = Object.keys(BOUNDS.circuitBreaker) as (keyof CircuitBreakerConfig)[];
const SOURCE_KEYS = [
  'id', 'baseUrl', ...SOURCE_INT_KEYS, 'resourceTypes', 'headers', 'bearerToken', 'bearerTokenEnv', 'smartBackend',
  'circuitBreaker', 'changes',
] as const;
/** The keys the file may have at each level (test/config/schema.test.ts checks the schema lists the same). */
export const FILE_KEYS = Object.freeze({
  top: TOP_KEYS,
  demo: DEMO_KEYS,
  limits: LIMIT_KEYS,
  identity: IDENTITY_KEYS,
  cors: CORS_KEYS,
  source: SOURCE_KEYS,
  circuitBreaker: CIRCUIT_BREAKER_KEYS,
  smartBackend: SMART_BACKEND_KEYS,
  auth: AUTH_KEYS,
  introspection: INTROSPECTION_KEYS,
  storage: STORAGE_KEYS,
  audit: AUDIT_KEYS,
  events: EVENTS_KEYS,
  changes: CHANGES_KEYS,
});

/** Reads the integer keys of `obj` that have a range in `bounds` into a partial record. */
function readInts<K extends string>(
  obj: Record<string, unknown>, bounds: Readonly<Record<K, IntRange>>, path: string, report: PathReport,
): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const key of Object.keys(bounds) as K[]) {
    if (obj[key] === undefined) continue;
    const n = checkInt(obj[key], bounds[key], at(report, joinPath(path, key)));
    if (n !== undefined) out[key] = n;
  }
  return out;
}

export function validateConfigFile(json: unknown, ctx: FileContext, report: PathReport): FileLayer {
  const layer = emptyFileLayer();
  if (!isRecord(json)) {
    report('', `must contain a JSON object (got ${typeName(json)})`);
    return layer;
  }
  checkKeys(json, TOP_KEYS, '', report);

  if (json.$schema !== undefined && typeof json.$schema !== 'string') {
    report('$schema', `must be a string (got ${typeName(json.$schema)})`);
  }
  if (json.host !== undefined) {
    const host = checkHost(json.host, at(report, 'host'));
    if (host !== undefined) layer.host = host;
  }
  if (json.port !== undefined) {
    const port = checkInt(json.port, BOUNDS.port, at(report, 'port'));
    if (port !== undefined) layer.port = port;
  }
  if (json.logLevel !== undefined) {
    const level = checkLogLevel(json.logLevel, at(report, 'logLevel'));
    if (level !== undefined) layer.logLevel = level;
  }
  if (json.graphiql !== undefined) {
    const graphiql = checkBoolean(json.graphiql, at(report, 'graphiql'));
    if (graphiql !== undefined) layer.graphiql = graphiql;
  }
  if (json.introspection !== undefined) {
    const introspection = checkBoolean(json.introspection, at(report, 'introspection'));
    if (introspection !== undefined) layer.introspection = introspection;
  }
  if (json.capabilityRefreshMs !== undefined) {
    const ms = checkInt(json.capabilityRefreshMs, BOUNDS.capabilityRefreshMs, at(report, 'capabilityRefreshMs'));
    if (ms !== undefined) layer.capabilityRefreshMs = ms;
  }
  if (json.defaultWriteSource !== undefined) {
    const id = checkSourceId(json.defaultWriteSource, at(report, 'defaultWriteSource'));
    if (id !== undefined) layer.defaultWriteSource = id;
  }
  if (json.publicBaseUrl !== undefined) {
    const url = normaliseBaseUrl(json.publicBaseUrl, at(report, 'publicBaseUrl'), '');
    if (url !== undefined) layer.publicBaseUrl = url;
  }
  layer.trustedProxies = readTrustedProxies(json.trustedProxies, 'trustedProxies', report);
  if (json.cors !== undefined && checkObject(json.cors, 'cors', report)) {
    checkKeys(json.cors, CORS_KEYS, 'cors', report);
    layer.cors = readCors(json.cors, report);
  }
  if (json.cursorSecretEnv !== undefined) {
    const secret = readEnvSecret(json.cursorSecretEnv, ctx.env, at(report, 'cursorSecretEnv'), checkCursorSecret);
    if (secret !== undefined) layer.cursorSecret = secret;
  }
  if (json.auth !== undefined) layer.auth = readFileAuth(json.auth, 'auth', ctx, report);
  if (json.storage !== undefined) layer.storage = readFileStorage(json.storage, 'storage', report);
  if (json.audit !== undefined) layer.audit = readFileAudit(json.audit, 'audit', report);
  if (json.events !== undefined) layer.events = readFileEvents(json.events, 'events', report);
  if (json.demo !== undefined && checkObject(json.demo, 'demo', report)) {
    checkKeys(json.demo, DEMO_KEYS, 'demo', report);
    layer.demo = readInts(json.demo, BOUNDS.demo, 'demo', report);
    if (json.demo.changes !== undefined) {
      const changes = checkBoolean(json.demo.changes, at(report, 'demo.changes'));
      if (changes !== undefined) layer.demo = { ...layer.demo, changes };
    }
  }
  if (json.limits !== undefined && checkObject(json.limits, 'limits', report)) {
    checkKeys(json.limits, LIMIT_KEYS, 'limits', report);
    layer.limits = readInts(json.limits, BOUNDS.limits, 'limits', report);
  }
  if (json.identity !== undefined && checkObject(json.identity, 'identity', report)) {
    checkKeys(json.identity, IDENTITY_KEYS, 'identity', report);
    layer.patientIdentifierSystems = readIdentifierSystems(json.identity.patientIdentifierSystems, 'identity.patientIdentifierSystems', report);
  }
  if (json.sources !== undefined) {
    if (!Array.isArray(json.sources)) {
      report('sources', `must be an array of sources (got ${typeName(json.sources)})`);
    } else {
      json.sources.forEach((raw: unknown, i) => {
        layer.sources.push(validateSource(raw, joinPath('sources', i), ctx, report));
      });
    }
  }
  return layer;
}

export function emptyFileLayer(): FileLayer {
  return {
    patientIdentifierSystems: [], demo: {}, limits: {}, cors: { origins: [] }, trustedProxies: [], storage: {}, audit: {}, events: {}, sources: [],
  };
}

function validateSource(raw: unknown, path: string, ctx: FileContext, outer: PathReport): FileSource {
  if (!checkObject(raw, path, outer)) return { path, id: undefined, baseUrl: undefined, config: undefined };
  checkKeys(raw, SOURCE_KEYS, path, outer); // unknown keys don't stop the rest from being checked
  const { report, count } = counting(outer);
  const key = (k: string): Report => at(report, joinPath(path, k));

  if (raw.id === undefined) key('id')('is required: a slug such as "hapi"');
  if (raw.baseUrl === undefined) key('baseUrl')('is required: the FHIR base URL, e.g. "https://hapi.fhir.org/baseR4"');
  const id = raw.id === undefined ? undefined : checkSourceId(raw.id, key('id'));
  const baseUrl = raw.baseUrl === undefined ? undefined : normaliseBaseUrl(raw.baseUrl, key('baseUrl'));
  const ints = readInts(raw, BOUNDS.source, path, report);
  const resourceTypes = readResourceTypes(raw.resourceTypes, joinPath(path, 'resourceTypes'), report);
  const headers = readHeaders(raw.headers, joinPath(path, 'headers'), report);
  const auth = readAuth(raw, path, ctx, report);
  if (auth !== undefined && auth.type !== 'none' && headers !== undefined && Object.hasOwn(headers, 'authorization')) {
    const other = auth.type === 'bearer' ? 'bearerToken / bearerTokenEnv' : 'smartBackend';
    key('headers')(`must not set authorization together with ${other}`);
  }
  const circuitBreaker = readCircuitBreaker(raw.circuitBreaker, joinPath(path, 'circuitBreaker'), report);
  const changes = readChanges(raw.changes, joinPath(path, 'changes'), ctx, report);
  const complete = count() === 0 && id !== undefined && baseUrl !== undefined && resourceTypes !== undefined
    && headers !== undefined && auth !== undefined && circuitBreaker !== undefined && changes !== undefined;
  const config: SourceConfig | undefined = complete
    ? { id, baseUrl, ...DEFAULT_SOURCE, ...ints, resourceTypes, headers, auth, circuitBreaker, changes }
    : undefined;
  return { path, id, baseUrl, config };
}

function readResourceTypes(value: unknown, path: string, outer: PathReport): readonly string[] | null | undefined {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length === 0) {
    const what = Array.isArray(value) ? 'an empty array' : typeName(value);
    outer(path, `must be a non-empty array of resource type names, or null for all the source supports (got ${what})`);
    return undefined;
  }
  return readTypeNames(value, path, outer);
}

function readHeaders(value: unknown, path: string, outer: PathReport): Record<string, string> | undefined {
  if (value === undefined) return {};
  if (!checkObject(value, path, outer)) return undefined;
  const { report, count } = counting(outer);
  const entries: [string, string][] = [];
  for (const [name, raw] of Object.entries(value)) {
    const here = at(report, joinPath(path, name));
    const lower = checkHeaderName(name, here);
    const headerValue = checkHeaderValue(raw, here);
    if (lower === undefined || headerValue === undefined) continue;
    if (entries.some(([n]) => n === lower)) here('is given twice (header names are case-insensitive)');
    else entries.push([lower, headerValue]);
  }
  // fromEntries defines own properties, so even a "__proto__" header stays a plain entry.
  return count() > 0 ? undefined : Object.fromEntries(entries);
}

function readCircuitBreaker(value: unknown, path: string, report: PathReport): CircuitBreakerConfig | undefined {
  if (value === undefined) return { ...DEFAULT_CIRCUIT_BREAKER };
  if (!checkObject(value, path, report)) return undefined;
  checkKeys(value, CIRCUIT_BREAKER_KEYS, path, report);
  const { report: inner, count } = counting(report);
  const ints = readInts(value, BOUNDS.circuitBreaker, path, inner);
  return count() > 0 ? undefined : { ...DEFAULT_CIRCUIT_BREAKER, ...ints };
}

/** Absolute URIs, unique, kept exactly as written (FHIR compares identifier systems as exact strings). */
function readIdentifierSystems(value: unknown, path: string, outer: PathReport): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    outer(path, `must be an array of identifier system URIs (got ${typeName(value)})`);
    return [];
  }
  const systems: string[] = [];
  value.forEach((item: unknown, i) => {
    const system = checkIdentifierSystem(item, at(outer, joinPath(path, i)));
    if (system === undefined) return;
    if (systems.includes(system)) outer(joinPath(path, i), `repeats ${JSON.stringify(system)}`);
    else systems.push(system);
  });
  return systems;
}

/** Token values and keys are secrets: no message here includes one. */
function readAuth(raw: Record<string, unknown>, path: string, ctx: FileContext, report: PathReport): SourceAuth | undefined {
  const key = (k: string): Report => at(report, joinPath(path, k));
  const { bearerToken, bearerTokenEnv, smartBackend } = raw;
  const { env } = ctx;
  if (smartBackend !== undefined) {
    if (bearerToken !== undefined || bearerTokenEnv !== undefined) {
      key('smartBackend')('give either smartBackend or bearerToken / bearerTokenEnv, not both');
      return undefined;
    }
    return readSmartBackend(smartBackend, joinPath(path, 'smartBackend'), ctx, report);
  }
  if (bearerToken !== undefined && bearerTokenEnv !== undefined) {
    key('bearerToken')('give either bearerToken or bearerTokenEnv, not both');
    return undefined;
  }
  if (bearerToken !== undefined) {
    const token = checkToken(bearerToken, key('bearerToken'));
    return token === undefined ? undefined : { type: 'bearer', token };
  }
  if (bearerTokenEnv === undefined) return { type: 'none' };
  if (typeof bearerTokenEnv !== 'string' || !ENV_NAME.test(bearerTokenEnv)) {
    const what = typeof bearerTokenEnv === 'string' ? JSON.stringify(bearerTokenEnv) : typeName(bearerTokenEnv);
    key('bearerTokenEnv')(`must be the name of an environment variable, e.g. "HAPI_TOKEN" (got ${what})`);
    return undefined;
  }
  const fromEnv = env[bearerTokenEnv];
  if (fromEnv === undefined || fromEnv === '') {
    key('bearerTokenEnv')(`environment variable ${bearerTokenEnv} is not set (or is empty)`);
    return undefined;
  }
  const token = checkToken(fromEnv, (m) => key('bearerTokenEnv')(`environment variable ${bearerTokenEnv} ${m}`));
  return token === undefined ? undefined : { type: 'bearer', token };
}
