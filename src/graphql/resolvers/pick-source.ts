import type { Source } from '../../sources/source-registry.ts';
import type { GatewayContext } from '../context.ts';
import { userError } from './errors.ts';

/** The sources a root field reads from: the one named by `sourceId`, else every source serving the type. */
export function sourcesFor(ctx: GatewayContext, resourceType: string, sourceId: string | null | undefined): Source[] {
  if (sourceId !== undefined && sourceId !== null) {
    const source = ctx.sources.get(sourceId);
    if (!source) {
      const known = ctx.sources.all().map((s) => s.id).join(', ');
      throw userError('UNKNOWN_SOURCE', `Unknown source '${sourceId}'; configured sources: ${known}`, 'not-found');
    }
    if (source.resourceTypes !== null && !source.resourceTypes.has(resourceType)) {
      throw userError('UNSUPPORTED_RESOURCE_TYPE', `Source '${sourceId}' does not serve ${resourceType}`, 'not-supported');
    }
    return [source];
  }
  const sources = ctx.sources.forType(resourceType);
  if (sources.length === 0) throw userError('UNSUPPORTED_RESOURCE_TYPE', `No configured source serves ${resourceType}`, 'not-supported');
  return sources;
}

/** Searches need exactly one source until federated fan-out search lands (issue 3). */
export function singleSourceFor(ctx: GatewayContext, resourceType: string, sourceId: string | null | undefined): Source {
  const sources = sourcesFor(ctx, resourceType, sourceId);
  if (sources.length > 1) {
    throw userError(
      'SOURCE_REQUIRED',
      `${sources.length} sources serve ${resourceType} (${sources.map((s) => s.id).join(', ')}); pass sourceId to choose one`,
      'required',
    );
  }
  return sources[0]!;
}
