import type { Db } from '../db/database.ts';
import type { NewAuditEvent } from '../db/schema.ts';

export interface AuditWriter {
  /**
   * Adds events to the trail. `strict`: resolves once they are committed (and rejects when they could not be);
   * `batched`: resolves at once, the events are written within `flushMs` (or when `maxBatch` are waiting).
   */
  write(events: readonly NewAuditEvent[]): Promise<void>;
  /** Writes everything waiting now. */
  flush(): Promise<void>;
  /** Flushes, then closes the database. Events written after close are refused. */
  close(): Promise<void>;
  /** Events waiting to be written (batched mode). */
  readonly pending: number;
}

export interface AuditWriterOptions {
  readonly durability: 'batched' | 'strict';
  /** Batched: how long an event may wait before it is written (default 250 ms). */
  readonly flushMs?: number;
  /**
   * Batched: write as soon as this many events wait (default 10,000; otherwise every `flushMs`). Large batches are
   * cheap per event: SQLite rewrites the index pages a commit touches (one per patient, at least) once per commit.
   */
  readonly maxBatch?: number;
  /** Batched: events kept while the database cannot be written; older ones are dropped past this, and said so (default 100,000). */
  readonly maxPending?: number;
  readonly log: (level: 'warn' | 'error', message: string) => void;
}

/**
 * Writes the audit trail through the database's append path (src/db: on a SQLite file, a worker thread with its own
 * connection, so that neither mode blocks the event loop on SQLite), off the request's hot path unless `durability`
 * is `strict`. Batched events wait in memory for at most `flushMs` and are written together, one transaction per
 * flush (what waits while one flush commits goes in the next); a failed write keeps them for the next attempt
 * (bounded), and a retry never stores an event twice (the append skips ids already stored). `close()` — on graceful
 * shutdown — writes what waits. What a crash (`kill -9`) loses: the events of the last `flushMs`. Logs never hold
 * event contents, only counts.
 */
export function createAuditWriter(db: Promise<Db>, options: AuditWriterOptions): AuditWriter {
  const flushMs = options.flushMs ?? 250;
  const maxBatch = options.maxBatch ?? 10_000;
  const maxPending = options.maxPending ?? 100_000;
  let queue: NewAuditEvent[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let closed = false;
  let dropped = 0;

  // One transaction per batch: one commit (one WAL sync on SQLite) however many rows.
  const insert = async (rows: readonly NewAuditEvent[]) => (await db).appendAuditEvents(rows);

  const flushNow = (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    writing = writing.then(async () => {
      if (queue.length === 0) return;
      const batch = queue;
      queue = [];
      try {
        await insert(batch);
      } catch (error) {
        queue = [...batch, ...queue];
        if (queue.length > maxPending) {
          dropped += queue.length - maxPending;
          queue = queue.slice(queue.length - maxPending);
        }
        options.log('error', `audit trail: ${batch.length} event(s) could not be written, kept for the next attempt (${(error as Error).message})${dropped > 0 ? `; ${dropped} dropped so far` : ''}`);
        if (!closed) schedule();
      }
    });
    return writing;
  };

  const schedule = () => {
    timer ??= setTimeout(() => void flushNow(), flushMs);
    timer.unref();
  };

  return {
    get pending() {
      return queue.length;
    },
    async write(events) {
      if (events.length === 0) return;
      if (closed) throw new Error('the audit writer is closed');
      if (options.durability === 'strict') {
        await insert(events);
        return;
      }
      queue.push(...events);
      if (queue.length >= maxBatch) void flushNow();
      else schedule();
    },
    flush: flushNow,
    async close() {
      if (closed) return;
      closed = true;
      await flushNow();
      if (queue.length > 0) options.log('error', `audit trail: ${queue.length} event(s) could not be written before shutdown`);
      await db.then((d) => d.close(), () => undefined);
    },
  };
}
