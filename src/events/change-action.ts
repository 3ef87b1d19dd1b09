import type { ChangeAction } from '../fhir/change-event.ts';
import type { FhirClient } from '../sources/fhir-client.ts';
import type { FhirResource } from '../sources/fhir-types.ts';

/**
 * Whether a version the gateway learnt of without being told (a polled resource, an R4 notification) is the resource's
 * first — a create — or a later one. It matters beyond the label: the change log recognises the same change by
 * source, resource, version and action, so a gateway write and the source's notification of it are one event only
 * when both say the same. Integer version ids (HAPI and most servers) say it themselves (`1` is the first); opaque ones
 * (Medplum's UUIDs) are compared with the oldest version of the resource's history. When neither tells, 'update'.
 */
export async function actionOf(client: FhirClient, resource: FhirResource, signal?: AbortSignal): Promise<Exclude<ChangeAction, 'delete'>> {
  const versionId = resource.meta?.versionId;
  if (typeof versionId !== 'string' || typeof resource.id !== 'string') return 'update';
  if (/^[0-9]+$/.test(versionId)) return Number(versionId) === 1 ? 'create' : 'update';
  try {
    const history = await client.exchange({ method: 'GET', path: `${resource.resourceType}/${encodeURIComponent(resource.id)}/_history` }, signal ? { signal } : {});
    return oldestVersion(history.body) === versionId ? 'create' : 'update';
  } catch {
    return 'update'; // a source without instance history
  }
}

/** The version id of the oldest entry of a history Bundle (by `meta.lastUpdated`: some servers list it in any order). */
function oldestVersion(body: unknown): string | undefined {
  const entries = (body as { entry?: unknown } | undefined)?.entry;
  if (!Array.isArray(entries)) return undefined;
  let oldest: { at: number; versionId: string } | undefined;
  for (const entry of entries) {
    const meta = (entry as { resource?: FhirResource } | null)?.resource?.meta;
    const at = Date.parse(meta?.lastUpdated ?? '');
    if (typeof meta?.versionId !== 'string' || Number.isNaN(at)) continue;
    if (oldest === undefined || at < oldest.at) oldest = { at, versionId: meta.versionId };
  }
  return oldest?.versionId;
}
