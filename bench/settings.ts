// Benchmark settings, read once from the environment of `npm run bench`:
//   BENCH_LATENCY=0,20   injected upstream latencies (ms), the whole suite runs once per value
//   BENCH_QUICK=1        fewer iterations (smoke run, ~1 min): numbers are indicative only
//   BENCH_COLD=3         cold-start runs (0 skips them)
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
  });
}
