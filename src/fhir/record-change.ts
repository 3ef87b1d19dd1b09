import { resourceKey } from '../loaders/create-loaders.ts';
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

/** A REST write the source answered with success: what was sent and what came back. */
export interface ConfirmedWrite {
  readonly sourceId: string;
  readonly method: string;
  readonly status: number;
  readonly resourceType: string;
  /** The id the request named (instance writes). */
  readonly id: string | undefined;
  /** The resource answered, when there is one. */
  readonly body: FhirResource | undefined;
  /** The answer's Location (or a Bundle entry's response.location). */
  readonly location: string | undefined;
}

/**
 * The change a confirmed REST write made (a single write or one entry of a batch or transaction): POST 201 a create
 * (200: a conditional create that matched, nothing written), PUT 201 a create and otherwise an update, PATCH an
 * update, DELETE of an instance a delete (a conditional delete names no id and is left to upstream notifications).
 * A create or update answered without the resource (`Prefer: return=minimal`) is read back by the id its Location
 * names; undefined when that read fails (the source's own notifications may still tell of it).
 */
export async function changeOfWrite(ctx: FhirContext, write: ConfirmedWrite): Promise<NewChange | undefined> {
  const { sourceId, method, status, resourceType, body } = write;
  const action = method === 'DELETE' ? 'delete' : method === 'POST' ? (status === 201 ? 'create' : undefined)
    : method === 'PUT' ? (status === 201 ? 'create' : 'update') : method === 'PATCH' ? 'update' : undefined;
  if (action === undefined) return undefined;
  if (action === 'delete') return write.id === undefined ? undefined : changeOf('delete', sourceId, { resourceType, id: write.id });
  if (body?.resourceType === resourceType && typeof body.id === 'string') return changeOf(action, sourceId, body);
  const id = write.id ?? (write.location === undefined ? undefined : new RegExp(`(?:^|/)${resourceType}/([A-Za-z0-9\\-.]{1,64})`).exec(write.location)?.[1]);
  if (id === undefined) return undefined;
  try {
    const key = resourceKey(sourceId, resourceType, id);
    ctx.loaders.resource.clear(key);
    return changeOf(action, sourceId, await ctx.loaders.resource.load(key));
  } catch {
    return undefined;
  }
}
