/**
 * The durable change log of live updates: every change of a resource the gateway learns of (its own writes, upstream
 * notifications, polling), numbered without gaps in one order for the whole deployment. `change_log_state` holds the
 * one counter every append locks (so numbers are gapless and commit in order, on SQLite and PostgreSQL alike) and how
 * far retention has pruned. Imports nothing from the app: a migration must mean the same thing forever.
 */
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration sees the database as it is at its time
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('change_event')
    .ifNotExists()
    .addColumn('event_number', 'bigint', (c) => c.primaryKey().notNull())
    .addColumn('recorded_ms', 'bigint', (c) => c.notNull())
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('resource_type', 'text', (c) => c.notNull())
    .addColumn('resource_id', 'text', (c) => c.notNull())
    .addColumn('version_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('resource', 'text')
    .addColumn('previous', 'text')
    .addColumn('dedupe_key', 'text')
    .execute();
  await db.schema.createIndex('change_event_type_number_idx').ifNotExists().on('change_event').columns(['resource_type', 'event_number']).execute();
  await db.schema.createIndex('change_event_resource_idx').ifNotExists().on('change_event').columns(['source_id', 'resource_type', 'resource_id', 'event_number']).execute();
  await db.schema.createIndex('change_event_recorded_idx').ifNotExists().on('change_event').columns(['recorded_ms']).execute();
  await db.schema.createIndex('change_event_dedupe_idx').ifNotExists().unique().on('change_event').column('dedupe_key').execute();

  await db.schema
    .createTable('change_log_state')
    .ifNotExists()
    .addColumn('id', 'integer', (c) => c.primaryKey().notNull())
    .addColumn('last_number', 'bigint', (c) => c.notNull())
    .addColumn('pruned_through', 'bigint', (c) => c.notNull())
    .execute();
  await db.insertInto('change_log_state').values({ id: 1, last_number: 0, pruned_through: 0 }).onConflict((oc) => oc.column('id').doNothing()).execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('change_log_state').ifExists().execute();
  await db.schema.dropTable('change_event').ifExists().execute();
}
