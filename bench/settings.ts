// Benchmark settings, read once from the environment of `npm run bench`:
//   BENCH_LATENCY=0,20   injected upstream latencies (ms), the whole suite runs once per value
//   BENCH_QUICK=1        fewer iterations (smoke run, ~1 min): numbers are indicative only
//   BENCH_COLD=3         cold-start runs (0 skips them)
//   BENCH_FEDERATION=0   skip the federated part (3 sources; one source hung)
//   BENCH_FED_LATENCY=50 injected latency (ms) of each of the 3 sources in the federated part
//   BENCH_BASELINE=/dir  also start a gateway from that checkout's src/main.ts and compare it with this one
//                        (bench/before-after.ts): s1–s5 through GraphQL, s1/s2 through /fhir, interleaved rounds
//   BENCH_PEERS=0|1|only the peers part (bench/peers.ts: gateway, Medplum's GraphQL engine and the direct client as
//                        serving processes, CPU per query; default 1 = after the rest; `only` = nothing else)
//   BENCH_PEERS_LATENCY=10, BENCH_PEERS_CONCURRENCY=8, BENCH_PEERS_PATIENTS=200   its setting (the issue's)
//   BENCH_PEERS_PROFILE=1  then profile the gateway on s5 at that setting (node --cpu-prof; default 0)
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface LoadBounds {
  /** Measured requests per run, at most. */
  readonly maxRequests: number;
  /** Measured phase stops starting new requests after this many ms. */
  readonly maxMs: number;
  /** Warm-up requests (not measured), at most. */
  readonly warmupRequests: number;
  /** Warm-up stops starting new requests after this many ms. */
  readonly warmupMaxMs: number;
}

export interface FederationSettings {
  readonly enabled: boolean;
  /** Source ids, also the id prefixes of their data (same seed: the same people under other ids). */
  readonly sourceIds: readonly string[];
  /** Injected latency of every source. */
  readonly latencyMs: number;
  /** The source that hangs in the hung-source runs (its timeoutMs is `hungTimeoutMs`, retries 0). */
  readonly hungSourceId: string;
  readonly hungTimeoutMs: number;
  /** Allowance over the hung source's timeout (DESIGN §12: timeout + 50 ms). */
  readonly hungSlackMs: number;
  /** Measured requests (and a time budget) of each hung-source run, per concurrency. */
  readonly hungBounds: ReadonlyArray<{ readonly concurrency: number; readonly maxRequests: number; readonly maxMs: number }>;
  /** The breaker of the breaker run; the requests that run sends at concurrency 1, and after it at 10. */
  readonly breaker: { readonly failureThreshold: number; readonly resetTimeoutMs: number };
  readonly breakerBounds: { readonly serialRequests: number; readonly serialMaxMs: number; readonly c10Requests: number; readonly c10MaxMs: number };
}

export interface PeersSettings {
  /** 'off': skipped; 'on': after the rest of the suite; 'only': nothing else runs. */
  readonly mode: 'off' | 'on' | 'only';
  readonly patients: number;
  readonly latencyMs: number;
  readonly concurrency: number;
  /** Scenario ids measured (s3–s5). */
  readonly scenarioIds: readonly string[];
  /** Medplum's graphqlBatchedSearchSize of the batched peer route (the unbatched route has Medplum's default, 0). */
  readonly medplumBatchSize: number;
  /** Rounds per scenario: every mode once per round, the order rotated from round to round. */
  readonly rounds: number;
  /** Bounds of one mode's turn in one round (warm-up, then measured). */
  readonly roundBounds: LoadBounds;
  /** JIT warm-up per mode and scenario before the first round (concurrency as measured). */
  readonly jitBounds: LoadBounds;
  readonly profile: boolean;
  /** Profile: warm-up, then the profiled window (ms). */
  readonly profileWarmMs: number;
  readonly profileMs: number;
}

export interface BenchSettings {
  readonly root: string;
  readonly nodeBin: string;
  /** Node options of package.json's `start` script (`node --x src/main.ts`), so the gateway runs as `npm start` runs it. */
  readonly gatewayNodeFlags: readonly string[];
  readonly quick: boolean;
  readonly latencies: readonly number[];
  readonly concurrencies: readonly number[];
  readonly bounds: LoadBounds;
  readonly coldStartRuns: number;
  readonly patients: number;
  readonly seed: number;
  /** Connections per origin of the benchmark's own HTTP clients (the gateway's default maxConnections is 16). */
  readonly clientConnections: number;
  readonly outDir: string;
  readonly federation: FederationSettings;
  /** BENCH_BASELINE: a checkout whose gateway is measured next to this one (undefined: no comparison). */
  readonly baseline: { readonly root: string; readonly rounds: number } | undefined;
  readonly peers: PeersSettings;
}

function parseList(text: string, name: string): number[] {
  const values = text.split(',').map((s) => Number(s.trim()));
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 0 || v > 1000)) {
    throw new Error(`${name} must be a comma-separated list of integers 0..1000, got ${JSON.stringify(text)}`);
  }
  return values;
}

/** The `--flags` between `node` and `src/main.ts` in package.json's start script; [] when it has another shape. */
function startScriptFlags(root: string): string[] {
  try {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    const m = /^node\s+((?:--\S+\s+)*)src\/main\.ts\b/.exec(pkg.scripts?.['start'] ?? '');
    return m?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
  } catch {
    return [];
  }
}

export function readSettings(env: Readonly<Record<string, string | undefined>>): BenchSettings {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const localNode = join(root, 'node_modules', '.bin', 'node');
  const quick = env['BENCH_QUICK'] === '1' || env['BENCH_QUICK'] === 'true';
  const baselineRoot = env['BENCH_BASELINE'] ? resolve(env['BENCH_BASELINE']) : undefined;
  if (baselineRoot !== undefined && !existsSync(join(baselineRoot, 'src', 'main.ts'))) {
    throw new Error(`BENCH_BASELINE must be a checkout of this repository (no src/main.ts in ${baselineRoot})`);
  }
  const peersEnv = env['BENCH_PEERS'] ?? '1';
  if (!['0', '1', 'only', 'false', 'true'].includes(peersEnv)) throw new Error(`BENCH_PEERS must be 0, 1 or only, got ${JSON.stringify(peersEnv)}`);
  const coldStartRuns = env['BENCH_COLD'] === undefined ? 3 : parseList(env['BENCH_COLD'], 'BENCH_COLD')[0]!;
  return Object.freeze({
    root,
    nodeBin: existsSync(localNode) ? localNode : process.execPath,
    gatewayNodeFlags: startScriptFlags(root),
    quick,
    latencies: parseList(env['BENCH_LATENCY'] ?? '0,20', 'BENCH_LATENCY'),
    concurrencies: [1, 10],
    bounds: quick
      ? { maxRequests: 40, maxMs: 1000, warmupRequests: 5, warmupMaxMs: 500 }
      : { maxRequests: 300, maxMs: 2500, warmupRequests: 20, warmupMaxMs: 1000 },
    coldStartRuns: Math.min(coldStartRuns, 10),
    patients: 100,
    seed: 1,
    clientConnections: 16,
    outDir: join(root, '.bench-out'),
    peers: Object.freeze({
      mode: peersEnv === 'only' ? 'only' : peersEnv === '0' || peersEnv === 'false' ? 'off' : 'on',
      patients: parseList(env['BENCH_PEERS_PATIENTS'] ?? '200', 'BENCH_PEERS_PATIENTS')[0]!,
      latencyMs: parseList(env['BENCH_PEERS_LATENCY'] ?? '10', 'BENCH_PEERS_LATENCY')[0]!,
      concurrency: Math.max(1, Math.min(64, parseList(env['BENCH_PEERS_CONCURRENCY'] ?? '8', 'BENCH_PEERS_CONCURRENCY')[0]!)),
      scenarioIds: ['s3', 's4', 's5'],
      medplumBatchSize: 100,
      rounds: quick ? 1 : 3,
      roundBounds: quick
        ? { maxRequests: 100, maxMs: 1500, warmupRequests: 8, warmupMaxMs: 300 }
        : { maxRequests: 1000, maxMs: 4000, warmupRequests: 16, warmupMaxMs: 500 },
      jitBounds: quick
        ? { maxRequests: 50, maxMs: 1000, warmupRequests: 0, warmupMaxMs: 0 }
        : { maxRequests: 300, maxMs: 3000, warmupRequests: 0, warmupMaxMs: 0 },
      profile: env['BENCH_PEERS_PROFILE'] === '1' || env['BENCH_PEERS_PROFILE'] === 'true',
      profileWarmMs: quick ? 1000 : 3000,
      profileMs: quick ? 3000 : 15_000,
    }),
    baseline: baselineRoot === undefined ? undefined : Object.freeze({ root: baselineRoot, rounds: quick ? 2 : 4 }),
    federation: Object.freeze({
      enabled: env['BENCH_FEDERATION'] !== '0' && env['BENCH_FEDERATION'] !== 'false',
      sourceIds: ['a', 'b', 'c'],
      latencyMs: parseList(env['BENCH_FED_LATENCY'] ?? '50', 'BENCH_FED_LATENCY')[0]!,
      hungSourceId: 'c',
      hungTimeoutMs: 1000,
      hungSlackMs: 50,
      hungBounds: quick
        ? [{ concurrency: 1, maxRequests: 4, maxMs: 5000 }, { concurrency: 10, maxRequests: 20, maxMs: 3000 }]
        : [{ concurrency: 1, maxRequests: 20, maxMs: 25_000 }, { concurrency: 10, maxRequests: 100, maxMs: 12_000 }],
      breaker: { failureThreshold: 5, resetTimeoutMs: 30_000 },
      // The breaker run stays well inside resetTimeoutMs after the circuit opened (≈ 5 × timeout, then fail-fast).
      breakerBounds: quick
        ? { serialRequests: 10, serialMaxMs: 10_000, c10Requests: 50, c10MaxMs: 1500 }
        : { serialRequests: 40, serialMaxMs: 15_000, c10Requests: 300, c10MaxMs: 2500 },
    }),
  });
}
