/**
 * Audit rows appended to a SQLite file off the main thread: a worker thread (./sqlite-append-worker.ts) owns a
 * `node:sqlite` connection of its own to the same file and commits what it is sent, so that the synchronous inserts
 * and fsyncs never block the gateway's event loop. Each append resolves once the worker reports its transaction
 * committed, and rejects when it failed or the worker stopped (its rows may then be stored or not; a retry is safe:
 * the insert skips ids already stored, ./audit-append.ts).
 *
 * The worker starts at the first append. When it stops unexpectedly, appends fail for `restartDelayMs`, then the
 * next one starts a new worker. It holds the process open only while appends are under way.
 */
import { Worker } from 'node:worker_threads';
import { AUDIT_EVENT_COLUMNS } from './schema.ts';
import type { AuditAppender } from './audit-append.ts';
import { encodeAuditRows } from './audit-row-codec.ts';
import type { AppendWorkerData, FromAppendWorker, ToAppendWorker } from './sqlite-append-worker.ts';

export interface SqliteAppenderOptions {
  /** The SQLite file, created and migrated. */
  readonly path: string;
  /** INSERTs of `rows` rows each, one of them of 1 (./audit-append.ts auditInsertSql). */
  readonly inserts: readonly { readonly rows: number; readonly sql: string }[];
  readonly busyTimeoutMs: number;
  /** After the worker stopped unexpectedly, appends fail this long before another is started (default 1,000 ms). */
  readonly restartDelayMs?: number;
  /** The worker's script (default ./sqlite-append-worker.ts); tests give one that fails on purpose. */
  readonly workerUrl?: URL;
}

const WORKER_URL = new URL('./sqlite-append-worker.ts', import.meta.url);
/** close(): how long the worker may take to finish (a commit may wait the busy timeout) before it is terminated. */
const CLOSE_TIMEOUT_MS = 15_000;

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly settled: Promise<void>;
}

export function sqliteWorkerAppender(options: SqliteAppenderOptions): AuditAppender {
  const restartDelayMs = options.restartDelayMs ?? 1000;
  const workerData: AppendWorkerData = {
    path: options.path,
    inserts: options.inserts,
    columns: AUDIT_EVENT_COLUMNS,
    busyTimeoutMs: options.busyTimeoutMs,
  };
  const waiting = new Map<number, Waiter>();
  let worker: Worker | undefined;
  let stopped: { readonly at: number; readonly error: Error } | undefined;
  let nextId = 1;
  let closed = false;

  const settle = (id: number, error?: Error) => {
    const waiter = waiting.get(id);
    if (waiter === undefined) return;
    waiting.delete(id);
    if (waiting.size === 0) worker?.unref();
    if (error === undefined) waiter.resolve();
    else waiter.reject(error);
  };

  const start = (): Worker => {
    const started = new Worker(options.workerUrl ?? WORKER_URL, { workerData });
    let cause: Error | undefined;
    started.on('message', (message: FromAppendWorker) => {
      if (message.kind === 'committed') {
        for (const id of message.ids) settle(id);
      } else {
        settle(message.id, Object.assign(new Error(message.message), message.code === undefined ? {} : { code: message.code }));
      }
    });
    started.on('error', (error) => {
      cause = error;
    });
    started.on('exit', (code) => {
      if (worker === started) worker = undefined;
      const error = new Error(`the audit database writer stopped (${cause?.message ?? `exit code ${code}`})`);
      if (!closed) stopped = { at: Date.now(), error };
      for (const id of [...waiting.keys()]) settle(id, error); // committed or not: unknown, and a retry is safe
    });
    started.unref(); // after the 'message' listener, whose adding refs the port again
    return started;
  };

  return {
    append(rows) {
      if (rows.length === 0) return Promise.resolve();
      if (closed) return Promise.reject(new Error('the audit database writer is closed'));
      if (worker === undefined) {
        if (stopped !== undefined && Date.now() - stopped.at < restartDelayMs) return Promise.reject(stopped.error);
        worker = start();
      }
      let encoded: unknown[];
      try {
        encoded = encodeAuditRows(rows);
      } catch (error) {
        return Promise.reject(error as Error);
      }
      const id = nextId++;
      let resolve!: () => void;
      let reject!: (error: Error) => void;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      waiting.set(id, { resolve, reject, settled: done.then(() => undefined, () => undefined) });
      if (waiting.size === 1) worker.ref(); // an answer is awaited: keep the process alive for it
      try {
        worker.postMessage({ kind: 'append', id, rows: encoded } satisfies ToAppendWorker);
      } catch (error) {
        settle(id, error as Error); // a value that cannot be cloned: this append fails, the worker is fine
      }
      return done;
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...waiting.values()].map((w) => w.settled));
      const last = worker;
      if (last === undefined) return;
      last.ref();
      const exited = new Promise<void>((resolve) => last.once('exit', () => resolve()));
      last.postMessage({ kind: 'close' } satisfies ToAppendWorker);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), CLOSE_TIMEOUT_MS)));
      if ((await Promise.race([exited, late])) === 'late') await last.terminate();
      clearTimeout(timer);
    },
  };
}
