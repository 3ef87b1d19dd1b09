import { sql, type Kysely } from 'kysely';
import type { Db } from '../db/database.ts';

/** The table of migration 2026_12_07_0002_capture_coordination. */
type ReplayTables = {
  hook_replay: { source_id: string; signature: string; expires_ms: number };
};

/** How often (at most) a store removes the signatures whose window has passed. */
const PRUNE_EVERY_MS = 60_000;

/**
 * The signed notifications accepted within the replay window, in the gateway's database: every replica and every
 * restart sees the same set, so a notification replayed to another gateway process is refused as it is by the one
 * that took it. A signature is claimed by inserting it (the primary key decides which of two racing replicas gets it);
 * each row expires when its timestamp leaves the window and is removed by the next prune (at most once a minute per
 * process), so the table holds no more than the notifications of the last few minutes.
 */
export class HookReplayStore {
  readonly #db: Promise<Kysely<ReplayTables>>;
  readonly #now: () => number;
  #prunedAt = 0;

  constructor(db: Promise<Db>, now: () => number = Date.now) {
    this.#db = db.then((d) => d.kysely.withTables<ReplayTables>() as unknown as Kysely<ReplayTables>);
    this.#db.catch(() => undefined); // reported where it is used
    this.#now = now;
  }

  /** True when this signature was not accepted before (it is now, until `expiresMs`); false for a replay. */
  async claim(sourceId: string, signature: string, expiresMs: number): Promise<boolean> {
    const db = await this.#db;
    await this.#prune(db);
    const inserted = await db.insertInto('hook_replay')
      .values({ source_id: sourceId, signature, expires_ms: expiresMs })
      .onConflict((oc) => oc.columns(['source_id', 'signature']).doUpdateSet({ expires_ms: sql`excluded.expires_ms` }).where('hook_replay.expires_ms', '<', this.#now()))
      .returning('signature')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  /** Forgets a claimed signature (the notification could not be handled: the source may send it again). */
  async release(sourceId: string, signature: string): Promise<void> {
    const db = await this.#db;
    await db.deleteFrom('hook_replay').where('source_id', '=', sourceId).where('signature', '=', signature).execute();
  }

  async #prune(db: Kysely<ReplayTables>): Promise<void> {
    const now = this.#now();
    if (now - this.#prunedAt < PRUNE_EVERY_MS) return;
    this.#prunedAt = now;
    await db.deleteFrom('hook_replay').where('expires_ms', '<', now).execute();
  }

  /** How many signatures are remembered (tests). */
  async size(): Promise<number> {
    const db = await this.#db;
    const row = await db.selectFrom('hook_replay').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
