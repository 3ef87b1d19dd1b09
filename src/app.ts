import { createAuditWriter, type AuditWriter } from './audit/audit-writer.ts';
import { openDatabase, type Db } from './db/database.ts';
import { compartmentModel } from './fhir/compartment.ts';
import type { Plugin } from 'graphql-yoga';
import { issuerMetadata } from './auth/issuer-metadata.ts';
import { createTokenVerifier } from './auth/token-verifier.ts';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type YogaLogger } from 'graphql-yoga';
import type { Config, SourceConfig } from './config/config.types.ts';
import { CursorCodec } from './fhir/cursors.ts';
import { closeFhirpath, configureFhirpath } from './fhir/fhirpath/fhirpath.ts';
import { changeFeedOver } from './events/change-feed.ts';
import { replicaBus } from './events/replica-bus.ts';
import { createChangeCapture, type ChangeCapture } from './events/change-capture.ts';
import { loadFhirModel, searchParamIndex, topLevelIndex } from './fhir/model/load-model.ts';
import { buildSchema } from './graphql/build-schema.ts';
import { createGatewayYoga, FHIR_BASE_PATH, GRAPHQL_ENDPOINT, type GatewayYoga } from './http/create-yoga.ts';
import { attachGraphqlWs, type GraphqlWsTransport, type LiveTransportOptions } from './ws/graphql-ws-server.ts';
import { guardNodeRequests } from './http/node-request-guard.ts';
import { parseCapabilities } from './sources/capabilities.ts';
import { FhirClient } from './sources/fhir-client.ts';
import { SourceRegistry, type Source } from './sources/source-registry.ts';
import { upstreamForSource } from './upstream/upstream-for-source.ts';

export interface App {
  readonly yoga: GatewayYoga;
  readonly sources: SourceRegistry;
  readonly server: Server;
  /** Change capture from the sources (notifications, Subscriptions, polling): `settled()` once each has started. */
  readonly capture: ChangeCapture;
  /** GraphQL over WebSocket (src/ws): its open connections, running subscription groups and their subscribers. */
  readonly live: Pick<GraphqlWsTransport, 'connections' | 'groups' | 'subscriptions'>;
  /** Listens on config.host:config.port (unless the server given in AppOptions already listens); resolves with the base URL. */
  start(): Promise<string>;
  /** True once every source was asked for /metadata and at least one answered (the others give partial results). */
  isReady(): boolean;
  /** Resolves when every source has answered /metadata once (or rejects on the first failure). */
  whenReady(): Promise<void>;
  stop(): Promise<void>;
}

export interface AppOptions {
  /**
   * The HTTP server to answer on, possibly already listening (start-gateway.ts binds the port before anything else
   * starts); default a new one. The app adds its request handler; start() listens only when it does not yet.
   */
  readonly server?: Server;
  /** How the gateway reads its authorization server (metadata, JWKS, introspection); default the global fetch. */
  readonly fetch?: typeof fetch;
  /** Public routes served before authentication (start-gateway.ts: the `--demo-auth` development issuer). */
  readonly publicRoutes?: readonly Plugin[];
  /** graphql-ws settings (src/ws): the connection_init wait, the ping interval and the backlog; defaults 3 s, 12 s and 1000. */
  readonly live?: LiveTransportOptions;
}

/**
 * The audit trail's writer over the configured database (opened now; the migrations run before the first write).
 * A database that cannot be opened is logged; batched events then wait (bounded) and strict requests answer 503.
 */
function auditOf(config: Config, log: (level: 'info' | 'warn' | 'error', message: string) => void): { db: Promise<Db>; writer: AuditWriter } {
  const db = openDatabase(config.storage.url);
  db.then(
    (d) => log('info', `audit trail: ${d.dialect} database ${d.location} (${config.audit.durability})`),
    (error: Error) => log('error', `audit trail: the database could not be opened: ${error.message}`),
  );
  return { db, writer: createAuditWriter(db, { durability: config.audit.durability, log }) };
}

/** The token verifier and the issuer's metadata when `auth` is configured. */
function authOf(config: Config, doFetch: typeof fetch | undefined) {
  if (config.auth === null) return null;
  const metadata = issuerMetadata(config.auth.issuer, { fetch: doFetch });
  return { metadata, verifier: createTokenVerifier(config.auth, { metadata, fetch: doFetch }) };
}

const CAPABILITY_RETRY_MS = 5_000;

/** Composition root: the only place that wires config, upstream clients, sources, schema and HTTP together. */
export function createApp(
  config: Config,
  logger: YogaLogger = createLogger(config.logLevel === 'silent' ? 'error' : config.logLevel),
  options: AppOptions = {},
): App {
  const log = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => logger[level](message);
  const upstreams = config.sources.map((s) => upstreamForSource(s, log));
  const sources: Source[] = config.sources.map((s, i) => ({
    id: s.id,
    baseUrl: upstreams[i]!.baseUrl,
    client: new FhirClient(upstreams[i]!, { maxUrlLength: config.limits.maxUrlLength, batchPageSize: config.limits.maxCount, maxPages: 50 }),
    resourceTypes: s.resourceTypes ? new Set(s.resourceTypes) : null,
    capabilities: null,
  }));
  const registry = new SourceRegistry(sources);
  const model = loadFhirModel();
  const schema = buildSchema(model);

  const answered = new Set<string>();
  const asked = new Set<string>();
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timer.unref();
    timers.add(timer);
  };
  /** Reads a source's CapabilityStatement: at start (retried until it answers), then every capabilityRefreshMs. */
  const probe = async (source: Source, configured: SourceConfig): Promise<void> => {
    const first = !answered.has(source.id);
    try {
      const statement = await source.client.capabilities();
      const capabilities = parseCapabilities(statement, model.resourceTypes);
      source.capabilities = capabilities;
      if (configured.resourceTypes === null) source.resourceTypes = capabilities.resourceTypes;
      answered.add(source.id);
      capture.capabilitiesChanged(source.id, statement);
      if (first) logger.info(`source '${source.id}' is ready (${source.resourceTypes?.size ?? 'all'} resource types)`);
      if (config.capabilityRefreshMs > 0) later(config.capabilityRefreshMs, () => void probe(source, configured).catch(() => undefined));
    } catch (error) {
      const retryMs = first ? CAPABILITY_RETRY_MS : config.capabilityRefreshMs;
      logger.warn(
        `source '${source.id}' did not answer /metadata: ${(error as Error).message}; ` +
          `${first ? '' : 'keeping what it declared before; '}retrying in ${retryMs / 1000}s`,
      );
      later(retryMs, () => void probe(source, configured).catch(() => undefined));
      throw error;
    } finally {
      asked.add(source.id);
    }
  };
  let readiness: Promise<void> | undefined;
  const isReady = () => answered.size > 0 && asked.size === sources.length;
  const notReadyReason = () => {
    const waiting = sources.filter((s) => !asked.has(s.id)).map((s) => s.id);
    return waiting.length > 0
      ? `waiting for the CapabilityStatement of ${waiting.map((id) => `'${id}'`).join(', ')}`
      : `no source answered /metadata yet (${sources.map((s) => `'${s.id}'`).join(', ')}); retrying`;
  };
  /** Probes every source once (later failures are retried in the background by probe). */
  const whenReady = () => (readiness ??= Promise.all(sources.map((s, i) => probe(s, config.sources[i]!))).then(() => undefined));

  const resourceTypes = new Set(model.resourceTypes);
  const params = searchParamIndex(model);
  const audit = auditOf(config, (level, message) => logger[level](message));
  const { retentionDays, pollMs, redisUrl, redisChannel } = config.events;
  const changes = changeFeedOver(audit.db, {
    log: (message) => logger.error(message),
    pollMs,
    retentionMs: retentionDays * 86_400_000,
    bus: replicaBus({ storageUrl: config.storage.url, redisUrl, redisChannel }, (level, message) => logger[level](message)),
  });
  const capture = createChangeCapture({
    sources: config.sources.map((s, i) => ({ config: s, client: sources[i]!.client })),
    feed: changes,
    db: audit.db,
    publicBaseUrl: config.publicBaseUrl,
    log: (level, message) => logger[level](message),
  });
  const compartment = compartmentModel(model.patientCompartment, (type, code) => params(type, code)?.paths);
  void configureFhirpath({ timeoutMs: config.limits.fhirpathTimeoutMs });
  const auth = authOf(config, options.fetch);
  const yoga = createGatewayYoga({
    schema,
    config,
    sources: registry,
    searchParams: params,
    cursors: new CursorCodec(config.cursorSecret),
    logger,
    isReady,
    notReadyReason,
    isResourceType: (name) => resourceTypes.has(name),
    topLevel: topLevelIndex(model),
    auth,
    compartment,
    changes,
    hooks: capture,
    audit: { db: audit.db, writer: audit.writer, durability: config.audit.durability, paths: compartment.paths },
    ...(options.publicRoutes ? { publicRoutes: options.publicRoutes } : {}),
  });
  const server = options.server ?? createServer();
  server.on('request', guardNodeRequests(yoga)); // URLs the pipeline cannot build soundly are 400 before it
  const ws = attachGraphqlWs(server, {
    yoga, config, verifier: auth?.verifier ?? null, logger, graphqlEndpoint: GRAPHQL_ENDPOINT, fhirBasePath: FHIR_BASE_PATH,
    audit: { db: audit.db, writer: audit.writer, durability: config.audit.durability, paths: compartment.paths },
    ...options.live,
  });

  return {
    yoga,
    sources: registry,
    server,
    capture,
    live: { connections: ws.connections, groups: ws.groups, subscriptions: ws.subscriptions },
    isReady,
    whenReady,
    async start() {
      whenReady().catch(() => undefined); // failures are logged and retried by probe
      if (!server.listening) {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(config.port, config.host, () => resolve());
        });
      }
      capture.start();
      const { port } = server.address() as AddressInfo;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      return `http://${host}:${port}`;
    },
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      await ws.close(); // upgraded sockets are no longer the HTTP server's to close
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await capture.stop();
      await changes.close(); // before the database closes
      await Promise.all([...upstreams.map((u) => u.close()), closeFhirpath(), audit.writer.close()]); // the audit trail is flushed
    },
  };
}
