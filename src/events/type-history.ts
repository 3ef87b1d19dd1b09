import type { ChangeAction } from '../fhir/change-event.ts';
import type { FhirResource } from '../sources/fhir-types.ts';
import { isFhirId } from '../sources/reference.ts';
import { typeAndId } from './notification.ts';

/**
 * One entry of a type's history (`GET [base]/Type/_history?_since=`): a version of a resource, or a delete — an entry
 * without a resource whose `request.method` is DELETE (the only way a FHIR server tells a client of a delete).
 */
export interface HistoryItem {
  readonly resourceType: string;
  readonly id: string;
  /** The version (a delete's own version: `request.url` `.../_history/v`, or `response.etag`); null when not given. */
  readonly versionId: string | null;
  /** When the version was made (`meta.lastUpdated`, or a delete's `response.lastModified`). */
  readonly lastUpdated: string | undefined;
  /** The entry's `request.method` as an action (a PUT answered 201 is a create); undefined when it has none. */
  readonly action: ChangeAction | undefined;
  /** The version, for creates and updates; null for a delete. */
  readonly resource: FhirResource | null;
}

/** The types for which a CapabilityStatement declares the `history-type` interaction. */
export function historyTypesOf(statement: Record<string, unknown>): Set<string> {
  const rest = (Array.isArray(statement['rest']) ? statement['rest'] : []) as Array<{ mode?: unknown; resource?: unknown } | null>;
  const server = rest.find((r) => r?.mode === undefined || r?.mode === 'server');
  const resources = (Array.isArray(server?.resource) ? server.resource : []) as Array<{ type?: unknown; interaction?: unknown } | null>;
  const types = new Set<string>();
  for (const r of resources) {
    const interactions = (Array.isArray(r?.interaction) ? r.interaction : []) as Array<{ code?: unknown } | null>;
    if (typeof r?.type === 'string' && interactions.some((i) => i?.code === 'history-type')) types.add(r.type);
  }
  return types;
}

interface HistoryEntry {
  fullUrl?: unknown;
  resource?: unknown;
  request?: { method?: unknown; url?: unknown };
  response?: { status?: unknown; etag?: unknown; lastModified?: unknown };
}

/**
 * The items of one page of a history Bundle of `resourceType`, in the server's order (newest first, as FHIR asks);
 * entries of another type, or that name no resource, are left out.
 */
export function historyItems(bundle: unknown, resourceType: string): HistoryItem[] {
  const entries = (bundle as { entry?: unknown } | undefined)?.entry;
  if (!Array.isArray(entries)) return [];
  const items: HistoryItem[] = [];
  for (const raw of entries) {
    if (typeof raw !== 'object' || raw === null) continue;
    const entry = raw as HistoryEntry;
    const method = typeof entry.request?.method === 'string' ? entry.request.method.toUpperCase() : undefined;
    const resource = entry.resource as FhirResource | undefined;
    if (typeof resource === 'object' && resource !== null && method !== 'DELETE') {
      if (resource.resourceType !== resourceType || typeof resource.id !== 'string' || !isFhirId(resource.id)) continue;
      const created = method === 'POST' || (method === 'PUT' && String(entry.response?.status ?? '').startsWith('201'));
      items.push({
        resourceType, id: resource.id, versionId: resource.meta?.versionId ?? null, lastUpdated: resource.meta?.lastUpdated,
        action: created ? 'create' : method === 'PUT' || method === 'PATCH' ? 'update' : undefined, resource,
      });
      continue;
    }
    if (method !== 'DELETE') continue;
    const url = [entry.request?.url, entry.fullUrl].find((u): u is string => typeof u === 'string' && typeAndId(u)?.resourceType === resourceType);
    if (url === undefined) continue;
    const lastModified = entry.response?.lastModified;
    items.push({
      resourceType, id: typeAndId(url)!.id, versionId: deleteVersion(url, entry.response?.etag), action: 'delete', resource: null,
      lastUpdated: typeof lastModified === 'string' && !Number.isNaN(Date.parse(lastModified)) ? lastModified : undefined,
    });
  }
  return items;
}

/** A delete's own version: `.../_history/{v}` in its URL, else its ETag (`W/"v"`). */
function deleteVersion(url: string, etag: unknown): string | null {
  const inUrl = /\/_history\/([A-Za-z0-9\-.]{1,64})(?:$|\?)/.exec(url)?.[1];
  if (inUrl !== undefined) return inUrl;
  const tagged = typeof etag === 'string' ? /^(?:W\/)?"([A-Za-z0-9\-.]{1,64})"$/.exec(etag.trim())?.[1] : undefined;
  return tagged ?? null;
}

/** The item as a resource stub the watermark can place (its type, id and meta). */
export function historyStub(item: HistoryItem): FhirResource {
  return item.resource ?? {
    resourceType: item.resourceType,
    id: item.id,
    meta: { ...(item.versionId !== null && { versionId: item.versionId }), ...(item.lastUpdated !== undefined && { lastUpdated: item.lastUpdated }) },
  };
}
