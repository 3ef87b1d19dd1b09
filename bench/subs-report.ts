// Tables and target checks of the subscriptions part (bench/subscriptions.ts).
import { percentile } from './load.ts';
import { checksTable, type Check } from './report.ts';
import type { SubsSettings } from './subscriptions.ts';
import type { CollectReply } from './subs-clients.ts';
import type { SlowSocketReport, TcpState } from './subs-pool.ts';

export interface Write {
  readonly id: string;
  readonly sentAt: number;
  readonly answeredAt: number;
}

export interface StepResult {
  readonly n: number;
  readonly opened: { opened: number; failed: number; firstError?: string; ms: number };
  /** JS heap used and VmRSS after a full GC (kB; heap NaN without the inspector): before connecting, subscribed and idle, after the events. */
  readonly before: Memory;
  readonly idle: Memory;
  readonly after: Memory;
  readonly rssAfterNoGcKb: number;
  readonly probeGot: number;
  readonly probeMs: number;
  readonly writes: readonly Write[];
  /** Writes that failed (no event measured for them). */
  readonly writeFailures: readonly string[];
  readonly writeMs: number;
  readonly collected: readonly CollectReply[];
  readonly upstreamUrls: readonly string[];
  readonly cpuMs: number;
  /** CPU ms of the main thread, V8's helper threads (GC) and the other threads (audit writer, libuv). */
  readonly threadCpuMs: { main: number; v8: number; other: number };
  readonly expected: number;
}

export interface SlowSample {
  readonly atMs: number;
  readonly kb: number;
  readonly tcp?: TcpState;
}

export interface Memory {
  readonly heapKb: number;
  readonly rssKb: number;
}

interface PhaseResult {
  readonly writes: readonly Write[];
  readonly failures: readonly string[];
  readonly collected: readonly CollectReply[];
  /** Gateway VmRSS (and the slow socket's TCP connection, in phase 2), sampled every 500 ms from the phase's start. */
  readonly rss: readonly SlowSample[];
  readonly end: Memory;
}

export interface SlowResult {
  readonly fast: number;
  readonly opened: { opened: number; failed: number };
  readonly count: number;
  readonly rate: number;
  readonly noteBytes: number;
  readonly reading: PhaseResult;
  readonly paused: PhaseResult;
  readonly after: Memory;
  readonly slowSockets: readonly SlowSocketReport[];
  readonly gatewayOutput: string;
}

interface Latencies {
  /** From the write's send, and from its answer, over every delivery (ms). */
  readonly fromSend: number[];
  readonly fromAnswer: number[];
  /** Per event: its last delivery − send (the fan-out's end). */
  readonly lastPerEvent: number[];
  readonly deliveries: number;
}

function latenciesOf(writes: readonly Write[], collected: readonly CollectReply[]): Latencies {
  const byId = new Map(writes.map((w) => [w.id, w]));
  const fromSend: number[] = [];
  const fromAnswer: number[] = [];
  const last = new Map<string, number>();
  for (const c of collected) {
    for (const [id, times] of Object.entries(c.arrivals)) {
      const w = byId.get(id);
      if (w === undefined) continue;
      for (const t of times) {
        fromSend.push(t - w.sentAt);
        fromAnswer.push(t - w.answeredAt);
        last.set(id, Math.max(last.get(id) ?? -Infinity, t - w.sentAt));
      }
    }
  }
  return { fromSend, fromAnswer, lastPerEvent: [...last.values()], deliveries: fromSend.length };
}

const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const mb = (kb: number) => f(kb / 1024);
const pct = (v: number[], p: number) => percentile(v, p);
const max = (v: number[]) => (v.length ? v.reduce((a, b) => Math.max(a, b), -Infinity) : NaN);
const gets = (urls: readonly string[]) => urls.filter((u) => u.startsWith('GET '));
const sum = (c: readonly CollectReply[], key: 'cpuMs' | 'errorResults' | 'resolvedSubjects') => c.reduce((s, r) => s + r[key], 0);

export function stepsSection(steps: readonly StepResult[], subs: SubsSettings): string {
  const lines: string[] = [
    `Subscribers: raw \`ws\` sockets in ${subs.procs} process${subs.procs > 1 ? 'es' : ''} (bench/subs-clients.ts), each \`ObservationChanged(status: "final")\` ` +
      '(matches every event) selecting `eventNumber action id resource { id status valueQuantity subject { reference resource { ... on Patient { id name } } } }`. ' +
      `Upstream: ${subs.patients} patients, 0 ms. Each step: a fresh gateway and SQLite database, a warm-up (1 subscriber, 20 events), then ` +
      `the N sockets; idle RSS ${subs.settleMs / 1000} s after the last subscribe; one probe event that every socket must receive; then ` +
      `${subs.events} writes (REST \`POST /fhir/Observation\` through the gateway), one every ${subs.intervalMs} ms.`,
    '',
    '| subscribers | opened (s to open) | RSS before → idle, subscribed (MB) | **RSS KB per idle connection** | JS heap before → idle (MB) | heap KB per idle connection | probe received (ms) | after the events: RSS (before GC) / heap MB | heap retained per delivery |',
    '|---:|---:|---|---:|---|---:|---:|---|---:|',
  ];
  for (const s of steps) {
    const per = (a: number, b: number) => (b - a) / Math.max(1, s.opened.opened);
    const deliveries = latenciesOf(s.writes, s.collected).deliveries;
    lines.push(
      `| ${s.n} | ${s.opened.opened}${s.opened.failed ? ` (${s.opened.failed} failed)` : ''} (${f(s.opened.ms / 1000)}) | ${mb(s.before.rssKb)} → ${mb(s.idle.rssKb)} | ` +
        `**${f(per(s.before.rssKb, s.idle.rssKb))}** | ${mb(s.before.heapKb)} → ${mb(s.idle.heapKb)} | ${f(per(s.before.heapKb, s.idle.heapKb))} | ` +
        `${s.probeGot} / ${s.opened.opened} (${f(s.probeMs, 0)}) | ${mb(s.after.rssKb)} (${mb(s.rssAfterNoGcKb)}) / ${mb(s.after.heapKb)} | ` +
        `${f((1024 * (s.after.heapKb - s.idle.heapKb)) / Math.max(1, deliveries + s.probeGot), 0)} B |`,
    );
  }
  lines.push(
    '',
    '| subscribers | events | deliveries (missing) | event → client p50 / p95 / **p99** / max ms (from the write sent) | p99 from the write answered | all N delivered, per event p50 / max ms | write answered p50 ms | **upstream GET per event** | gateway CPU ms per event: all (main thread / V8 helpers / other threads) | subscriber processes CPU ms per event (µs per delivery) | errors (failed writes) |',
    '|---:|---:|---:|---|---:|---|---:|---:|---:|---:|---:|',
  );
  for (const s of steps) {
    const l = latenciesOf(s.writes, s.collected);
    const k = s.writes.length;
    const clientMs = sum(s.collected, 'cpuMs');
    const writeLat = s.writes.map((w) => w.answeredAt - w.sentAt);
    lines.push(
      `| ${s.n} | ${k} | ${l.deliveries} (${s.expected - l.deliveries}) | ${f(pct(l.fromSend, 50))} / ${f(pct(l.fromSend, 95))} / **${f(pct(l.fromSend, 99))}** / ${f(max(l.fromSend))} | ${f(pct(l.fromAnswer, 99))} | ` +
        `${f(pct(l.lastPerEvent, 50))} / ${f(max(l.lastPerEvent))} | ${f(pct(writeLat, 50))} | **${f(gets(s.upstreamUrls).length / k, 2)}** | ${f(s.cpuMs / k)} (${f(s.threadCpuMs.main / k)} / ${f(s.threadCpuMs.v8 / k)} / ${f(s.threadCpuMs.other / k)}) | ` +
        `${f(clientMs / k)} (${f((1000 * clientMs) / Math.max(1, l.deliveries))}) | ${sum(s.collected, 'errorResults')} (${s.writeFailures.length}) |`,
    );
  }
  const first = steps[0];
  const sample = first ? [...new Set(gets(first.upstreamUrls).map((u) => u.replace(/pat-\d+/, 'pat-N')))].slice(0, 5) : [];
  lines.push(
    '',
    `Upstream requests in the event phase of the first step: ${sample.map((u) => `\`${u}\``).join(', ') || 'no GET'}` +
      (first ? `; subject resolved in ${sum(first.collected, 'resolvedSubjects')} of ${latenciesOf(first.writes, first.collected).deliveries} deliveries.` : '.'),
    '',
    checksTable(subsChecks(steps)),
  );
  return lines.join('\n');
}

export function subsChecks(steps: readonly StepResult[]): Check[] {
  const top = steps.reduce<StepResult | undefined>((a, s) => (a === undefined || s.n > a.n ? s : a), undefined);
  if (top === undefined) return [];
  const at = top.n === 5000 ? '5,000 subscribers' : `${top.n} subscribers (the target is at 5,000)`;
  const l = latenciesOf(top.writes, top.collected);
  const p99 = pct(l.fromSend, 99);
  const perConn = (top.idle.rssKb - top.before.rssKb) / Math.max(1, top.opened.opened);
  const perEvent = steps.map((s) => gets(s.upstreamUrls).length / s.writes.length);
  const missing = top.expected - l.deliveries;
  return [
    { name: `event → client p99, ${at}`, target: '≤ 100 ms', measured: `${f(p99)} ms (${l.deliveries} deliveries, ${missing} missing)`, pass: top.n >= 5000 ? p99 <= 100 && missing === 0 : undefined },
    { name: `RSS per idle subscribed connection, ${at}`, target: '≤ 20 KB', measured: `${f(perConn)} KB`, pass: top.n >= 5000 ? perConn <= 20 : undefined },
    { name: 'upstream reads per event independent of the subscriber count', target: 'the same at every step', measured: steps.map((s, i) => `${s.n}: ${f(perEvent[i]!, 2)}`).join(', '), pass: steps.length > 1 ? Math.max(...perEvent) === Math.min(...perEvent) : undefined },
  ];
}

/** What the samples say of the slow socket's TCP connection: its queues, and when the gateway's end left ESTABLISHED. */
function tcpStory(p: PhaseResult): string {
  const withTcp = p.rss.filter((s) => s.tcp !== undefined);
  if (withTcp.length === 0) return 'The slow socket\'s TCP connection was not found in /proc/net/tcp.';
  const gone = withTcp.find((s) => s.tcp!.serverState !== '01');
  const maxRx = max(withTcp.map((s) => s.tcp!.clientRxQueue));
  const maxTx = max(withTcp.map((s) => s.tcp!.serverTxQueue));
  return `Its TCP connection (/proc/net/tcp, sampled every 0.5 s): at most ${f(maxRx / 1024, 0)} KB unread in the slow client's receive queue and ` +
    `${f(maxTx / 1024, 0)} KB in the gateway's send queue; ` +
    (gone === undefined
      ? 'the gateway\'s end was still ESTABLISHED at the end of the phase.'
      : `the gateway's end left ESTABLISHED (state ${gone.tcp!.serverState ?? 'gone'}) ${f(gone.atMs / 1000)} s after the client stopped reading: the gateway closed it then.`);
}

export function slowSection(r: SlowResult): string {
  const row = (name: string, p: PhaseResult) => {
    const l = latenciesOf(p.writes, p.collected);
    const kbs = p.rss.map((s) => s.kb);
    return `| ${name} | ${l.deliveries} (${r.fast * p.writes.length - l.deliveries})${p.failures.length ? `, ${p.failures.length} writes failed` : ''} | ${f(pct(l.fromSend, 50))} / ${f(pct(l.fromSend, 95))} / ${f(pct(l.fromSend, 99))} / ${f(max(l.fromSend))} | ` +
      `${mb(kbs[0]!)} → peak ${mb(max(kbs))} → ${mb(kbs.at(-1)!)} | ${mb(p.end.rssKb)} / ${mb(p.end.heapKb)} |`;
  };
  const overflow = /EVENTS_OVERFLOW/.test(r.gatewayOutput);
  const lines = [
    `A fresh gateway; ${r.fast} fast subscribers and 1 more, all selecting \`note { text }\` besides the fields above; each event carries a ` +
      `${r.noteBytes / 1024} KB note; ${r.count} events at ${r.rate} per second in each phase. Phase 1: the extra subscriber reads like the others. ` +
      'Phase 2: it stops reading its socket (`ws.pause()`: the kernel buffers fill, then the gateway holds what it cannot send).',
    '',
    '| phase | fast subscribers: deliveries (missing) | event → client p50 / p95 / p99 / max ms | gateway RSS MB: start → peak → end (sampled every 500 ms) | after a full GC: RSS / JS heap MB |',
    '|---|---:|---|---|---|',
    row('1. every subscriber reading', r.reading),
    row('2. one subscriber stopped reading', r.paused),
    '',
    `Gateway 3 s after phase 2, after a full GC: RSS ${mb(r.after.rssKb)} MB, JS heap ${mb(r.after.heapKb)} MB.`,
    ...r.slowSockets.map((s) =>
      `The slow subscriber received ${s.nextsWhilePaused} of the ${r.count} phase-2 events while paused (read from its socket buffer when resumed: ${s.nextsInAll - s.nextsWhilePaused} more, ${f(s.bytes / 1024 / 1024)} MB over both phases); ` +
      (s.closed ? `its socket was closed by the gateway, code ${s.closed.code}${s.closed.reason ? ` "${s.closed.reason}"` : ''}` : 'its socket is still open') +
      `${s.error ? ` (client error: ${s.error})` : ''}.`),
    tcpStory(r.paused),
    `The gateway's log ${overflow ? 'reports' : 'does not report'} EVENTS_OVERFLOW.`,
  ];
  return lines.join('\n');
}
