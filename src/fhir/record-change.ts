import type { FhirResource } from '../sources/fhir-types.ts';
import type { ChangeAction, NewChange } from './change-event.ts';
import { warn, type FhirContext, type ResultPath } from './fhir-context.ts';

/**
 * A write the upstream confirmed becomes a change event at once, committed to the durable log before the write is
 * answered (so a subscriber hears of it no later than the writer learns it succeeded). The write itself has happened:
 * if the log cannot take it, the answer still says so, with a CHANGE_NOT_LOGGED warning (and the error in the log).
 */
export async function recordChanges(ctx: FhirContext, at: ResultPath | undefined, changes: readonly NewChange[]): Promise<void> {
  if (ctx.changes === undefined || changes.length === 0) return;
  try {
    await ctx.changes.record(changes);
  } catch (error) {
    warn(ctx, at, 'CHANGE_NOT_LOGGED', `The write succeeded, but live subscribers were not told: ${(error as Error).message}`);
  }
}

/** The change a confirmed write makes: the resource as the source answered it (or, for a delete, what is known). */
export function changeOf(action: ChangeAction, sourceId: string, resource: FhirResource | { readonly resourceType: string; readonly id: string }): NewChange | undefined {
  const id = resource.id;
  if (typeof id !== 'string' || id === '') return undefined;
  const full = action === 'delete' ? null : (resource as FhirResource);
  const versionId = (resource as FhirResource).meta?.versionId ?? null;
  return { action, sourceId, resourceType: resource.resourceType, id, versionId: action === 'delete' ? null : versionId, resource: full, previous: null };
}
