// Child-process entry (forked by bench/subscriptions.ts with an IPC channel): a share of the subscribers of the
// subscriptions part, raw `ws` sockets speaking graphql-transport-ws (connection_init → ack → one `subscribe`), each
// one subscription. It records when every `next` arrived (performance.timeOrigin + performance.now(), µs resolution;
// the parent calibrates this process's clock against its own over IPC) by the changed resource's id, and its own CPU.
// Control messages (every reply carries the request's `id`):
//   { op: 'clock' }                                 -> { clock }       this process's clock now (ms since the epoch)
//   { op: 'open', url, query, n, slow, parallel }   -> { opened, failed, firstError? }  n sockets, the first `slow` of
//                                                      them marked slow; resolves when every socket sent its subscribe
//   { op: 'pause' }                                 -> { ports }       the slow sockets stop reading (ws.pause());
//                                                                      their local port numbers
//   { op: 'reset' }                                 -> {}              forget arrivals, restart the CPU meter
//   { op: 'count' }                                 -> { deliveries }  arrivals recorded since the reset (fast sockets)
//   { op: 'collect' }                               -> { arrivals, counts, cpuMs, ... }  arrivals of the fast sockets
//   { op: 'slow-report', waitMs }                   -> { slow: [...] } resume the slow sockets, wait, say what each got
//   { op: 'close' }                                 -> { closed }      close every socket (bounded wait)
// It exits when the parent disconnects.
import WebSocket from 'ws';

interface Conn {
  readonly ws: WebSocket;
  readonly slow: boolean;
  /** `next` messages received. */
  nexts: number;
  /** `next` messages received when it was paused (slow sockets). */
  nextsAtPause: number;
  /** Bytes of every message received. */
  bytes: number;
  closed?: { code: number; reason: string };
  error?: string;
}

export interface CollectReply {
  /** Resource id → arrival times (this process's clock, ms) at the fast sockets. */
  readonly arrivals: Record<string, number[]>;
  /** `next` messages with `errors`, and the first one's text. */
  readonly errorResults: number;
  readonly firstError?: string;
  /** Deliveries whose resource came with its subject resolved (`subject.resource.name[0].family`). */
  readonly resolvedSubjects: number;
  /** Other messages than `next` (after subscribing). */
  readonly otherMessages: number;
  /** Sockets open now, and closed ones by code. */
  readonly open: number;
  readonly closes: Record<string, number>;
  /** This process's CPU (user + system) since the last reset, ms. */
  readonly cpuMs: number;
}

const now = () => performance.timeOrigin + performance.now();
const conns: Conn[] = [];
let arrivals = new Map<string, number[]>();
let deliveries = 0;
let errorResults = 0;
let firstError: string | undefined;
let resolvedSubjects = 0;
let otherMessages = 0;
let cpuAtReset = process.cpuUsage();

function onMessage(conn: Conn, data: WebSocket.RawData): void {
  const at = now();
  const text = data.toString();
  conn.bytes += text.length;
  const msg = JSON.parse(text) as { type: string; payload?: { data?: Record<string, any>; errors?: Array<{ message: string }> } };
  if (msg.type !== 'next') {
    if (msg.type !== 'connection_ack' && msg.type !== 'pong') otherMessages++;
    if (msg.type === 'error') firstError ??= text.slice(0, 300);
    return;
  }
  conn.nexts++;
  if (msg.payload?.errors?.length) {
    errorResults++;
    firstError ??= JSON.stringify(msg.payload.errors).slice(0, 300);
  }
  const change = msg.payload?.data && (Object.values(msg.payload.data)[0] as { id?: string; resource?: any } | undefined);
  if (change?.resource?.subject?.resource?.name?.[0]?.family) resolvedSubjects++;
  if (conn.slow || change?.id === undefined) return;
  let list = arrivals.get(change.id);
  if (list === undefined) arrivals.set(change.id, (list = []));
  list.push(at);
  deliveries++;
}

/** One socket: open, init, wait for the ack, subscribe. Resolves true once the subscribe was sent. */
function openOne(url: string, query: string, slow: boolean, timeoutMs: number): Promise<true | string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false });
    const conn: Conn = { ws, slow, nexts: 0, nextsAtPause: 0, bytes: 0 };
    let settled = false;
    const settle = (r: true | string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const timer = setTimeout(() => {
      settle(`no ack within ${timeoutMs} ms`);
      ws.terminate();
    }, timeoutMs);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    ws.on('error', (error) => {
      conn.error ??= error.message;
      settle(error.message);
    });
    ws.on('close', (code, reason) => {
      conn.closed = { code, reason: reason.toString() };
      settle(`closed ${code} ${reason.toString()}`);
    });
    let subscribed = false;
    ws.on('message', (data) => {
      if (subscribed) return onMessage(conn, data);
      const msg = JSON.parse(data.toString()) as { type: string };
      if (msg.type !== 'connection_ack') return settle(`expected connection_ack, got ${msg.type}`);
      ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
      subscribed = true;
      conns.push(conn);
      settle(true);
    });
  });
}

async function open(url: string, query: string, n: number, slow: number, parallel: number): Promise<{ opened: number; failed: number; firstError?: string }> {
  let next = 0;
  let opened = 0;
  let failed = 0;
  let first: string | undefined;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const r = await openOne(url, query, i < slow, 15_000);
      if (r === true) opened++;
      else {
        failed++;
        first ??= r;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, n)) }, worker));
  return { opened, failed, ...(first ? { firstError: first } : {}) };
}

function collect(): CollectReply {
  const closes: Record<string, number> = {};
  let openNow = 0;
  for (const c of conns) {
    if (c.closed) closes[c.closed.code] = (closes[c.closed.code] ?? 0) + 1;
    else openNow++;
  }
  const cpu = process.cpuUsage(cpuAtReset);
  return {
    arrivals: Object.fromEntries(arrivals),
    errorResults,
    ...(firstError ? { firstError } : {}),
    resolvedSubjects,
    otherMessages,
    open: openNow,
    closes,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

async function slowReport(waitMs: number) {
  const slow = conns.filter((c) => c.slow);
  const before = slow.map((c) => c.nexts - c.nextsAtPause);
  for (const c of slow) c.ws.resume();
  await new Promise((r) => setTimeout(r, waitMs));
  return slow.map((c, i) => ({ nextsWhilePaused: before[i], nextsInAll: c.nexts - c.nextsAtPause, bytes: c.bytes, closed: c.closed ?? null, error: c.error ?? null }));
}

async function closeAll(): Promise<number> {
  const waiting = conns.filter((c) => !c.closed).map((c) => new Promise<void>((r) => {
    c.ws.once('close', () => r());
    c.ws.close(1000);
  }));
  await Promise.race([Promise.all(waiting), new Promise((r) => setTimeout(r, 5_000))]);
  for (const c of conns) if (!c.closed) c.ws.terminate();
  const n = conns.length;
  conns.length = 0;
  return n;
}

process.on('message', (raw: unknown) => {
  const msg = raw as { id: number; op: string; [key: string]: unknown };
  const reply = (body: object) => process.send?.({ id: msg.id, ...body });
  const fail = (error: unknown) => reply({ error: (error as Error).message ?? String(error) });
  switch (msg.op) {
    case 'clock':
      return reply({ clock: now() });
    case 'open':
      return void open(msg['url'] as string, msg['query'] as string, msg['n'] as number, msg['slow'] as number, msg['parallel'] as number).then(reply, fail);
    case 'pause':
      for (const c of conns) {
        if (!c.slow) continue;
        c.nextsAtPause = c.nexts;
        c.ws.pause();
      }
      // Their local ports: the harness finds their TCP connections in /proc/net/tcp.
      return reply({ ports: conns.filter((c) => c.slow).map((c) => (c.ws as unknown as { _socket: { localPort: number } })._socket.localPort) });
    case 'reset':
      arrivals = new Map();
      deliveries = 0;
      errorResults = 0;
      firstError = undefined;
      resolvedSubjects = 0;
      otherMessages = 0;
      cpuAtReset = process.cpuUsage();
      return reply({});
    case 'count':
      return reply({ deliveries });
    case 'collect':
      return reply(collect());
    case 'slow-report':
      return void slowReport(msg['waitMs'] as number).then((slow) => reply({ slow }), fail);
    case 'close':
      return void closeAll().then((closed) => reply({ closed }), fail);
    default:
      return reply({ error: `unknown op ${msg.op}` });
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
