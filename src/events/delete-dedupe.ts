import type { NewChange } from '../fhir/change-event.ts';
import type { FhirResource } from '../sources/fhir-types.ts';

/**
 * A delete as change capture learns it: a NewChange, with the instant of the delete when the source said it (a
 * history entry's `response.lastModified`). The change log reads `deletedAt`; it is never stored or delivered.
 */
export type DeleteChange = NewChange & { readonly deletedAt?: string };

/** The newest event the log holds of one resource (of one source). */
export interface LatestLogged {
  readonly action: string;
  readonly versionId: string | null;
  readonly resource: FhirResource | null;
}

/**
 * Whether a delete would add nothing true to the log, given the newest logged event of its resource. A delete has no
 * version of its own in most notifications (nor in the gateway's own writes), so it is recognised by the resource's
 * logged state instead of by the (source, resource, version, action) key:
 * - the newest event is a delete: this is that delete again (the gateway's write and the source's notification of it,
 *   a replay, a catch-up that finds it once more) — unless both deletes carry versions of their own and they differ
 *   (a later delete after a re-create the log never heard of);
 * - the newest event is a create or update the delete predates (the version it deleted, or the delete itself, is older
 *   than that state, or its integer version is lower): the resource was re-created after it, and logging the delete now
 *   would tell subscribers that a resource which exists is gone.
 * A delete after a logged re-create (the deleted version is the logged one, or newer) is a new event.
 */
export function deleteIsRedundant(change: DeleteChange, latest: LatestLogged | undefined): boolean {
  if (latest === undefined) return false;
  if (latest.action === 'delete') {
    return change.versionId === null || latest.versionId === null || change.versionId === latest.versionId;
  }
  const current = latest.resource?.meta;
  const deleted = change.previous?.meta;
  if (deleted?.versionId !== undefined && deleted.versionId === current?.versionId) return false;
  const currentAt = instant(current?.lastUpdated);
  if (currentAt !== undefined) {
    const at = instant(change.deletedAt) ?? instant(deleted?.lastUpdated);
    if (at !== undefined && at < currentAt) return true;
  }
  const own = integer(change.versionId);
  const now = integer(current?.versionId ?? latest.versionId);
  return own !== undefined && now !== undefined && own < now;
}

function instant(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function integer(value: string | null | undefined): number | undefined {
  return typeof value === 'string' && /^[0-9]{1,15}$/.test(value) ? Number(value) : undefined;
}
