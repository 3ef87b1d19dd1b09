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
  /** Batched: write as soon as this many events wait (default 500). */
  readonly maxBatch?: number;
  /** Batched: events kept while the database cannot be written; older ones are dropped past this, and said so (default 100,000). */
  readonly maxPending?: number;
  readonly log: (level: 'warn' | 'error', message: string) => void;
}

const ROWS_PER_INSERT = 100; // 17 columns: well under SQLite's and PostgreSQL's bind-parameter limits

/**
 * Writes the audit trail through kysely, off the request's hot path unless `durability` is `strict`. Batched events
 * wait in memory for at most `flushMs` and are written in multi-row inserts; a failed write keeps them for the next
 * attempt (bounded), and `close()` — on graceful shutdown — writes what waits. What a crash (`kill -9`) loses: the
 * events of the last `flushMs`. Logs never hold event contents, only counts.
 */
export function createAuditWriter(db: Promise<Db>, options: AuditWriterOptions): AuditWriter {
  const flushMs = options.flushMs ?? 250;
  const maxBatch = options.maxBatch ?? 500;
  const maxPending = options.maxPending ?? 100_000;
  let queue: NewAuditEvent[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let closed = false;
  let dropped = 0;

  // One transaction per batch: one commit (one WAL sync on SQLite) however many rows, instead of one per statement.
  const insert = async (rows: readonly NewAuditEvent[]) => {
    const { kysely } = await db;
    await kysely.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
        await trx.insertInto('audit_event').values(rows.slice(i, i + ROWS_PER_INSERT)).execute();
      }
    });
  };

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
