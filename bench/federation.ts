// The federated part of `npm run bench` (DESIGN §12: "the same across 3 sources; a federated search with one
// source hung"). Three more upstream processes (bench/upstream-process.ts, ids and id prefixes a, b, c, the same
// seed: the same 100 people under other ids in each), each with the same injected latency (default 50 ms):
//
//  A. The five core scenarios in their federated form (f1..f5: the queries of s1..s5 without sourceId, so the
//     gateway asks every source: Patient(id:) in all three, PatientList merged from three pages), through a gateway
//     configured with all three sources, against
//       - the same work done directly on ONE upstream (the single-source baseline: the scenario's best direct
//         client, on source a),
//       - that work done on all three upstreams at once by the client (a client-side parallel fan-out, no merge),
//     and, derived in the report, the naive sequential 3-source time (3 × the single-source p50).
//  B. The federated search (f2's query) with one source hung: it receives every request and never answers
//     (except /metadata). That source has timeoutMs = 1000 and retries 0, and its circuit breaker is off
//     (failureThreshold 0); every answer is checked for the other sources' data and an error naming the hung
//     source. Then once more with the breaker on (failureThreshold 5, resetTimeoutMs 30000): after 5 timed-out
//     requests the circuit opens and requests should fail fast (SOURCE_UNAVAILABLE) with the others' data.
//
// Every loop is bounded by a request count and a time budget; everything listens on 127.0.0.1.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type GraphqlAnswer } from './http.ts';
import { runLoad } from './load.ts';
import { startGateway, startUpstream, waitReady, type GatewayHandle, type UpstreamHandle } from './processes.ts';
import type { RunRow } from './report.ts';
import { coreScenarios, type FhirGet, type Scenario } from './scenarios.ts';
import type { BenchSettings } from './settings.ts';

export const FED_GATEWAY = 'gateway, 3 sources';
export const FED_DIRECT_ONE = 'direct, 1 source';
export const FED_DIRECT_PARALLEL = 'direct, 3 sources in parallel';

export interface FedTrace {
  readonly scenario: Scenario;
  /** Items fetched per mode (the gateway's answer and the single-source direct client's). */
  readonly items: Record<string, number>;
  /** The gateway's upstream requests for one query, per source. */
  readonly urlsBySource: Record<string, string[]>;
  /** What the direct modes do. */
  readonly directDescription: string;
}

export interface HungSample {
  readonly ms: number;
  readonly status: number;
  /** Why the answer does not count as "the others' data and an error naming the hung source"; undefined: it does. */
  readonly problem: string | undefined;
  /** extensions.code of every error in the answer. */
  readonly codes: readonly string[];
}

export interface HungRun {
  readonly name: string;
  readonly concurrency: number;
  readonly breaker: boolean;
  readonly samples: readonly HungSample[];
  /** Requests that failed without a JSON answer (transport errors, client timeouts). */
  readonly transportErrors: number;
  readonly firstTransportError: string | undefined;
  /** Requests the hung source received during the run. */
  readonly hungSourceRequests: number;
  readonly elapsedMs: number;
}

export interface FederationResult {
  readonly rows: readonly RunRow[];
  readonly traces: readonly FedTrace[];
  readonly hung: readonly HungRun[];
  /** Notes for the report (config accepted or not, breaker state...). */
  readonly notes: readonly string[];
  /** The hung source's circuit config in the hung run, as sent (undefined: the key was left out). */
  readonly hungCircuitConfig: unknown;
  /** Whether any answer of the breaker run carried SOURCE_UNAVAILABLE; undefined when it did not run. */
  readonly breakerSeen: boolean | undefined;
  readonly gatewayConfigs: Readonly<Record<string, unknown>>;
}

export interface FederationEnv {
  readonly settings: BenchSettings;
  readonly log: (msg: string) => void;
  /** Registers a child process so that the harness stops it on any exit path. */
  readonly track: (child: { stop(): Promise<void> }) => void;
}

type Json = Record<string, any>;

/** The scenario's best direct client: the smart one where there is a naive and a smart one. */
const bestDirect = (s: Scenario) => s.direct[s.direct.length - 1]!;

export async function runFederation({ settings, log, track }: FederationEnv): Promise<FederationResult> {
  const fed = settings.federation;
  const ids = fed.sourceIds;
  const notes: string[] = [];
  const gatewayConfigs: Record<string, unknown> = {};

  const upstreams: UpstreamHandle[] = await Promise.all(
    ids.map((id) => startUpstream(settings.root, settings.nodeBin, { patients: settings.patients, seed: settings.seed, latencyMs: 0, idPrefix: id })),
  );
  upstreams.forEach((u) => track(u));
  const byId = new Map(ids.map((id, i) => [id, upstreams[i]!]));
  log(`federation: upstreams ${ids.map((id, i) => `${id}=${upstreams[i]!.baseUrl} (pid ${upstreams[i]!.pid})`).join(', ')}`);
  const resetAll = () => Promise.all(upstreams.map((u) => u.reset())).then(() => undefined);
  const countAll = async () => Object.fromEntries(await Promise.all(ids.map(async (id) => [id, await byId.get(id)!.count()] as const)));

  const startWith = async (name: string, config: Json): Promise<GatewayHandle> => {
    const path = join(settings.outDir, `gateway-${name}.json`);
    writeFileSync(path, JSON.stringify(config, null, 2) + '\n');
    const gw = await startGateway(settings.root, settings.nodeBin, {}, { nodeFlags: settings.gatewayNodeFlags, args: ['--config', path] });
    track(gw);
    try {
      await waitReady(gw.url);
    } catch (error) {
      log(`gateway ${name} output (tail):\n${gw.output().slice(-2000)}`);
      throw error;
    }
    gatewayConfigs[name] = config;
    log(`federation: gateway '${name}' ${gw.url} (pid ${gw.pid})`);
    return gw;
  };
  const sourcesConfig = (hung?: Json) =>
    ids.map((id) => ({ id, baseUrl: byId.get(id)!.baseUrl, ...(hung && id === fed.hungSourceId ? hung : {}) }));

  const client = createClient(settings.clientConnections);
  const directClient = createClient(settings.clientConnections);
  const getOf = (u: UpstreamHandle): FhirGet => (p) => directClient.getJson(/^https?:/.test(p) ? p : `${u.baseUrl}/${p}`);
  const gets = upstreams.map(getOf);

  // A. The five core scenarios over 3 sources.
  const scenarios = coreScenarios(`${ids[0]}-pat-0001`, { idPrefix: 'f', titleSuffix: ` over ${ids.length} sources` });
  /** Per source, the same scenarios with that source's patient (for the client-side parallel fan-out). */
  const perSource = ids.map((id) => coreScenarios(`${id}-pat-0001`));
  const gwA = await startWith('3-sources', { sources: sourcesConfig() });
  const graphqlUrl = `${gwA.url}/graphql`;
  const modesOf = (s: Scenario, index: number) => [
    { mode: FED_GATEWAY, op: () => client.graphql(graphqlUrl, s.query).then(s.countGraphql) },
    { mode: FED_DIRECT_ONE, op: () => bestDirect(s).run(gets[0]!) },
    {
      mode: FED_DIRECT_PARALLEL,
      op: () => Promise.all(perSource.map((list, i) => bestDirect(list[index]!).run(gets[i]!))).then((n) => n.reduce((a, b) => a + b, 0)),
    },
  ];

  const traces: FedTrace[] = [];
  for (const s of scenarios) {
    await resetAll();
    const items: Record<string, number> = { [FED_GATEWAY]: s.countGraphql(await client.graphql(graphqlUrl, s.query)) };
    const urlsBySource = Object.fromEntries(await Promise.all(ids.map(async (id) => [id, await byId.get(id)!.urls()] as const)));
    items[FED_DIRECT_ONE] = await bestDirect(s).run(gets[0]!);
    // f5 reads other patients' data (a merged page of 20 vs source a's first 20): its counts may differ.
    if (s.id !== 'f5' && items[FED_GATEWAY] !== items[FED_DIRECT_ONE]) log(`WARNING ${s.id}: gateway and direct fetched different item counts: ${JSON.stringify(items)}`);
    traces.push({ scenario: s, items, urlsBySource, directDescription: `${bestDirect(s).name}: ${bestDirect(s).description}` });
  }

  const warmBounds = { maxRequests: settings.quick ? 50 : 300, maxMs: settings.quick ? 300 : 1500, warmupRequests: 0, warmupMaxMs: 0 };
  for (const [i, s] of scenarios.entries()) for (const { op } of modesOf(s, i)) await runLoad(op, 1, warmBounds);
  log('federation: warmed up');

  await Promise.all(upstreams.map((u) => u.setLatency(fed.latencyMs)));
  const rows: RunRow[] = [];
  for (const [i, s] of scenarios.entries()) {
    for (const concurrency of settings.concurrencies) {
      for (const { mode, op } of modesOf(s, i)) {
        const result = await runLoad(op, concurrency, settings.bounds, resetAll);
        const bySource = await countAll();
        const total = Object.values(bySource).reduce((a, b) => a + b, 0);
        rows.push({ latencyMs: fed.latencyMs, scenario: s, mode, upstreamRequests: total, upstreamBySource: bySource, ...result });
        const sorted = [...result.latencies].sort((a, b) => a - b);
        const ops = Math.max(1, sorted.length + result.errors);
        log(`${fed.latencyMs} ms ${s.id} ${mode.padEnd(30)} c${String(concurrency).padEnd(2)} n=${String(sorted.length).padStart(3)} ` +
          `p50=${(sorted[Math.floor(sorted.length / 2)] ?? NaN).toFixed(1)} ms up/op=${ids.map((id) => (bySource[id]! / ops).toFixed(2)).join('/')}` +
          `${result.errors ? ` errors=${result.errors} (${result.firstError})` : ''}`);
      }
    }
  }
  await gwA.stop();

  // B. The federated search with one source hung.
  const hungId = fed.hungSourceId;
  const hungUpstream = byId.get(hungId)!;
  const live = ids.filter((id) => id !== hungId);
  const search = scenarios[1]!; // f2: a page of 50 Patients
  const pageSize = 50;
  await hungUpstream.setHang(true);
  const hung: HungRun[] = [];
  const judge = (a: GraphqlAnswer): string | undefined => {
    const list = a.data?.['PatientList'];
    if (!Array.isArray(list)) return `no PatientList (HTTP ${a.status}, errors ${JSON.stringify(a.errors).slice(0, 200)})`;
    if (list.length !== pageSize) return `PatientList has ${list.length} items, expected ${pageSize}`;
    const prefixes = new Set(list.map((p: Json) => String(p?.['id'] ?? '').split('-')[0]));
    for (const id of live) if (!prefixes.has(id)) return `no Patient of source '${id}'`;
    if (prefixes.has(hungId)) return `a Patient of the hung source '${hungId}'`;
    const named = a.errors.filter((e) => e.extensions?.['source'] === hungId);
    if (named.length === 0) return `no error with extensions.source '${hungId}' (errors: ${JSON.stringify(a.errors).slice(0, 200)})`;
    if (!named.some((e) => e.path?.[0] === 'PatientList')) return `the error naming '${hungId}' has path ${JSON.stringify(named[0]!.path)}, not PatientList`;
    return undefined;
  };
  const sample = async (url: string): Promise<HungSample> => {
    const t = performance.now();
    const a = await client.graphqlRaw(url, search.query);
    const ms = performance.now() - t;
    return { ms, status: a.status, problem: judge(a), codes: a.errors.map((e) => String(e.extensions?.['code'] ?? '?')) };
  };
  const loop = async (url: string, concurrency: number, maxRequests: number, maxMs: number, stopWhen?: (s: HungSample) => boolean) => {
    const samples: HungSample[] = [];
    let transportErrors = 0;
    let firstTransportError: string | undefined;
    let started = 0;
    let stop = false;
    await hungUpstream.reset();
    const t0 = performance.now();
    const deadline = t0 + maxMs;
    const worker = async () => {
      while (!stop && started < maxRequests && performance.now() < deadline) {
        started++;
        try {
          const s = await sample(url);
          samples.push(s);
          if (stopWhen?.(s)) stop = true;
        } catch (error) {
          transportErrors++;
          firstTransportError ??= (error as Error).message;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const elapsedMs = performance.now() - t0;
    return { samples, transportErrors, firstTransportError, elapsedMs, hungSourceRequests: await hungUpstream.count() };
  };
  const logRun = (r: HungRun) => {
    const sorted = r.samples.map((s) => s.ms).sort((a, b) => a - b);
    const bad = r.samples.filter((s) => s.problem !== undefined);
    log(`hung ${r.name.padEnd(44)} c${String(r.concurrency).padEnd(2)} n=${String(sorted.length).padStart(3)} ` +
      `p50=${(sorted[Math.floor(sorted.length / 2)] ?? NaN).toFixed(1)} max=${(sorted.at(-1) ?? NaN).toFixed(1)} ms ` +
      `failures=${bad.length + r.transportErrors}${bad[0] ? ` (${bad[0].problem})` : ''}${r.firstTransportError ? ` (${r.firstTransportError})` : ''} ` +
      `'${hungId}' received ${r.hungSourceRequests}`);
  };

  const hungBase = { timeoutMs: fed.hungTimeoutMs, retries: 0 };
  let hungCircuitConfig: unknown = { failureThreshold: 0 };
  let gwB: GatewayHandle;
  try {
    gwB = await startWith('hung', { capabilityRefreshMs: 0, sources: sourcesConfig({ ...hungBase, circuitBreaker: hungCircuitConfig }) });
  } catch (error) {
    notes.push(`The gateway did not start with \`circuitBreaker: { failureThreshold: 0 }\` on the hung source (${(error as Error).message.split('\n')[0]}); the hung run left the key out.`);
    hungCircuitConfig = undefined;
    gwB = await startWith('hung', { capabilityRefreshMs: 0, sources: sourcesConfig(hungBase) });
  }
  const urlB = `${gwB.url}/graphql`;
  await loop(urlB, 1, 2, 5000); // warm-up (not reported)
  for (const b of fed.hungBounds) {
    const r = await loop(urlB, b.concurrency, b.maxRequests, b.maxMs);
    const run: HungRun = { name: `breaker off`, concurrency: b.concurrency, breaker: false, ...r };
    hung.push(run);
    logRun(run);
  }
  await gwB.stop();

  // The same with the breaker on: the first failureThreshold requests time out, then the circuit should open.
  const gwC = await startWith('hung-breaker', { capabilityRefreshMs: 0, sources: sourcesConfig({ ...hungBase, circuitBreaker: fed.breaker }) });
  const urlC = `${gwC.url}/graphql`;
  const bb = fed.breakerBounds;
  const serial = await loop(urlC, 1, bb.serialRequests, bb.serialMaxMs);
  const opened = serial.samples.findIndex((s) => s.codes.includes('SOURCE_UNAVAILABLE'));
  const breakerSeen = opened >= 0;
  const split = (samples: readonly HungSample[], name: string): HungRun => ({
    name,
    concurrency: 1,
    breaker: true,
    samples,
    transportErrors: 0,
    firstTransportError: undefined,
    hungSourceRequests: Number.NaN,
    elapsedMs: Number.NaN,
  });
  if (breakerSeen) {
    // The hung source's request count covers the whole serial run (both halves): reported on the first.
    hung.push({ ...split(serial.samples.slice(0, opened), `breaker on, until the circuit opened`), hungSourceRequests: serial.hungSourceRequests });
    hung.push(split(serial.samples.slice(opened), `breaker on, circuit open (fail fast)`));
  } else {
    hung.push({ name: `breaker on (no SOURCE_UNAVAILABLE seen)`, concurrency: 1, breaker: true, ...serial });
    notes.push(`With \`circuitBreaker: ${JSON.stringify(fed.breaker)}\` on the hung source, no answer of ${serial.samples.length} carried SOURCE_UNAVAILABLE: the breaker did not open (not wired into the upstream client in this build?).`);
  }
  for (const r of hung.slice(-2)) if (r.breaker) logRun(r);
  if (breakerSeen) {
    const c10 = await loop(urlC, 10, bb.c10Requests, bb.c10MaxMs);
    const run: HungRun = { name: `breaker on, circuit open (fail fast)`, concurrency: 10, breaker: true, ...c10 };
    hung.push(run);
    logRun(run);
  }
  await gwC.stop();
  await hungUpstream.setHang(false);

  await client.close();
  await directClient.close();
  for (const u of upstreams) await u.stop();
  return { rows, traces, hung, notes, hungCircuitConfig, breakerSeen, gatewayConfigs };
}
