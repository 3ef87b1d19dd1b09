/**
 * Node 24's built-in `node:sqlite` (`DatabaseSync`) behind kysely's own `SqliteDialect`: an adapter giving a
 * `DatabaseSync` the shape of the better-sqlite3 subset kysely drives (`SqliteDatabase` / `SqliteStatement`), so that
 * `new SqliteDialect({ database: openNodeSqlite(path) })` works.
 * No native module: nothing to build, nothing to download.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { SQLInputValue, StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** How long a write waits for another connection's write transaction (another process) before SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;
/** Prepared statements kept per database, by SQL text (the queries of one app are few and repeat). */
const STATEMENT_CACHE_SIZE = 200;

/**
 * Opens (creating it, and its directory, when missing) a SQLite database: `path` is a file path or ':memory:'.
 * A file database runs in WAL mode (readers never block the writer) with a busy timeout, so that several processes
 * may share it. One handle per file per process: kysely serialises the queries of one handle, but two handles of one
 * thread in overlapping transactions would wait on each other's lock for the busy timeout, then fail.
 */
export function openNodeSqlite(path: string): SqliteDatabase {
  const memory = path === ':memory:';
  if (!memory) mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  try {
    if (!memory) whileBusy(() => db.exec('PRAGMA journal_mode = WAL'));
    db.exec('PRAGMA foreign_keys = ON');
  } catch (error) {
    db.close();
    throw error;
  }
  return new NodeSqliteDatabase(db);
}

/**
 * Runs `step` again while SQLite answers "database is locked": switching a new file to WAL needs an exclusive lock,
 * and SQLite does not call the busy handler for it, so processes opening one new file at once would fail at once.
 * Retries every 10 ms for at most the busy timeout (the wait blocks, as the open itself is synchronous).
 */
function whileBusy(step: () => void): void {
  const deadline = Date.now() + SQLITE_BUSY_TIMEOUT_MS;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      step();
      return;
    } catch (error) {
      if (!/database is locked|SQLITE_BUSY/i.test((error as Error).message) || Date.now() >= deadline) throw error;
      Atomics.wait(pause, 0, 0, 10);
    }
  }
}

class NodeSqliteDatabase implements SqliteDatabase {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, NodeSqliteStatement>();

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  prepare(sql: string): SqliteStatement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = new NodeSqliteStatement(this.#db.prepare(sql));
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.#statements.keys().next();
        if (oldest.done !== true) this.#statements.delete(oldest.value);
      }
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  close(): void {
    this.#statements.clear();
    if (this.#db.isOpen) this.#db.close();
  }
}

class NodeSqliteStatement implements SqliteStatement {
  readonly #statement: StatementSync;
  /** The statement returns rows (a SELECT, a PRAGMA that answers, an INSERT … RETURNING). */
  readonly reader: boolean;

  constructor(statement: StatementSync) {
    this.#statement = statement;
    this.reader = statement.columns().length > 0;
  }

  all(parameters: readonly unknown[]): unknown[] {
    return this.#statement.all(...parameters.map(toSqliteValue));
  }

  run(parameters: readonly unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint } {
    const { changes, lastInsertRowid } = this.#statement.run(...parameters.map(toSqliteValue));
    return { changes, lastInsertRowid };
  }

  iterate(parameters: readonly unknown[]): IterableIterator<unknown> {
    return this.#statement.iterate(...parameters.map(toSqliteValue));
  }
}

/** node:sqlite binds null, numbers, bigints, strings and bytes only: booleans become 1 / 0, Dates ISO-8601 text. */
function toSqliteValue(value: unknown): SQLInputValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (ArrayBuffer.isView(value)) return value as NodeJS.ArrayBufferView;
  throw new TypeError(`cannot bind a value of type ${typeof value} to a SQLite parameter (serialise it, e.g. as JSON text)`);
}
