/**
 * openDatabase: a database URL -> a migrated kysely instance. Embedded SQLite (node:sqlite, no server, no native
 * build) by default; PostgreSQL (pg) for deployments with several gateway replicas. Which URL forms: ./database-url.ts.
 */
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import type { Pool } from 'pg';
import type { Database, NewAuditEvent } from './schema.ts';
import { kyselyAppender, sqliteAppendInserts, type AuditAppender } from './audit-append.ts';
import { parseDatabaseUrl, scrub } from './database-url.ts';
import type { MigrateOptions } from './migrations/index.ts';
import { migrateToLatest } from './migrations/index.ts';
import { createPgPool, quoteIdentifier } from './pg-pool.ts';
import { sqliteWorkerAppender } from './sqlite-appender.ts';
import { openNodeSqlite, SQLITE_BUSY_TIMEOUT_MS } from './sqlite-dialect.ts';

export type { Database } from './schema.ts';
export { DatabaseUrlError, redactUrl } from './database-url.ts';

export interface Db {
  readonly kysely: Kysely<Database>;
  readonly dialect: 'sqlite' | 'postgres';
  /** Where the data lives, for the log: the SQLite file path (or ':memory:'), or the PostgreSQL URL without password. */
  readonly location: string;
  /**
   * The audit trail's write path: stores `rows` in one transaction and resolves once they are committed. Safe to
   * retry after a failure: an event whose id is already stored is skipped, never stored twice. A SQLite file is
   * written by a worker thread with a connection of its own (the main thread's event loop never waits for SQLite's
   * inserts and fsyncs); PostgreSQL and an in-memory SQLite database through `kysely`, with statements compiled once.
   */
  appendAuditEvents(rows: readonly NewAuditEvent[]): Promise<void>;
  /**
   * Waits for the audit appends under way, then closes the SQLite file (and its writer thread) or ends the PostgreSQL
   * pool (waiting for queries in flight); calling it again does nothing.
   */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Directory a relative SQLite path resolves against (default: the working directory). */
  readonly cwd?: string;
  /** PostgreSQL connections in the pool (default 10). */
  readonly maxConnections?: number;
  /**
   * An idle pooled PostgreSQL connection failed (e.g. the server restarted); the pool drops it and the next query
   * opens a new one. Default: ignored (the next query reports any lasting problem).
   */
  readonly onIdleConnectionError?: (error: Error) => void;
}

/** A failure to open or migrate a database. The message names the URL without its password, never the password. */
export class DatabaseOpenError extends Error {
  /** The driver's error code when there is one: 'ECONNREFUSED', PostgreSQL's SQLSTATE ('3D000'), 'ERR_SQLITE_ERROR'. */
  readonly code: string | undefined;

  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = 'DatabaseOpenError';
    this.code = code;
  }
}

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Opens the database `url` names and runs the migrations on it. Throws DatabaseUrlError for a URL that is none of the
 * accepted forms, DatabaseOpenError when the database cannot be reached, opened or migrated.
 */
export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<Db> {
  const target = parseDatabaseUrl(url, options.cwd);
  if (target.dialect === 'sqlite') {
    const kysely = await step(`cannot open the SQLite database ${target.path}`, [], () =>
      new Kysely<Database>({ dialect: new SqliteDialect({ database: openNodeSqlite(target.path) }) }));
    // A worker cannot reach this thread's in-memory database: that one is written here.
    const appender = target.path === ':memory:'
      ? kyselyAppender(kysely)
      : sqliteWorkerAppender({ path: target.path, inserts: sqliteAppendInserts(kysely), busyTimeoutMs: SQLITE_BUSY_TIMEOUT_MS });
    const db = dbOf(kysely, 'sqlite', target.path, appender);
    // One opener of a file at a time in this process (each takes SQLite's write lock to migrate; a second handle of
    // this thread waiting on it would block the thread that holds it).
    return serialised(target.path, () => migrated(db, { sqliteWriteLock: target.path !== ':memory:' }, []));
  }

  const { connectionString, schema, redacted, secrets } = target;
  const pool = createPgPool({
    connectionString,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'fhir-graphql-gateway',
  });
  pool.on('error', (error) => options.onIdleConnectionError?.(error));
  const where = `cannot open the PostgreSQL database ${redacted}`;
  let tableSchema: string;
  try {
    tableSchema = await step(where, secrets, () => prepareSchema(pool, schema));
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  const searchPath = schema === undefined ? undefined : CompiledQuery.raw(`set search_path to ${quoteIdentifier(schema)}`);
  const kysely = new Kysely<Database>({
    dialect: new PostgresDialect({
      pool,
      // every new pooled connection, before its first use
      ...(searchPath !== undefined && { onCreateConnection: async (connection) => void (await connection.executeQuery(searchPath)) }),
    }),
  });
  const db = dbOf(kysely, 'postgres', redacted, kyselyAppender(kysely));
  return migrated(db, { migrationTableSchema: tableSchema }, secrets);
}

function dbOf(kysely: Kysely<Database>, dialect: Db['dialect'], location: string, appender: AuditAppender): Db {
  return {
    kysely,
    dialect,
    location,
    appendAuditEvents: (rows) => appender.append(rows),
    close: once(async () => {
      try {
        await appender.close();
      } finally {
        await kysely.destroy();
      }
    }),
  };
}

/**
 * Creates the URL's schema when missing (checked first: `create schema if not exists` needs the CREATE privilege even
 * when the schema exists), and returns the schema the tables go to.
 */
async function prepareSchema(pool: Pool, schema: string | undefined): Promise<string> {
  if (schema === undefined) {
    const { rows } = await pool.query<{ schema: string | null }>('select current_schema() as schema');
    const current = rows[0]?.schema ?? null;
    if (current === null) throw new Error('no schema of the search_path exists: create one, or add ?schema=name to the URL');
    return current;
  }
  const exists = async () => (await pool.query('select 1 from pg_namespace where nspname = $1', [schema])).rowCount !== 0;
  if (!(await exists())) {
    try {
      await pool.query(`create schema if not exists ${quoteIdentifier(schema)}`);
    } catch (error) {
      if (!(await exists())) throw error; // else another process created it at the same moment
    }
  }
  return schema;
}

async function migrated(db: Db, options: MigrateOptions, secrets: readonly string[]): Promise<Db> {
  const where = `cannot migrate the ${db.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'} database ${db.location}`;
  try {
    // kysely's migrator looks for its table through PostgreSQL's catalog of every schema; a schema another client
    // drops meanwhile (another gateway's, or a test's) fails that look-up with 'schema "x" does not exist'. Not ours:
    // look again (a few times) instead of failing the start.
    for (let attempt = 1; ; attempt++) {
      try {
        await step(where, secrets, () => migrateToLatest(db.kysely as Kysely<unknown>, options));
        break;
      } catch (error) {
        const other = /schema "([^"]+)" does not exist/.exec((error as Error).message)?.[1];
        if (db.dialect !== 'postgres' || other === undefined || other === options.migrationTableSchema || attempt >= 5) throw error;
        await new Promise((r) => setTimeout(r, 20 * attempt));
      }
    }
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
  return db;
}

/**
 * Runs `fn`; its failure becomes a DatabaseOpenError `where: message` with the secrets scrubbed, and without the
 * original error (as `cause` it would carry whatever the driver put in it).
 */
async function step<T>(where: string, secrets: readonly string[], fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = typeof (error as { code?: unknown } | null)?.code === 'string' ? (error as { code: string }).code : undefined;
    throw new DatabaseOpenError(scrub(`${where}: ${message || code || 'unknown error'}`, secrets), code);
  }
}

const opening = new Map<string, Promise<unknown>>();

/** Runs `fn` after every earlier call of the same key has settled. */
async function serialised<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const before = opening.get(key) ?? Promise.resolve();
  const run = before.then(fn, fn);
  const settled = run.then(() => {}, () => {});
  opening.set(key, settled);
  try {
    return await run;
  } finally {
    if (opening.get(key) === settled) opening.delete(key);
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}
