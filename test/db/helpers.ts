/**
 * The two backends every storage test runs against: embedded SQLite (files in a temp directory of the test file's
 * own) and the machine's PostgreSQL (schemas of the test file's own, random names). Both are removed after the file.
 * PostgreSQL must be up (it is on the development machines and in CI): these tests fail, never skip, without it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll } from 'vitest';
import { PgClient, quoteIdentifier } from '../../src/db/pg-pool.ts';
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
