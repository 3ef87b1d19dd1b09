import { GatewayError } from '../errors/gateway-error.ts';
import { accessTo, visibleOrNotFound } from './restriction.ts';
import { resourceKey } from '../loaders/create-loaders.ts';
import type { FhirResource } from '../sources/fhir-types.ts';
import { parseReference } from '../sources/reference.ts';
import { inheritOrigin, originOf } from '../sources/resource-origin.ts';
import type { FhirContext } from './fhir-context.ts';

/**
 * The HL7 page's arguments: "optional : true | false. (default is false). If the server cannot resolve the reference
 * (e.g. resource does not exist, or user security rights or choices do not permit resource to be seen), and optional
 * is not true, the server returns an error"; "type : [Resource] - only selects resources of a particular type, or
 * ignores them if are they not of the right type".
 */
export interface ReferenceArgs {
  /** When true, a reference that cannot be resolved gives null instead of an error. */
  readonly optional?: boolean | null;
  /** Resolve only references to these resource types; null for any other. */
  readonly type?: string | readonly string[] | null;
}

/**
 * What `optional: true` turns into null: the target does not exist, cannot be resolved, or may not be seen (FORBIDDEN:
 * the token's scopes do not grant reading its type; a resource outside what they grant is NOT_FOUND). A source that fails (timeout, 5xx, circuit open, our own credentials refused) is still an error: null would claim that the
 * resource does not exist.
 */
const UNRESOLVABLE = new Set(['NOT_FOUND', 'UNRESOLVABLE_REFERENCE', 'UPSTREAM_UNAUTHORIZED', 'UNKNOWN_SOURCE', 'UNSUPPORTED_RESOURCE_TYPE', 'FORBIDDEN']);

/**
 * `Reference.resource`: a relative reference resolves in the source its resource came from, an absolute one
 * in the source whose base URL it starts with, `#id` among the enclosing resource's contained resources.
 * Reads go through the batched resource loader, so sibling references cost one `_id=` search per type.
 */
export async function resolveReference(ctx: FhirContext, reference: Record<string, unknown>, args: ReferenceArgs): Promise<FhirResource | null> {
  const types = args.type === null || args.type === undefined ? undefined : new Set(typeof args.type === 'string' ? [args.type] : args.type);
  try {
    const resource = await resolve(reference, types, ctx);
    ctx.trail.record('R', [resource], originOf(resource ?? {})?.sourceId);
    return resource;
  } catch (error) {
    if (args.optional && error instanceof GatewayError && UNRESOLVABLE.has(error.code)) return null;
    throw error;
  }
}

async function resolve(reference: Record<string, unknown>, types: ReadonlySet<string> | undefined, ctx: FhirContext): Promise<FhirResource | null> {
  const literal = reference['reference'];
  if (typeof literal !== 'string') {
    // Reference.type ('Patient' or a StructureDefinition URL) tells the target type without resolving anything
    const declared = typeof reference['type'] === 'string' ? reference['type'].slice(reference['type'].lastIndexOf('/') + 1) : undefined;
    if (types && declared !== undefined && !types.has(declared)) return null;
    throw new GatewayError('UNRESOLVABLE_REFERENCE', 'This Reference has no literal reference (only identifier/display) and cannot be resolved');
  }
  const origin = originOf(reference);
  let parsed = parseReference(literal);
  let sourceId = origin?.sourceId ?? (ctx.sources.size === 1 ? ctx.sources.all()[0]!.id : undefined);
  if (parsed.kind === 'absolute') {
    const match = ctx.sources.matchUrl(parsed.url);
    if (!match) {
      const typeInUrl = /\/([A-Z][A-Za-z]+)\/[A-Za-z0-9.-]{1,64}(?:\/_history\/[^/]+)?$/.exec(parsed.url)?.[1];
      if (types && typeInUrl !== undefined && !types.has(typeInUrl)) return null;
      throw new GatewayError('UNRESOLVABLE_REFERENCE', 'The reference points at a server that is not a configured source');
    }
    sourceId = match.source.id;
    parsed = parseReference(match.relative);
  }
  switch (parsed.kind) {
    case 'contained': {
      const contained = origin?.root['contained'];
      const found = Array.isArray(contained) ? (contained as FhirResource[]).find((r) => r.id === parsed.id) : undefined;
      if (!found) throw new GatewayError('NOT_FOUND', `Contained resource #${parsed.id} is not in this resource`);
      if (types && !types.has(found.resourceType)) return null;
      return inheritOrigin(found, origin);
    }
    case 'relative': {
      if (types && !types.has(parsed.resourceType)) return null; // decided before anything is read
      if (sourceId === undefined) throw new GatewayError('UNRESOLVABLE_REFERENCE', 'Cannot tell which source this reference belongs to');
      const restriction = await accessTo(ctx, parsed.resourceType, 'r');
      const target = await ctx.loaders.resource.load(resourceKey(sourceId, parsed.resourceType, parsed.id, parsed.versionId));
      return visibleOrNotFound(ctx, restriction, target, sourceId);
    }
    case 'absolute':
    case 'invalid':
      throw new GatewayError('UNRESOLVABLE_REFERENCE', `Cannot resolve reference: ${parsed.kind === 'invalid' ? parsed.reason : 'nested absolute URL'}`);
  }
}
