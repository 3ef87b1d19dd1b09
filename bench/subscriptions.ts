// The subscriptions part (`BENCH_SUBS=only npm run bench`, DESIGN §12 and issue 12 item 9): graphql-ws subscribers
// on loopback whose filter matches every event, over one upstream (a few patients) and the gateway as its own process.
// Per step of N subscribers (BENCH_SUBS_STEPS, default 100,1000,5000), each on a fresh gateway with a fresh SQLite
// database: gateway VmRSS before connecting and once the N sockets are subscribed and idle (→ KB per connection), then
// K writes (REST `POST /fhir/Observation` through the gateway, one every BENCH_SUBS_INTERVAL_MS) and, for every
// delivery, the time from the write's send to the arrival at the client; upstream GETs per event; gateway CPU per
// event (/proc/<pid>/stat; main thread apart); the subscriber processes' own CPU. Then the slow-consumer phase: a
// fresh gateway, BENCH_SUBS_SLOW fast subscribers and one that stops reading its socket, large events at
// BENCH_SUBS_SLOW_RATE per second, first with the slow one still reading, then paused: the fast ones' latency, the
// gateway's RSS over time, and what happened to the slow one. BENCH_SUBS_PROFILE=1 runs the top step's gateway under
// `node --cpu-prof` and summarises the event phase; BENCH_SUBS_NODE_FLAGS adds node options to its gateways. Subscribers: BENCH_SUBS_PROCS (default 1) forked processes of
// bench/subs-clients.ts (raw `ws`). Everything is bounded by counts and timeouts.
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { cpuTicks, ticksToMs } from './cpu.ts';
import { profileTables, readProfile, summariseProfile } from './cpu-profile.ts';
import { startGateway, startUpstream, waitReady, type GatewayHandle } from './processes.ts';
import type { BenchSettings } from './settings.ts';
import { clock, collectGarbage, rssKb, startClientPool, tcpState, threadDelta, threadTicks, type ClientPool } from './subs-pool.ts';
import { slowSection, stepsSection, type SlowResult, type SlowSample, type StepResult } from './subs-report.ts';

export interface SubsSettings {
  readonly steps: readonly number[];
  readonly events: number;
  readonly intervalMs: number;
  readonly procs: number;
  readonly slowFast: number;
  readonly slowRate: number;
  readonly slowMs: number;
  readonly slowNoteBytes: number;
  readonly profile: boolean;
  readonly patients: number;
  readonly settleMs: number;
  /** Gateways run with `--inspect=127.0.0.1:0` so that memory is read after a full GC (BENCH_SUBS_GC=0: not). */
  readonly gc: boolean;
  /** BENCH_SUBS_NODE_FLAGS: more node options for the gateways of this part (space-separated), after the start script's. */
  readonly nodeFlags: readonly string[];
}

function int(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new Error(`${name} must be an integer 0..${max}, got ${JSON.stringify(raw)}`);
  return n;
}

export function readSubsSettings(env: Readonly<Record<string, string | undefined>>, quick: boolean): SubsSettings {
  const steps = (env['BENCH_SUBS_STEPS'] ?? '100,1000,5000').split(',').map((s) => Number(s.trim()));
  if (steps.some((n) => !Number.isInteger(n) || n < 1 || n > 15_000)) throw new Error('BENCH_SUBS_STEPS must list integers 1..15000');
  return Object.freeze({
    steps,
    events: int(env, 'BENCH_SUBS_EVENTS', quick ? 8 : 30, 600),
    intervalMs: int(env, 'BENCH_SUBS_INTERVAL_MS', quick ? 500 : 1000, 60_000),
    procs: Math.max(1, int(env, 'BENCH_SUBS_PROCS', 1, 8)),
    slowFast: int(env, 'BENCH_SUBS_SLOW', 100, 5_000),
    slowRate: Math.max(1, int(env, 'BENCH_SUBS_SLOW_RATE', 20, 200)),
    slowMs: int(env, 'BENCH_SUBS_SLOW_MS', quick ? 15_000 : 30_000, 120_000),
    slowNoteBytes: 32 * 1024,
    profile: env['BENCH_SUBS_PROFILE'] === '1',
    patients: 5,
    settleMs: quick ? 1500 : 3000,
    gc: env['BENCH_SUBS_GC'] !== '0',
    nodeFlags: (env['BENCH_SUBS_NODE_FLAGS'] ?? '').split(/\s+/).filter((a) => a.startsWith('--')),
  });
}

/** `note` is only selected (and written) in the slow-consumer phase, to make its events large. */
const queryOf = (withNote: boolean) =>
  `subscription { ObservationChanged(status: "final") { eventNumber action id resource { id status ${withNote ? 'note { text } ' : ''}` +
  'valueQuantity { value unit } subject { reference resource { ... on Patient { id name { family given } } } } } } }';

export interface SubsContext {
  readonly settings: BenchSettings;
  readonly log: (msg: string) => void;
  readonly track: (child: { stop(): Promise<void> }) => void;
}

/** How long the deliveries of the last event are waited for after it was written. */
const DRAIN_MS = 120_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));
const hrUs = () => Number(process.hrtime.bigint() / 1000n);

export async function runSubscriptions({ settings, log, track }: SubsContext, subs: SubsSettings): Promise<string> {
  const upstream = await startUpstream(settings.root, settings.nodeBin, { patients: subs.patients, seed: settings.seed, latencyMs: 0 });
  track(upstream);
  const pool = await startClientPool(settings.root, settings.nodeBin, subs.procs);
  track(pool);
  let dbCount = 0;
  const gatewayFor = async (flags: readonly string[] = []): Promise<GatewayHandle> => {
    const file = join(settings.outDir, `subs-${++dbCount}.db`);
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    const inspect = subs.gc ? ['--inspect=127.0.0.1:0'] : [];
    const gw = await startGateway(settings.root, settings.nodeBin, upstream.baseUrl, { nodeFlags: [...settings.gatewayNodeFlags, ...subs.nodeFlags, ...inspect, ...flags], args: ['--database-url', `sqlite:${file}`] });
    track(gw);
    await waitReady(gw.url);
    return gw;
  };
  // The writes' connections: one idle for 0.5 s is closed by this side, long before the gateway's keep-alive timeout
  // (5 s), so that a write never races the server closing its connection (a POST is not retried).
  const agent = new Agent({ keepAliveTimeout: 500, keepAliveMaxTimeout: 500 });
  let written = 0;
  const write = async (gw: GatewayHandle, noteBytes = 0) => {
    const n = written++;
    const body = {
      resourceType: 'Observation', status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }], text: 'Heart rate' },
      subject: { reference: `Patient/pat-${String((n % subs.patients) + 1).padStart(4, '0')}` },
      valueQuantity: { value: 60 + (n % 40), unit: '/min' },
      ...(noteBytes > 0 ? { note: [{ text: `${n} `.padEnd(noteBytes, 'x') }] } : {}),
    };
    const sentAt = clock();
    const res = await request(`${gw.url}/fhir/Observation`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(body), dispatcher: agent });
    const answer = (await res.body.json()) as { id?: string };
    const answeredAt = clock();
    if (res.statusCode !== 201 || typeof answer.id !== 'string') throw new Error(`write answered ${res.statusCode}: ${JSON.stringify(answer).slice(0, 300)}`);
    return { id: answer.id, sentAt, answeredAt };
  };
  /** Waits until the fast subscribers hold `expected` deliveries (or `timeoutMs` passed); the count reached. */
  const awaitDeliveries = async (expected: number, timeoutMs: number) => {
    const end = clock() + timeoutMs;
    let got = await pool.deliveries();
    while (got < expected && clock() < end) {
      await sleep(100);
      got = await pool.deliveries();
    }
    return got;
  };
  /** Writes `count` events, the k-th at start + k × `intervalMs` (a write that answers late delays only the next one). */
  const writeEvents = async (gw: GatewayHandle, count: number, intervalMs: number, noteBytes = 0) => {
    const writes: Array<{ id: string; sentAt: number; answeredAt: number }> = [];
    const failures: string[] = [];
    const t0 = clock();
    for (let k = 0; k < count; k++) {
      await sleep(t0 + k * intervalMs - clock());
      try {
        writes.push(await write(gw, noteBytes));
      } catch (error) {
        const e = error as Error & { cause?: Error; code?: string };
        failures.push(`${e.message}${e.code ? ` ${e.code}` : ''}${e.cause ? ` (${e.cause.message})` : ''}`);
        log(`subscriptions: write ${k + 1} of ${count} failed: ${failures.at(-1)}`);
      }
    }
    return { writes, failures, ms: clock() - t0 };
  };

  // Warm-up: one subscriber, some events, so that the measured gateways' first events are not their JIT's first.
  const warmUp = async (gw: GatewayHandle, query: string) => {
    await pool.open(wsUrl(gw.url), query, 1);
    await pool.reset();
    for (let i = 0; i < 20; i++) await write(gw);
    await awaitDeliveries(20, 10_000);
    await pool.closeAll();
    await sleep(1000);
  };

  /** After a full GC (when the gateway has an inspector): JS heap used and VmRSS, kB. */
  const memoryNow = async (gw: GatewayHandle) => {
    const heap = await collectGarbage(gw.output()).catch((error: Error) => void log(`subscriptions: no GC (${error.message})`));
    if (heap) await sleep(300);
    return { heapKb: heap?.usedKb ?? NaN, rssKb: rssKb(gw.pid) ?? NaN };
  };

  const steps: StepResult[] = [];
  let profileMarkdown: string | undefined;
  for (const n of subs.steps) {
    const profiled = subs.profile && n === Math.max(...subs.steps);
    const dir = join(settings.outDir, 'profile-subs');
    if (profiled) {
      mkdirSync(dir, { recursive: true });
      for (const f of readdirSync(dir)) if (f.endsWith('.cpuprofile')) rmSync(join(dir, f));
    }
    const gw = await gatewayFor(profiled ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=500'] : []);
    log(`subscriptions: ${n} subscribers, gateway ${gw.url} (pid ${gw.pid})${profiled ? ' under --cpu-prof' : ''}`);
    const query = queryOf(false);
    await warmUp(gw, query);
    const before = await memoryNow(gw);
    const opened = await pool.open(wsUrl(gw.url), query, n);
    log(`subscriptions: ${opened.opened} of ${n} opened in ${(opened.ms / 1000).toFixed(1)} s${opened.failed ? `, ${opened.failed} failed (${opened.firstError})` : ''}`);
    await sleep(subs.settleMs);
    const idle = await memoryNow(gw);
    // The probe: every socket hears of one event, so every subscription was registered.
    await pool.reset();
    const probe = await write(gw);
    const probeGot = await awaitDeliveries(opened.opened, 30_000);
    const probeMs = clock() - probe.sentAt;
    await sleep(500);
    await pool.reset();
    await upstream.reset();
    const ticks0 = cpuTicks(gw.pid) ?? NaN;
    const threads0 = threadTicks(gw.pid);
    const fromUs = hrUs();
    const { writes, failures, ms } = await writeEvents(gw, subs.events, subs.intervalMs);
    const got = await awaitDeliveries(opened.opened * writes.length, DRAIN_MS);
    const toUs = hrUs();
    const cpuMs = ticksToMs((cpuTicks(gw.pid) ?? NaN) - ticks0);
    const threads = threadDelta(gw.pid, threads0, threadTicks(gw.pid));
    const threadCpuMs = { main: ticksToMs(threads.main), v8: ticksToMs(threads.v8), other: ticksToMs(threads.other) };
    const urls = await upstream.urls();
    const collected = await pool.collect();
    const rssAfterNoGcKb = rssKb(gw.pid) ?? NaN;
    const after = await memoryNow(gw);
    log(`subscriptions: ${n}: ${got} of ${opened.opened * subs.events} deliveries, gateway CPU ${cpuMs.toFixed(0)} ms`);
    steps.push({ n, opened, before, idle, after, rssAfterNoGcKb, probeGot, probeMs, writes, writeFailures: failures, writeMs: ms, collected, upstreamUrls: urls, cpuMs, threadCpuMs, expected: opened.opened * writes.length });
    await pool.closeAll();
    await gw.stop();
    writeFileSync(join(settings.outDir, `subs-gateway-${n}.log`), gw.output());
    if (profiled) {
      const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
      profileMarkdown = file === undefined
        ? `The profiled gateway wrote no .cpuprofile into ${dir}.`
        : `Profile of the ${n}-subscriber gateway over the event phase (\`${file.slice(settings.root.length + 1)}\`; "per query" = per event, ${n} deliveries each):\n\n` +
          profileTables(summariseProfile(readProfile(file), { fromUs, toUs }), subs.events);
    }
  }

  let slow: SlowResult | undefined;
  if (subs.slowFast > 0) {
    const gw = await gatewayFor();
    log(`subscriptions: slow consumer among ${subs.slowFast}, gateway ${gw.url} (pid ${gw.pid})`);
    const query = queryOf(true);
    await warmUp(gw, query);
    const opened = await pool.open(wsUrl(gw.url), query, subs.slowFast + 1, 1);
    await sleep(subs.settleMs);
    const count = Math.max(1, Math.round((subs.slowMs / 1000) * subs.slowRate));
    const interval = 1000 / subs.slowRate;
    const phase = async (pause: boolean) => {
      await pool.reset();
      const slowPort = pause ? (await pool.pauseSlow())[0] : undefined;
      const gwPort = Number(new URL(gw.url).port);
      const rss: SlowSample[] = [];
      const t0 = clock();
      const sample = () => void rss.push({ atMs: clock() - t0, kb: rssKb(gw.pid) ?? NaN, ...(slowPort === undefined ? {} : { tcp: tcpState(gwPort, slowPort) }) });
      const sampler = setInterval(sample, 500);
      sample();
      const { writes, failures } = await writeEvents(gw, count, interval, subs.slowNoteBytes);
      await awaitDeliveries(subs.slowFast * writes.length, DRAIN_MS);
      sample();
      clearInterval(sampler);
      return { writes, failures, collected: await pool.collect(), rss, end: await memoryNow(gw) };
    };
    const reading = await phase(false);
    const paused = await phase(true);
    await sleep(3000);
    const afterKb = await memoryNow(gw);
    const slowSockets = await pool.slowReport(2000);
    slow = { fast: subs.slowFast, opened, count, rate: subs.slowRate, noteBytes: subs.slowNoteBytes, reading, paused, after: afterKb, slowSockets, gatewayOutput: gw.output() };
    await pool.closeAll();
    await gw.stop();
  }
  await pool.stop();
  await upstream.stop();
  await agent.close();
  const out = [stepsSection(steps, subs), profileMarkdown ?? '', slow ? slowSection(slow) : ''].filter(Boolean).join('\n\n');
  writeFileSync(join(settings.outDir, 'subscriptions.json'), JSON.stringify({ subs, steps: steps.map((s) => ({ ...s, collected: undefined })) }, null, 1) + '\n');
  return out;
}

const wsUrl = (httpUrl: string) => `${httpUrl.replace(/^http/, 'ws')}/graphql`;

