/**
 * Where change capture got to on each source (src/events/capture-state.ts): per source and stream — a polled resource
 * type's `_lastUpdated` watermark, a Subscription's last event number — one position, written in the same order as the
 * changes it covers are logged, so that a restart neither misses nor repeats a change. Imports nothing from the app: a
 * migration must mean the same thing forever.
 */
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration sees the database as it is at its time
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('change_capture_state')
    .ifNotExists()
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('stream', 'text', (c) => c.notNull())
    .addColumn('position', 'text', (c) => c.notNull())
    .addColumn('updated_ms', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('change_capture_state_pk', ['source_id', 'stream'])
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('change_capture_state').ifExists().execute();
}
