/**
 * The audit trail's hot write path: rows appended in one transaction, with SQL that kysely compiles once per row count
 * (not a query tree built and compiled for every batch) and parameters bound from a flat array. The statement is
 * kysely's own `insertInto('audit_event')`, so the table stays defined by the migrations and ./schema.ts.
 *
 * `on conflict (id) do nothing`: an event already stored is skipped. A retry after a failure whose outcome was unknown
 * (a connection lost around the commit, a worker stopped after committing) therefore never stores an event twice.
 */
import { CompiledQuery } from 'kysely';
import type { Kysely } from 'kysely';
import { AUDIT_EVENT_COLUMNS, type Database, type NewAuditEvent } from './schema.ts';

export interface AuditAppender {
  /** Stores `rows` in one transaction: resolves once they are committed, rejects when they are not. */
  append(rows: readonly NewAuditEvent[]): Promise<void>;
  /** Waits for the appends under way, then releases what the appender holds (not the database itself). */
  close(): Promise<void>;
}

/** Rows per INSERT statement: 18 columns, well under SQLite's (32,766) and PostgreSQL's (65,535) bind-parameter limits. */
export const ROWS_PER_INSERT = 100;
const CACHED_STATEMENTS = 16;

/** A row of every column, for compiling the statement: kysely lists the columns of the rows it is given. */
const SHAPE: NewAuditEvent = Object.fromEntries(AUDIT_EVENT_COLUMNS.map((c) => [c, null])) as unknown as NewAuditEvent;

/** The SQL of an insert of `count` rows (AUDIT_EVENT_COLUMNS, in that order) that skips ids already stored. */
export function auditInsertSql(kysely: Kysely<Database>, count: number): string {
  return kysely
    .insertInto('audit_event')
    .values(Array.from({ length: count }, () => SHAPE))
    .onConflict((oc) => oc.column('id').doNothing())
    .compile().sql;
}

/** The inserts the SQLite writer thread runs (./sqlite-appender.ts): batches go in statements of 100, 25, 5 and 1 rows. */
export function sqliteAppendInserts(kysely: Kysely<Database>): { rows: number; sql: string }[] {
  return [ROWS_PER_INSERT, 25, 5, 1].map((rows) => ({ rows, sql: auditInsertSql(kysely, rows) }));
}

/** The rows' values, column after column, row after row (`rows.length * AUDIT_EVENT_COLUMNS.length` values). */
export function flatValues(rows: readonly NewAuditEvent[], from = 0, to = rows.length): unknown[] {
  const values: unknown[] = [];
  for (let i = from; i < to; i++) {
    const row = rows[i]! as unknown as Record<string, unknown>;
    for (const column of AUDIT_EVENT_COLUMNS) values.push(row[column] ?? null);
  }
  return values;
}

/**
 * Appends through the kysely instance itself: PostgreSQL (pg's pool, asynchronous already) and a SQLite database that
 * only this thread can reach (`:memory:`). One statement per ROWS_PER_INSERT rows, in one transaction when several.
 */
export function kyselyAppender(kysely: Kysely<Database>): AuditAppender {
  const statements = new Map<number, string>();
  const sqlFor = (count: number): string => {
    let text = statements.get(count);
    if (text === undefined) {
      text = auditInsertSql(kysely, count);
      if (statements.size >= CACHED_STATEMENTS) {
        for (const key of statements.keys()) {
          if (key !== ROWS_PER_INSERT) {
            statements.delete(key); // the oldest of the partial sizes; the full one stays
            break;
          }
        }
      }
      statements.set(count, text);
    }
    return text;
  };
  const queries = (rows: readonly NewAuditEvent[]): CompiledQuery[] => {
    const out: CompiledQuery[] = [];
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
      const end = Math.min(rows.length, i + ROWS_PER_INSERT);
      out.push(CompiledQuery.raw(sqlFor(end - i), flatValues(rows, i, end)));
    }
    return out;
  };
  let running = 0;
  let idle: (() => void) | undefined;
  return {
    async append(rows) {
      if (rows.length === 0) return;
      running++;
      try {
        const [first, ...more] = queries(rows);
        if (more.length === 0) await kysely.executeQuery(first!);
        else {
          await kysely.transaction().execute(async (trx) => {
            for (const query of [first!, ...more]) await trx.executeQuery(query);
          });
        }
      } finally {
        if (--running === 0) idle?.();
      }
    },
    async close() {
      if (running > 0) await new Promise<void>((resolve) => (idle = resolve));
    },
  };
}
