/**
 * The AuditEvent trail (append-only): one row per patient per access, and per denial. Portable SQL only (text and
 * bigint columns, CHECK constraints, plain indexes), but for the trigger that refuses UPDATE, written per dialect.
 * Imports nothing from the app: a migration must mean the same thing forever.
 */
import { PostgresAdapter, sql } from 'kysely';
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration sees the database as it is at its time
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('audit_event')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('recorded', 'text', (c) => c.notNull())
    .addColumn('recorded_ms', 'bigint', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('type_code', 'text', (c) => c.notNull())
    .addColumn('subtype', 'text', (c) => c.notNull())
    .addColumn('agent_sub', 'text')
    .addColumn('agent_client_id', 'text')
    .addColumn('agent_fhir_user', 'text')
    .addColumn('network_address', 'text')
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('source_ids', 'text', (c) => c.notNull())
    .addColumn('query', 'text')
    .addColumn('patient', 'text')
    .addColumn('patient_source', 'text')
    .addColumn('entity', 'text')
    .addColumn('detail', 'text')
    .addCheckConstraint('audit_event_action_check', sql`action in ('C', 'R', 'U', 'D', 'E')`)
    .addCheckConstraint('audit_event_outcome_check', sql`outcome in ('0', '4', '8', '12')`)
    .execute();

  const indexes: readonly [name: string, columns: readonly string[]][] = [
    ['audit_event_patient_recorded_idx', ['patient', 'recorded_ms']],
    ['audit_event_agent_sub_recorded_idx', ['agent_sub', 'recorded_ms']],
    ['audit_event_request_id_idx', ['request_id']],
    ['audit_event_recorded_idx', ['recorded_ms']],
  ];
  for (const [name, columns] of indexes) {
    await db.schema.createIndex(name).ifNotExists().on('audit_event').columns([...columns]).execute();
  }

  // Append-only: an audit record, once written, is never changed. (Deleting old rows stays possible, for retention.)
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`create or replace function audit_event_refuse_update() returns trigger language plpgsql as $$
      begin raise exception 'audit_event is append-only: rows are never updated'; end $$`.execute(db);
    await sql`create or replace trigger audit_event_append_only before update on audit_event
      for each row execute function audit_event_refuse_update()`.execute(db);
  } else {
    await sql`create trigger if not exists audit_event_append_only before update on audit_event
      begin select raise(abort, 'audit_event is append-only: rows are never updated'); end`.execute(db);
  }
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('audit_event').ifExists().execute(); // its indexes and trigger go with it
  if (db.getExecutor().adapter instanceof PostgresAdapter) await sql`drop function if exists audit_event_refuse_update()`.execute(db);
}
