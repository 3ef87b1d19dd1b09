import type { FhirResource } from '../sources/fhir-types.ts';
import type { NewChange } from './change-event.ts';
import type { FhirContext } from './fhir-context.ts';
import { changeOfWrite } from './record-change.ts';

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
 * request entry's index), each decided as a single write's is (record-change.ts changeOfWrite); entries answered
 * with an error, and reads and searches, make none.
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
    const location = answer?.response?.location;
    const body = answer?.resource ?? undefined;
    return changeOfWrite(ctx, { sourceId, method, status, resourceType, id, body, location: typeof location === 'string' ? location : undefined });
  }));
  return found.filter((c) => c !== undefined);
}
