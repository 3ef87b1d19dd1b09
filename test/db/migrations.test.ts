// The migrations on both backends: run once, idempotent on reopen, the audit_event table, its indexes and constraints.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { openDatabase } from '../../src/db/database.ts';
import { MIGRATIONS } from '../../src/db/migrations/index.ts';
import { auditRow, openFromWorkers, pgQuery, testBackends } from './helpers.ts';

const backends = testBackends('migrations');

const COLUMNS = [
  'id', 'recorded', 'recorded_ms', 'action', 'outcome', 'type_code', 'subtype', 'agent_sub', 'agent_client_id', 'agent_fhir_user',
  'network_address', 'request_id', 'source_ids', 'query', 'patient', 'patient_source', 'entity', 'detail',
];
const NOT_NULL = ['id', 'recorded', 'recorded_ms', 'action', 'outcome', 'type_code', 'subtype', 'request_id', 'source_ids'];
const INDEXES: Readonly<Record<string, readonly string[]>> = {
  audit_event_patient_recorded_idx: ['patient', 'recorded_ms'],
  audit_event_agent_sub_recorded_idx: ['agent_sub', 'recorded_ms'],
  audit_event_request_id_idx: ['request_id'],
  audit_event_recorded_idx: ['recorded_ms'],
};

async function withDb<T>(url: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDatabase(url);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

interface MigrationRow { name: string; timestamp: string }

async function migrationRows(db: Db): Promise<MigrationRow[]> {
  const { rows } = await sql<MigrationRow>`select name, timestamp from kysely_migration order by name`.execute(db.kysely);
  return rows.map((r) => ({ name: r.name, timestamp: r.timestamp }));
}

/** Index name -> its columns, in order. */
async function indexesOf(db: Db, schema: string | undefined): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  if (db.dialect === 'sqlite') {
    const { rows } = await sql<{ name: string; origin: string }>`select name, origin from pragma_index_list('audit_event')`.execute(db.kysely);
    for (const index of rows.filter((r) => r.origin === 'c')) {
      const cols = await sql<{ name: string }>`select name from pragma_index_info(${index.name}) order by seqno`.execute(db.kysely);
      out[index.name] = cols.rows.map((c) => c.name);
    }
    return out;
  }
  const rows = await pgQuery<{ name: string; columns: string[] }>(`
    select i.relname as name, array_agg(a.attname order by k.ord)::text[] as columns
    from pg_index x
    join pg_class i on i.oid = x.indexrelid
    join pg_class t on t.oid = x.indrelid
    join pg_namespace n on n.oid = t.relnamespace
    cross join lateral unnest(x.indkey) with ordinality as k(attnum, ord)
    join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum
    where t.relname = 'audit_event' and n.nspname = $1 and not x.indisprimary
    group by i.relname`, [schema]);
  for (const row of rows) out[row.name] = row.columns;
  return out;
}

describe.each(backends)('migrations on $dialect', (backend) => {
  it('run once: every migration is recorded, and reopening runs none again', async () => {
    const url = backend.fresh();
    const first = await withDb(url, async (db) => {
      expect(db.dialect).toBe(backend.dialect);
      await db.kysely.insertInto('audit_event').values(auditRow({ request_id: 'kept' })).execute();
      return migrationRows(db);
    });
    expect(first.map((r) => r.name)).toEqual(Object.keys(MIGRATIONS).sort());
    expect(first.map((r) => r.name)).toEqual(['2026_12_06_0001_audit_event', '2026_12_06_0002_change_event', '2026_12_07_0001_change_capture_state', '2026_12_07_0002_capture_coordination']);
    for (let i = 0; i < 2; i++) {
      await withDb(url, async (db) => {
        expect(await migrationRows(db)).toEqual(first); // same rows, same timestamps: nothing ran again
        const rows = await db.kysely.selectFrom('audit_event').select('request_id').execute();
        expect(rows.map((r) => r.request_id)).toEqual(['kept']);
      });
    }
  });

  it('several processes opening the same new database at once all succeed, and migrate it exactly once', async () => {
    const url = backend.fresh();
    expect(await openFromWorkers(url, 4)).toEqual([{ ok: true }, { ok: true }, { ok: true }, { ok: true }]);
    await withDb(url, async (db) => {
      expect((await migrationRows(db)).map((r) => r.name)).toEqual(Object.keys(MIGRATIONS));
    });
  });

  it('several handles in one process opening the same new database at once migrate it exactly once', async () => {
    const url = backend.fresh();
    const dbs = await Promise.all([openDatabase(url), openDatabase(url), openDatabase(url)]);
    try {
      for (const db of dbs) expect((await migrationRows(db)).map((r) => r.name)).toEqual(Object.keys(MIGRATIONS));
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
    }
  });

  it('creates audit_event with its columns, NOT NULLs and indexes', async () => {
    const url = backend.fresh();
    const schema = backend.dialect === 'postgres' ? new URL(url).searchParams.get('schema') ?? undefined : undefined;
    await withDb(url, async (db) => {
      const tables = await db.kysely.introspection.getTables();
      const table = tables.find((t) => t.name === 'audit_event' && (schema === undefined || t.schema === schema));
      expect(table?.columns.map((c) => c.name).sort()).toEqual([...COLUMNS].sort());
      expect(table?.columns.filter((c) => !c.isNullable).map((c) => c.name).sort()).toEqual([...NOT_NULL].sort());
      if (schema !== undefined) expect(table?.schema).toBe(schema);
      expect(await indexesOf(db, schema)).toEqual(INDEXES);
    });
  });

  it('the tables live in the URL\'s schema only (PostgreSQL), next to kysely\'s bookkeeping', async () => {
    if (backend.dialect !== 'postgres') return;
    const url = backend.fresh();
    const schema = new URL(url).searchParams.get('schema');
    await withDb(url, async () => {
      const rows = await pgQuery<{ schemaname: string; tablename: string }>(
        `select schemaname, tablename from pg_tables where tablename in ('audit_event', 'kysely_migration', 'kysely_migration_lock')
         and schemaname = $1 order by tablename`, [schema]);
      expect(rows.map((r) => r.tablename)).toEqual(['audit_event', 'kysely_migration', 'kysely_migration_lock']);
    });
  });

  it('refuses what the trail must never hold: an update, a bad action or outcome, a missing request id, a repeated id', async () => {
    await withDb(backend.fresh(), async (db) => {
      const row = auditRow();
      await db.kysely.insertInto('audit_event').values(row).execute();
      await expect(db.kysely.updateTable('audit_event').set({ outcome: '8' }).where('id', '=', row.id).execute())
        .rejects.toThrow(/append-only/);
      await expect(db.kysely.insertInto('audit_event').values({ ...auditRow(), action: 'X' as 'R' }).execute()).rejects.toThrow(/check/i);
      await expect(db.kysely.insertInto('audit_event').values({ ...auditRow(), outcome: '1' as '0' }).execute()).rejects.toThrow(/check/i);
      await expect(db.kysely.insertInto('audit_event').values({ ...auditRow(), request_id: null as unknown as string }).execute())
        .rejects.toThrow(/null/i);
      await expect(db.kysely.insertInto('audit_event').values({ ...auditRow(), id: row.id }).execute()).rejects.toThrow(/unique|duplicate/i);
      const rows = await db.kysely.selectFrom('audit_event').selectAll().execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]?.outcome).toBe('0');
      // deleting stays possible (retention)
      await db.kysely.deleteFrom('audit_event').where('id', '=', row.id).execute();
      expect(await db.kysely.selectFrom('audit_event').selectAll().execute()).toHaveLength(0);
    });
  });
});
