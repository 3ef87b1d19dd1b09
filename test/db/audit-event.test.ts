// The audit_event table in use, on both backends: writing rows and reading them back the ways the audit trail will
// (by patient and time range, by agent, by request id), with the indexes doing the work; concurrent writers.
import { CompiledQuery, sql } from 'kysely';
import type { Compilable } from 'kysely';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { openDatabase } from '../../src/db/database.ts';
import type { NewAuditEvent } from '../../src/db/schema.ts';
import { auditRow, testBackends } from './helpers.ts';

const backends = testBackends('audit_event');
const T0 = Date.parse('2026-12-06T10:00:00.000Z');
const MINUTE = 60_000;

describe.each(backends)('audit_event on $dialect', (backend) => {
  let db: Db;
  let url: string;

  beforeAll(async () => {
    url = backend.fresh();
    db = await openDatabase(url);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('stores a row and reads it back unchanged: text as text, recorded_ms as a number, JSON columns as JSON text', async () => {
    const row = auditRow({
      recorded_ms: T0,
      action: 'E',
      outcome: '8',
      subtype: '$graphql',
      agent_sub: null,
      agent_client_id: null,
      agent_fhir_user: null,
      network_address: '::1',
      source_ids: JSON.stringify(['hospital', 'lab']),
      query: '{ Patient(id: "pat-0001") { name { family } } }',
      patient: 'Patient/pat-0001',
      patient_source: 'hospital',
      entity: JSON.stringify([{ reference: 'Observation/o1' }, { reference: 'Observation/o2' }]),
      detail: JSON.stringify({ code: 'FORBIDDEN', text: 'ünïcødé ✓' }),
    });
    await db.kysely.insertInto('audit_event').values(row).execute();
    const read = await db.kysely.selectFrom('audit_event').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    expect({ ...read }).toEqual(row);
    expect(typeof read.recorded_ms).toBe('number');
    expect(read.recorded).toBe('2026-12-06T10:00:00.000Z');
    expect(JSON.parse(read.entity ?? 'null')).toEqual([{ reference: 'Observation/o1' }, { reference: 'Observation/o2' }]);
  });

  it('finds a patient\'s events in a time range, newest first, and the events of one request and of one agent', async () => {
    const patient = 'Patient/range-1';
    const other = 'Patient/range-2';
    const rows: NewAuditEvent[] = [];
    for (let i = 0; i < 10; i++) rows.push(auditRow({ patient, recorded_ms: T0 + i * MINUTE, request_id: `req-range-${i % 3}`, agent_sub: `agent-${i % 2}` }));
    for (let i = 0; i < 5; i++) rows.push(auditRow({ patient: other, recorded_ms: T0 + i * MINUTE, request_id: 'req-range-0', agent_sub: 'agent-0' }));
    await db.kysely.insertInto('audit_event').values(rows).execute();

    const inRange = await db.kysely.selectFrom('audit_event').select(['recorded_ms', 'patient'])
      .where('patient', '=', patient)
      .where('recorded_ms', '>=', T0 + 2 * MINUTE)
      .where('recorded_ms', '<', T0 + 6 * MINUTE)
      .orderBy('recorded_ms', 'desc')
      .execute();
    expect(inRange.map((r) => (r.recorded_ms - T0) / MINUTE)).toEqual([5, 4, 3, 2]);
    expect(new Set(inRange.map((r) => r.patient))).toEqual(new Set([patient]));

    const ofRequest = await db.kysely.selectFrom('audit_event').select(['patient', 'recorded_ms'])
      .where('request_id', '=', 'req-range-0').orderBy('patient').orderBy('recorded_ms').execute();
    expect(ofRequest.map((r) => `${r.patient}@${(r.recorded_ms - T0) / MINUTE}`)).toEqual([
      ...[0, 3, 6, 9].map((m) => `${patient}@${m}`),
      ...[0, 1, 2, 3, 4].map((m) => `${other}@${m}`),
    ]);

    const { count } = await db.kysely.selectFrom('audit_event').select((eb) => eb.fn.countAll<number>().as('count'))
      .where('agent_sub', '=', 'agent-1').where('patient', '=', patient).executeTakeFirstOrThrow();
    expect(Number(count)).toBe(5);
  });

  it('the range and request queries use their indexes', async () => {
    const plan = async (query: Compilable): Promise<string> => {
      const { sql: text, parameters } = query.compile();
      if (db.dialect === 'sqlite') {
        const { rows } = await db.kysely.executeQuery(CompiledQuery.raw(`explain query plan ${text}`, [...parameters]));
        return (rows as { detail: string }[]).map((r) => r.detail).join('\n');
      }
      // PostgreSQL would scan a table this small sequentially: forbid that to see which index it picks, with statistics.
      await sql`analyze audit_event`.execute(db.kysely);
      return db.kysely.transaction().execute(async (trx) => {
        await sql`set local enable_seqscan = off`.execute(trx);
        const { rows } = await trx.executeQuery(CompiledQuery.raw(`explain ${text}`, [...parameters]));
        return (rows as { 'QUERY PLAN': string }[]).map((r) => r['QUERY PLAN']).join('\n');
      });
    };
    const byPatient = db.kysely.selectFrom('audit_event').selectAll()
      .where('patient', '=', 'Patient/x').where('recorded_ms', '>=', T0).where('recorded_ms', '<', T0 + MINUTE);
    expect(await plan(byPatient)).toContain('audit_event_patient_recorded_idx');
    const byAgent = db.kysely.selectFrom('audit_event').selectAll().where('agent_sub', '=', 'a').where('recorded_ms', '>=', T0);
    expect(await plan(byAgent)).toContain('audit_event_agent_sub_recorded_idx');
    expect(await plan(db.kysely.selectFrom('audit_event').selectAll().where('request_id', '=', 'r'))).toContain('audit_event_request_id_idx');
  });

  it('takes many concurrent inserts, single and in transactions, from one handle and from a second one', async () => {
    const requestId = `req-concurrent-${backend.dialect}`;
    const second = await openDatabase(url);
    try {
      const singles = Array.from({ length: 150 }, (_, i) => (i % 2 === 0 ? db : second).kysely
        .insertInto('audit_event').values(auditRow({ request_id: requestId, recorded_ms: T0 + i })).execute());
      const batches = Array.from({ length: 10 }, (_, b) => db.kysely.transaction().execute(async (trx) => {
        for (let i = 0; i < 5; i++) {
          await trx.insertInto('audit_event').values(auditRow({ request_id: requestId, recorded_ms: T0 + 1000 + b * 10 + i })).execute();
        }
      }));
      await Promise.all([...singles, ...batches]);
    } finally {
      await second.close();
    }
    const rows = await db.kysely.selectFrom('audit_event').select(['id', 'recorded_ms']).where('request_id', '=', requestId).execute();
    expect(rows).toHaveLength(200);
    expect(new Set(rows.map((r) => r.id)).size).toBe(200);
    expect(new Set(rows.map((r) => r.recorded_ms)).size).toBe(200);
  });

  it('a failed transaction leaves nothing behind', async () => {
    const requestId = `req-rollback-${backend.dialect}`;
    const duplicate = auditRow({ request_id: requestId });
    await expect(db.kysely.transaction().execute(async (trx) => {
      await trx.insertInto('audit_event').values(auditRow({ request_id: requestId })).execute();
      await trx.insertInto('audit_event').values(duplicate).execute();
      await trx.insertInto('audit_event').values({ ...duplicate }).execute(); // same id: fails
    })).rejects.toThrow();
    expect(await db.kysely.selectFrom('audit_event').select('id').where('request_id', '=', requestId).execute()).toEqual([]);
    // and the connection is usable afterwards
    await db.kysely.insertInto('audit_event').values(auditRow({ request_id: requestId })).execute();
    expect(await db.kysely.selectFrom('audit_event').select('id').where('request_id', '=', requestId).execute()).toHaveLength(1);
  });
});

describe('SQLite file databases', () => {
  const [sqlite] = backends;

  it('run in WAL mode', async () => {
    const db = await openDatabase(sqlite!.fresh());
    try {
      const { rows } = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db.kysely);
      expect(rows[0]?.journal_mode).toBe('wal');
    } finally {
      await db.close();
    }
  });

  it('a write waits (busy timeout) while another process holds the write lock, instead of failing at once', async () => {
    const url = sqlite!.fresh();
    const db = await openDatabase(url);
    const path = db.location;
    const holdMs = 300;
    // Another connection, in another thread, takes the write lock and keeps it for holdMs.
    const worker = new Worker(`
      const { DatabaseSync } = require('node:sqlite');
      const { parentPort, workerData } = require('node:worker_threads');
      const other = new DatabaseSync(workerData.path);
      other.exec('BEGIN IMMEDIATE');
      other.prepare("insert into audit_event (id, recorded, recorded_ms, action, outcome, type_code, subtype, request_id, source_ids) values ('from-worker', '2026-12-06T10:00:00.000Z', 0, 'R', '0', 'rest', 'read', 'req-lock', '[]')").run();
      parentPort.postMessage('locked');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.holdMs);
      other.exec('COMMIT');
      other.close();
      parentPort.postMessage('committed');
    `, { eval: true, workerData: { path, holdMs } });
    try {
      const messages: string[] = [];
      const committed = new Promise<void>((resolve, reject) => {
        worker.on('message', (m: string) => {
          messages.push(m);
          if (m === 'committed') resolve();
        });
        worker.on('error', reject);
      });
      await new Promise<void>((resolve) => worker.once('message', () => resolve()));
      expect(messages).toEqual(['locked']);
      const started = performance.now();
      await db.kysely.insertInto('audit_event').values(auditRow({ request_id: 'req-lock' })).execute();
      expect(performance.now() - started).toBeGreaterThan(holdMs / 3);
      await committed;
      const rows = await db.kysely.selectFrom('audit_event').select('id').where('request_id', '=', 'req-lock').execute();
      expect(rows).toHaveLength(2);
      expect(rows.map((r) => r.id)).toContain('from-worker');
    } finally {
      await worker.terminate();
      await db.close();
    }
  });
});
