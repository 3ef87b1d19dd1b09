import { sql, type Kysely, type Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { ChangeAction, ChangeEvent, NewChange } from '../fhir/change-event.ts';
import type { FhirResource } from '../sources/fhir-types.ts';
import { deleteIsRedundant, type LatestLogged } from './delete-dedupe.ts';

/** The change log's tables (migration 2026_12_06_0002_change_event). */
type ChangeTables = {
  change_event: {
    event_number: number;
    recorded_ms: number;
    source_id: string;
    resource_type: string;
    resource_id: string;
    version_id: string | null;
    action: string;
    resource: string | null;
    previous: string | null;
    dedupe_key: string | null;
  };
  change_log_state: { id: number; last_number: number; pruned_through: number };
};

type Row = ChangeTables['change_event'];

/** Where the log stands: the last number committed, and how far retention has removed events. */
export interface LogPosition {
  readonly last: bigint;
  /** Every event up to this number may have been removed; every later one is still there. */
  readonly prunedThrough: bigint;
}

/** Events removed per prune transaction: each holds the counter row (appends wait) only this long. */
const PRUNE_CHUNK = 5_000;

/**
 * The durable change log over the gateway's database (kysely: SQLite or PostgreSQL, the same SQL). Numbers are
 * gapless and never reused: every append locks the one counter row for its transaction, so appends are serialised,
 * a number is taken only by a row that commits, and a reader that sees event N sees every event before it. A change
 * already logged (same source, type, id, version and action — a gateway write and the upstream's notification of it)
 * is not logged again; nor is a delete the resource's logged state already says (delete-dedupe.ts), decided under the
 * same lock, so that replicas racing to log the same delete log it once.
 */
export class ChangeLog {
  readonly #db: Kysely<ChangeTables>;

  constructor(db: Db) {
    this.#db = db.kysely.withTables<ChangeTables>() as unknown as Kysely<ChangeTables>;
  }

  /** Appends changes in one transaction; resolves with the events as logged (duplicates left out) once committed. */
  async append(changes: readonly NewChange[], now = Date.now()): Promise<ChangeEvent[]> {
    if (changes.length === 0) return [];
    return this.#db.transaction().execute(async (trx) => {
      // Taking the counter row first: every other append waits here until this one commits (or rolls back, and then
      // the numbers it took were never seen by anyone).
      const state = await trx.updateTable('change_log_state').set({ last_number: sql`last_number` }).where('id', '=', 1).returning(['last_number']).executeTakeFirstOrThrow();
      let last = BigInt(state.last_number);
      const logged: ChangeEvent[] = [];
      for (const change of changes) {
        const key = dedupeKey(change);
        let previous = change.previous;
        if (change.action === 'delete') {
          const latest = await latestOf(trx, change);
          if (deleteIsRedundant(change, latest?.logged)) continue;
          previous ??= latest?.state ?? null;
        }
        const row: Row = {
          event_number: Number(last + 1n),
          recorded_ms: now,
          source_id: change.sourceId,
          resource_type: change.resourceType,
          resource_id: change.id,
          version_id: change.versionId,
          action: change.action,
          resource: change.resource === null ? null : JSON.stringify(change.resource),
          previous: previous === null ? null : JSON.stringify(previous),
          dedupe_key: key,
        };
        // A change already logged conflicts on dedupe_key (none is being inserted by anyone else: we hold the counter).
        const inserted = await trx.insertInto('change_event').values(row).onConflict((oc) => oc.column('dedupe_key').doNothing()).returning('event_number').executeTakeFirst();
        if (inserted === undefined) continue;
        last += 1n;
        const { action, sourceId, resourceType, id, versionId, resource } = change;
        logged.push({ action, sourceId, resourceType, id, versionId, resource, previous, eventNumber: last.toString(), recordedMs: now });
      }
      if (logged.length > 0) await trx.updateTable('change_log_state').set({ last_number: Number(last) }).where('id', '=', 1).execute();
      return logged;
    });
  }

  /**
   * Events after `after` (exclusive) in order, at most `limit`; of one type, or all; up to `through` (inclusive) when
   * given.
   */
  async readAfter(after: bigint, limit: number, resourceType?: string, through?: bigint): Promise<ChangeEvent[]> {
    let query = this.#db.selectFrom('change_event').selectAll().where('event_number', '>', Number(after));
    if (through !== undefined) query = query.where('event_number', '<=', Number(through));
    if (resourceType !== undefined) query = query.where('resource_type', '=', resourceType);
    const rows = await query.orderBy('event_number').limit(limit).execute();
    return rows.map(eventOf);
  }

  async position(): Promise<LogPosition> {
    const state = await this.#db.selectFrom('change_log_state').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
    return { last: BigInt(state.last_number), prunedThrough: BigInt(state.pruned_through) };
  }

  /**
   * Removes the events recorded before `beforeMs` (retention), oldest first, in transactions of a bounded size,
   * remembering how far it went (`prunedThrough`: a `_since` before it is refused, never answered partially). Removes
   * by number, up to the newest event recorded before `beforeMs` (replicas' clocks may differ a little: an event
   * numbered before it goes too). Returns how many were removed. `chunk`: events per transaction.
   */
  async prune(beforeMs: number, chunk = PRUNE_CHUNK): Promise<number> {
    let removed = 0;
    for (;;) {
      const step = await this.#db.transaction().execute(async (trx): Promise<{ count: number; full: boolean }> => {
        // The counter row first, as appends take it: prune and appends never wait on each other in opposite orders.
        const state = await trx.updateTable('change_log_state').set({ pruned_through: sql`pruned_through` }).where('id', '=', 1).returning(['pruned_through']).executeTakeFirstOrThrow();
        const from = Number(state.pruned_through);
        // Numbers are gapless: the next CHUNK events are exactly these numbers (those recorded in time order).
        const newest = await trx.selectFrom('change_event').select((e) => e.fn.max('event_number').as('n'))
          .where('event_number', '>', from).where('event_number', '<=', from + chunk).where('recorded_ms', '<', beforeMs).executeTakeFirst();
        if (newest?.n === null || newest?.n === undefined) return { count: 0, full: false };
        const through = Number(newest.n);
        await trx.updateTable('change_log_state').set({ pruned_through: through }).where('id', '=', 1).execute();
        const result = await trx.deleteFrom('change_event').where('event_number', '<=', through).executeTakeFirst();
        return { count: Number(result.numDeletedRows), full: through === from + chunk };
      });
      removed += step.count;
      if (!step.full) return removed;
    }
  }
}

/** A change with a version is logged once per source, resource, version and action; one without cannot be recognised. */
function dedupeKey(change: NewChange): string | null {
  return change.versionId === null ? null : JSON.stringify([change.sourceId, change.resourceType, change.id, change.versionId, change.action]);
}

/**
 * The newest logged event of a delete's resource, when the log has one: what it was (for de-duplication), and the
 * resource's last known state (a delete's `previous` when the writer does not know it).
 */
async function latestOf(trx: Transaction<ChangeTables>, change: NewChange): Promise<{ logged: LatestLogged; state: FhirResource | null } | undefined> {
  const row = await trx.selectFrom('change_event').select(['action', 'version_id', 'resource', 'previous'])
    .where('source_id', '=', change.sourceId).where('resource_type', '=', change.resourceType).where('resource_id', '=', change.id)
    .orderBy('event_number', 'desc').limit(1).executeTakeFirst();
  if (row === undefined) return undefined;
  const resource = row.resource === null ? null : (JSON.parse(row.resource) as FhirResource);
  const json = row.resource ?? row.previous;
  return { logged: { action: row.action, versionId: row.version_id, resource }, state: json === null ? null : (JSON.parse(json) as FhirResource) };
}

function eventOf(row: Row): ChangeEvent {
  return {
    eventNumber: BigInt(row.event_number).toString(),
    action: row.action as ChangeAction,
    sourceId: row.source_id,
    resourceType: row.resource_type,
    id: row.resource_id,
    versionId: row.version_id,
    resource: row.resource === null ? null : (JSON.parse(row.resource) as FhirResource),
    previous: row.previous === null ? null : (JSON.parse(row.previous) as FhirResource),
    recordedMs: Number(row.recorded_ms),
  };
}
