/**
 * Every migration, by name, in a static list (no folder scan: the type-stripped Node runtime and bundlers see plain
 * imports). Names are timestamps, `YYYY_MM_DD_NNNN_what`; kysely's Migrator runs them in name order, each once.
 * A new migration is a new file here; a migration that has shipped is never edited.
 */
import { Migrator } from 'kysely/migration';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Migration, MigrationProvider, MigrationResultSet } from 'kysely/migration';
import * as auditEvent from './2026_12_06_0001_audit_event.ts';
import * as changeEvent from './2026_12_06_0002_change_event.ts';
import * as changeCaptureState from './2026_12_07_0001_change_capture_state.ts';
import * as captureCoordination from './2026_12_07_0002_capture_coordination.ts';

export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '2026_12_06_0001_audit_event': auditEvent,
  '2026_12_06_0002_change_event': changeEvent,
  '2026_12_07_0001_change_capture_state': changeCaptureState,
  '2026_12_07_0002_capture_coordination': captureCoordination,
});

const provider: MigrationProvider = { getMigrations: async () => ({ ...MIGRATIONS }) };

export interface MigrateOptions {
  /** PostgreSQL: the schema holding kysely's bookkeeping tables (the one the app's tables go to). */
  readonly migrationTableSchema?: string;
  /**
   * SQLite: run every migration inside one `BEGIN IMMEDIATE` transaction. kysely takes no lock on SQLite (one
   * connection per Kysely instance), so two processes opening the same new file would both migrate it; the write lock
   * makes the second wait (busy timeout) and then find nothing to do. It also undoes a failed migration whole.
   */
  readonly sqliteWriteLock?: boolean;
}

/**
 * Brings the database to the latest migration (a no-op when it is there). On PostgreSQL several processes may call it
 * at once: kysely's Migrator serialises them with an advisory lock; on SQLite, `sqliteWriteLock` does.
 */
export async function migrateToLatest(db: Kysely<unknown>, options: MigrateOptions = {}): Promise<MigrationResultSet> {
  const migrate = (on: Kysely<unknown>) => new Migrator({
    db: on,
    provider,
    ...(options.migrationTableSchema !== undefined && { migrationTableSchema: options.migrationTableSchema }),
  }).migrateToLatest();
  const result = options.sqliteWriteLock !== true ? await migrate(db) : await db.connection().execute(async (connection) => {
    await sql`begin immediate`.execute(connection);
    let outcome: MigrationResultSet;
    try {
      outcome = await migrate(connection);
    } catch (error) {
      await sql`rollback`.execute(connection);
      throw error;
    }
    await sql.raw(outcome.error === undefined ? 'commit' : 'rollback').execute(connection);
    return outcome;
  });
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName;
    const message = result.error instanceof Error ? result.error.message : String(result.error);
    throw new Error(`database migration ${failed ?? '(setup)'} failed: ${message}`, { cause: result.error });
  }
  return result;
}
