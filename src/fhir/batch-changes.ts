import { resourceKey } from '../loaders/create-loaders.ts';
import type { FhirResource } from '../sources/fhir-types.ts';
import type { NewChange } from './change-event.ts';
import type { FhirContext } from './fhir-context.ts';
import { changeOf } from './record-change.ts';

const ENTRY_URL = /^\/?([A-Z][A-Za-z]+)(?:\/([A-Za-z0-9\-.]{1,64}))?(?:[/?]|$)/;

interface RequestEntry {
  readonly request?: { readonly method?: unknown; readonly url?: unknown };
}

interface AnswerEntry {
  readonly resource?: FhirResource;
  readonly response?: { readonly status?: unknown; readonly location?: unknown };
}

/**
 * The changes a batch or transaction made, entry by entry from the source's answer (FHIR answers each entry at the
 * request entry's index): a POST answered 201 is a create (200: a conditional create that matched, nothing written),
 * a PUT 201 a create and 200 an update, a PATCH an update, a DELETE of an instance a delete; entries answered with an
 * error, reads, searches and conditional deletes (which name no id) make none. The resource is the entry's own answer,
 * or read back by the id its `response.location` names (`Prefer: return=minimal`), as a single write's is.
 */
export async function batchChanges(ctx: FhirContext, sourceId: string, sent: readonly unknown[], answered: readonly unknown[]): Promise<NewChange[]> {
  const found = await Promise.all(sent.map(async (raw, index): Promise<NewChange | undefined> => {
    const request = (raw !== null && typeof raw === 'object' ? (raw as RequestEntry).request : undefined) ?? {};
    const entry = answered[index];
    const answer = entry !== null && typeof entry === 'object' ? (entry as AnswerEntry) : undefined;
    const status = Number.parseInt(String(answer?.response?.status ?? ''), 10);
    const method = typeof request.method === 'string' ? request.method.toUpperCase() : '';
    const url = typeof request.url === 'string' ? ENTRY_URL.exec(request.url) : null;
    if (!(status >= 200 && status < 300) || url === null) return undefined;
    const [, resourceType, id] = url as unknown as [string, string, string | undefined];
    if (id?.startsWith('_')) return undefined; // Type/_search, Type/_history
    const action = method === 'DELETE' ? 'delete' : method === 'POST' ? (status === 201 ? 'create' : undefined) : method === 'PUT' ? (status === 201 ? 'create' : 'update') : method === 'PATCH' ? 'update' : undefined;
    if (action === undefined) return undefined;
    if (action === 'delete') return id === undefined ? undefined : changeOf('delete', sourceId, { resourceType, id });
    const resource = answer?.resource;
    if (resource !== undefined && resource !== null && resource.resourceType === resourceType && typeof resource.id === 'string') return changeOf(action, sourceId, resource);
    const location = typeof answer?.response?.location === 'string' ? answer.response.location : '';
    const written = id ?? new RegExp(`(?:^|/)${resourceType}/([A-Za-z0-9\\-.]{1,64})`).exec(location)?.[1];
    if (written === undefined) return undefined;
    try {
      const key = resourceKey(sourceId, resourceType, written);
      ctx.loaders.resource.clear(key);
      return changeOf(action, sourceId, await ctx.loaders.resource.load(key));
    } catch {
      return undefined; // left to the source's own notifications
    }
  }));
  return found.filter((c) => c !== undefined);
}
