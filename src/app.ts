import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type YogaLogger } from 'graphql-yoga';
import type { Config, SourceConfig } from './config/config.types.ts';
import { buildSchema } from './graphql/build-schema.ts';
import { loadFhirModel, referencePathIndex } from './graphql/fhir-model/load-model.ts';
import { createGatewayYoga, type GatewayYoga } from './http/create-yoga.ts';
import { FhirClient } from './sources/fhir-client.ts';
import { SourceRegistry, type Source } from './sources/source-registry.ts';
import { UpstreamClient } from './upstream/upstream-client.ts';

export interface App {
  readonly yoga: GatewayYoga;
  readonly sources: SourceRegistry;
  readonly server: Server;
  /** Listens on config.host:config.port; resolves with the base URL. */
  start(): Promise<string>;
  /** True once every source has answered /metadata. */
  isReady(): boolean;
  /** Resolves when every source has answered /metadata once (or rejects on the first failure). */
  whenReady(): Promise<void>;
  stop(): Promise<void>;
}

const CAPABILITY_RETRY_MS = 5_000;

/** Composition root: the only place that wires config, upstream clients, sources, schema and HTTP together. */
export function createApp(config: Config, logger: YogaLogger = createLogger(config.logLevel === 'silent' ? 'error' : config.logLevel)): App {
  const upstreams = config.sources.map((s) => new UpstreamClient(upstreamOptions(s)));
  const sources: Source[] = config.sources.map((s, i) => ({
    id: s.id,
    baseUrl: upstreams[i]!.baseUrl,
    client: new FhirClient(upstreams[i]!, { maxUrlLength: config.limits.maxUrlLength, batchPageSize: config.limits.maxCount, maxPages: 50 }),
    resourceTypes: s.resourceTypes ? new Set(s.resourceTypes) : null,
  }));
  const registry = new SourceRegistry(sources);
  const model = loadFhirModel();
  const schema = buildSchema(model);

  const answered = new Set<string>();
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const probe = async (source: Source, configured: SourceConfig): Promise<void> => {
    try {
      const capability = await source.client.capabilities();
      if (configured.resourceTypes === null) source.resourceTypes = capabilityTypes(capability, model.resourceTypes);
      answered.add(source.id);
      logger.info(`source '${source.id}' is ready (${source.resourceTypes?.size ?? 'all'} resource types)`);
    } catch (error) {
      logger.warn(`source '${source.id}' did not answer /metadata: ${(error as Error).message}; retrying in ${CAPABILITY_RETRY_MS / 1000}s`);
      if (!stopped) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          void probe(source, configured);
        }, CAPABILITY_RETRY_MS);
        timer.unref();
        timers.add(timer);
      }
      throw error;
    }
  };
  let readiness: Promise<void> | undefined;
  const isReady = () => answered.size === sources.length;
  /** Probes every source once (later failures are retried in the background by probe). */
  const whenReady = () => (readiness ??= Promise.all(sources.map((s, i) => probe(s, config.sources[i]!))).then(() => undefined));

  const yoga = createGatewayYoga({ schema, config, sources: registry, referencePaths: referencePathIndex(model), logger, isReady });
  const server = createServer(yoga);

  return {
    yoga,
    sources: registry,
    server,
    isReady,
    whenReady,
    async start() {
      whenReady().catch(() => undefined); // failures are logged and retried by probe
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => resolve());
      });
      const { port } = server.address() as AddressInfo;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      return `http://${host}:${port}`;
    },
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.all(upstreams.map((u) => u.close()));
    },
  };
}

function upstreamOptions(s: SourceConfig) {
  const headers: Record<string, string> = { ...s.headers };
  if (s.auth.type === 'bearer') headers['authorization'] = `Bearer ${s.auth.token}`;
  return {
    sourceId: s.id,
    baseUrl: s.baseUrl,
    timeoutMs: s.timeoutMs,
    connectTimeoutMs: s.connectTimeoutMs,
    maxConnections: s.maxConnections,
    maxConcurrency: s.maxConcurrency,
    retries: s.retries,
    headers,
  };
}

/** Resource types a CapabilityStatement says the server supports (rest[mode=server].resource[].type). */
function capabilityTypes(capability: Record<string, unknown>, known: readonly string[]): Set<string> | null {
  const rest = (capability['rest'] as Array<{ mode?: string; resource?: Array<{ type?: string }> }> | undefined) ?? [];
  const server = rest.find((r) => r.mode === undefined || r.mode === 'server');
  const types = (server?.resource ?? []).map((r) => r.type).filter((t): t is string => typeof t === 'string' && known.includes(t));
  return types.length > 0 ? new Set(types) : null;
}
