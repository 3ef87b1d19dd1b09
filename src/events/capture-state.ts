import type { Kysely } from 'kysely';
import type { Db } from '../db/database.ts';

/** The table of migration 2026_12_07_0001_change_capture_state. */
type CaptureTables = {
  change_capture_state: { source_id: string; stream: string; position: string; updated_ms: number };
};

/**
 * Where change capture got to, per source and stream (`type:Patient` for a type's `_lastUpdated` watermark,
 * `subscription:<reference>` for a Subscription's last event number), kept in the gateway's database so that a restart
 * resumes where the last process stopped. A position is a small JSON value; it is written after the changes it covers
 * were logged (a crash in between repeats them, and the log's de-duplication by version absorbs the repeat).
 */
export class CaptureState {
  readonly #db: Promise<Kysely<CaptureTables>>;

  constructor(db: Promise<Db>) {
    this.#db = db.then((d) => d.kysely.withTables<CaptureTables>() as unknown as Kysely<CaptureTables>);
    this.#db.catch(() => undefined); // reported where it is used
  }

  async get<T>(sourceId: string, stream: string): Promise<T | undefined> {
    const db = await this.#db;
    const row = await db.selectFrom('change_capture_state').select('position').where('source_id', '=', sourceId).where('stream', '=', stream).executeTakeFirst();
    return row === undefined ? undefined : (JSON.parse(row.position) as T);
  }

  /** Every stream of a source that has a position, with its position. */
  async all<T>(sourceId: string, prefix: string): Promise<Map<string, T>> {
    const db = await this.#db;
    const rows = await db.selectFrom('change_capture_state').select(['stream', 'position']).where('source_id', '=', sourceId).execute();
    return new Map(rows.filter((r) => r.stream.startsWith(prefix)).map((r) => [r.stream.slice(prefix.length), JSON.parse(r.position) as T]));
  }

  async put(sourceId: string, stream: string, position: unknown, now = Date.now()): Promise<void> {
    const db = await this.#db;
    const text = JSON.stringify(position);
    await db.insertInto('change_capture_state')
      .values({ source_id: sourceId, stream, position: text, updated_ms: now })
      .onConflict((oc) => oc.columns(['source_id', 'stream']).doUpdateSet({ position: text, updated_ms: now }))
      .execute();
  }
}
