/**
 * loadConfig: command line + environment + optional JSON config file -> one deeply frozen Config.
 * Precedence: defaults < config file < environment < command line. Every problem found, in any
 * layer (even one a higher layer overrides), is collected and thrown as one ConfigError.
 * `--help` throws HelpRequested instead (before anything else is checked).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Config, CorsConfig, DemoConfig, LimitsConfig, LoadConfigInput, LogLevel, SourceConfig, StorageConfig } from './config.types.ts';
import type { Report } from './checks.ts';
import type { FileLayer } from './validate-file.ts';
import { ConfigError, HelpRequested } from './config-error.ts';
import {
  BOUNDS, DEFAULT_AUDIT, DEFAULT_CAPABILITY_REFRESH_MS, DEFAULT_CIRCUIT_BREAKER, DEFAULT_CORS, DEFAULT_DEMO, DEFAULT_GRAPHIQL,
  DEFAULT_HOST, DEFAULT_LIMITS, DEFAULT_LOG_LEVEL, DEFAULT_PORT, DEFAULT_SOURCE, DEFAULT_STORAGE, DEFAULT_EVENTS,
} from './defaults.ts';
import { checkHost, checkIdentifierSystem, checkLogLevel, checkOnOff, checkSourceId, normaliseBaseUrl, parseIntText, quote } from './checks.ts';
import { checkCursorSecret, checkEnvFlag, checkOrigin, isLoopbackHost } from './access-checks.ts';
import { parseArgs, usage } from './parse-args.ts';
import { authOf, OPEN_ON_NETWORK } from './validate-auth.ts';
import { emptyFileLayer, joinPath, validateConfigFile } from './validate-file.ts';
import { checkDatabaseUrl } from './validate-storage.ts';
import { checkRedisUrl } from './validate-events.ts';

export type {
  AuditConfig, AuditDurability, AuthConfig, EventsConfig, ChangeCaptureConfig, CircuitBreakerConfig, Config, CorsConfig, DemoConfig, IdentityConfig, IntrospectionConfig,
  LimitsConfig, LoadConfigInput, LogLevel, SmartBackendAuthConfig, SourceAuth, SourceConfig, StorageConfig,
} from './config.types.ts';
export { ConfigError, HelpRequested } from './config-error.ts';
export { usage } from './parse-args.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** A source from either layer, with where it came from, for the uniqueness checks. */
interface SourceEntry {
  /** `config file x.json: sources[0]` or `--source #1`. */
  readonly where: string;
  /** Shorter name used by other entries of the same file: `sources[0]`. */
  readonly fileLocal: string | undefined;
  readonly idWhere: string;
  readonly baseUrlWhere: string;
  readonly id: string | undefined;
  readonly baseUrl: string | undefined;
  readonly config: SourceConfig | undefined;
}

export function loadConfig(input: LoadConfigInput): Config {
  const args = parseArgs(input.argv);
  if (args.values.help) throw new HelpRequested(usage);

  const problems: string[] = [...args.problems];
  const at = (where: string): Report => (message) => problems.push(`${where}: ${message}`);
  const { env } = input;
  const cli = args.values;

  // --- config file ---------------------------------------------------------------------------
  let file: FileLayer = emptyFileLayer();
  let configFile: string | null = null;
  let fileWhere = 'config file';
  const envConfig = envText(env, 'GATEWAY_CONFIG');
  const fileArg = cli.config !== undefined ? { path: cli.config, from: '--config' }
    : envConfig !== undefined ? { path: envConfig, from: 'GATEWAY_CONFIG' }
    : undefined;
  if (fileArg !== undefined && fileArg.path === '') {
    at(fileArg.from)('must be the path of a JSON config file (got an empty string)');
  } else if (fileArg !== undefined) {
    configFile = resolve(input.cwd ?? process.cwd(), fileArg.path);
    fileWhere = `config file ${fileArg.path}`;
    const readFile = input.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
    const json = readJson(configFile, readFile, at(`${fileWhere} (from ${fileArg.from})`));
    if (json.ok) {
      file = validateConfigFile(json.value, { env, readFile, dir: dirname(configFile) }, (path, message) =>
        problems.push(path === '' ? `${fileWhere}: ${message}` : `${fileWhere}: ${path}: ${message}`));
    }
  }

  // --- scalar settings: file < env < command line (checked layer by layer, for the problem order) ---
  const fromEnv = {
    host: layerValue(envText(env, 'HOST'), (v) => checkHost(v, at('HOST'))),
    port: layerValue(envText(env, 'PORT'), (v) => parseIntText(v, BOUNDS.port, at('PORT'))),
    logLevel: layerValue(envText(env, 'LOG_LEVEL'), (v) => checkLogLevel(v, at('LOG_LEVEL'), true)),
    cursorSecret: layerValue(envText(env, 'GATEWAY_CURSOR_SECRET'), (v) => checkCursorSecret(v, at('GATEWAY_CURSOR_SECRET'))),
    insecureNoAuth: layerValue(envText(env, 'GATEWAY_INSECURE_NO_AUTH'), (v) => checkEnvFlag(v, at('GATEWAY_INSECURE_NO_AUTH'))),
    demoChanges: layerValue(envText(env, 'GATEWAY_DEMO_CHANGES'), (v) => checkEnvFlag(v, at('GATEWAY_DEMO_CHANGES'), true)),
    databaseUrl: layerValue(envText(env, 'DATABASE_URL'), (v) => checkDatabaseUrl(v, at('DATABASE_URL'))),
    redisUrl: layerValue(envText(env, 'REDIS_URL'), (v) => checkRedisUrl(v, at('REDIS_URL'))),
  };
  const fromCli = {
    host: layerValue(cli.host, (v) => checkHost(v, at('--host'))),
    port: layerValue(cli.port, (v) => parseIntText(v, BOUNDS.port, at('--port'))),
    logLevel: layerValue(cli.logLevel, (v) => checkLogLevel(v, at('--log-level'), true)),
    writeSource: layerValue(cli.writeSource, (v) => checkSourceId(v, at('--write-source'))),
    introspection: layerValue(cli.introspection, (v) => checkOnOff(v, at('--introspection'))),
    publicBaseUrl: layerValue(cli.publicUrl, (v) => normaliseBaseUrl(v, at('--public-url'), '')),
    databaseUrl: layerValue(cli.databaseUrl, (v) => checkDatabaseUrl(v, at('--database-url'))),
    redisUrl: layerValue(cli.redisUrl, (v) => checkRedisUrl(v, at('--redis-url'))),
  };
  const host = fromCli.host ?? fromEnv.host ?? file.host ?? DEFAULT_HOST;
  const port = fromCli.port ?? fromEnv.port ?? file.port ?? DEFAULT_PORT;
  const logLevel: LogLevel = fromCli.logLevel ?? fromEnv.logLevel ?? file.logLevel ?? DEFAULT_LOG_LEVEL;

  const limits: LimitsConfig = { ...DEFAULT_LIMITS, ...file.limits };
  if (limits.defaultCount > limits.maxCount) {
    if (file.limits.defaultCount !== undefined) {
      at(`${fileWhere}: limits.defaultCount`)(`must not exceed limits.maxCount (${limits.maxCount}) (got ${limits.defaultCount})`);
    } else {
      at(`${fileWhere}: limits.maxCount`)(`must be at least limits.defaultCount (${limits.defaultCount}, the default) (got ${limits.maxCount})`);
    }
  }
  if (limits.maxBodyBytes < limits.maxDocumentBytes) {
    if (file.limits.maxBodyBytes !== undefined) {
      at(`${fileWhere}: limits.maxBodyBytes`)(
        `must be at least limits.maxDocumentBytes (${limits.maxDocumentBytes}): a GraphQL body holds the document (got ${limits.maxBodyBytes})`);
    } else {
      at(`${fileWhere}: limits.maxDocumentBytes`)(
        `must not exceed limits.maxBodyBytes (${limits.maxBodyBytes}, the default) (got ${limits.maxDocumentBytes})`);
    }
  }
  const demo: DemoConfig = {
    ...DEFAULT_DEMO,
    ...file.demo,
    changes: cli.noDemoChanges === true ? false : fromEnv.demoChanges ?? file.demo.changes ?? DEFAULT_DEMO.changes,
  };
  const storage: StorageConfig = { url: fromCli.databaseUrl ?? fromEnv.databaseUrl ?? file.storage.url ?? DEFAULT_STORAGE.url };
  const cors = corsOf(file, fileWhere, cli.corsOrigins ?? [], at);

  // --- sources: the file's, then the command line's ------------------------------------------
  const entries: SourceEntry[] = file.sources.map((s) => ({
    where: `${fileWhere}: ${s.path}`,
    fileLocal: s.path,
    idWhere: `${fileWhere}: ${joinPath(s.path, 'id')}`,
    baseUrlWhere: `${fileWhere}: ${joinPath(s.path, 'baseUrl')}`,
    id: s.id,
    baseUrl: s.baseUrl,
    config: s.config,
  }));
  for (const s of cli.sources) {
    const id = checkSourceId(s.id, (m) => at(s.where)(`id ${m}`));
    const baseUrl = normaliseBaseUrl(s.baseUrl, (m) => at(s.where)(`BASE_URL ${m}`));
    const config: SourceConfig | undefined = id === undefined || baseUrl === undefined
      ? undefined
      : {
        id, baseUrl, ...DEFAULT_SOURCE, resourceTypes: null, headers: {}, auth: { type: 'none' },
        circuitBreaker: { ...DEFAULT_CIRCUIT_BREAKER },
      };
    entries.push({ where: s.where, fileLocal: undefined, idWhere: s.where, baseUrlWhere: s.where, id, baseUrl, config });
  }
  checkUnique(entries, at);

  // --- defaultWriteSource: the command line's, else the file's; it must name a configured source --------------
  // (with none configured, the embedded demo sources are started and startDemoSources checks it against theirs)
  const defaultWriteSource = fromCli.writeSource ?? file.defaultWriteSource ?? null;
  if (defaultWriteSource !== null && entries.length > 0) {
    const problem = writeSourceProblem(defaultWriteSource, entries.flatMap((e) => (e.id === undefined ? [] : [e.id])));
    if (problem !== undefined) at(fromCli.writeSource !== undefined ? '--write-source' : fileWhere)(problem);
  }

  // --- identity: the file's systems, then the command line's (a repeat counts once) ------------
  const patientIdentifierSystems = [...file.patientIdentifierSystems];
  for (const system of cli.identitySystems) {
    const checked = checkIdentifierSystem(system.value, at(system.where));
    if (checked !== undefined && !patientIdentifierSystems.includes(checked)) patientIdentifierSystems.push(checked);
  }

  // --- auth: the file's section, issuer and audience overridden by the environment and the command line ---------
  const { auth, requested: authRequested } = authOf(file.auth, fileWhere, {
    envIssuer: envText(env, 'GATEWAY_AUTH_ISSUER'),
    envAudience: envText(env, 'GATEWAY_AUTH_AUDIENCE'),
    cliIssuer: cli.authIssuer,
    cliAudience: cli.authAudience,
  }, at);
  // Running open is for this machine only, unless asked for explicitly (auth set up with problems is reported above).
  const insecureNoAuth = cli.insecureNoAuth === true || fromEnv.insecureNoAuth === true;
  const demoAuth = cli.demoAuth === true;
  if (demoAuth && authRequested) at('--demo-auth')('cannot be combined with a configured auth issuer: use one or the other');
  if (demoAuth && !isLoopbackHost(host)) at('--demo-auth')(`is for trying SMART on this machine only: it needs a loopback host (got ${quote(host)})`);
  if (!authRequested && !demoAuth && !insecureNoAuth && !isLoopbackHost(host)) {
    const hostWhere = fromCli.host !== undefined ? `--host ${host}`
      : fromEnv.host !== undefined ? `HOST=${host}`
      : file.host !== undefined ? `${fileWhere}: host ${quote(host)}`
      : `host ${host} (the default)`;
    at(hostWhere)(OPEN_ON_NETWORK);
  }

  // --- change capture: a source that registers a Subscription needs a URL the source can notify -----------------
  const hookRoot = fromCli.publicBaseUrl ?? file.publicBaseUrl;
  for (const e of entries) {
    if (e.config?.changes.mode === 'subscription' && e.config.changes.callbackUrl === null && hookRoot === undefined) {
      at(`${e.where}.changes`)(`mode "subscription" needs the URL the source will notify: set changes.callbackUrl, or publicBaseUrl (--public-url) for ${hookRoot ?? '{publicBaseUrl}'}/hooks/${e.config.id}`);
    }
  }

  const production = env.NODE_ENV === 'production';
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze({
    host,
    port,
    sources: entries.flatMap((e) => (e.config === undefined ? [] : [e.config])),
    limits,
    logLevel,
    graphiql: file.graphiql ?? DEFAULT_GRAPHIQL,
    production,
    demo,
    identity: { patientIdentifierSystems },
    capabilityRefreshMs: file.capabilityRefreshMs ?? DEFAULT_CAPABILITY_REFRESH_MS,
    defaultWriteSource,
    // on in development and in the embedded demo (no sources), off in production
    introspection: fromCli.introspection ?? file.introspection ?? (!production || entries.length === 0),
    cors,
    publicBaseUrl: fromCli.publicBaseUrl ?? file.publicBaseUrl ?? null,
    trustedProxies: file.trustedProxies,
    cursorSecret: fromEnv.cursorSecret ?? file.cursorSecret?.value ?? null,
    auth,
    insecureNoAuth,
    demoAuth,
    storage,
    audit: { ...DEFAULT_AUDIT, ...file.audit },
    events: { ...DEFAULT_EVENTS, ...file.events, redisUrl: fromCli.redisUrl ?? fromEnv.redisUrl ?? file.events.redisUrl ?? DEFAULT_EVENTS.redisUrl },
    configFile,
  });
}

/**
 * The problem with a defaultWriteSource that is none of the configured source ids (undefined when it is one). Also used
 * by startDemoSources, which checks it against the demo sources' ids.
 */
export function writeSourceProblem(id: string, configured: readonly string[]): string | undefined {
  if (configured.includes(id)) return undefined;
  return `defaultWriteSource '${id}' is not a configured source (configured: ${configured.length > 0 ? configured.join(', ') : 'none'})`;
}

/**
 * The file's cors settings with the command line's origins added (a repeat counts once). '*' must be the only origin
 * and must not go with credentials: `Access-Control-Allow-Origin: *` only ever shares responses to requests without
 * the browser's credentials (browsers refuse '*' with credentials), and echoing any origin instead would hand every
 * web site the user's session.
 */
function corsOf(file: FileLayer, fileWhere: string, cliOrigins: readonly { value: string; where: string }[], at: (where: string) => Report): CorsConfig {
  const entries = file.cors.origins.map((o) => ({ origin: o.origin, where: `${fileWhere}: ${o.path}` }));
  for (const { value, where } of cliOrigins) {
    const origin = checkOrigin(value, at(where));
    if (origin !== undefined && !entries.some((e) => e.origin === origin)) entries.push({ origin, where });
  }
  const credentials = file.cors.credentials ?? DEFAULT_CORS.credentials;
  const star = entries.find((e) => e.origin === '*');
  if (star !== undefined && entries.length > 1) {
    at(star.where)('"*" allows every origin and cannot be combined with other origins: give either "*" or a list of origins');
  }
  if (star !== undefined && credentials) {
    at(star.where)('"*" cannot be used with cors.credentials true (browsers refuse it; any site could act with the user\'s credentials): list the allowed origins instead');
  }
  return { origins: entries.map((e) => e.origin), credentials, maxAgeS: file.cors.maxAgeS ?? DEFAULT_CORS.maxAgeS };
}

/** Source ids and base URLs must be unique across the file and the command line. */
function checkUnique(entries: readonly SourceEntry[], at: (where: string) => Report): void {
  const name = (self: SourceEntry, other: SourceEntry): string =>
    self.fileLocal !== undefined && other.fileLocal !== undefined ? other.fileLocal : other.where;
  entries.forEach((entry, i) => {
    const earlier = entries.slice(0, i);
    const sameId = earlier.find((e) => e.id !== undefined && e.id === entry.id);
    if (sameId !== undefined && entry.id !== undefined) {
      at(entry.idWhere)(`source id ${quote(entry.id)} is already used by ${name(entry, sameId)} (ids must be unique)`);
    }
    const sameUrl = earlier.find((e) => e.baseUrl !== undefined && e.baseUrl === entry.baseUrl);
    if (sameUrl !== undefined) {
      at(entry.baseUrlWhere)(`base URL is the same as ${name(entry, sameUrl)}'s (each source needs its own base URL)`);
    }
  });
}

/** An environment variable; empty counts as unset (so `PORT= node …` falls back). */
function envText(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function layerValue<T>(raw: string | undefined, check: (raw: string) => T | undefined): T | undefined {
  return raw === undefined ? undefined : check(raw);
}

type Parsed = { ok: true; value: unknown } | { ok: false };

function readJson(path: string, readFile: (path: string) => string, report: Report): Parsed {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    report(`cannot be read: ${error instanceof Error ? error.message : String(error)}`);
    return { ok: false };
  }
  try {
    return { ok: true, value: JSON.parse(text.replace(/^\uFEFF/, '')) as unknown };
  } catch (error) {
    report(`is not valid JSON: ${jsonErrorMessage(error)}`);
    return { ok: false };
  }
}

/**
 * V8's JSON.parse messages may quote a stretch of the input (`Unexpected token 's', ..."n": secret"...
 * is not valid JSON`), and the unexpected character itself may be the start of a secret: both are
 * left out unless the character is punctuation.
 */
function jsonErrorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .replace(/,\s*(?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, ' (excerpt of the file omitted)')
    .replace(/^Unexpected token '([\p{L}\p{N}_\-]+)'/u, 'Unexpected token');
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
    Object.freeze(value);
  }
  return value;
}
