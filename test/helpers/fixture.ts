// THE test fixture: real FHIR upstreams (Medplum's in-memory server over loopback HTTP, seeded with deterministic
// synthetic data) and the real gateway in front of them (config -> app -> node:http on 127.0.0.1), with the upstream
// calls counted. Every integration test starts its world with startFixture().
//
//   const f = await startFixture({ sources: { a: { patients: 20, idPrefix: 'a' }, b: {} } });
//   const res = await f.gql('{ PatientList { id } }');
//   expect(f.calls('a').map((r) => r.url)).toEqual(['/Patient?_count=20']);
//   await f.stop();
import type { MemoryFhirServer, RecordedRequest } from '../../src/demo/memory-fhir-server.ts';
import { startGateway, type GatewayHandle, type GraphQLResponse, type StartGatewayOptions } from './gateway.ts';
import { startUpstream, type StartUpstreamOptions } from './upstream.ts';

export interface FixtureOptions extends Omit<StartGatewayOptions, 'configFile'> {
  /** The upstreams by source id, each with its seed data; default one source `demo` with 10 patients. */
  readonly sources?: Readonly<Record<string, StartUpstreamOptions>>;
  /**
   * The gateway's config file. Its `sources` are made from the upstreams (with `sourceDefaults` merged into each);
   * without it the sources are given on the command line with every default.
   */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Merged into every source of a config file (e.g. `{ circuitBreaker: { failureThreshold: 0 } }`). */
  readonly sourceDefaults?: Readonly<Record<string, unknown>>;
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
  resetCalls(): void;
  stop(): Promise<void>;
}

const isMetadata = (url: string) => /\/metadata(\?|$)/.test(url);

export async function startFixture(options: FixtureOptions = {}): Promise<Fixture> {
  const specs = options.sources ?? { demo: {} };
  const upstreams: Record<string, MemoryFhirServer> = {};
  try {
    for (const [id, spec] of Object.entries(specs)) upstreams[id] = await startUpstream(spec);
    const baseUrls = Object.fromEntries(Object.entries(upstreams).map(([id, u]) => [id, u.baseUrl]));
    const { sources: _ignored, config, sourceDefaults, ...gatewayOptions } = options;
    const gateway = config === undefined
      ? await startGateway(baseUrls, gatewayOptions)
      : await startGateway({}, {
        ...gatewayOptions,
        configFile: {
          ...config,
          sources: Object.entries(baseUrls).map(([id, baseUrl]) => ({ id, baseUrl, ...sourceDefaults })),
        },
      });
    const all = () => Object.values(upstreams);
    return {
      url: gateway.url,
      gateway,
      upstreams,
      gql: (query, variables) => gateway.gql(query, variables),
      fetch: (path, init) => fetch(`${gateway.url}${path}`, init),
      calls: (sourceId) => (sourceId === undefined ? all() : [upstreams[sourceId]!]).flatMap((u) => u.requests.filter((r) => !isMetadata(r.url))),
      resetCalls: () => all().forEach((u) => u.resetRequests()),
      async stop() {
        await gateway.stop();
        await Promise.all(all().map((u) => u.close()));
      },
    };
  } catch (error) {
    await Promise.all(Object.values(upstreams).map((u) => u.close()));
    throw error;
  }
}
