import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Db } from '../db/database.ts';

/** The table of migration 2026_12_07_0002_capture_coordination. */
type LockTables = {
  capture_lock: { name: string; holder: string; expires_ms: number };
};

export interface LockOptions {
  /** How long the lease lasts unless renewed (it is renewed every third of it while the work runs; default 60 s). */
  readonly leaseMs?: number;
  /** Between two attempts while another process holds it (default 250 ms, jittered). */
  readonly retryMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Leases in the gateway's database that let one gateway process at a time do a piece of work every replica would
 * otherwise do at once — registering a source's Subscriptions, so that two replicas starting together register one
 * each, not two. A lease is a row (name, holder, expiry): taken by an upsert that succeeds only when the row is free,
 * expired or already this process's, so two processes racing for it are decided by the database; renewed while the
 * work runs; removed after it. A process that dies holding one delays the others by the lease at most.
 */
export class CaptureLock {
  readonly #db: Promise<Kysely<LockTables>>;
  readonly #holder: string;
  readonly #now: () => number;

  constructor(db: Promise<Db>, holder: string = randomUUID(), now: () => number = Date.now) {
    this.#db = db.then((d) => d.kysely.withTables<LockTables>() as unknown as Kysely<LockTables>);
    this.#db.catch(() => undefined); // reported where it is used
    this.#holder = holder;
    this.#now = now;
  }

  /** Takes (or renews) the lease `name` for leaseMs; false when another live holder has it. */
  async tryAcquire(name: string, leaseMs: number): Promise<boolean> {
    const db = await this.#db;
    const now = this.#now();
    const row = await db.insertInto('capture_lock')
      .values({ name, holder: this.#holder, expires_ms: now + leaseMs })
      .onConflict((oc) => oc.column('name')
        .doUpdateSet({ holder: this.#holder, expires_ms: now + leaseMs })
        .where((eb) => eb.or([eb('capture_lock.expires_ms', '<', now), eb('capture_lock.holder', '=', this.#holder)])))
      .returning('holder')
      .executeTakeFirst();
    return row !== undefined;
  }

  async release(name: string): Promise<void> {
    const db = await this.#db;
    await db.deleteFrom('capture_lock').where('name', '=', name).where('holder', '=', this.#holder).execute();
  }

  /** Runs `work` holding the lease `name`, waiting for it while another process holds it; releases it after. */
  async run<T>(name: string, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
    const leaseMs = options.leaseMs ?? 60_000;
    const retryMs = options.retryMs ?? 250;
    while (!(await this.tryAcquire(name, leaseMs))) {
      options.signal?.throwIfAborted();
      await new Promise((resolve) => setTimeout(resolve, Math.round(retryMs * (0.5 + Math.random()))));
    }
    const renew = setInterval(() => void this.tryAcquire(name, leaseMs).catch(() => undefined), Math.max(1, Math.floor(leaseMs / 3)));
    renew.unref();
    try {
      return await work();
    } finally {
      clearInterval(renew);
      await this.release(name).catch(() => undefined); // it expires anyway
    }
  }
}
