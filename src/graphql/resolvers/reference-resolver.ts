import { resourceKey } from '../../loaders/create-loaders.ts';
import type { FhirResource } from '../../sources/fhir-types.ts';
import { parseReference } from '../../sources/reference.ts';
import { inheritOrigin, originOf } from '../../sources/resource-origin.ts';
import type { GatewayContext } from '../context.ts';
import { notFoundError, userError } from './errors.ts';

export interface ReferenceArgs {
  /** HL7: when true, a reference that cannot be resolved gives null instead of an error. */
  readonly optional?: boolean | null;
  /** HL7: resolve only when the reference points at this resource type; otherwise null. */
  readonly type?: string | null;
}

/**
 * `Reference.resource`: a relative reference resolves in the source its resource came from, an absolute one
 * in the source whose base URL it starts with, `#id` among the enclosing resource's contained resources.
 * Reads go through the batched resource loader, so sibling references cost one `_id=` search per type.
 */
export async function resolveReference(reference: Record<string, unknown>, args: ReferenceArgs, ctx: GatewayContext): Promise<FhirResource | null> {
  try {
    return await resolve(reference, args, ctx);
  } catch (error) {
    if (args.optional) return null;
    throw error;
  }
}

async function resolve(reference: Record<string, unknown>, args: ReferenceArgs, ctx: GatewayContext): Promise<FhirResource | null> {
  const literal = reference['reference'];
  if (typeof literal !== 'string') {
    if (args.optional) return null;
    throw userError('UNRESOLVABLE_REFERENCE', 'This Reference has no literal reference (only identifier/display) and cannot be resolved', 'not-found');
  }
  const origin = originOf(reference);
  let parsed = parseReference(literal);
  let sourceId = origin?.sourceId ?? (ctx.sources.size === 1 ? ctx.sources.all()[0]!.id : undefined);
  if (parsed.kind === 'absolute') {
    const match = ctx.sources.matchUrl(parsed.url);
    if (!match) throw userError('UNRESOLVABLE_REFERENCE', 'The reference points at a server that is not a configured source', 'not-found');
    sourceId = match.source.id;
    parsed = parseReference(match.relative);
  }
  switch (parsed.kind) {
    case 'contained': {
      const contained = origin?.root['contained'];
      const found = Array.isArray(contained) ? (contained as FhirResource[]).find((r) => r.id === parsed.id) : undefined;
      if (!found) throw notFoundError(`Contained resource #${parsed.id} is not in this resource`);
      if (args.type && found.resourceType !== args.type) return null;
      return inheritOrigin(found, origin);
    }
    case 'relative': {
      if (args.type && parsed.resourceType !== args.type) return null;
      if (sourceId === undefined) throw userError('UNRESOLVABLE_REFERENCE', 'Cannot tell which source this reference belongs to', 'not-found');
      return ctx.loaders.resource.load(resourceKey(sourceId, parsed.resourceType, parsed.id, parsed.versionId));
    }
    case 'absolute':
    case 'invalid':
      throw userError('UNRESOLVABLE_REFERENCE', `Cannot resolve reference: ${parsed.kind === 'invalid' ? parsed.reason : 'nested absolute URL'}`, 'not-found');
  }
}
