// The benchmark's child processes: the upstream (bench/upstream-process.ts, forked with IPC) and the
// gateway (`node src/main.ts ...`, as an operator would start it). Every wait here is bounded.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ControlReply, ControlRequest, UpstreamProcessOptions } from './upstream-process.ts';

/** A control request without its id (distributes over the union). */
type ControlOp = ControlRequest extends infer R ? (R extends ControlRequest ? Omit<R, 'id'> : never) : never;

export interface UpstreamHandle {
  readonly baseUrl: string;
  readonly pid: number;
  /** Upstream requests since the last reset (/metadata excluded). */
  count(): Promise<number>;
  urls(): Promise<string[]>;
  reset(): Promise<void>;
  setLatency(ms: number): Promise<void>;
  /** true: every request except /metadata is received and never answered; false: normal again. */
  setHang(on: boolean): Promise<void>;
  stop(): Promise<void>;
}

export interface GatewayHandle {
  readonly url: string;
  readonly pid: number;
  /** performance.now() just before spawn, and when the 'listening on' line arrived. */
  readonly spawnedAt: number;
  readonly listeningAt: number;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const CONTROL_TIMEOUT_MS = 10_000;

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** SIGTERM, then SIGKILL if it has not exited within STOP_TIMEOUT_MS. Only ever our own child, by its handle. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (!(await waitExit(child, STOP_TIMEOUT_MS))) {
    child.kill('SIGKILL');
    await waitExit(child, STOP_TIMEOUT_MS);
  }
}

export async function startUpstream(root: string, nodeBin: string, options: UpstreamProcessOptions): Promise<UpstreamHandle> {
  const child = fork(join(root, 'bench', 'upstream-process.ts'), [JSON.stringify(options)], {
    execPath: nodeBin,
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { PATH: process.env['PATH'] ?? '' },
  });
  const pending = new Map<number, { resolve: (r: ControlReply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  let nextId = 1;
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('upstream did not start within 30 s')), START_TIMEOUT_MS);
    child.once('exit', (code) => reject(new Error(`upstream exited during start (code ${code})`)));
    child.on('message', (raw: unknown) => {
      const msg = raw as { ready?: boolean; baseUrl?: string } & Partial<ControlReply>;
      if (msg.ready && msg.baseUrl) {
        clearTimeout(timer);
        resolve(msg.baseUrl);
        return;
      }
      const waiter = msg.id === undefined ? undefined : pending.get(msg.id);
      if (!waiter) return;
      pending.delete(msg.id!);
      clearTimeout(waiter.timer);
      if (msg.error) waiter.reject(new Error(msg.error));
      else waiter.resolve(msg as ControlReply);
    });
  });
  child.on('exit', () => {
    for (const w of pending.values()) {
      clearTimeout(w.timer);
      w.reject(new Error('upstream exited'));
    }
    pending.clear();
  });

  const call = (op: ControlOp): Promise<ControlReply> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`upstream control '${op.op}' timed out`));
      }, CONTROL_TIMEOUT_MS);
      pending.set(id, { resolve, reject, timer });
      child.send({ id, ...op });
    });

  return {
    baseUrl,
    pid: child.pid!,
    count: async () => (await call({ op: 'count' })).count ?? 0,
    urls: async () => (await call({ op: 'urls' })).urls ?? [],
    reset: async () => void (await call({ op: 'reset' })),
    setLatency: async (ms) => void (await call({ op: 'latency', ms })),
    setHang: async (on) => void (await call({ op: 'hang', on })),
    async stop() {
      if (child.connected) child.disconnect();
      if (!(await waitExit(child, STOP_TIMEOUT_MS))) await stopChild(child);
    },
  };
}

export interface ProxyHandle {
  readonly baseUrl: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** The bare pass-through proxy (bench/proxy-process.ts) in front of `upstreamUrl`, in its own process. */
export async function startProxy(root: string, nodeBin: string, upstreamUrl: string): Promise<ProxyHandle> {
  const child = fork(join(root, 'bench', 'proxy-process.ts'), [upstreamUrl], {
    execPath: nodeBin,
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { PATH: process.env['PATH'] ?? '' },
  });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('proxy did not start within 30 s')), START_TIMEOUT_MS);
    child.once('exit', (code) => reject(new Error(`proxy exited during start (code ${code})`)));
    child.once('message', (raw: unknown) => {
      clearTimeout(timer);
      resolve((raw as { baseUrl: string }).baseUrl);
    });
  });
  return {
    baseUrl,
    pid: child.pid!,
    async stop() {
      if (child.connected) child.disconnect();
      if (!(await waitExit(child, STOP_TIMEOUT_MS))) await stopChild(child);
    },
  };
}

export interface ServingHandle extends ProxyHandle {
  /** Sends `{ op }` over IPC and resolves with the first reply carrying `key` (bounded by CONTROL_TIMEOUT_MS). */
  ask<T>(op: string, key: string): Promise<T>;
}

/**
 * A forked serving process of the peers part (bench/medplum-peer-process.ts, bench/direct-process.ts): `script`
 * with `args`, ready when it sends { ready: true, baseUrl } over IPC; stopped by disconnecting (then SIGTERM/SIGKILL).
 */
export async function startServing(root: string, nodeBin: string, script: string, args: readonly string[], nodeFlags: readonly string[] = []): Promise<ServingHandle> {
  const child = fork(join(root, 'bench', script), [...args], {
    execPath: nodeBin,
    execArgv: [...nodeFlags],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { PATH: process.env['PATH'] ?? '' },
  });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stopChild(child);
      reject(new Error(`${script} did not start within 30 s`));
    }, START_TIMEOUT_MS);
    child.once('exit', (code) => reject(new Error(`${script} exited during start (code ${code})`)));
    const onMessage = (raw: unknown) => {
      const msg = raw as { ready?: boolean; baseUrl?: string };
      if (!msg.ready || !msg.baseUrl) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(msg.baseUrl);
    };
    child.on('message', onMessage);
  });
  return {
    baseUrl,
    pid: child.pid!,
    ask: <T>(op: string, key: string) =>
      new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          child.off('message', onMessage);
          reject(new Error(`${script}: no answer to '${op}'`));
        }, CONTROL_TIMEOUT_MS);
        const onMessage = (raw: unknown) => {
          const msg = raw as Record<string, unknown>;
          if (!(key in msg)) return;
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve(msg[key] as T);
        };
        child.on('message', onMessage);
        child.send({ op });
      }),
    async stop() {
      if (child.connected) child.disconnect();
      if (!(await waitExit(child, STOP_TIMEOUT_MS))) await stopChild(child);
    },
  };
}

export interface GatewayOptions {
  /** Node options before the script (e.g. from package.json's start script). */
  nodeFlags?: readonly string[];
  /** Gateway arguments after the defaults (e.g. ['--config', file]). */
  args?: readonly string[];
  /** Added to the minimal environment (e.g. NODE_COMPILE_CACHE). */
  env?: Readonly<Record<string, string>>;
}

/**
 * Spawns `node [flags] src/main.ts --host 127.0.0.1 --port 0 --log-level info --source demo=<upstream> [args]` and
 * resolves once it logged 'listening on http://...'. With `upstreams` as a map, one `--source id=url` per entry (and
 * none when it is empty: the sources then come from a config file in `args`). The environment is minimal so that
 * nothing of the caller's (PORT, LOG_LEVEL, GATEWAY_CONFIG...) leaks into the gateway's config.
 */
export async function startGateway(
  root: string,
  nodeBin: string,
  upstreams: string | Readonly<Record<string, string>>,
  options: GatewayOptions = {},
): Promise<GatewayHandle> {
  const sources = typeof upstreams === 'string' ? { demo: upstreams } : upstreams;
  const args = [
    ...(options.nodeFlags ?? []),
    join(root, 'src', 'main.ts'),
    ...['--host', '127.0.0.1', '--port', '0', '--log-level', 'info'],
    ...Object.entries(sources).flatMap(([id, url]) => ['--source', `${id}=${url}`]),
    ...(options.args ?? []),
  ];
  const spawnedAt = performance.now();
  const env = { PATH: process.env['PATH'] ?? '', ...options.env };
  const child = spawn(nodeBin, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  const MAX_OUT = 200_000;
  const onData = (chunk: Buffer) => {
    if (out.length < MAX_OUT) out += chunk.toString('utf8');
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const { url, listeningAt } = await new Promise<{ url: string; listeningAt: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stopChild(child);
      reject(new Error(`gateway did not log 'listening on' within 30 s. Output:\n${out.slice(-4000)}`));
    }, START_TIMEOUT_MS);
    const check = () => {
      const m = /listening on (http:\/\/[^\s]+?)\/graphql/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        child.stderr!.off('data', check);
        resolve({ url: m[1]!, listeningAt: performance.now() });
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited during start (code ${code}, signal ${signal}). Output:\n${out.slice(-4000)}`));
    });
  });
  return { url, pid: child.pid!, spawnedAt, listeningAt, output: () => out, stop: () => stopChild(child) };
}

/** Polls `${url}/ready` (every 20 ms) until it answers 2xx; throws after `timeoutMs`. */
export async function waitReady(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const ok = await fetch(`${url}/ready`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise<void>((r) => setTimeout(r, 20));
  }
  throw new Error(`gateway ${url} not ready within ${timeoutMs} ms`);
}

/** VmRSS and VmHWM (peak) of a process in MB, from /proc (Linux); undefined elsewhere. */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}
