/**
 * What the gateway processes sharing one database must agree on for change capture (src/events): `hook_replay` holds
 * the signatures of the signed notifications accepted within the replay window, so that a notification replayed to
 * another replica, or after a restart, is refused (each row expires with its timestamp's window and is pruned);
 * `capture_lock` holds leases (one row per name) that serialise work only one replica may do at a time, such as
 * registering a source's Subscriptions. Imports nothing from the app: a migration must mean the same thing forever.
 */
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration sees the database as it is at its time
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('hook_replay')
    .ifNotExists()
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addColumn('expires_ms', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('hook_replay_pk', ['source_id', 'signature'])
    .execute();
  await db.schema.createIndex('hook_replay_expires_idx').ifNotExists().on('hook_replay').column('expires_ms').execute();

  await db.schema
    .createTable('capture_lock')
    .ifNotExists()
    .addColumn('name', 'text', (c) => c.primaryKey().notNull())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_ms', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('capture_lock').ifExists().execute();
  await db.schema.dropTable('hook_replay').ifExists().execute();
}
