/**
 * A worker thread that appends audit rows to a SQLite file through a `node:sqlite` connection of its own (WAL lets it
 * write while the main thread's connection reads). `node:sqlite` is synchronous: here its inserts, commits and fsyncs
 * block this thread, not the gateway's event loop. Started by ./sqlite-appender.ts; nothing else imports it at run time.
 *
 * Appends that arrive while a commit is under way are committed together next (group commit: one fsync for many),
 * in transactions of bounded size, each append acknowledged once all its rows are committed (see commit()).
 */
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { decodeRows } from './audit-row-codec.ts';

export interface AppendWorkerData {
  /** The SQLite file (already created and migrated by the main thread). */
  readonly path: string;
  /**
   * INSERTs of several sizes (`rows` rows each, one of them 1), their parameters the columns in `columns` order
   * (./audit-append.ts auditInsertSql). A statement of many rows is much cheaper per row than many statements of one:
   * SQLite builds the lists of audit_event's CHECK constraints once per statement run.
   */
  readonly inserts: readonly { readonly rows: number; readonly sql: string }[];
  readonly columns: readonly string[];
  readonly busyTimeoutMs: number;
}

/** `rows`: the rows encoded by ./audit-row-codec.ts (`columns` in order). */
export type ToAppendWorker = { readonly kind: 'append'; readonly id: number; readonly rows: readonly unknown[] } | { readonly kind: 'close' };

export type FromAppendWorker =
  | { readonly kind: 'committed'; readonly ids: readonly number[] }
  | { readonly kind: 'failed'; readonly id: number; readonly message: string; readonly code: string | undefined };

type Append = Extract<ToAppendWorker, { kind: 'append' }>;

const port = parentPort;
if (port === null) throw new Error('sqlite-append-worker.ts runs in a worker thread');
const data = workerData as AppendWorkerData;
const db = new DatabaseSync(data.path, { timeout: data.busyTimeoutMs });
// A multi-row insert keeps a statement journal (to undo that statement alone when a row fails a constraint) and
// builds the CHECK constraints' lists: in memory, not in temporary files (whose system calls cost more than the rest).
db.exec('PRAGMA temp_store = MEMORY');
const width = data.columns.length;
const inserts = [...data.inserts].sort((a, b) => b.rows - a.rows).map((i) => ({ rows: i.rows, statement: db.prepare(i.sql) }));
if (inserts.at(-1)?.rows !== 1) throw new Error('the append worker needs a one-row insert');

/** Rows per transaction, at most (about 20 ms of inserts on a 2-core VM). */
const MAX_ROWS = 2_000;

const waiting: Append[] = [];
let scheduled = false;
let closing = false;

port.on('message', (message: ToAppendWorker) => {
  if (message.kind === 'close') closing = true;
  else waiting.push(message);
  if (!scheduled) {
    scheduled = true;
    setImmediate(drain); // after every message already queued has been taken
  }
});

function drain(): void {
  scheduled = false;
  const group = waiting.splice(0).map((append) => ({ id: append.id, values: decoded(append.rows) }));
  if (group.length > 0) commit(group);
  if (closing && waiting.length === 0) {
    db.close();
    port!.close(); // nothing left to keep the thread alive: it exits
  }
}

/** An append's rows, decoded: every row's values one after the other. */
interface Rows {
  readonly id: number;
  readonly values: readonly SQLInputValue[];
}

/**
 * Commits the appends, small ones together, in transactions of at most MAX_ROWS rows (a larger append takes
 * several), each acknowledged once all its rows are committed. Bounded transactions bound how long another
 * connection waits for the write lock — the main thread's own, writing the change log, waits synchronously.
 * When a transaction of several appends fails, each is tried again on its own, so that a failure is reported to the
 * append that failed (rows already committed are skipped then: the insert ignores ids stored).
 */
function commit(group: readonly Rows[]): void {
  let together: Rows[] = [];
  let rows = 0;
  const flush = () => {
    if (together.length === 0) return;
    const appends = together;
    together = [];
    rows = 0;
    try {
      transaction(() => {
        for (const append of appends) insertRows(append.values, 0, append.values.length);
      });
      port!.postMessage({ kind: 'committed', ids: appends.map((a) => a.id) } satisfies FromAppendWorker);
    } catch (error) {
      if (appends.length === 1) fail(appends[0]!, error);
      else for (const append of appends) commitAlone(append);
    }
  };
  for (const append of group) {
    const count = append.values.length / width;
    if (count > MAX_ROWS) {
      flush();
      commitAlone(append);
      continue;
    }
    if (rows + count > MAX_ROWS) flush();
    together.push(append);
    rows += count;
  }
  flush();
}

function commitAlone(append: Rows): void {
  try {
    for (let at = 0; at < append.values.length; at += MAX_ROWS * width) {
      transaction(() => insertRows(append.values, at, Math.min(append.values.length, at + MAX_ROWS * width)));
    }
    port!.postMessage({ kind: 'committed', ids: [append.id] } satisfies FromAppendWorker);
  } catch (error) {
    fail(append, error);
  }
}

function decoded(rows: readonly unknown[]): SQLInputValue[] {
  const values: SQLInputValue[] = [];
  decodeRows<SQLInputValue>(rows, width, (row) => {
    for (const value of row) values.push(value);
  });
  return values;
}

/** Inserts `values[from..to)` with the largest statements that fit: 257 rows = 2 × 100 + 2 × 25 + 1 × 5 + 2 × 1. */
function insertRows(values: readonly SQLInputValue[], from: number, to: number): void {
  let at = from;
  for (const { rows: count, statement } of inserts) {
    const size = count * width;
    for (; to - at >= size; at += size) statement.run(...values.slice(at, at + size));
  }
}

/** BEGIN IMMEDIATE: takes the write lock first (waiting up to the busy timeout for another writer), then writes. */
function transaction(fn: () => void): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    fn();
    db.exec('COMMIT');
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

/** The driver's message and code only: neither holds the rows' values. */
function fail(append: Rows, error: unknown): void {
  const code = (error as { code?: unknown } | null)?.code;
  port!.postMessage({
    kind: 'failed',
    id: append.id,
    message: error instanceof Error ? error.message : String(error),
    code: typeof code === 'string' ? code : undefined,
  } satisfies FromAppendWorker);
}
