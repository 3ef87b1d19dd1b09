// The peers part's report (bench/peers.ts): one table per run (req/s, p50/p95/p99, CPU ms per query of each serving
// process, upstream requests and upstream CPU per query), the issue's two goals on s5 and DESIGN §12's throughput
// target, what each mode sent upstream for one query, and the gateway's CPU profile when it was taken.
import { CLK_TCK, ticksToMs } from './cpu.ts';
import { percentile } from './load.ts';
import { PEER_DIRECT, PEER_GATEWAY, PEER_MEDPLUM, PEER_MEDPLUM_DEFAULT, type PeerRow, type PeersResult } from './peers.ts';
import type { Check } from './report.ts';
import type { PeersSettings } from './settings.ts';

const f1 = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(1));
const f2 = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(2));
const ops = (r: PeerRow) => Math.max(1, r.latencies.length + r.errors);
export const peerRps = (r: PeerRow) => (r.latencies.length / r.elapsedMs) * 1000;
export const peerCpuMs = (r: PeerRow) => ticksToMs(r.servingTicks) / ops(r);

export function peersTable(rows: readonly PeerRow[]): string {
  const lines = [
    '| scenario | serving process | n | p50 ms | p95 ms | p99 ms | req/s | CPU ms/query (serving process) | its CPU ticks | upstream req/query | upstream CPU ms/query | load generator CPU ms/query | errors |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.scenario.id} ${r.scenario.title} | ${r.mode} | ${r.latencies.length} | ${f1(percentile(r.latencies, 50))} | ${f1(percentile(r.latencies, 95))} | ${f1(percentile(r.latencies, 99))} | ` +
        `${f1(peerRps(r))} | **${f2(peerCpuMs(r))}** | ${r.servingTicks} | ${f2(r.upstreamRequests / ops(r))} | ${f2(ticksToMs(r.upstreamTicks) / ops(r))} | ${f2(r.loadgenCpuMs / ops(r))} | ${r.errors} |`,
    );
  }
  return lines.join('\n');
}

const find = (rows: readonly PeerRow[], id: string, mode: string) => rows.find((r) => r.scenario.id === id && r.mode === mode);

/** Per scenario: the gateway's CPU per query against each Medplum route, and its throughput against the others'. */
export function ratiosTable(rows: readonly PeerRow[]): string {
  const lines = [
    '| scenario | gateway CPU/query ÷ Medplum batched | ÷ Medplum default | gateway req/s ÷ direct client | gateway req/s ÷ Medplum batched | ÷ Medplum default | direct client CPU/query ÷ gateway |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const id of [...new Set(rows.map((r) => r.scenario.id))]) {
    const gw = find(rows, id, PEER_GATEWAY);
    const mb = find(rows, id, PEER_MEDPLUM);
    const md = find(rows, id, PEER_MEDPLUM_DEFAULT);
    const dc = find(rows, id, PEER_DIRECT);
    if (!gw) continue;
    const cpu = (o: PeerRow | undefined) => (o ? f2(peerCpuMs(gw) / peerCpuMs(o)) : '–');
    const tput = (o: PeerRow | undefined) => (o ? f2(peerRps(gw) / peerRps(o)) : '–');
    lines.push(`| ${id} | ${cpu(mb)} | ${cpu(md)} | ${tput(dc)} | ${tput(mb)} | ${tput(md)} | ${dc ? f2(peerCpuMs(dc) / peerCpuMs(gw)) : '–'} |`);
  }
  return lines.join('\n');
}

/** The issue's goals on s5 (against both Medplum routes) and DESIGN §12's "≥ 3× Medplum's throughput on the nested scenario". */
export function peersChecks(rows: readonly PeerRow[], p: PeersSettings): Check[] {
  const checks: Check[] = [];
  const at = `s5, upstream ${p.latencyMs} ms, concurrency ${p.concurrency}, ${p.patients} patients`;
  const gw = find(rows, 's5', PEER_GATEWAY);
  if (!gw) return checks;
  for (const mode of [PEER_MEDPLUM, PEER_MEDPLUM_DEFAULT]) {
    const m = find(rows, 's5', mode);
    if (!m) continue;
    const ratio = peerCpuMs(gw) / peerCpuMs(m);
    checks.push({
      name: `${at}: gateway CPU per query ÷ ${mode}'s`,
      target: '≤ 1/3 (0.33)',
      measured: `${f2(ratio)} (${f2(peerCpuMs(gw))} / ${f2(peerCpuMs(m))} ms)`,
      pass: ratio <= 1 / 3,
    });
  }
  const dc = find(rows, 's5', PEER_DIRECT);
  if (dc) {
    const ratio = peerRps(gw) / peerRps(dc);
    checks.push({
      name: `${at}: gateway req/s ÷ direct client's`,
      target: '≥ 0.90',
      measured: `${f2(ratio)} (${f1(peerRps(gw))} / ${f1(peerRps(dc))} req/s)`,
      pass: ratio >= 0.9,
    });
  }
  for (const mode of [PEER_MEDPLUM, PEER_MEDPLUM_DEFAULT]) {
    const m = find(rows, 's5', mode);
    if (!m) continue;
    const ratio = peerRps(gw) / peerRps(m);
    checks.push({
      name: `${at}: gateway req/s ÷ ${mode}'s (DESIGN §12: ≥ 3× on the nested scenario)`,
      target: '≥ 3',
      measured: `${f2(ratio)} (${f1(peerRps(gw))} / ${f1(peerRps(m))} req/s)`,
      pass: ratio >= 3,
    });
  }
  return checks;
}

function tracesList(result: PeersResult): string {
  const out: string[] = [];
  for (const t of result.traces) {
    const items = Object.entries(t.items).map(([mode, n]) => `${mode} ${n}`).join(', ');
    const same = Object.entries(t.sameData).filter(([m]) => m !== PEER_GATEWAY).map(([m, ok]) => `${m}: ${ok ? 'identical' : '**differs**'}`).join(', ');
    out.push(`- **${t.scenario.id} ${t.scenario.title}** — items: ${items}. Data against the gateway's answer: ${same}. Upstream requests:`);
    const gwUrls = t.urls[PEER_GATEWAY] ?? [];
    for (const [mode, urls] of Object.entries(t.urls)) {
      const sameUrls = mode !== PEER_GATEWAY && urls.join('\n') === gwUrls.join('\n');
      const shown = urls.slice(0, 4).map((u) => `\`${u.length > 110 ? u.slice(0, 107) + '...' : u}\``).join(', ');
      out.push(`  - ${mode} (${urls.length}): ${sameUrls ? "the gateway's, exactly" : shown + (urls.length > 4 ? `, ... (${urls.length - 4} more)` : '')}`);
    }
  }
  return out.join('\n');
}

export function peersSection(result: PeersResult, p: PeersSettings, checks: readonly Check[], checksTable: (c: readonly Check[]) => string): string {
  const parts = [
    `### Peers: gateway, Medplum's GraphQL engine, direct client (${p.patients} patients, upstream ${p.latencyMs} ms, concurrency ${p.concurrency})`,
    `Three kinds of serving process over one upstream (Medplum in-memory server, ${p.patients} patients, own process), each answering ` +
      `POST /graphql with the scenario's query; load generator: this process, closed loop, concurrency ${p.concurrency}. ` +
      `${p.rounds} round(s) per scenario, every mode once per round (order rotated), each turn ≤ ${p.roundBounds.warmupRequests} requests / ${p.roundBounds.warmupMaxMs} ms ` +
      `warm-up, then ≤ ${p.roundBounds.maxRequests} requests / ${p.roundBounds.maxMs} ms measured; before the rounds a JIT warm-up of ≤ ${p.jitBounds.maxRequests} requests / ${p.jitBounds.maxMs} ms per scenario and mode. ` +
      `CPU: utime + stime of the serving process from /proc/<pid>/stat over the measured phases (CLK_TCK ${CLK_TCK}: ${1000 / CLK_TCK} ms per tick), ÷ queries answered. ` +
      `Medplum batched and default are two routes of one process (\`graphqlBatchedSearchSize\` ${p.medplumBatchSize} and 0, Medplum server's default).`,
    '',
    ...result.processes.map((x) => `- ${x.mode}: pid ${x.pid}, ${x.what}; RSS after the rounds ${f1(x.rssMb)} MB`),
    '',
    peersTable(result.rows),
    '',
    ratiosTable(result.rows),
    '',
    checksTable(checks),
    '',
    '#### One query of each scenario per serving process (upstream latency 0)',
    tracesList(result),
    ...result.notes.map((n) => `- ${n}`),
  ];
  if (result.profile) {
    const pr = result.profile;
    parts.push(
      '',
      `#### Gateway CPU profile, s5 at the same setting (\`node --cpu-prof --cpu-prof-interval=500\`, a fresh gateway alone on the upstream)`,
      `${pr.queries} queries in ${f1(pr.elapsedMs / 1000)} s (p50 ${f1(pr.p50Ms)} ms under the profiler), /proc CPU ${f2(pr.cpuMsPerQuery)} ms per query; profile \`${pr.file.replace(/^.*\/\.bench-out\//, '.bench-out/')}\`.`,
      '',
      pr.markdown,
    );
  }
  return parts.join('\n');
}
