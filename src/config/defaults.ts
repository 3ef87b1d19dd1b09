import type {
  AuditConfig, AuditDurability, ChangeCaptureConfig, CircuitBreakerConfig, CorsConfig, DemoConfig, IdentityConfig, LimitsConfig, LogLevel,
  SmartBackendAuthConfig, StorageConfig, EventsConfig,
} from './config.types.ts';

export const LOG_LEVELS: readonly LogLevel[] = Object.freeze(['debug', 'info', 'warn', 'error', 'silent']);

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 4000;
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';
export const DEFAULT_GRAPHIQL = true;

export const DEFAULT_DEMO: DemoConfig = Object.freeze({ patients: 100, seed: 1, changes: true, changeIntervalMs: 20_000 });

export const DEFAULT_LIMITS: LimitsConfig = Object.freeze({
  maxDepth: 12,
  maxAliases: 30,
  maxCost: 10_000,
  defaultCount: 20,
  maxCount: 500,
  requestTimeoutMs: 30_000,
  maxUrlLength: 2000,
  maxDocumentBytes: 102_400,
  maxDocumentTokens: 10_000,
  maxDocumentNesting: 64,
  maxBodyBytes: 16 * 1024 * 1024,
  maxJsonDepth: 100,
  maxSearchValueLength: 1024,
  maxSearchValues: 100,
  maxIntrospectionDepth: 15,
  fhirpathTimeoutMs: 1000,
  maxSubscriptionBacklog: 1000,
});

/** No cross-origin access at all. */
export const DEFAULT_CORS: CorsConfig = Object.freeze({ origins: Object.freeze([]), credentials: false, maxAgeS: 600 });

/** Shortest cursor secret, in UTF-8 bytes of the value (256 bits, the HMAC-SHA-256 key size). */
export const MIN_CURSOR_SECRET_BYTES = 32;

export const DEFAULT_CIRCUIT_BREAKER: CircuitBreakerConfig = Object.freeze({ failureThreshold: 5, resetTimeoutMs: 30_000 });

/** Change capture of a source that sets none: only writes made through the gateway are events. */
export const DEFAULT_CHANGES: ChangeCaptureConfig = Object.freeze({ mode: 'none' });

/** Defaults of a source's `changes` keys that have one. */
export const DEFAULT_CHANGES_OPTIONS = Object.freeze({ intervalMs: 5000, header: 'x-hook-secret', payload: 'full-resource' as const });

export const CHANGE_MODES: readonly ChangeCaptureConfig['mode'][] = Object.freeze(['none', 'hook', 'subscription', 'poll']);

/** Shortest `changes.secret`, in characters. */
export const MIN_HOOK_SECRET_LENGTH = 16;

/** Defaults of the per-source settings that have one (id and baseUrl are always required). */
export const DEFAULT_SOURCE = Object.freeze({
  timeoutMs: 10_000,
  connectTimeoutMs: 3000,
  maxConnections: 16,
  maxConcurrency: 32,
  retries: 2,
  circuitBreaker: DEFAULT_CIRCUIT_BREAKER,
  changes: DEFAULT_CHANGES,
});

export const SMART_ALGORITHMS: readonly SmartBackendAuthConfig['algorithm'][] = Object.freeze(['RS384', 'ES384']);

/** Defaults of a source's `smartBackend` keys that have one. */
export const DEFAULT_SMART_BACKEND = Object.freeze({
  scope: 'system/*.read',
  algorithm: 'RS384' as SmartBackendAuthConfig['algorithm'],
});

export const DEFAULT_IDENTITY: IdentityConfig = Object.freeze({ patientIdentifierSystems: Object.freeze([]) });

export const DEFAULT_CAPABILITY_REFRESH_MS = 300_000;

/** Defaults of the `auth` keys that have one (issuer has none; audience, jwksUri and introspection default to null). */
export const DEFAULT_AUTH = Object.freeze({ clockSkewS: 60 });

/** Embedded SQLite in the working directory: no server needed. */
export const DEFAULT_STORAGE: StorageConfig = Object.freeze({ url: 'sqlite:./.gateway/gateway.db' });

export const AUDIT_DURABILITIES: readonly AuditDurability[] = Object.freeze(['batched', 'strict']);

export const DEFAULT_AUDIT: AuditConfig = Object.freeze({ durability: 'batched' });

/** A week of events; the poll each second; no Redis (PostgreSQL storage: LISTEN/NOTIFY). */
export const DEFAULT_EVENTS: EventsConfig = Object.freeze({ retentionDays: 7, pollMs: 1000, redisUrl: null, redisChannel: 'fhir-gateway:changes' });

export interface IntRange {
  readonly min: number;
  readonly max: number;
}

const TIMEOUT: IntRange = { min: 1, max: 600_000 };

/**
 * Inclusive ranges of every integer setting. schema/gateway-config.schema.json repeats them
 * (test/config/schema.test.ts keeps the two in step).
 */
export const BOUNDS = Object.freeze({
  port: { min: 0, max: 65_535 },
  capabilityRefreshMs: { min: 0, max: 86_400_000 },
  demo: Object.freeze({
    patients: { min: 0, max: 100_000 },
    seed: { min: 0, max: 4_294_967_295 },
    changeIntervalMs: { min: 1000, max: 3_600_000 },
  }),
  limits: Object.freeze({
    maxDepth: { min: 1, max: 1000 },
    maxAliases: { min: 1, max: 10_000 },
    maxCost: { min: 1, max: 10_000_000 },
    defaultCount: { min: 1, max: 10_000 },
    maxCount: { min: 1, max: 10_000 },
    requestTimeoutMs: TIMEOUT,
    maxUrlLength: { min: 256, max: 65_536 },
    maxDocumentBytes: { min: 1024, max: 1_048_576 },
    // 100,000 tokens parse to ~40 MB of AST at worst (measured ~420 bytes per token); the standard introspection query has 163.
    maxDocumentTokens: { min: 100, max: 100_000 },
    // graphql's parser recurses per bracket level and overflows the stack between 3,000 and 5,000; the standard
    // introspection query nests 10 deep.
    maxDocumentNesting: { min: 10, max: 1000 },
    maxBodyBytes: { min: 1024, max: 1_073_741_824 },
    maxJsonDepth: { min: 8, max: 1000 },
    maxSearchValueLength: { min: 64, max: 65_536 },
    maxSearchValues: { min: 1, max: 10_000 },
    maxIntrospectionDepth: { min: 1, max: 100 },
    fhirpathTimeoutMs: { min: 1, max: 60_000 },
    maxSubscriptionBacklog: { min: 1, max: 1_000_000 },
  }),
  cors: Object.freeze({
    // browsers cap it lower (Chromium at 7200 s, Firefox at 86400 s)
    maxAgeS: { min: 0, max: 86_400 },
  }),
  source: Object.freeze({
    timeoutMs: TIMEOUT,
    connectTimeoutMs: TIMEOUT,
    maxConnections: { min: 1, max: 1024 },
    maxConcurrency: { min: 1, max: 10_000 },
    retries: { min: 0, max: 10 },
  }),
  circuitBreaker: Object.freeze({
    failureThreshold: { min: 0, max: 1000 },
    resetTimeoutMs: TIMEOUT,
  }),
  auth: Object.freeze({
    clockSkewS: { min: 0, max: 300 },
  }),
  events: Object.freeze({
    retentionDays: { min: 1, max: 3650 },
    pollMs: { min: 50, max: 600_000 },
  }),
  changes: Object.freeze({
    intervalMs: { min: 100, max: 86_400_000 },
  }),
});
