// The subscribers of the subscriptions part: `procs` forked bench/subs-clients.ts processes, each with its share of
// the sockets, driven over IPC; and the gateway's CPU and memory from /proc. Arrival times come back on each child's
// clock and are moved to this process's clock by the offset measured at start (the IPC round trip with the smallest
// delay, its midpoint), so a latency is "arrival at the client − write sent by the harness" on one time line.
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CollectReply } from './subs-clients.ts';

/** Epoch ms with µs resolution, the clock of bench/subs-clients.ts too. */
export const clock = () => performance.timeOrigin + performance.now();

const CALL_TIMEOUT_MS = 120_000;

interface Child {
  readonly process: ChildProcess;
  /** child clock − this clock, ms. */
  offset: number;
  readonly pending: Map<number, { resolve: (r: any) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>;
}

export interface SlowSocketReport {
  readonly nextsWhilePaused: number;
  readonly nextsInAll: number;
  readonly bytes: number;
  readonly closed: { code: number; reason: string } | null;
  readonly error: string | null;
}

export interface ClientPool {
  readonly pids: readonly number[];
  /** Opens `n` subscribers spread over the children; the first `slow` of child 0 are the slow ones. */
  open(url: string, query: string, n: number, slow?: number): Promise<{ opened: number; failed: number; firstError?: string; ms: number }>;
  reset(): Promise<void>;
  deliveries(): Promise<number>;
  /** Every child's collection, arrival times moved to this process's clock. */
  collect(): Promise<CollectReply[]>;
  /** The slow sockets stop reading; their local ports. */
  pauseSlow(): Promise<number[]>;
  slowReport(waitMs: number): Promise<SlowSocketReport[]>;
  closeAll(): Promise<void>;
  stop(): Promise<void>;
}

let nextId = 1;

function call<T>(child: Child, op: string, args: Record<string, unknown> = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    const timer = setTimeout(() => {
      child.pending.delete(id);
      reject(new Error(`subscribers process: '${op}' timed out`));
    }, CALL_TIMEOUT_MS);
    child.pending.set(id, { resolve, reject, timer });
    child.process.send({ id, op, ...args });
  });
}

/** Forks `procs` subscriber processes and calibrates their clocks. */
export async function startClientPool(root: string, nodeBin: string, procs: number): Promise<ClientPool> {
  const children: Child[] = [];
  for (let i = 0; i < procs; i++) {
    const p = fork(join(root, 'bench', 'subs-clients.ts'), [], { execPath: nodeBin, execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { PATH: process.env['PATH'] ?? '' } });
    const child: Child = { process: p, offset: 0, pending: new Map() };
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('subscribers process did not start within 30 s')), 30_000);
      p.once('exit', (code) => reject(new Error(`subscribers process exited during start (code ${code})`)));
      p.on('message', (raw: unknown) => {
        const msg = raw as { ready?: boolean; id?: number; error?: string };
        if (msg.ready) {
          clearTimeout(timer);
          return resolve();
        }
        const waiter = msg.id === undefined ? undefined : child.pending.get(msg.id);
        if (!waiter) return;
        child.pending.delete(msg.id!);
        clearTimeout(waiter.timer);
        if (msg.error) waiter.reject(new Error(msg.error));
        else waiter.resolve(msg);
      });
    });
    p.on('exit', () => {
      for (const w of child.pending.values()) {
        clearTimeout(w.timer);
        w.reject(new Error('subscribers process exited'));
      }
      child.pending.clear();
    });
    let best = Infinity;
    for (let k = 0; k < 30; k++) {
      const sent = clock();
      const { clock: theirs } = await call<{ clock: number }>(child, 'clock');
      const back = clock();
      if (back - sent < best) {
        best = back - sent;
        child.offset = theirs - (sent + back) / 2;
      }
    }
    children.push(child);
  }
  const all = <T>(op: string, args?: Record<string, unknown>) => Promise.all(children.map((c) => call<T>(c, op, args)));
  return {
    pids: children.map((c) => c.process.pid!),
    async open(url, query, n, slow = 0) {
      const started = clock();
      const shares = children.map((_, i) => Math.floor(n / children.length) + (i < n % children.length ? 1 : 0));
      const replies = await Promise.all(children.map((c, i) => call<{ opened: number; failed: number; firstError?: string }>(c, 'open', { url, query, n: shares[i], slow: i === 0 ? slow : 0, parallel: 50 })));
      const firstError = replies.find((r) => r.firstError)?.firstError;
      return { opened: replies.reduce((s, r) => s + r.opened, 0), failed: replies.reduce((s, r) => s + r.failed, 0), ...(firstError ? { firstError } : {}), ms: clock() - started };
    },
    reset: async () => void (await all('reset')),
    deliveries: async () => (await all<{ deliveries: number }>('count')).reduce((s, r) => s + r.deliveries, 0),
    async collect() {
      const replies = await all<CollectReply>('collect');
      return replies.map((r, i) => ({
        ...r,
        arrivals: Object.fromEntries(Object.entries(r.arrivals).map(([id, times]) => [id, times.map((t) => t - children[i]!.offset)])),
      }));
    },
    pauseSlow: async () => (await call<{ ports: number[] }>(children[0]!, 'pause')).ports,
    slowReport: async (waitMs) => (await call<{ slow: SlowSocketReport[] }>(children[0]!, 'slow-report', { waitMs })).slow,
    closeAll: async () => void (await all('close')),
    async stop() {
      for (const c of children) if (c.process.connected) c.process.disconnect();
      await Promise.all(children.map((c) => (c.process.exitCode !== null ? undefined : new Promise<void>((r) => {
        const timer = setTimeout(() => {
          c.process.kill('SIGKILL');
          r();
        }, 5_000);
        c.process.once('exit', () => {
          clearTimeout(timer);
          r();
        });
      }))));
    },
  };
}

/** utime + stime in clock ticks of every thread of a process, by thread id, with the thread's name (`comm`). */
export function threadTicks(pid: number): Map<number, { comm: string; ticks: number }> {
  const out = new Map<number, { comm: string; ticks: number }>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), { comm, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/**
 * CPU ticks spent between two threadTicks() readings: the main thread (tid = pid), V8's helper threads (`V8Worker`:
 * concurrent GC and compilation), and the rest (worker threads such as the audit writer, libuv's pool). Threads that
 * ended between the readings are missing: compare the sum with the process's own ticks.
 */
export function threadDelta(pid: number, before: Map<number, { comm: string; ticks: number }>, after: Map<number, { comm: string; ticks: number }>) {
  const d = { main: 0, v8: 0, other: 0 };
  for (const [tid, t] of after) {
    const ticks = t.ticks - (before.get(tid)?.ticks ?? 0);
    if (tid === pid) d.main += ticks;
    else if (t.comm.startsWith('V8Worker')) d.v8 += ticks;
    else d.other += ticks;
  }
  return d;
}

/** VmRSS of a process in kB (undefined when /proc has no such process). */
export function rssKb(pid: number): number | undefined {
  try {
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  } catch {
    return undefined;
  }
}

/**
 * A full garbage collection in a process started with `--inspect=127.0.0.1:0` (its inspector URL taken from its
 * output), then its JS heap use: through the DevTools protocol (HeapProfiler.collectGarbage, Runtime.getHeapUsage).
 * So that an RSS reading is not of garbage V8 had not collected yet. Undefined when the process has no inspector.
 */
export async function collectGarbage(output: string): Promise<{ usedKb: number; totalKb: number } | undefined> {
  const url = /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1];
  if (url === undefined) return undefined;
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(url, { perMessageDeflate: false });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    let nextCall = 1;
    const send = (method: string) => new Promise<any>((resolve, reject) => {
      const id = nextCall++;
      const timer = setTimeout(() => reject(new Error(`inspector: ${method} timed out`)), 30_000);
      const onMessage = (data: unknown) => {
        const msg = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
        if (msg.id !== id) return;
        clearTimeout(timer);
        ws.off('message', onMessage);
        if (msg.error) reject(new Error(msg.error.message));
        else resolve(msg.result);
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ id, method }));
    });
    await send('HeapProfiler.collectGarbage');
    await send('HeapProfiler.collectGarbage');
    const usage = (await send('Runtime.getHeapUsage')) as { usedSize: number; totalSize: number };
    return { usedKb: usage.usedSize / 1024, totalKb: usage.totalSize / 1024 };
  } finally {
    ws.close();
  }
}

export interface TcpState {
  /** The gateway's end: TCP state (01 ESTABLISHED, 04 FIN_WAIT1, ...; undefined once gone) and its send queue, bytes. */
  readonly serverState: string | undefined;
  readonly serverTxQueue: number;
  /** The client's end: bytes received and not read by the client. */
  readonly clientRxQueue: number;
}

/** The loopback TCP connection between 127.0.0.1:`serverPort` and the client's `clientPort`, from /proc/net/tcp. */
export function tcpState(serverPort: number, clientPort: number): TcpState {
  const hex = (port: number) => `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let text = '';
  try {
    text = readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    // not Linux
  }
  let serverState: string | undefined;
  let serverTxQueue = 0;
  let clientRxQueue = 0;
  for (const line of text.split('\n').slice(1)) {
    const [, local, remote, state, queues] = line.trim().split(/\s+/);
    if (queues === undefined) continue;
    const [tx, rx] = queues.split(':').map((h) => parseInt(h, 16));
    if (local === hex(serverPort) && remote === hex(clientPort)) {
      serverState = state;
      serverTxQueue = tx ?? 0;
    } else if (local === hex(clientPort) && remote === hex(serverPort)) {
      clientRxQueue = rx ?? 0;
    }
  }
  return { serverState, serverTxQueue, clientRxQueue };
}
