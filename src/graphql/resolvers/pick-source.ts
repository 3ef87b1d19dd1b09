import { unsupportedParams } from '../../sources/capabilities.ts';
import type { SearchQuery } from '../../sources/search-query.ts';
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

/**
 * Of several sources that could take a write naming no source, the configured defaultWriteSource if it is one of them
 * (undefined otherwise: the client must choose). Only for writes that create or whose target the criteria decide —
 * never for a write of an existing resource, which goes to the source that has it.
 */
export function defaultWriteSourceAmong(ctx: GatewayContext, candidates: readonly Source[]): Source | undefined {
  return ctx.defaultWriteSource === null ? undefined : candidates.find((s) => s.id === ctx.defaultWriteSource);
}

/** For a SOURCE_REQUIRED message when defaultWriteSource was not among the candidates: why not ('' without one). */
export function defaultWriteSourceNote(ctx: GatewayContext, serves: string): string {
  return ctx.defaultWriteSource === null ? '' : ` (defaultWriteSource '${ctx.defaultWriteSource}' does not serve ${serves})`;
}

/**
 * The sources a search goes to: those serving the type whose CapabilityStatement does not exclude one of the
 * search's parameters (a source that ignored an unknown parameter would return unfiltered results). Sources left
 * out are named in a SOURCE_SKIPPED warning; if none is left, or the one named by `sourceId` cannot, it is an error.
 */
export function searchSourcesFor(
  ctx: GatewayContext,
  path: readonly (string | number)[],
  resourceType: string,
  sourceId: string | null | undefined,
  query: SearchQuery,
): Source[] {
  const candidates = sourcesFor(ctx, resourceType, sourceId);
  const names = query.flatMap(([name, value]) => (name === '_sort' ? value.split(',').map((f) => f.trim().replace(/^-/, '')) : [name]));
  const missing = candidates.map((s) => ({ source: s, params: unsupportedParams(s.capabilities, resourceType, names) }));
  const usable = missing.filter((m) => m.params.length === 0).map((m) => m.source);
  const skipped = missing.filter((m) => m.params.length > 0);
  const describe = skipped.map((m) => `'${m.source.id}' (${m.params.join(', ')})`).join(', ');
  if (usable.length === 0) {
    throw userError(
      'UNSUPPORTED_SEARCH_PARAMETER',
      `No source that serves ${resourceType} supports this search: ${describe} ${skipped.length === 1 ? 'does' : 'do'} not declare the parameters named`,
      'not-supported',
    );
  }
  if (skipped.length > 0) {
    ctx.warnings.push({
      code: 'SOURCE_SKIPPED',
      message: `Not searched, because their CapabilityStatement lacks a parameter of this search: ${describe}`,
      path,
    });
  }
  return usable;
}
