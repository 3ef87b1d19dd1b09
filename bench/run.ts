// `npm run bench`: first four processes on 127.0.0.1 —
//   1. the upstream FHIR server (Medplum in-memory, 100 patients, seed 1, injected latency), a forked child
//      with an IPC control channel (request counter, latency);
//   2. the gateway, `node src/main.ts --source demo=<upstream> --port 0`, a spawned child;
//   3. a bare pass-through proxy (bench/proxy-process.ts), a control for the cost of one extra process hop;
//   4. this process: the load generator (closed loop, undici keep-alive) and the report.
// Each scenario runs at concurrency 1 and 10, through the gateway and directly against the upstream, for
// every upstream latency in BENCH_LATENCY (default 0,20). Then the federated part (bench/federation.ts): three
// upstreams with 50 ms latency each and a gateway over all three (the five scenarios in federated form), then one
// of them hung. Prints one markdown report and writes it to .bench-out/latest.md. See BENCHMARKS.md for the
// method. Env: BENCH_LATENCY, BENCH_QUICK=1, BENCH_COLD, BENCH_FEDERATION=0, BENCH_FED_LATENCY, and BENCH_BASELINE=/dir:
// a second gateway from that checkout, over the same upstream, measured against this one in interleaved rounds
// (bench/before-after.ts) for s1–s5 through GraphQL and s1/s2 through /fhir. Last, the peers part (bench/peers.ts;
// BENCH_PEERS=0 skips it, BENCH_PEERS=only runs nothing else and writes .bench-out/peers.md): s3–s5 through the
// gateway, Medplum's own GraphQL engine and the hand-written direct client, each a serving process whose CPU per
// query is read from /proc. BENCH_SUBS=only runs only the subscriptions part (bench/subscriptions.ts: graphql-ws
// subscribers in steps up to 5,000, RSS per connection, event → client latency, a slow consumer), BENCH_AUTH=only only
// the token-validation cost (bench/auth-cost.ts).
import { runAuthCost } from './auth-cost.ts';
import { readSubsSettings, runSubscriptions } from './subscriptions.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { describeCheckout, runInterleaved, type BeforeAfterPair } from './before-after.ts';
import { measureColdStart, type ColdStartRun } from './cold-start.ts';
import { runFederation, type FederationResult } from './federation.ts';
import { createClient } from './http.ts';
import { runLoad } from './load.ts';
import { memoryOf, startGateway, startProxy, startUpstream, waitReady, type GatewayHandle, type ProxyHandle, type UpstreamHandle } from './processes.ts';
import { runPeers, type PeersResult } from './peers.ts';
import { peersChecks, peersSection } from './peers-report.ts';
import { checksTable, PROXY_MODE, REST_MODE, renderReport, type Check, type RunRow, type ScenarioTrace } from './report.ts';
import { SCENARIOS, type FhirGet, type Scenario } from './scenarios.ts';
import { readSettings } from './settings.ts';

const WATCHDOG_MS = 25 * 60_000;
/** The 1-, 5- and 15-minute load averages. */
const loadAverage = () => loadavg().map((n) => n.toFixed(2)).join(' / ');

const settings = readSettings(process.env);
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

let upstream: UpstreamHandle | undefined;
let gateway: GatewayHandle | undefined;
/** BENCH_BASELINE: the gateway of the baseline checkout, over the same upstream. */
let baselineGateway: GatewayHandle | undefined;
let proxy: ProxyHandle | undefined;
/** Children of the federated part, stopped (again: stop() is idempotent) on every exit path, newest first. */
const tracked: Array<{ stop(): Promise<void> }> = [];
const stopAll = async () => {
  await gateway?.stop().catch(() => undefined);
  await baselineGateway?.stop().catch(() => undefined);
  await proxy?.stop().catch(() => undefined);
  await upstream?.stop().catch(() => undefined);
  for (const child of [...tracked].reverse()) await child.stop().catch(() => undefined);
};
const watchdog = setTimeout(() => {
  log(`watchdog: still running after ${WATCHDOG_MS / 60_000} min, giving up`);
  void stopAll().finally(() => process.exit(3));
}, WATCHDOG_MS);
watchdog.unref();

/** The peers part, run last (or alone): its markdown section, checks and raw rows, also written to .bench-out/peers.{md,json}. */
async function peersPart(): Promise<{ markdown: string; checks: Check[]; result: PeersResult }> {
  const result = await runPeers({ settings, log, track: (child) => void tracked.push(child) });
  const checks = peersChecks(result.rows, settings.peers);
  const markdown = peersSection(result, settings.peers, checks, checksTable);
  writeFileSync(
    join(settings.outDir, 'peers.json'),
    JSON.stringify({ rows: result.rows.map((r) => ({ ...r, scenario: r.scenario.id })), traces: result.traces.map((t) => ({ ...t, scenario: t.scenario.id })), checks, profile: result.profile && { ...result.profile, markdown: undefined } }, null, 1) + '\n',
  );
  return { markdown, checks, result };
}

/** BENCH_PEERS=only: the peers part and nothing else; the report goes to stdout and .bench-out/peers.md. */
async function peersOnly(): Promise<number> {
  const started = performance.now();
  const checkoutAtStart = describeCheckout(settings.root);
  const loadAtStart = loadAverage();
  mkdirSync(settings.outDir, { recursive: true });
  const { markdown, checks } = await peersPart();
  const header = [
    `## Peers run of ${new Date().toISOString()} (BENCH_PEERS=only)`,
    '',
    `- machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}, ${process.platform}/${process.arch}`,
    `- checkout: ${checkoutAtStart} at the start, ${describeCheckout(settings.root)} at the end`,
    `- load average (/proc/loadavg) at the start: ${loadAtStart}, at the end: ${loadAverage()}`,
    `- wall time: ${((performance.now() - started) / 1000).toFixed(0)} s${settings.quick ? ' (BENCH_QUICK=1: indicative only)' : ''}`,
    '',
  ].join('\n');
  const report = header + '\n' + markdown + '\n';
  process.stdout.write(report);
  writeFileSync(join(settings.outDir, 'peers.md'), report);
  log(`wrote .bench-out/peers.md (${checks.filter((c) => c.pass === false).length} check(s) failed)`);
  return 0;
}

/** BENCH_AUTH=only: the token-validation cost alone; the report goes to stdout and .bench-out/auth.md. */
async function authOnly(): Promise<number> {
  mkdirSync(settings.outDir, { recursive: true });
  const header = [
    `## Auth cost run of ${new Date().toISOString()} (BENCH_AUTH=only)`,
    '',
    `- machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}, ${process.platform}/${process.arch}`,
    `- checkout: ${describeCheckout(settings.root)}; load average at the start: ${loadAverage()}`,
    '',
  ].join('\n');
  const report = header + '\n' + (await runAuthCost({ settings, log, track: (child) => void tracked.push(child) })) + `\n- load average at the end: ${loadAverage()}\n`;
  process.stdout.write(report);
  writeFileSync(join(settings.outDir, 'auth.md'), report);
  return 0;
}

/** BENCH_SUBS=only: the subscriptions part alone (bench/subscriptions.ts); the report goes to stdout and .bench-out/subscriptions.md. */
async function subsOnly(): Promise<number> {
  mkdirSync(settings.outDir, { recursive: true });
  const subs = readSubsSettings(process.env, settings.quick);
  const started = performance.now();
  const header = [
    `## Subscriptions run of ${new Date().toISOString()} (BENCH_SUBS=only)`,
    '',
    `- machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}, ${process.platform}/${process.arch}`,
    `- checkout: ${describeCheckout(settings.root)}; load average at the start: ${loadAverage()}`,
    `- steps ${subs.steps.join(', ')}; ${subs.events} events, one per ${subs.intervalMs} ms; ${subs.procs} subscriber process(es); gateway node flags: ${[...settings.gatewayNodeFlags, ...subs.nodeFlags].join(' ') || 'none'}${settings.quick ? ' (BENCH_QUICK=1: indicative only)' : ''}`,
    '',
  ].join('\n');
  const body = await runSubscriptions({ settings, log, track: (child) => void tracked.push(child) }, subs);
  const report = header + '\n' + body + `\n\n- load average at the end: ${loadAverage()}; wall time ${((performance.now() - started) / 1000).toFixed(0)} s\n`;
  process.stdout.write(report);
  writeFileSync(join(settings.outDir, 'subscriptions.md'), report);
  return 0;
}

async function main(): Promise<number> {
  if (process.env['BENCH_AUTH'] === 'only') return authOnly();
  if (process.env['BENCH_SUBS'] === 'only') return subsOnly();
  if (settings.peers.mode === 'only') return peersOnly();
  const started = performance.now();
  const currentAtStart = describeCheckout(settings.root);
  const loadAtStart = loadAverage();
  mkdirSync(settings.outDir, { recursive: true });
  log(`settings: latencies ${settings.latencies.join(',')} ms, concurrency ${settings.concurrencies.join(',')}, ` +
    `≤ ${settings.bounds.maxRequests} requests / ${settings.bounds.maxMs} ms per run (+ warm-up ≤ ${settings.bounds.warmupRequests} / ${settings.bounds.warmupMaxMs} ms)${settings.quick ? ' [QUICK]' : ''}`);

  upstream = await startUpstream(settings.root, settings.nodeBin, { patients: settings.patients, seed: settings.seed, latencyMs: 0 });
  log(`upstream ${upstream.baseUrl} (pid ${upstream.pid})`);

  // Cold start first, while nothing else runs.
  let cold: ColdStartRun[] = [];
  if (settings.coldStartRuns > 0) {
    const s1 = SCENARIOS[0]!;
    cold = await measureColdStart({
      root: settings.root,
      nodeBin: settings.nodeBin,
      nodeFlags: settings.gatewayNodeFlags,
      outDir: settings.outDir,
      upstreamUrl: upstream.baseUrl,
      query: s1.query,
      isAnswer: (d) => s1.countGraphql(d) === 1,
      runs: settings.coldStartRuns,
    });
    log(`cold start: ${cold.map((c) => `${Math.round(c.firstAnswerMs)} ms / ${c.idleRssMb?.toFixed(0)} MB`).join(', ')}`);
  }

  // The benchmarked gateway, with default limits (s5's estimated cost is 6,020, under the default maxCost 10,000).
  const configPath = join(settings.outDir, 'gateway.json');
  writeFileSync(configPath, JSON.stringify({}, null, 2) + '\n');
  gateway = await startGateway(settings.root, settings.nodeBin, upstream.baseUrl, { nodeFlags: settings.gatewayNodeFlags, args: ['--config', configPath] });
  await waitReady(gateway.url);
  log(`gateway ${gateway.url} (pid ${gateway.pid})`);
  const graphqlUrl = `${gateway.url}/graphql`;
  const baseline = settings.baseline;
  if (baseline) {
    baselineGateway = await startGateway(baseline.root, settings.nodeBin, upstream.baseUrl, { nodeFlags: settings.gatewayNodeFlags, args: ['--config', configPath] });
    await waitReady(baselineGateway.url);
    log(`baseline gateway ${baselineGateway.url} (pid ${baselineGateway.pid}) from ${describeCheckout(baseline.root)}`);
  }

  proxy = await startProxy(settings.root, settings.nodeBin, upstream.baseUrl);
  log(`bare proxy ${proxy.baseUrl} (pid ${proxy.pid})`);

  const gwClient = createClient(settings.clientConnections);
  const directClient = createClient(settings.clientConnections);
  const base = upstream.baseUrl;
  const get: FhirGet = (p) => directClient.getJson(/^https?:/.test(p) ? p : `${base}/${p}`);
  const viaProxy: FhirGet = (p) => directClient.getJson(/^https?:/.test(p) ? p : `${proxy!.baseUrl}/${p}`);
  const viaRest = (gatewayUrl: string): FhirGet => (p) => directClient.getJson(/^https?:/.test(p) ? p : `${gatewayUrl}/fhir/${p}`);
  const graphqlOp = (s: Scenario, gatewayUrl: string) => () => gwClient.graphql(`${gatewayUrl}/graphql`, s.query).then(s.countGraphql);
  const restOp = (s: Scenario, gatewayUrl: string) => () => s.direct[0]!.run(viaRest(gatewayUrl));
  /** Every mode of a scenario; `baselineOp`: the same through the baseline gateway (BENCH_BASELINE), run interleaved with `op`. */
  const modesOf = (s: Scenario): Array<{ mode: string; op: () => Promise<unknown>; baselineOp?: () => Promise<unknown> }> => [
    { mode: 'gateway', op: graphqlOp(s, gateway!.url), ...(baselineGateway ? { baselineOp: graphqlOp(s, baselineGateway.url) } : {}) },
    ...s.direct.map((d) => ({ mode: d.name, op: () => d.run(get) })),
    ...(s.proxyControl
      ? [
          { mode: PROXY_MODE, op: () => s.direct[0]!.run(viaProxy) },
          { mode: REST_MODE, op: restOp(s, gateway!.url), ...(baselineGateway ? { baselineOp: restOp(s, baselineGateway.url) } : {}) },
        ]
      : []),
  ];

  // One query of each scenario on its own: same items through the gateway and directly, and the upstream requests.
  const traces: ScenarioTrace[] = [];
  for (const s of SCENARIOS) {
    await upstream.reset();
    const items: Record<string, number> = { gateway: s.countGraphql(await gwClient.graphql(graphqlUrl, s.query)) };
    const gatewayUrls = await upstream.urls();
    let baselineUrls: string[] | undefined;
    if (baselineGateway) {
      await upstream.reset();
      items['baseline gateway'] = await graphqlOp(s, baselineGateway.url)();
      baselineUrls = await upstream.urls();
      if (baselineUrls.join('\n') !== gatewayUrls.join('\n')) log(`WARNING ${s.id}: the baseline gateway sent other upstream requests: ${JSON.stringify(baselineUrls)}`);
    }
    for (const d of s.direct) items[d.name] = await d.run(get);
    const counts = new Set(Object.values(items));
    if (counts.size !== 1) log(`WARNING ${s.id}: gateway and direct modes fetched different item counts: ${JSON.stringify(items)}`);
    traces.push({ scenario: s, items, gatewayUrls, ...(baselineUrls ? { baselineUrls } : {}) });
  }

  // Warm the JIT of gateway and load generator once (bounded), so that the runs measure a warmed-up server.
  const warmBounds = { maxRequests: settings.quick ? 50 : 300, maxMs: settings.quick ? 300 : 1500, warmupRequests: 0, warmupMaxMs: 0 };
  for (const s of SCENARIOS) {
    for (const { op, baselineOp } of modesOf(s)) for (const o of baselineOp ? [op, baselineOp] : [op]) await runLoad(o, 1, warmBounds);
  }
  log('warmed up');

  const rows: RunRow[] = [];
  const pairs: BeforeAfterPair[] = [];
  const logRow = (row: RunRow) => {
    const sorted = [...row.latencies].sort((a, b) => a - b);
    log(`${row.latencyMs} ms ${row.scenario.id} ${row.mode.padEnd(21)} c${String(row.concurrency).padEnd(2)} n=${String(sorted.length).padStart(3)} ` +
      `p50=${(sorted[Math.floor(sorted.length / 2)] ?? NaN).toFixed(1)} ms up/op=${(row.upstreamRequests / Math.max(1, sorted.length + row.errors)).toFixed(2)}` +
      `${row.errors ? ` errors=${row.errors} (${row.firstError})` : ''}`);
  };
  for (const latencyMs of settings.latencies) {
    await upstream.setLatency(latencyMs);
    for (const s of SCENARIOS) {
      const modes = modesOf(s);
      for (const concurrency of settings.concurrencies) {
        for (const { mode, op, baselineOp } of modes) {
          const up = upstream;
          if (baseline && baselineOp) {
            const sides = [{ mode, op }, { mode: `${mode} (baseline)`, op: baselineOp }] as const;
            const baselineFirst = pairs.length % 2 === 1;
            const [current, before] = await runInterleaved(sides, { latencyMs, scenario: s, concurrency }, settings.bounds, baseline.rounds, baselineFirst, up);
            rows.push(current);
            pairs.push({ route: mode === REST_MODE ? 'REST' : 'GraphQL', current, baseline: before });
            logRow(current);
            logRow(before);
            continue;
          }
          const result = await runLoad(op, concurrency, settings.bounds, () => up.reset());
          const row: RunRow = { latencyMs, scenario: s, mode, upstreamRequests: await up.count(), ...result };
          rows.push(row);
          logRow(row);
        }
      }
    }
  }
  const rssAfter = memoryOf(gateway.pid)?.rssMb;
  const baselineRssAfter = baselineGateway && memoryOf(baselineGateway.pid)?.rssMb;
  await gwClient.close();
  await directClient.close();
  // The single-source processes are done: stop them so that the federated part has the machine to itself.
  await stopAll();

  const fed = settings.federation;
  let federation: FederationResult | undefined;
  if (fed.enabled) federation = await runFederation({ settings, log, track: (child) => void tracked.push(child) });
  const peers = settings.peers.mode === 'on' ? await peersPart() : undefined;

  const header = [
    `## Run of ${new Date().toISOString()}`,
    '',
    `- machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}, ${process.platform}/${process.arch}`,
    `- upstream: Medplum in-memory FHIR server, ${settings.patients} patients, seed ${settings.seed}, own process; gateway (\`node src/main.ts\`): own process; bare pass-through proxy (control for s1/s2): own process; load generator: this process`,
    `- JIT warm-up once per mode (≤ ${warmBounds.maxRequests} requests / ${warmBounds.maxMs} ms at concurrency 1), then per run: warm-up ≤ ${settings.bounds.warmupRequests} requests / ${settings.bounds.warmupMaxMs} ms, then ≤ ${settings.bounds.maxRequests} requests / ${settings.bounds.maxMs} ms measured` +
      `${settings.quick ? ' (BENCH_QUICK=1: indicative only)' : ''}`,
    `- gateway: \`node ${[...settings.gatewayNodeFlags, 'src/main.ts'].join(' ')}\` (node flags as in package.json's start script), config: defaults; clients: undici Agent, keep-alive, ${settings.clientConnections} connections per origin`,
    fed.enabled
      ? `- federated part: ${fed.sourceIds.length} more upstream processes (same server, ${settings.patients} patients, seed ${settings.seed}, id prefixes ${fed.sourceIds.join('/')}), ` +
        `${fed.latencyMs} ms injected latency each; a gateway over all of them (own process); same warm-up and per-run bounds; the single-source processes are stopped first`
      : '- federated part: skipped (BENCH_FEDERATION=0)',
    peers
      ? `- peers part: own upstream (${settings.peers.patients} patients, ${settings.peers.latencyMs} ms), gateway, Medplum GraphQL peer, direct client process (see its section); after the federated part`
      : '- peers part: skipped (BENCH_PEERS=0)',
    `- current checkout: ${currentAtStart} at the start, ${describeCheckout(settings.root)} at the end`,
    ...(baseline
      ? [
          `- baseline (BENCH_BASELINE): a second gateway, \`node ${[...settings.gatewayNodeFlags, join(baseline.root, 'src', 'main.ts')].join(' ')}\` from ${describeCheckout(baseline.root)}, ` +
            `same upstream and config; s1–s5 (GraphQL) and s1/s2 (REST) through both in ${baseline.rounds} rounds per row that alternate which gateway goes first, ` +
            `each round the request count of the bounds above and half their time; RSS after the single-source part: current ${rssAfter?.toFixed(0) ?? '?'} MB, baseline ${baselineRssAfter?.toFixed(0) ?? '?'} MB`,
        ]
      : []),
    `- load average (/proc/loadavg) at the start: ${loadAtStart}, at the end: ${loadAverage()}`,
    `- suite wall time: ${((performance.now() - started) / 1000).toFixed(0)} s`,
    '',
  ].join('\n');
  const rendered = renderReport(
    { header, rows, cold, traces, gatewayRssAfterMb: rssAfter, federation: federation && { result: federation, settings: fed }, ...(baseline ? { beforeAfter: pairs } : {}) },
    settings.latencies,
  );
  const markdown = rendered.markdown + (peers ? `\n${peers.markdown}\n` : '');
  const checks = [...rendered.checks, ...(peers?.checks ?? [])];
  process.stdout.write(markdown);
  writeFileSync(join(settings.outDir, 'latest.md'), markdown);
  writeFileSync(
    join(settings.outDir, 'latest.json'),
    JSON.stringify(
      {
        rows: [...rows, ...(federation?.rows ?? [])].map((r) => ({ ...r, scenario: r.scenario.id })),
        beforeAfter: pairs.map((p) => ({ route: p.route, current: { ...p.current, scenario: p.current.scenario.id }, baseline: { ...p.baseline, scenario: p.baseline.scenario.id } })),
        hung: federation?.hung,
        cold,
        checks,
      },
      null,
      1,
    ) + '\n',
  );
  log(`wrote .bench-out/latest.md (${checks.filter((c) => c.pass === false).length} target check(s) failed)`);
  return 0;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  log(`failed: ${(error as Error).stack ?? error}`);
  if (gateway) log(`gateway output (tail):\n${gateway.output().slice(-3000)}`);
  if (baselineGateway) log(`baseline gateway output (tail):\n${baselineGateway.output().slice(-3000)}`);
} finally {
  await stopAll();
  clearTimeout(watchdog);
}
process.exit(code);
