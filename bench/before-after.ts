// Before/after in ONE run (BENCH_BASELINE=/path/to/checkout): a second gateway started from that checkout's
// src/main.ts (same node binary and flags, same upstream, same empty config) is measured next to the current one,
// so that the noise of a shared machine hits both alike. Compare the ratios, not absolute numbers across runs.
// Every pair (current, baseline) of one scenario, route, latency and concurrency runs in `rounds` rounds that
// alternate which side goes first (AB BA AB BA, or BA AB BA AB for every other pair: a linear drift of the machine
// cancels out), each round with the bounds of roundBounds; samples, measured time and upstream requests are summed
// over the rounds of a side.
import { execFileSync } from 'node:child_process';
import { percentile, runLoad } from './load.ts';
import type { RunRow } from './report.ts';
import type { Scenario } from './scenarios.ts';
import type { LoadBounds } from './settings.ts';

export interface Side {
  readonly mode: string;
  readonly op: () => Promise<unknown>;
}

export interface UpstreamCounter {
  reset(): Promise<void>;
  count(): Promise<number>;
}

/** One compared row: the same scenario and route through both gateways. */
export interface BeforeAfterPair {
  /** 'GraphQL' (POST /graphql) or 'REST' (GET /fhir/...). */
  readonly route: string;
  readonly current: RunRow;
  readonly baseline: RunRow;
}

/**
 * The bounds of one round: the run's request count (so a CPU-bound row, which reaches its count first, measures
 * `rounds` times as many requests as a plain run: short bursts of ~75 requests were dominated by single GC pauses),
 * half its time (a latency-bound row, which reaches its time first, measures twice as long), 1/rounds of its warm-up.
 */
export function roundBounds(b: LoadBounds, rounds: number): LoadBounds {
  const part = (n: number) => Math.max(1, Math.ceil(n / rounds));
  return { maxRequests: b.maxRequests, maxMs: Math.ceil(b.maxMs / 2), warmupRequests: part(b.warmupRequests), warmupMaxMs: part(b.warmupMaxMs) };
}

/** Runs [current, baseline] in alternating rounds; `baselineFirst` picks the side of the first round. */
export async function runInterleaved(
  sides: readonly [current: Side, baseline: Side],
  at: { readonly latencyMs: number; readonly scenario: Scenario; readonly concurrency: number },
  bounds: LoadBounds,
  rounds: number,
  baselineFirst: boolean,
  upstream: UpstreamCounter,
): Promise<[current: RunRow, baseline: RunRow]> {
  const sums = sides.map((s) => ({ mode: s.mode, latencies: [] as number[], errors: 0, firstError: undefined as string | undefined, elapsedMs: 0, upstreamRequests: 0 }));
  const per = roundBounds(bounds, rounds);
  for (let round = 0; round < rounds; round++) {
    for (const k of (round % 2 === 1) !== baselineFirst ? [1, 0] : [0, 1]) {
      const r = await runLoad(sides[k]!.op, at.concurrency, per, () => upstream.reset());
      const sum = sums[k]!;
      sum.latencies.push(...r.latencies);
      sum.errors += r.errors;
      sum.firstError ??= r.firstError;
      sum.elapsedMs += r.elapsedMs;
      sum.upstreamRequests += await upstream.count();
    }
  }
  const row = (k: number): RunRow => ({ latencyMs: at.latencyMs, scenario: at.scenario, concurrency: at.concurrency, ...sums[k]! });
  return [row(0), row(1)];
}

/**
 * The checkout's HEAD commit and its number of uncommitted changes (`git status --short` lines; an untracked
 * `node_modules` symlink, as a baseline worktree borrows the dependencies, does not count), without git's locks.
 */
export function checkoutFacts(root: string): { commit: string; dirtyLines: number } | undefined {
  try {
    const git = (...args: string[]) => execFileSync('git', ['--no-optional-locks', '-C', root, ...args], { encoding: 'utf8', timeout: 10_000 });
    const changes = git('status', '--short').split('\n').filter((l) => l !== '' && l !== '?? node_modules');
    return { commit: git('rev-parse', '--short', 'HEAD').trim(), dirtyLines: changes.length };
  } catch {
    return undefined;
  }
}

export const describeCheckout = (root: string, facts = checkoutFacts(root)) =>
  facts ? `${root} at ${facts.commit}${facts.dirtyLines > 0 ? ` + uncommitted changes (git status --short: ${facts.dirtyLines} ${facts.dirtyLines === 1 ? 'line' : 'lines'})` : ' (clean)'}` : `${root} (not a git checkout?)`;

const ms = (n: number) => (Number.isNaN(n) ? '–' : n < 10 ? n.toFixed(2) : n.toFixed(1));
const ratio = (cur: number, base: number) => (Number.isFinite(cur / base) ? (cur / base).toFixed(2) : '–');
const rps = (r: RunRow) => (r.latencies.length / r.elapsedMs) * 1000;
const perOp = (r: RunRow) => r.upstreamRequests / Math.max(1, r.latencies.length + r.errors);
const cell = (base: number, cur: number, fmt = ms) => `${fmt(base)} → ${fmt(cur)} (${ratio(cur, base)})`;
const geomean = (xs: readonly number[]) => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / Math.max(1, xs.length));

/** The before/after table: baseline → current (current/baseline) per metric. */
export function beforeAfterTable(pairs: readonly BeforeAfterPair[]): string {
  const lines = [
    '| upstream latency | scenario | route | conc. | n baseline / current | p50 ms | p95 ms | p99 ms | req/s | upstream req/op | errors |',
    '|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { route, current: c, baseline: b } of pairs) {
    const q = (r: RunRow, p: number) => percentile(r.latencies, p);
    lines.push(
      `| ${c.latencyMs} ms | ${c.scenario.id} ${c.scenario.title} | ${route} | ${c.concurrency} | ${b.latencies.length} / ${c.latencies.length} | ` +
        `${cell(q(b, 50), q(c, 50))} | ${cell(q(b, 95), q(c, 95))} | ${cell(q(b, 99), q(c, 99))} | ${cell(rps(b), rps(c), (n) => n.toFixed(1))} | ` +
        `${perOp(b).toFixed(2)} → ${perOp(c).toFixed(2)} | ${b.errors} / ${c.errors} |`,
    );
  }
  const summary = [...new Set(pairs.map((p) => `${p.route}|${p.current.concurrency}`))].map((key) => {
    const group = pairs.filter((p) => `${p.route}|${p.current.concurrency}` === key);
    const p50s = group.map((p) => percentile(p.current.latencies, 50) / percentile(p.baseline.latencies, 50));
    const tput = group.map((p) => rps(p.current) / rps(p.baseline));
    return `- ${group[0]!.route}, concurrency ${group[0]!.current.concurrency} (${group.length} rows): p50 ratio geometric mean ` +
      `${geomean(p50s).toFixed(3)} (range ${Math.min(...p50s).toFixed(2)}–${Math.max(...p50s).toFixed(2)}), req/s ratio geometric mean ${geomean(tput).toFixed(3)}`;
  });
  return [...lines, '', 'Cells: baseline → current (current / baseline; above 1 is slower for latencies, faster for req/s).', '', ...summary].join('\n');
}
