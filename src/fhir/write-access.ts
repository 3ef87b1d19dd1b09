import { GatewayError } from '../errors/gateway-error.ts';
import { resourceKey } from '../loaders/create-loaders.ts';
import type { FhirResource } from '../sources/fhir-types.ts';
import { encodeQuery } from '../sources/search-query.ts';
import { VERB, type Interaction } from './access.ts';
import type { FhirContext } from './fhir-context.ts';
import { visibleOrNotFound, type Restriction } from './restriction.ts';

/**
 * The write side of the access decision (restriction.ts) for a restricted viewer — a patient-context or granular
 * scope: what it creates or updates must land inside what it may write (else FORBIDDEN, 403); what it updates,
 * patches or deletes must be something it may see (else NOT_FOUND, exactly as if it did not exist — so an update of a
 * hidden id is no update-as-create either); conditional writes match only inside its access. All decided before
 * anything is sent upstream.
 */
export function requireWritable(ctx: FhirContext, restriction: Restriction, resource: Readonly<Record<string, unknown>>, sourceId: string, interaction: Interaction): void {
  if (restriction.all) return;
  if (restriction.visible(resource as FhirResource, sourceId)) return;
  const type = String(resource['resourceType']);
  ctx.trail.deny(type, VERB[interaction]);
  throw new GatewayError(
    'FORBIDDEN',
    `The ${type} to ${VERB[interaction]} is outside what the access token may write (its patient compartment or granular scopes)`,
    { details: { resourceType: type, interaction: VERB[interaction] } },
  );
}

/** An existing resource that a restricted viewer updates, patches or deletes must be one it may see. */
export async function requireExisting(ctx: FhirContext, restriction: Restriction, sourceId: string, resourceType: string, id: string, interaction: Interaction): Promise<void> {
  if (restriction.all) return;
  const current = await ctx.loaders.resource.load(resourceKey(sourceId, resourceType, id));
  visibleOrNotFound(ctx, restriction, current, sourceId, interaction);
}

/**
 * A conditional write's criteria (`identifier=...`), narrowed to what the viewer may see in the source (the same
 * parameters its searches get), so that the condition can only match inside its access.
 */
export function narrowCriteria(restriction: Restriction, sourceId: string, criteria: string, resourceType: string): string {
  if (restriction.all) return criteria;
  const narrowed = restriction.atSource(sourceId);
  if (narrowed === null) {
    throw new GatewayError('FORBIDDEN', `Source '${sourceId}' holds no ${resourceType} within the access token's patient compartment or granular scopes`, {
      details: { resourceType },
    });
  }
  const extra = encodeQuery(narrowed.query);
  return extra === '' ? criteria : criteria === '' ? extra : `${criteria}&${extra}`;
}

/**
 * A restricted viewer may not patch the elements that decide what it may see (the compartment's references, a granular
 * scope's parameters): a patch's outcome is only known once applied. JSON Patch (`[{ op, path, from }]`) and FHIRPath
 * Patch (a Parameters of `operation` parts) are read; anything unreadable is refused.
 */
export function requirePatchable(ctx: FhirContext, restriction: Restriction, resourceType: string, patch: unknown): void {
  if (restriction.all) return;
  const touched = patchedElements(patch, resourceType);
  const guarded = restriction.paths.map((p) => p.split('.')[0]!);
  const hits = touched === undefined ? ['(unreadable patch)'] : touched.filter((t) => t === '' || guarded.some((g) => t === g || (t.startsWith(g) && /[A-Z]/.test(t[g.length] ?? ''))));
  if (hits.length === 0) return;
  ctx.trail.deny(resourceType, 'update');
  throw new GatewayError(
    'FORBIDDEN',
    `The patch changes ${hits.map((h) => (h === '' ? 'the whole resource' : `'${h}'`)).join(', ')}, which decide what the access token may see; with patient-context or granular scopes, update the resource with PUT instead`,
    { details: { resourceType, interaction: 'update' } },
  );
}

/** The top-level elements a patch touches ('' = the whole resource); undefined when it cannot be read. */
function patchedElements(patch: unknown, resourceType: string): string[] | undefined {
  if (Array.isArray(patch)) {
    const out: string[] = [];
    for (const op of patch as Array<Record<string, unknown> | null>) {
      if (typeof op !== 'object' || op === null || typeof op['path'] !== 'string') return undefined;
      for (const pointer of [op['path'], op['from']]) {
        if (typeof pointer === 'string') out.push(decodePointer(pointer.split('/')[1] ?? ''));
      }
    }
    return out;
  }
  if (typeof patch !== 'object' || patch === null || (patch as { resourceType?: unknown }).resourceType !== 'Parameters') return undefined;
  const out: string[] = [];
  for (const parameter of ((patch as { parameter?: unknown }).parameter as Array<Record<string, unknown>> | undefined) ?? []) {
    const parts = Array.isArray(parameter?.['part']) ? (parameter['part'] as Array<Record<string, unknown>>) : [];
    const part = (name: string) => parts.find((p) => p?.['name'] === name);
    const path = part('path')?.['valueString'];
    if (typeof path !== 'string') return undefined;
    const steps = path.split(/[.([]/);
    if (steps[0] !== resourceType) return undefined;
    const first = steps[1] ?? '';
    out.push(first);
    const name = part('name')?.['valueString'];
    if (first === '' && typeof name === 'string') out[out.length - 1] = name;
  }
  return out;
}

function decodePointer(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}
