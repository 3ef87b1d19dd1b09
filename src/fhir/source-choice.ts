import { GatewayError } from '../errors/gateway-error.ts';
import { shown } from '../errors/shown.ts';
import { unsupportedParams } from '../sources/capabilities.ts';
import type { SearchQuery } from '../sources/search-query.ts';
import type { Source } from '../sources/source-registry.ts';
import { warn, type FhirContext, type ResultPath } from './fhir-context.ts';

/**
 * Which sources a request concerns. One module, so that GraphQL and REST choose alike: reads and searches go to the
 * source named (GraphQL `sourceId`, REST `[base]/{sourceId}`) or to every source serving the type; writes go to
 * exactly one source, never a guessed one.
 */

/** A configured source by its id, else UNKNOWN_SOURCE. */
export function namedSource(ctx: FhirContext, sourceId: string): Source {
  const source = ctx.sources.get(sourceId);
  if (source) return source;
  const known = ctx.sources.all().map((s) => s.id).join(', ');
  throw new GatewayError('UNKNOWN_SOURCE', `Unknown source '${shown(sourceId)}'; configured sources: ${known}`);
}

/** The source named, else every source serving the type. */
export function sourcesFor(ctx: FhirContext, resourceType: string, sourceId: string | null | undefined): Source[] {
  if (sourceId !== undefined && sourceId !== null) {
    const source = namedSource(ctx, sourceId);
    if (source.resourceTypes !== null && !source.resourceTypes.has(resourceType)) {
      throw new GatewayError('UNSUPPORTED_RESOURCE_TYPE', `Source '${sourceId}' does not serve ${resourceType}`);
    }
    return [source];
  }
  const sources = ctx.sources.forType(resourceType);
  if (sources.length === 0) throw new GatewayError('UNSUPPORTED_RESOURCE_TYPE', `No configured source serves ${resourceType}`);
  return sources;
}

/**
 * The sources a search goes to: those serving the type whose CapabilityStatement does not exclude one of the
 * search's parameters (a source that ignored an unknown parameter would return unfiltered results), and — for
 * `_filter` — does declare it. Sources left out are named in a SOURCE_SKIPPED warning; if none is left, or the one
 * named cannot, it is an error.
 */
export function searchSourcesFor(
  ctx: FhirContext,
  at: ResultPath | undefined,
  resourceType: string,
  sourceId: string | null | undefined,
  query: SearchQuery,
): Source[] {
  const candidates = sourcesFor(ctx, resourceType, sourceId);
  const names = query.flatMap(([name, value]) => (name === '_sort' ? value.split(',').map((f) => f.trim().replace(/^-/, '')) : [name]));
  const filter = names.some(isFilterParam);
  const missing = candidates.map((s) => {
    const params = unsupportedParams(s.capabilities, resourceType, names);
    if (filter && !declaresFilter(s, resourceType) && !params.includes('_filter')) params.push('_filter');
    return { source: s, params };
  });
  const usable = missing.filter((m) => m.params.length === 0).map((m) => m.source);
  const skipped = missing.filter((m) => m.params.length > 0);
  const describe = skipped.map((m) => `'${m.source.id}' (${m.params.map((p) => shown(p)).join(', ')})`).join(', ');
  if (usable.length === 0) {
    throw new GatewayError(
      'UNSUPPORTED_SEARCH_PARAMETER',
      `No source that serves ${resourceType} supports this search: ${describe} ${skipped.length === 1 ? 'does' : 'do'} not declare the parameters named`,
    );
  }
  if (skipped.length > 0) {
    warn(ctx, at, 'SOURCE_SKIPPED', `Not searched, because their CapabilityStatement lacks a parameter of this search: ${describe}`);
  }
  return usable;
}

/**
 * FHIR `_filter` is an optional search feature (HAPI, for one, declares it only when it is enabled) that a server
 * may reject, ignore or answer as an unknown parameter — Medplum's in-memory repository answers no matches — so,
 * unlike the other parameters, it is never assumed: a source must declare it, as a search parameter named `_filter`
 * of the type in its CapabilityStatement (as HAPI does when `_filter` is enabled), or one for every type
 * (`rest.searchParam`).
 */
export function declaresFilter(source: Source, resourceType: string): boolean {
  const capabilities = source.capabilities;
  return capabilities?.searchParams.get(resourceType)?.has('_filter') === true || capabilities?.allTypesSearchParams.has('_filter') === true;
}

const isFilterParam = (name: string) => name === '_filter' || name.startsWith('_filter:');

/**
 * A search within one source (reverse references search the source of their parent) that has a `_filter`: an
 * UNSUPPORTED_SEARCH_PARAMETER error unless the source declares `_filter` for the type.
 */
export function requireFilterSupport(ctx: FhirContext, sourceId: string, resourceType: string, query: SearchQuery): void {
  if (!query.some(([name]) => isFilterParam(name))) return;
  const source = ctx.sources.get(sourceId);
  if (source !== undefined && declaresFilter(source, resourceType)) return;
  throw new GatewayError(
    'UNSUPPORTED_SEARCH_PARAMETER',
    `Source '${sourceId}' does not declare the ${resourceType} search parameter _filter in its CapabilityStatement`,
  );
}

/**
 * The one source for a write that creates, or whose target its criteria decide (conditional update/patch/delete):
 * the one named, else the only one serving the type, else the configured defaultWriteSource when it serves the type.
 */
export function createTarget(ctx: FhirContext, resourceType: string, sourceId: string | null | undefined, what: string): Source {
  const candidates = sourcesFor(ctx, resourceType, sourceId);
  if (candidates.length === 1) return candidates[0]!;
  const fallback = defaultWriteSourceAmong(ctx, candidates);
  if (fallback !== undefined) return fallback;
  throw sourceRequired(ctx, candidates, resourceType, `a ${what} goes to one of them`, `${resourceType}`, true);
}

/**
 * The one source for a write of an existing resource when the client may not look it up (GraphQL XUpdate/XDelete,
 * which take a `sourceId`): the one named, else the only one serving the type. Never the defaultWriteSource: it may not
 * be the one that has the resource.
 */
export function namedTarget(ctx: FhirContext, resourceType: string, sourceId: string | null | undefined): Source {
  const candidates = sourcesFor(ctx, resourceType, sourceId);
  if (candidates.length === 1) return candidates[0]!;
  throw sourceRequired(ctx, candidates, resourceType, 'choose where to write', `${resourceType}/{id}`, false);
}

/**
 * The one source for a batch or transaction Bundle: the one named, the only one, the defaultWriteSource if it serves
 * every type the entries name, or the only one that does — never split across sources.
 */
export function batchTarget(ctx: FhirContext, sourceId: string | null | undefined, types: ReadonlySet<string | undefined>): Source {
  if (sourceId !== undefined && sourceId !== null) return namedSource(ctx, sourceId);
  const all = ctx.sources.all();
  if (all.length === 1) return all[0]!;
  const serving = all.filter((s) => [...types].every((t) => t !== undefined && (s.resourceTypes === null || s.resourceTypes.has(t))));
  const fallback = defaultWriteSourceAmong(ctx, serving);
  if (fallback !== undefined) return fallback;
  if (serving.length === 1 && types.size > 0) return serving[0]!;
  const which = serving.length === 0 ? 'no source serves every type it names' : `${serving.length} sources (${ids(serving)}) could take it`;
  throw new GatewayError(
    'SOURCE_REQUIRED',
    `A batch or transaction goes to one source, and ${which}${defaultWriteSourceNote(ctx, 'every type it names')}; ` +
      'post it to [base]/{sourceId}',
  );
}

/** The one source for a request only one source can answer (type history): the one named, or the only one. */
export function soleSource(ctx: FhirContext, resourceType: string, sourceId: string | null | undefined, what: string, where: string): Source {
  const candidates = sourcesFor(ctx, resourceType, sourceId);
  if (candidates.length === 1) return candidates[0]!;
  throw new GatewayError(
    'SOURCE_REQUIRED',
    `${candidates.length} sources serve ${resourceType} (${ids(candidates)}); ${what} as [base]/{sourceId}/${where}`,
  );
}

/** Of several sources that could take a write naming no source, the configured defaultWriteSource if it is one of them. */
export function defaultWriteSourceAmong(ctx: FhirContext, candidates: readonly Source[]): Source | undefined {
  return ctx.defaultWriteSource === null ? undefined : candidates.find((s) => s.id === ctx.defaultWriteSource);
}

/** A SOURCE_REQUIRED error naming the candidates and where the client names a source in each transport. */
export function sourceRequired(
  ctx: FhirContext, candidates: readonly Source[], resourceType: string, why: string, restPath: string, mentionDefault: boolean,
): GatewayError {
  return new GatewayError(
    'SOURCE_REQUIRED',
    `${resourceType} is served by ${candidates.length} sources (${ids(candidates)})` +
      `${mentionDefault ? defaultWriteSourceNote(ctx, resourceType) : ''}; ${why}: ` +
      `name it with sourceId (GraphQL) or [base]/{sourceId}/${restPath} (REST)`,
  );
}

/** Why the defaultWriteSource did not take the write ('' without one). */
function defaultWriteSourceNote(ctx: FhirContext, serves: string): string {
  return ctx.defaultWriteSource === null ? '' : ` (defaultWriteSource '${ctx.defaultWriteSource}' does not serve ${serves})`;
}

function ids(sources: readonly Source[]): string {
  return sources.map((s) => s.id).join(', ');
}
