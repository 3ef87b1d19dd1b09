/**
 * The two backends every storage test runs against: embedded SQLite (files in a temp directory of the test file's
 * own) and the machine's PostgreSQL (schemas of the test file's own, random names). Both are removed after the file.
 * PostgreSQL must be up (it is on the development machines and in CI): these tests fail, never skip, without it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import { afterAll } from 'vitest';
import { sqliteAppendInserts, type AuditAppender } from '../../src/db/audit-append.ts';
import type { Db } from '../../src/db/database.ts';
import { PgClient, quoteIdentifier } from '../../src/db/pg-pool.ts';
import { sqliteWorkerAppender } from '../../src/db/sqlite-appender.ts';
import { SQLITE_BUSY_TIMEOUT_MS } from '../../src/db/sqlite-dialect.ts';
import type { NewAuditEvent } from '../../src/db/schema.ts';

/** Trust auth on 127.0.0.1, database `test` (TEST_POSTGRES_URL overrides it, e.g. for another user). */
export const PG_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface Backend {
  readonly dialect: 'sqlite' | 'postgres';
  /** A new, empty database each call: a new SQLite file, or a new PostgreSQL schema (in the URL's ?schema=). */
  fresh(): string;
}

/** Registers the cleanup (afterAll) of the temp directory and schemas that the returned backends make. */
export function testBackends(label: string): readonly Backend[] {
  const dir = mkdtempSync(join(tmpdir(), `gw-db-${label}-`));
  const prefix = `gw_test_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const schemas: string[] = [];
  let files = 0;
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await dropSchemas(schemas);
  });
  return [
    { dialect: 'sqlite', fresh: () => `sqlite:${join(dir, `db-${++files}`, 'gateway.db')}` },
    {
      dialect: 'postgres',
      fresh: () => {
        const schema = `${prefix}_${schemas.length + 1}`;
        schemas.push(schema);
        return pgUrl({ schema });
      },
    },
  ];
}

/** PG_URL with query parameters set. */
export function pgUrl(params: Readonly<Record<string, string>>): string {
  const url = new URL(PG_URL);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.href;
}

/** Runs SQL on PG_URL over a connection of its own (the tests' admin path: inspect, create, drop). */
export async function pgQuery<R extends Record<string, unknown>>(text: string, values: unknown[] = []): Promise<R[]> {
  const client = new PgClient({ connectionString: PG_URL });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export async function dropSchemas(schemas: readonly string[]): Promise<void> {
  for (const schema of schemas) await pgQuery(`drop schema if exists ${quoteIdentifier(schema)} cascade`);
}

/** A complete audit row, with a new id, at `ms` (default now). */
export function auditRow(overrides: Partial<NewAuditEvent> & { recorded_ms?: number } = {}): NewAuditEvent {
  const ms = overrides.recorded_ms ?? Date.now();
  return {
    id: randomUUID(),
    recorded: new Date(ms).toISOString(),
    recorded_ms: ms,
    action: 'R',
    outcome: '0',
    type_code: 'rest',
    subtype: 'read',
    agent_sub: 'user-1',
    agent_client_id: 'portal',
    agent_fhir_user: 'Practitioner/pr-1',
    network_address: '127.0.0.1',
    request_id: randomUUID(),
    source_ids: JSON.stringify(['hospital']),
    query: null,
    patient: 'Patient/pat-0001',
    patient_source: 'hospital',
    entity: JSON.stringify([{ reference: 'Patient/pat-0001' }]),
    detail: null,
    ...overrides,
  };
}

/**
 * Opens `url` from `count` worker threads at the same instant (each its own connection, like separate gateway
 * processes): the results, in worker order.
 */
export async function openFromWorkers(url: string, count: number): Promise<{ ok: boolean; message?: string }[]> {
  const barrier = new SharedArrayBuffer(4);
  const workers = Array.from({ length: count }, () => new Worker(new URL('./open-worker.ts', import.meta.url), { workerData: { url, barrier } }));
  try {
    const results = workers.map((worker) => new Promise<{ ok: boolean; message?: string }>((resolveResult, reject) => {
      worker.on('message', (m: { ready?: boolean; ok?: boolean; message?: string }) => {
        if (m.ready !== true) resolveResult({ ok: m.ok === true, ...(m.message !== undefined && { message: m.message }) });
      });
      worker.on('error', reject);
    }));
    await Promise.all(workers.map((worker) => new Promise<void>((ready) => {
      worker.once('message', () => ready());
    })));
    const flag = new Int32Array(barrier);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    return await Promise.all(results);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/** The schema of a test PostgreSQL URL (`?schema=`), quoted, with a dot: where its tables are. */
function schemaOf(url: string): string {
  const schema = new URL(url).searchParams.get('schema');
  if (schema === null) throw new Error('a test PostgreSQL URL names its schema');
  return `${quoteIdentifier(schema)}.`;
}

/**
 * The stored rows of a request, counted over a connection of its own, not `db`'s: a read-only handle on the SQLite
 * file, a new PostgreSQL client. `url` is the one `db` was opened with.
 */
export async function countElsewhere(url: string, db: Db, requestId: string): Promise<number> {
  if (db.dialect === 'sqlite') {
    const look = new DatabaseSync(db.location, { readOnly: true });
    try {
      return Number((look.prepare('select count(*) as n from audit_event where request_id = ?').get(requestId) as { n: number }).n);
    } finally {
      look.close();
    }
  }
  const rows = await pgQuery<{ n: string }>(`select count(*) as n from ${schemaOf(url)}audit_event where request_id = $1`, [requestId]);
  return Number(rows[0]!.n);
}

/** Renames the audit table from another connection (to make the database fail writes, then to mend it). */
export async function renameAuditTable(url: string, db: Db, from: string, to: string): Promise<void> {
  if (db.dialect === 'sqlite') {
    const other = new DatabaseSync(db.location, { timeout: 5000 });
    try {
      other.exec(`alter table ${from} rename to ${to}`);
    } finally {
      other.close();
    }
    return;
  }
  await pgQuery(`alter table ${schemaOf(url)}${from} rename to ${to}`);
}

/**
 * An append path over `db`'s SQLite file whose writer thread stops right after committing an append that holds an
 * event with query 'crash-after-commit' not stored yet, before acknowledging it (./crashing-append-worker.ts).
 */
export function crashingAppender(db: Db, restartDelayMs: number): AuditAppender {
  return sqliteWorkerAppender({
    path: db.location, inserts: sqliteAppendInserts(db.kysely), busyTimeoutMs: SQLITE_BUSY_TIMEOUT_MS, restartDelayMs,
    workerUrl: new URL('./crashing-append-worker.ts', import.meta.url),
  });
}
