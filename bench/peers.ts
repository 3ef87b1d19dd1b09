// The peers part of `npm run bench` (issue 10; DESIGN §12 "against Medplum's own GraphQL engine over the same
// upstream"): s3–s5 answered by three kinds of serving process over one upstream, each measured alike —
// latency and throughput at the load generator, CPU per query of the serving process from /proc/<pid>/stat:
//
//   gateway                 `node [start-script flags] src/main.ts --source demo=<upstream>`, empty config
//   Medplum GraphQL         bench/medplum-peer-process.ts: @medplum/fhir-router's GraphQL handler over a REST-backed
//                           repository (bench/rest-repository.ts), two routes of one process:
//                             batched  graphqlBatchedSearchSize 100: reverse references in one search per type
//                             default  graphqlBatchedSearchSize 0 (Medplum server's default): one search per parent
//   direct client           bench/direct-process.ts: the hand-written client (`serveDirect` in bench/scenarios.ts: the
//                           gateway's REST requests, exactly) run per request, answering the GraphQL-shaped data
//
// Own upstream (Medplum in-memory server, BENCH_PEERS_PATIENTS = 200 patients, injected BENCH_PEERS_LATENCY = 10 ms),
// closed loop at BENCH_PEERS_CONCURRENCY = 8 (the issue's setting). Before the load, one query per scenario and mode
// at 0 ms: item counts, the answer's data (compared with the gateway's) and the upstream requests. Then a JIT warm-up
// per scenario and mode, then `rounds` rounds in which every mode runs once (order rotated per round), each turn a
// short warm-up and a bounded measured phase; samples, time, CPU ticks and upstream requests summed per mode.
// With BENCH_PEERS_PROFILE=1 a fresh gateway runs s5 under `node --cpu-prof` afterwards (bench/cpu-profile.ts).
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuTicks, ownCpuMs, ticksToMs } from './cpu.ts';
import { profileTables, readProfile, summariseProfile, type ProfileSummary } from './cpu-profile.ts';
import { createClient } from './http.ts';
import { runLoad } from './load.ts';
import { memoryOf, startGateway, startServing, startUpstream, waitReady, type GatewayHandle } from './processes.ts';
import type { RunRow } from './report.ts';
import { SCENARIOS, type Scenario } from './scenarios.ts';
import type { BenchSettings } from './settings.ts';

export const PEER_GATEWAY = 'gateway';
export const PEER_MEDPLUM = 'Medplum GraphQL, batched';
export const PEER_MEDPLUM_DEFAULT = 'Medplum GraphQL, default (unbatched)';
export const PEER_DIRECT = 'direct client';

export interface PeerRow extends RunRow {
  /** CPU ticks (utime + stime) of the serving process, of the upstream, over the measured phases. */
  readonly servingTicks: number;
  readonly upstreamTicks: number;
  /** The load generator's own CPU over the measured phases, ms. */
  readonly loadgenCpuMs: number;
}

export interface PeerTrace {
  readonly scenario: Scenario;
  readonly items: Record<string, number>;
  /** Whether the answer's data equals the gateway's (keys order-insensitive). */
  readonly sameData: Record<string, boolean>;
  readonly urls: Record<string, string[]>;
}

export interface PeerProfile {
  readonly file: string;
  readonly queries: number;
  readonly elapsedMs: number;
  readonly cpuMsPerQuery: number;
  readonly p50Ms: number;
  readonly summary: ProfileSummary;
  readonly markdown: string;
}

export interface PeersResult {
  readonly rows: readonly PeerRow[];
  readonly traces: readonly PeerTrace[];
  readonly processes: ReadonlyArray<{ mode: string; what: string; pid: number; rssMb: number | undefined }>;
  readonly profile: PeerProfile | undefined;
  readonly notes: readonly string[];
}

export interface PeersEnv {
  readonly settings: BenchSettings;
  readonly log: (msg: string) => void;
  readonly track: (child: { stop(): Promise<void> }) => void;
}

/** JSON with object keys sorted, so that two answers compare by content. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

const hrUs = () => Number(process.hrtime.bigint() / 1000n);

export async function runPeers({ settings, log, track }: PeersEnv): Promise<PeersResult> {
  const p = settings.peers;
  const notes: string[] = [];
  const upstream = await startUpstream(settings.root, settings.nodeBin, { patients: p.patients, seed: settings.seed, latencyMs: 0 });
  track(upstream);
  log(`peers: upstream ${upstream.baseUrl} (pid ${upstream.pid}, ${p.patients} patients)`);
  const configPath = join(settings.outDir, 'gateway-peers.json');
  writeFileSync(configPath, JSON.stringify({}, null, 2) + '\n');
  const startGw = async (extraFlags: readonly string[] = []): Promise<GatewayHandle> => {
    const gw = await startGateway(settings.root, settings.nodeBin, upstream.baseUrl, { nodeFlags: [...settings.gatewayNodeFlags, ...extraFlags], args: ['--config', configPath] });
    track(gw);
    await waitReady(gw.url);
    return gw;
  };
  let gateway = await startGw();
  log(`peers: gateway ${gateway.url} (pid ${gateway.pid})`);
  const medplum = await startServing(settings.root, settings.nodeBin, 'medplum-peer-process.ts', [upstream.baseUrl, String(p.medplumBatchSize)]);
  track(medplum);
  log(`peers: Medplum GraphQL ${medplum.baseUrl} (pid ${medplum.pid})`);
  const direct = await startServing(settings.root, settings.nodeBin, 'direct-process.ts', [upstream.baseUrl, 'pat-0001']);
  track(direct);
  log(`peers: direct client ${direct.baseUrl} (pid ${direct.pid})`);

  const modes = [
    { mode: PEER_GATEWAY, url: `${gateway.url}/graphql`, pid: gateway.pid, what: `node ${[...settings.gatewayNodeFlags, 'src/main.ts'].join(' ')}` },
    { mode: PEER_MEDPLUM, url: `${medplum.baseUrl}/graphql`, pid: medplum.pid, what: `bench/medplum-peer-process.ts POST /graphql (graphqlBatchedSearchSize ${p.medplumBatchSize})` },
    { mode: PEER_MEDPLUM_DEFAULT, url: `${medplum.baseUrl}/graphql-unbatched`, pid: medplum.pid, what: 'bench/medplum-peer-process.ts POST /graphql-unbatched (graphqlBatchedSearchSize 0), the same process' },
    { mode: PEER_DIRECT, url: `${direct.baseUrl}/graphql`, pid: direct.pid, what: 'bench/direct-process.ts POST /graphql' },
  ];
  const scenarios = SCENARIOS.filter((s) => p.scenarioIds.includes(s.id));
  const client = createClient(settings.clientConnections);
  const opOf = (s: Scenario, url: string) => () => client.graphql(url, s.query).then(s.countGraphql);

  // One query of each scenario and mode on its own (0 ms): items, data, upstream requests.
  const traces: PeerTrace[] = [];
  const repoBefore = await medplum.ask<{ upstreamRequests: number }>('stats', 'stats');
  let medplumUpstream = 0;
  for (const s of scenarios) {
    const items: Record<string, number> = {};
    const sameData: Record<string, boolean> = {};
    const urls: Record<string, string[]> = {};
    let reference = '';
    for (const m of modes) {
      await upstream.reset();
      const data = await client.graphql(m.url, s.query);
      items[m.mode] = s.countGraphql(data);
      urls[m.mode] = await upstream.urls();
      if (m.pid === medplum.pid) medplumUpstream += urls[m.mode]!.length;
      if (m.mode === PEER_GATEWAY) reference = canonical(data);
      sameData[m.mode] = canonical(data) === reference;
    }
    if (new Set(Object.values(items)).size !== 1) log(`WARNING peers ${s.id}: modes fetched different item counts: ${JSON.stringify(items)}`);
    const differing = Object.entries(sameData).filter(([, same]) => !same).map(([mode]) => mode);
    if (differing.length > 0) log(`WARNING peers ${s.id}: answer data differs from the gateway's for ${differing.join(', ')}`);
    traces.push({ scenario: s, items, sameData, urls });
  }
  const repoAfter = await medplum.ask<{ upstreamRequests: number }>('stats', 'stats');
  const repoCounted = repoAfter.upstreamRequests - repoBefore.upstreamRequests;
  notes.push(
    `Medplum's REST repository counted ${repoCounted} HTTP requests for the ${scenarios.length * 2} Medplum queries above; the upstream received ${medplumUpstream}` +
      `${repoCounted === medplumUpstream ? ' (equal: every read and search the engine asked for became an HTTP request).' : ' (NOT equal: check bench/rest-repository.ts).'}`,
  );

  await upstream.setLatency(p.latencyMs);
  for (const s of scenarios) for (const m of modes) await runLoad(opOf(s, m.url), p.concurrency, p.jitBounds);
  log('peers: warmed up');

  const rows: PeerRow[] = [];
  for (const s of scenarios) {
    const sums = modes.map((m) => ({ mode: m.mode, latencies: [] as number[], errors: 0, firstError: undefined as string | undefined, elapsedMs: 0, upstreamRequests: 0, servingTicks: 0, upstreamTicks: 0, loadgenCpuMs: 0 }));
    for (let round = 0; round < p.rounds; round++) {
      for (let k = 0; k < modes.length; k++) {
        const i = (k + round) % modes.length;
        const m = modes[i]!;
        let at = { serving: 0, upstream: 0, loadgen: 0 };
        const r = await runLoad(opOf(s, m.url), p.concurrency, p.roundBounds, async () => {
          await upstream.reset();
          at = { serving: cpuTicks(m.pid) ?? NaN, upstream: cpuTicks(upstream.pid) ?? NaN, loadgen: ownCpuMs() };
        });
        const servingTicks = (cpuTicks(m.pid) ?? NaN) - at.serving;
        const upstreamTicks = (cpuTicks(upstream.pid) ?? NaN) - at.upstream;
        const loadgenCpuMs = ownCpuMs() - at.loadgen;
        const sum = sums[i]!;
        sum.latencies.push(...r.latencies);
        sum.errors += r.errors;
        sum.firstError ??= r.firstError;
        sum.elapsedMs += r.elapsedMs;
        sum.upstreamRequests += await upstream.count();
        sum.servingTicks += servingTicks;
        sum.upstreamTicks += upstreamTicks;
        sum.loadgenCpuMs += loadgenCpuMs;
      }
    }
    for (const sum of sums) {
      const row: PeerRow = { latencyMs: p.latencyMs, scenario: s, concurrency: p.concurrency, ...sum };
      rows.push(row);
      const sorted = [...row.latencies].sort((a, b) => a - b);
      const ops = Math.max(1, sorted.length + row.errors);
      log(`peers ${s.id} ${row.mode.padEnd(36)} n=${String(sorted.length).padStart(4)} p50=${(sorted[Math.floor(sorted.length / 2)] ?? NaN).toFixed(1)} ms ` +
        `req/s=${((sorted.length / row.elapsedMs) * 1000).toFixed(1)} cpu/q=${(ticksToMs(row.servingTicks) / ops).toFixed(2)} ms (${row.servingTicks} ticks) up/op=${(row.upstreamRequests / ops).toFixed(2)}` +
        `${row.errors ? ` errors=${row.errors} (${row.firstError})` : ''}`);
    }
  }
  const processes = [
    { mode: PEER_GATEWAY, what: modes[0]!.what, pid: gateway.pid, rssMb: memoryOf(gateway.pid)?.rssMb },
    { mode: `${PEER_MEDPLUM} / default`, what: 'bench/medplum-peer-process.ts', pid: medplum.pid, rssMb: memoryOf(medplum.pid)?.rssMb },
    { mode: PEER_DIRECT, what: modes[3]!.what, pid: direct.pid, rssMb: memoryOf(direct.pid)?.rssMb },
    { mode: 'upstream', what: 'bench/upstream-process.ts', pid: upstream.pid, rssMb: memoryOf(upstream.pid)?.rssMb },
  ];

  let profile: PeerProfile | undefined;
  const s5 = scenarios.find((s) => s.id === 's5');
  if (p.profile && s5) {
    // A fresh gateway under the profiler, alone on the upstream (the measured one is stopped first).
    await gateway.stop();
    const dir = join(settings.outDir, 'profile');
    mkdirSync(dir, { recursive: true });
    for (const f of readdirSync(dir)) if (f.endsWith('.cpuprofile')) rmSync(join(dir, f));
    const interval = 500;
    gateway = await startGw(['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-interval=${interval}`]);
    log(`peers: profiling gateway ${gateway.url} (pid ${gateway.pid}) on s5`);
    const op = opOf(s5, `${gateway.url}/graphql`);
    await runLoad(op, p.concurrency, { maxRequests: 100_000, maxMs: p.profileWarmMs, warmupRequests: 0, warmupMaxMs: 0 });
    let fromUs = 0;
    let ticks0 = 0;
    const r = await runLoad(op, p.concurrency, { maxRequests: 100_000, maxMs: p.profileMs, warmupRequests: 0, warmupMaxMs: 0 }, async () => {
      ticks0 = cpuTicks(gateway.pid) ?? NaN;
      fromUs = hrUs();
    });
    const toUs = hrUs();
    const ticks = (cpuTicks(gateway.pid) ?? NaN) - ticks0;
    await gateway.stop();
    const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
    if (file) {
      const queries = r.latencies.length + r.errors;
      const summary = summariseProfile(readProfile(file), { fromUs, toUs });
      const sorted = [...r.latencies].sort((a, b) => a - b);
      profile = {
        file,
        queries,
        elapsedMs: r.elapsedMs,
        cpuMsPerQuery: ticksToMs(ticks) / Math.max(1, queries),
        p50Ms: sorted[Math.floor(sorted.length / 2)] ?? NaN,
        summary,
        markdown: profileTables(summary, queries),
      };
      log(`peers: profile ${file}: ${queries} queries, ${(summary.busyUs / 1000).toFixed(0)} ms busy`);
    } else {
      notes.push(`the profiled gateway wrote no .cpuprofile into ${dir}`);
    }
  }
  await client.close();
  return { rows, traces, processes, profile, notes };
}
