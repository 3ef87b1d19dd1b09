// THE test fixture: real FHIR upstreams (Medplum's in-memory server over loopback HTTP, seeded with deterministic
// synthetic data) and the real gateway in front of them (config -> app -> node:http on 127.0.0.1), with the upstream
// calls counted. Every integration test starts its world with startFixture().
//
//   const f = await startFixture({ sources: { a: { patients: 20, idPrefix: 'a' }, b: {} } });
//   const res = await f.gql('{ PatientList { id } }');
//   expect(f.calls('a').map((r) => r.url)).toEqual(['/Patient?_count=20']);
//   await f.stop();
//
// Counting exactly: give the gateway a config file with `capabilityRefreshMs: 0` (no background /metadata reads) and
// `sourceDefaults: { circuitBreaker: { failureThreshold: 0 } }` (no breaker); calls() leaves /metadata out anyway.
// A second gateway over the same upstreams (e.g. one over a subset, or with other timeouts): f.addGateway({...}).
import type { MemoryFhirServer, RecordedRequest } from '../../src/demo/memory-fhir-server.ts';
import { startGateway, type GatewayHandle, type GraphQLResponse, type StartGatewayOptions } from './gateway.ts';
import { startUpstream, type StartUpstreamOptions } from './upstream.ts';

type Json = Record<string, unknown>;

/** How a gateway of the fixture is started. */
export interface GatewayOptions extends Omit<StartGatewayOptions, 'configFile'> {
  /** The upstreams this gateway fronts, in this order; default all of them, in the order of `sources`. */
  readonly only?: readonly string[];
  /**
   * The gateway's config file. Its `sources` are made from the upstreams (`{ id, baseUrl, ...sourceDefaults,
   * ...sourceConfig[id] }`). Without config, sourceDefaults and sourceConfig the sources are given on the command
   * line with every default.
   */
  readonly config?: Readonly<Json>;
  /** Merged into every source of the config file (e.g. `{ circuitBreaker: { failureThreshold: 0 } }`). */
  readonly sourceDefaults?: Readonly<Json>;
  /** Merged into one source's entry, after sourceDefaults (e.g. `{ c: { timeoutMs: 400 } }`, or another `baseUrl`). */
  readonly sourceConfig?: Readonly<Record<string, Readonly<Json>>>;
}

/** An upstream's seed and options, or a function of the upstreams started before it (they start in order). */
export type UpstreamSpec = StartUpstreamOptions | ((started: Readonly<Record<string, MemoryFhirServer>>) => StartUpstreamOptions);

export interface FixtureOptions extends GatewayOptions {
  /** The upstreams by source id, each with its seed data; default one source `demo` with 10 patients. */
  readonly sources?: Readonly<Record<string, UpstreamSpec>>;
  /** Runs after the upstreams have started, before the gateway does (e.g. reads what they hold first). */
  readonly beforeGateway?: (upstreams: Readonly<Record<string, MemoryFhirServer>>) => Promise<void> | void;
}

/** What an upstream answered to a direct request (its JSON body parsed). */
export interface DirectAnswer<T = any> {
  readonly status: number;
  readonly body: T;
}

export interface Fixture {
  /** The gateway's base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly gateway: GatewayHandle;
  readonly upstreams: Readonly<Record<string, MemoryFhirServer>>;
  /** POSTs a GraphQL operation to /graphql over a real socket. */
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  /** fetch() of a gateway path (`/fhir/Patient/1`). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Requests an upstream received since the last resetCalls(), its /metadata reads left out; all upstreams when no id is given. */
  calls(sourceId?: string): RecordedRequest[];
  /** The calls that are not GETs (the writes). */
  writes(sourceId?: string): RecordedRequest[];
  /** Forgets the requests of one upstream, or of all. */
  resetCalls(sourceId?: string): void;
  /** Every upstream back to how it started: no fault, its own latency (0 unless its spec gave one), no requests. */
  heal(): void;
  /** A request straight to an upstream's own REST API (`Patient/a-pat-0001`); the upstream logs it, so calls() shows it. */
  direct<T = any>(sourceId: string, path: string, init?: RequestInit): Promise<DirectAnswer<T>>;
  /** Starts another gateway over the same upstreams; stop() stops it too, unless it was stopped before. */
  addGateway(options?: GatewayOptions): Promise<GatewayHandle>;
  /** Stops every gateway, then the upstreams. */
  stop(): Promise<void>;
}

/** A request for the CapabilityStatement (the gateway's start-up and refresh reads), e.g. to leave it out of a fault. */
export const isMetadata = (url: string) => /\/metadata(\?|$)/.test(url);
/** A request as `METHOD /path`, its query string dropped (e.g. `POST /Patient`). */
export const methodAndPath = (r: RecordedRequest) => `${r.method} ${r.url.split('?')[0]}`;

export async function startFixture(options: FixtureOptions = {}): Promise<Fixture> {
  const { sources: specs = { demo: {} }, beforeGateway, ...gatewayOptions } = options;
  const upstreams: Record<string, MemoryFhirServer> = {};
  const latencies: Record<string, number> = {};
  const gateways: GatewayHandle[] = [];
  const all = () => Object.values(upstreams);
  const closeAll = () => Promise.all(all().map((u) => u.close()));
  const pick = (sourceId: string | undefined) => {
    if (sourceId === undefined) return all();
    const u = upstreams[sourceId];
    if (u === undefined) throw new Error(`no upstream '${sourceId}' (there are: ${Object.keys(upstreams).join(', ')})`);
    return [u];
  };

  async function addGateway(opts: GatewayOptions = {}): Promise<GatewayHandle> {
    const { only, config, sourceDefaults, sourceConfig, ...startOptions } = opts;
    const ids = only ?? Object.keys(upstreams);
    const baseUrls = Object.fromEntries(ids.map((id) => [id, pick(id)[0]!.baseUrl]));
    const gateway = config === undefined && sourceDefaults === undefined && sourceConfig === undefined
      ? await startGateway(baseUrls, startOptions)
      : await startGateway({}, {
        ...startOptions,
        configFile: {
          ...config,
          sources: ids.map((id) => ({ id, baseUrl: baseUrls[id], ...sourceDefaults, ...sourceConfig?.[id] })),
        },
      });
    // stopped once: by the test that added it, or else by stop()
    const handle: GatewayHandle = {
      ...gateway,
      stop: async () => {
        if (!gateways.includes(handle)) return;
        gateways.splice(gateways.indexOf(handle), 1);
        await gateway.stop();
      },
    };
    gateways.push(handle);
    return handle;
  }

  try {
    for (const [id, spec] of Object.entries(specs)) {
      const options = typeof spec === 'function' ? spec(upstreams) : spec;
      upstreams[id] = await startUpstream(options);
      latencies[id] = options.latencyMs ?? 0;
    }
    await beforeGateway?.(upstreams);
    const gateway = await addGateway(gatewayOptions);
    const calls = (sourceId?: string) => pick(sourceId).flatMap((u) => u.requests.filter((r) => !isMetadata(r.url)));
    return {
      url: gateway.url,
      gateway,
      upstreams,
      gql: (query, variables) => gateway.gql(query, variables),
      fetch: (path, init) => fetch(`${gateway.url}${path}`, init),
      calls,
      writes: (sourceId) => calls(sourceId).filter((r) => r.method !== 'GET'),
      resetCalls: (sourceId) => pick(sourceId).forEach((u) => u.resetRequests()),
      heal() {
        for (const [id, u] of Object.entries(upstreams)) {
          u.setFault(undefined);
          u.setLatency(latencies[id]!);
          u.resetRequests();
        }
      },
      async direct(sourceId, path, init) {
        const res = await fetch(`${pick(sourceId)[0]!.baseUrl}/${path}`, init);
        return { status: res.status, body: await res.json() };
      },
      addGateway,
      async stop() {
        await Promise.all([...gateways].map((g) => g.stop())); // each stop() takes itself off the list
        await closeAll();
      },
    };
  } catch (error) {
    await Promise.all([...gateways].map((g) => g.stop()));
    await closeAll();
    throw error;
  }
}
