/**
 * The gateway's configuration, as every other room sees it: parsed once at startup by
 * `loadConfig` (./load-config.ts), validated, then deeply frozen.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export type SourceAuth =
  | { readonly type: 'none' }
  | { readonly type: 'bearer'; readonly token: string }
  | SmartBackendAuthConfig;

/**
 * SMART Backend Services (client_credentials grant, `private_key_jwt` client authentication).
 * The key is a secret: never log it.
 */
export interface SmartBackendAuthConfig {
  readonly type: 'smart-backend';
  /** Token endpoint; null = discovered from `{baseUrl}/.well-known/smart-configuration` (`token_endpoint`). */
  readonly tokenUrl: string | null;
  readonly clientId: string;
  /** Space-separated scopes requested, e.g. 'system/*.read' (SMART v1) or 'system/*.rs' (v2). */
  readonly scope: string;
  readonly algorithm: 'RS384' | 'ES384';
  /** The private key: PKCS#8 PEM text, or a private JWK as JSON text (checked at startup). */
  readonly privateKey: string;
  /** `kid` header of the assertion (the key's id in the client's registered JWKS); null = none. */
  readonly keyId: string | null;
}

export interface CircuitBreakerConfig {
  /** Consecutive failed requests (transport errors, timeouts, 5xx after retries) that open the circuit; 0 = no breaker (default 5). */
  readonly failureThreshold: number;
  /** How long the circuit stays open before one probe request is let through (default 30000). */
  readonly resetTimeoutMs: number;
}

export interface SourceConfig {
  /** Slug, /^[a-z][a-z0-9-]{0,31}$/, unique among sources. */
  readonly id: string;
  /** Absolute http(s) URL, normalised: lower-case scheme and host, no default port, no trailing slash, no query/fragment. */
  readonly baseUrl: string;
  /** Total deadline of one upstream request (default 10000). */
  readonly timeoutMs: number;
  /** Deadline for establishing a connection (default 3000). */
  readonly connectTimeoutMs: number;
  /** undici pool connections per origin (default 16). */
  readonly maxConnections: number;
  /** Max in-flight requests the gateway sends to this source (default 32). */
  readonly maxConcurrency: number;
  /** Retries for idempotent reads (default 2; 0 disables). */
  readonly retries: number;
  /** null = whatever the source's CapabilityStatement says. */
  readonly resourceTypes: readonly string[] | null;
  /** Extra headers sent upstream (e.g. API keys); names are lower-cased. Values are secrets: never log them. */
  readonly headers: Readonly<Record<string, string>>;
  /** The token is a secret: never log it. */
  readonly auth: Readonly<SourceAuth>;
  readonly circuitBreaker: CircuitBreakerConfig;
  /** How the gateway learns of changes made on this source by others (live updates); default `{ mode: 'none' }`. */
  readonly changes: ChangeCaptureConfig;
}

/**
 * Change capture of one source (src/events): 'none' (only writes made through the gateway are events), 'hook' (the
 * source POSTs FHIR rest-hook notifications to `/hooks/{id}`), 'subscription' (the gateway registers an R4
 * Subscription on the source that notifies `/hooks/{id}`) or 'poll' (every intervalMs: the type's `_history?_since=`
 * where the source declares history-type, deletes included, else `_lastUpdated` searches).
 */
export type ChangeCaptureConfig = { readonly mode: 'none' } | HookCaptureConfig | SubscriptionCaptureConfig | PollCaptureConfig;

/** What authenticates a notification sent to `/hooks/{id}`. */
export interface HookAuthConfig {
  /**
   * The per-source secret (>= 16 visible ASCII characters): the value of the channel header, and the HMAC-SHA256 key
   * of signed notifications. A secret: never log it.
   */
  readonly secret: string;
  /** The channel header that carries the secret, lower-case (default 'x-hook-secret'). */
  readonly header: string;
}

export interface HookCaptureConfig extends HookAuthConfig {
  readonly mode: 'hook';
  /**
   * 'medplum': also accept Medplum's signature, `X-Signature: <hex HMAC-SHA256 of the raw body>` with the secret (the
   * Subscription's subscription-secret extension). It has no timestamp: replays are absorbed by the change log's
   * de-duplication, and the deletes it signs are confirmed with the source. null (default): not accepted.
   */
  readonly signature: 'medplum' | null;
  /** Types read back (`_lastUpdated` search) after a notification without content, or a gap in event numbers. */
  readonly types: readonly string[];
}

export interface SubscriptionCaptureConfig extends HookAuthConfig {
  readonly mode: 'subscription';
  /** R4 Subscription criteria, one Subscription each: `Patient`, `Observation?category=vital-signs`. */
  readonly criteria: readonly string[];
  /** The types of the criteria, then any listed in `types`: what is read back after an empty notification or a gap. */
  readonly types: readonly string[];
  /** `full-resource`: the Subscription asks for the resource in each notification (channel.payload); `empty`: none. */
  readonly payload: 'full-resource' | 'empty';
  /** The URL the source notifies; null = `{publicBaseUrl}/hooks/{id}` (loadConfig checks one of them is set). */
  readonly callbackUrl: string | null;
}

export interface PollCaptureConfig {
  readonly mode: 'poll';
  /** Milliseconds between two polls of the source (default 5000). */
  readonly intervalMs: number;
  /** The resource types read at each poll, by history or `_lastUpdated` search (at least one). */
  readonly types: readonly string[];
}

export interface IdentityConfig {
  /**
   * Identifier systems (URIs) whose values identify one person across sources (e.g. a national id).
   * `Patient.sameAs` matches on these and nothing else. Empty = sameAs always returns [].
   */
  readonly patientIdentifierSystems: readonly string[];
}

export interface LimitsConfig {
  /** GraphQL selection depth (default 12). */
  readonly maxDepth: number;
  /** Aliases per operation (default 30). */
  readonly maxAliases: number;
  /** Estimated upstream resource reads/calls per operation (default 10000). */
  readonly maxCost: number;
  /** Page size for XList/XConnection when _count is absent (default 20). */
  readonly defaultCount: number;
  /** Cap for _count (default 500); always >= defaultCount. */
  readonly maxCount: number;
  /** Whole GraphQL request deadline (default 30000). */
  readonly requestTimeoutMs: number;
  /** Upstream URL length at which _id / reference batches are chunked (default 2000). */
  readonly maxUrlLength: number;
  /** Largest GraphQL document, in UTF-8 bytes, on every GraphQL endpoint; refused before parsing (default 102400). */
  readonly maxDocumentBytes: number;
  /** Lexical tokens of a GraphQL document, comments included; counted before parsing (default 10000). */
  readonly maxDocumentTokens: number;
  /** Bracket nesting (`{`, `(`, `[`) of a GraphQL document; checked before parsing (default 64). */
  readonly maxDocumentNesting: number;
  /** HTTP request body of any route (GraphQL, $graphql, FHIR REST), in bytes (default 16777216 = 16 MiB); >= maxDocumentBytes. */
  readonly maxBodyBytes: number;
  /** Nesting of JSON request bodies (REST resources, GraphQL variables): objects and arrays (default 100). */
  readonly maxJsonDepth: number;
  /** Characters of one search parameter value (default 1024). */
  readonly maxSearchValueLength: number;
  /** Comma-separated values of one search parameter, `_id` lists included (default 100). */
  readonly maxSearchValues: number;
  /** Selection depth of introspection (`__schema` / `__type` subtrees, root field = 1) (default 15: getIntrospectionQuery()). */
  readonly maxIntrospectionDepth: number;
  /** Deadline of evaluating one FHIRPath expression (the `fhirpath` list argument) (default 1000). */
  readonly fhirpathTimeoutMs: number;
  /**
   * Results a WebSocket connection's subscriptions may hold undelivered between them (default 1000); past it the
   * connection is closed 4413 "too far behind" (the client resumes with `_since`).
   */
  readonly maxSubscriptionBacklog: number;
}

/**
 * Cross-origin (CORS) access for browser applications on other origins. No origins = no cross-origin access at all
 * (no CORS headers are sent; same-origin requests work as ever).
 */
export interface CorsConfig {
  /**
   * Exact origins allowed, normalised `scheme://host[:port]` (lower-case, punycode, no default port, no path), or
   * the single entry '*' = any origin, only without credentials. Never 'null', never partial wildcards.
   */
  readonly origins: readonly string[];
  /** Send `Access-Control-Allow-Credentials: true` (cookies / HTTP auth of the browser); never with '*' (default false). */
  readonly credentials: boolean;
  /** `Access-Control-Max-Age` of preflight answers, in seconds (default 600). */
  readonly maxAgeS: number;
}

/**
 * SMART on FHIR resource-server settings: inbound bearer tokens are validated against this authorization server.
 * null (no `auth`) = the gateway runs open (anonymous viewer), which it only does on a loopback host unless
 * `insecureNoAuth`.
 */
export interface AuthConfig {
  /** The authorization server's issuer URL, exactly as tokens carry it in `iss` (absolute http(s), kept as given). */
  readonly issuer: string;
  /** Expected `aud`; null = the gateway's FHIR base URL as the client reached it (`{public root}/fhir`). */
  readonly audience: string | null;
  /** The issuer's JWKS URL; null = `jwks_uri` of `{issuer}/.well-known/openid-configuration` (else smart-configuration). */
  readonly jwksUri: string | null;
  /** Leeway for `exp` / `nbf` / `iat`, in seconds (default 60, 0–300). */
  readonly clockSkewS: number;
  /** RFC 7662 introspection of tokens that are not JWTs (opaque); null = only JWTs are accepted. */
  readonly introspection: IntrospectionConfig | null;
}

export interface IntrospectionConfig {
  /** The introspection endpoint (absolute http(s) URL). */
  readonly endpoint: string;
  /** The gateway's client id at the authorization server (HTTP Basic authentication of the introspection call). */
  readonly clientId: string;
  /** Its client secret, from the environment variable named by the file's `clientSecretEnv`. A secret: never log it. */
  readonly clientSecret: string;
}

/**
 * Where the gateway keeps its own data (the audit trail, later the event log): a database URL. Embedded SQLite by
 * default (a file, no server); PostgreSQL when several gateway replicas share it.
 */
export interface StorageConfig {
  /**
   * `postgres://user:password@host:port/database` (or `postgresql://`; `?schema=name` puts the tables in that schema,
   * created if missing), `sqlite:PATH`, `file:PATH` (also `file:///absolute/path`), a plain file path, or `:memory:`.
   * A relative path is relative to the working directory. Default `sqlite:./.gateway/gateway.db`. May hold a
   * password: never log it as it is.
   */
  readonly url: string;
}

/**
 * The change log of live updates (src/events): how long it keeps events, and how the gateway processes that share it
 * (replicas on one PostgreSQL database) hear of each other's events.
 */
export interface EventsConfig {
  /** Days an event is kept (default 7); a `_since` older than the log keeps is EVENTS_EXPIRED. */
  readonly retentionDays: number;
  /** How often each gateway looks at the log for events other processes committed: the safety net under the bus (default 1000). */
  readonly pollMs: number;
  /**
   * The Redis that carries "the log moved" between replicas (pub/sub); null = PostgreSQL LISTEN/NOTIFY when the
   * storage is PostgreSQL, else none (one process; or SQLite shared by processes on one machine, which poll). From
   * file < REDIS_URL < --redis-url. May hold a password: never log it as it is.
   */
  readonly redisUrl: string | null;
  /** The Redis channel (default 'fhir-gateway:changes'); another deployment on the same Redis takes its own. */
  readonly redisChannel: string;
}

/** 'batched': audit records are written off the hot path, in batches, flushed on shutdown. 'strict': committed before the answer. */
export type AuditDurability = 'batched' | 'strict';

export interface AuditConfig {
  /** How an audit record is written (default 'batched'). */
  readonly durability: AuditDurability;
}

export interface DemoConfig {
  /** Number of synthetic patients in the embedded demo source (default 100). */
  readonly patients: number;
  /** Seed of the deterministic generator (default 1). */
  readonly seed: number;
  /**
   * Whether the demo sources' changes reach subscribers through change capture (a Subscription the gateway registers
   * on each) and the hospital gets a trickle of new vital-sign Observations (default true; `--no-demo-changes`,
   * `GATEWAY_DEMO_CHANGES=0` turn it off).
   */
  readonly changes: boolean;
  /** Milliseconds between two Observations of the trickle (default 20000). */
  readonly changeIntervalMs: number;
}

export interface Config {
  /** Listen address (default '127.0.0.1'; '0.0.0.0' only when given explicitly). */
  readonly host: string;
  /** Listen port (default 4000; 0 = any free port). */
  readonly port: number;
  /** Empty => the app starts the embedded demo source. */
  readonly sources: readonly SourceConfig[];
  readonly limits: LimitsConfig;
  /** Default 'info'. */
  readonly logLevel: LogLevel;
  /** Default true. */
  readonly graphiql: boolean;
  /** NODE_ENV === 'production'. */
  readonly production: boolean;
  readonly demo: DemoConfig;
  readonly identity: IdentityConfig;
  /** How often each source's CapabilityStatement is read again (default 300000; 0 = only at start). */
  readonly capabilityRefreshMs: number;
  /**
   * Id of a configured source that takes the writes which name no source (creates, conditional writes, batches,
   * update-as-create) when several sources serve the type and it is one of them; null = such writes need a source
   * (SOURCE_REQUIRED). Never changes where a write of an existing resource goes, nor reads.
   */
  readonly defaultWriteSource: string | null;
  /**
   * Whether `__schema` / `__type` are answered. Default: on, unless NODE_ENV=production with sources configured
   * (the embedded demo keeps it on). Off: refused at validation with INTROSPECTION_DISABLED.
   */
  readonly introspection: boolean;
  readonly cors: CorsConfig;
  /**
   * The gateway's public base URL (normalised like a source's baseUrl: `scheme://host[:port][/path]`, no trailing
   * slash), used for links in FHIR Bundles; null = taken from the request (and trusted forwarding headers).
   */
  readonly publicBaseUrl: string | null;
  /**
   * Peers (IP addresses, or CIDR blocks `address/prefix`) whose `X-Forwarded-Proto` / `X-Forwarded-Host` headers are
   * honoured; empty = none. IPv6 in lower-case compressed form; usable with `net.BlockList` (addAddress / addSubnet).
   */
  readonly trustedProxies: readonly string[];
  /**
   * HMAC key (its UTF-8 bytes, >= 32) that signs paging cursors, shared by replicas and restarts; from
   * GATEWAY_CURSOR_SECRET or the variable named by the file's cursorSecretEnv. null = the app makes a random one at
   * start (cursors then die with the process). A secret: never log it.
   */
  readonly cursorSecret: string | null;
  /** SMART on FHIR token validation; null = open (see AuthConfig). */
  readonly auth: AuthConfig | null;
  /** `--insecure-no-auth`: allow running open on a host that is not loopback (default false). */
  readonly insecureNoAuth: boolean;
  /**
   * `--demo-auth`: the gateway serves a development issuer itself and validates its tokens (src/demo/demo-auth.ts;
   * start-gateway.ts sets `auth` to it once the port is bound). Loopback hosts only, never with `auth` (default false).
   */
  readonly demoAuth: boolean;
  /** The gateway's own database (file < DATABASE_URL < --database-url). */
  readonly storage: StorageConfig;
  /** The audit trail's settings (config file only). */
  readonly audit: AuditConfig;
  /** The change log and the bus between replicas (config file; the Redis URL also REDIS_URL / --redis-url). */
  readonly events: EventsConfig;
  /** Absolute path of the config file that was read, for the log; null when none. */
  readonly configFile: string | null;
}

export interface LoadConfigInput {
  /** Command-line arguments without node and script: `process.argv.slice(2)`. */
  argv: readonly string[];
  /** Usually `process.env`. */
  env: Readonly<Record<string, string | undefined>>;
  /** Reads a UTF-8 text file; defaults to `fs.readFileSync(path, 'utf8')`. Receives an absolute path. */
  readFile?: (path: string) => string;
  /** Directory a relative config-file path is resolved against; defaults to `process.cwd()`. */
  cwd?: string;
}
